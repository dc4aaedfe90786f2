// log_capture.cpp: a fopencookie stream that appends to a string.
#include "log_capture.hpp"

#include <new>

namespace mempool::detail {

LogCapture::LogCapture() noexcept {
    cookie_io_functions_t io{};
    io.write = &LogCapture::write;
    stream_ = fopencookie(this, "w", io);
    if (stream_ != nullptr) setvbuf(stream_, nullptr, _IOLBF, 0);
}

LogCapture::~LogCapture() {
    if (stream_ != nullptr) std::fclose(stream_);
}

ssize_t LogCapture::write(void* cookie, const char* buf, size_t size) noexcept {
    auto* self = static_cast<LogCapture*>(cookie);
    if (self->text_.size() < max_bytes) {
        size_t room = max_bytes - self->text_.size();
        try {
            self->text_.append(buf, size < room ? size : room);
        } catch (const std::bad_alloc&) {
            // Dropping log text is harmless; the load's outcome is unchanged.
        }
    }
    return static_cast<ssize_t>(size);
}

std::string LogCapture::text() noexcept {
    if (stream_ != nullptr) std::fflush(stream_);
    try {
        return text_;
    } catch (const std::bad_alloc&) {
        return {};
    }
}

}  // namespace mempool::detail
