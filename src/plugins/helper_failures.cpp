// helper_failures.cpp: counting the helper calls that fail, so that a host
// can show them (RunResult::helper_failures, Program::helper_failures).
//
// In libxbgp a helper that fails returns NULL or -1 and the plugin goes on;
// a plugin that ignores the value, or handles it by returning a default,
// leaves no trace. The helpers that can fail call note_helper_failure() at
// the point of failure: the plugin being run (detail::tls.budget) gets one
// more of that kind, and so does the thread's running total, from which each
// run() takes its own share. Runtime::attached_plugins() lists the
// plugins a host reports those figures for.
#include <mempool/runtime.hpp>

#include "call_state.hpp"

namespace mempool {

void note_helper_failure(HelperFailure why) noexcept {
    detail::ThreadState& t = detail::tls;
    if (t.budget == nullptr) return;  // outside a run: nobody to count it for
    const auto kind = static_cast<std::size_t>(why);
    if (kind >= t.budget->helper_failures.size()) return;
    t.budget->helper_failures[kind].fetch_add(1, std::memory_order_relaxed);
    ++t.helper_failures;
}

std::vector<Runtime::AttachedPlugin> Runtime::attached_plugins() const {
    std::vector<AttachedPlugin> out;
    for (const Point& p : points_) {
        for (const Attached& a : p.entries) out.push_back({p.name, Anchor::pre, a.program});
        for (const Attached& a : p.replace) out.push_back({p.name, Anchor::replace, a.program});
        for (const Attached& a : p.post) out.push_back({p.name, Anchor::post, a.program});
    }
    return out;
}

const char* helper_failure_name(HelperFailure why) noexcept {
    switch (why) {
    case HelperFailure::bad_argument: return "bad_argument";
    case HelperFailure::refused: return "refused";
    case HelperFailure::heap_exhausted: return "heap_exhausted";
    }
    return "unknown";
}

}  // namespace mempool
