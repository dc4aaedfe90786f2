// xbgp/host.hpp: what a Runtime keeps for the xBGP API (Runtime::xbgp_):
// the extra configuration, the log settings, the host's clock, and the
// shared memory of each plugin group. Helpers reach it through the run's
// CallFrame (set by anchored runs):
//
//   const detail::XbgpHost* host = detail::xbgp::current_host();  // null outside
//   if (host && host->extra) ...
#pragma once

#include <mempool/runtime.hpp>

#include "extra_info.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mempool::detail {

struct XbgpHost {
    std::shared_ptr<const ExtraConfig> extra;
    std::uint32_t log_mask = ~0u;
    std::FILE* log = stderr;       // null: discard
    std::FILE* owned_log = nullptr;
    Runtime::Clock clock = nullptr;
    void* clock_data = nullptr;
    // Plugin groups' shared memories, by group name (created at load).
    std::map<std::string, std::shared_ptr<SharedMemory>> shared;
    ~XbgpHost() {
        if (owned_log != nullptr) std::fclose(owned_log);
    }
};

namespace xbgp {
// The xBGP state of the runtime running the current plugin, or null.
[[nodiscard]] inline const XbgpHost* current_host() noexcept;
}  // namespace xbgp

}  // namespace mempool::detail

#include "../call_state.hpp"

namespace mempool::detail::xbgp {
inline const XbgpHost* current_host() noexcept {
    const CallFrame* f = tls.frame;
    return f != nullptr && f->runtime != nullptr ? xbgp_host_of(*f->runtime) : nullptr;
}
}  // namespace mempool::detail::xbgp
