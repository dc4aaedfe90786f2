// xbgp/logging.cpp: super_log, behind xBGP's log_msg(L_WARN "fmt", ...).
//
// The message's first byte is its level, L_DEBUG (1) to L_BUG (9)
// (xbgp_common_vm_defs.h); the rest is a format with LOG_* values (print.cpp).
// It is written, with the level's name in front ("WARN: ..."), to the
// runtime's log stream (Runtime::set_log_file / set_log_stream; standard
// error by default) if bit `level` of the log mask is set. Returns 1 if
// written, 0 if filtered out, and 0 for a message without a valid level or
// with a malformed format, as libxbgp's super_log does.
#include "host.hpp"
#include "xbgp_helpers.hpp"

#include <string>

namespace mempool::detail::xbgp {

u64 super_log(u64 msg, u64 vargs, u64, u64, u64) noexcept {
    static constexpr const char* names[] = {"", "DEBUG", "TRACE", "INFO", "REMOTE", "WARN", "ERR", "AUTH", "FATAL", "BUG"};
    std::string_view text;
    if (!plugin_string(msg, 4096, text, 0) || text.empty()) return 0;
    const auto level = static_cast<unsigned char>(text[0]);
    if (level < 1 || level > 9) return 0;
    const XbgpHost* host = current_host();
    if (host != nullptr && ((host->log_mask >> level) & 1u) == 0) return 0;
    Values values;
    if (!values.from_vargs(vargs)) return 0;
    try {
        std::string body;
        if (!format(text.substr(1), values, body)) return 0;
        write_log(std::string(names[level]) + ": " + body);
    } catch (const std::bad_alloc&) {
        return 0;
    }
    return 1;
}

}  // namespace mempool::detail::xbgp
