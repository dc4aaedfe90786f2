// xbgp/chain.cpp: next(), the helper a replace plugin calls to hand over to
// the rest of the chain (see anchors.cpp for the model).
//
// next() runs the following replace plugin (or, after the last, the host's
// default code) inside the calling plugin, and returns the outcome's value:
// `return next();` passes it on, and the calling plugin's own return value
// is ignored once it has handed over. A second next() from the same plugin
// runs nothing more and returns the same value. Outside a replace chain (a
// pre or post plugin, a plain run()), when the chain ends without a default
// code, or past max_chain_depth nested plugins (the plugin is then failed),
// it returns -1, as libxbgp's next() does when there is nothing to run.
#include "../call_state.hpp"
#include "../chain_state.hpp"
#include "xbgp_helpers.hpp"

namespace mempool::detail::xbgp {

u64 next(u64, u64, u64, u64, u64) noexcept {
    ChainRun* const run = chain;   // no_chain outside anchored runs
    PluginRun* const self = run->plugin;  // idle_plugin() if none: HandOver::nothing
    const HandOver to = self->next;
    if (to == HandOver::plugin || to == HandOver::fallback) {
        if (tls.depth >= max_chain_depth) [[unlikely]] {
            self->failed = true;
            return next_unavailable;
        }
        if (to == HandOver::fallback) {
            // After the last replace plugin only the default code is left
            // (its outcome always fell back).
            const Outcome d = run_default(*run);
            self->hand_over(d);
            return run->fallback.fn == nullptr ? next_unavailable : d.value;
        }
        self->hand_over(run->replace_step(*run, self->next_index));
    } else if (to != HandOver::done) {
        return next_unavailable;  // a pre or post plugin, or none
    }
    // The rest's outcome (a second next() returns the same value).
    const Outcome o = self->handed();
    return o.fell_back && run->fallback.fn == nullptr ? next_unavailable : o.value;
}

}  // namespace mempool::detail::xbgp
