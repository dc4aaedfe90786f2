// xbgp/host.cpp: the Runtime's xBGP state (host.hpp): made on first use,
// and the host API that sets it (log mask and stream, clock).
#include "host.hpp"

#include <cerrno>
#include <cstring>
#include <new>

namespace mempool {

namespace detail {
const XbgpHost* xbgp_host_of(const Runtime& rt) noexcept { return rt.xbgp_.get(); }
}  // namespace detail

detail::XbgpHost* Runtime::xbgp_host() noexcept {
    if (xbgp_ == nullptr) {
        try {
            xbgp_ = std::make_shared<detail::XbgpHost>();
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }
    return xbgp_.get();
}

void Runtime::set_log_mask(std::uint32_t mask) noexcept {
    if (detail::XbgpHost* h = xbgp_host()) h->log_mask = mask;
}

PluginStatus Runtime::set_log_file(const std::string& path) noexcept {
    PluginStatus s;
    detail::XbgpHost* h = xbgp_host();
    if (h == nullptr) {
        s.error.code = PluginErrc::internal;
        s.error.message = "out of memory";
        return s;
    }
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) {
        s.error.code = PluginErrc::invalid_argument;
        try {
            s.error.message = "log file '" + path + "': " + std::strerror(errno);
        } catch (const std::bad_alloc&) {
        }
        return s;
    }
    if (h->owned_log != nullptr) std::fclose(h->owned_log);
    h->owned_log = f;
    h->log = f;
    return s;
}

void Runtime::set_log_stream(std::FILE* stream) noexcept {
    detail::XbgpHost* h = xbgp_host();
    if (h == nullptr) return;
    if (h->owned_log != nullptr) {
        std::fclose(h->owned_log);
        h->owned_log = nullptr;
    }
    h->log = stream;
}

void Runtime::set_clock(Clock clock, void* data) noexcept {
    if (detail::XbgpHost* h = xbgp_host()) {
        h->clock = clock;
        h->clock_data = data;
    }
}

}  // namespace mempool
