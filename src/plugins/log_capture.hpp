// log_capture.hpp: collect what a C library writes to a FILE* into a string.
//
// librte_bpf reports why it rejects a program only through rte_log. The
// backend points rte_log at a LogCapture's stream for the duration of one
// load (loads are serialised: the log stream is process-wide) and hands the
// collected lines to the diagnosis.
#pragma once

#include <cstdio>
#include <string>

namespace mempool::detail {

class LogCapture {
public:
    static constexpr std::size_t max_bytes = 64 * 1024;  // later lines are dropped

    LogCapture() noexcept;
    ~LogCapture();
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    [[nodiscard]] std::FILE* stream() const noexcept { return stream_; }
    // Everything written so far (flushes the stream first).
    [[nodiscard]] std::string text() noexcept;

private:
    static ssize_t write(void* cookie, const char* buf, size_t size) noexcept;
    std::string text_;
    std::FILE* stream_ = nullptr;
};

}  // namespace mempool::detail
