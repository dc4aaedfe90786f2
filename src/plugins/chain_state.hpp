// chain_state.hpp: the state of an anchored run (pre, replace chain, post),
// shared by anchors.cpp, which runs it, and the helpers that act on it
// (next(), get_arg's handles, fail_current_plugin).
//
// One ChainRun lives on the stack of each anchored run (Runtime::run in
// anchors.cpp); the thread points to the innermost one (a host helper or
// default code may run another point inside). Each plugin being run has a
// PluginRun on the stack of the code running it, so that a replace plugin
// that calls next() keeps its own record while the next one runs inside it:
//
//   ChainRun* c = detail::chain;                 // null outside anchored runs
//   if (c != nullptr && c->plugin != nullptr) c->plugin->failed = true;
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <span>

namespace mempool::detail {

// What the replace stage (or a part of it) decided.
struct Outcome {
    std::uint64_t value = 0;
    bool fell_back = false;  // the host's default code decided
};

// One plugin being run by an anchored run.
struct PluginRun {
    Anchor anchor = Anchor::pre;
    std::uint32_t next_index = 0;  // replace: the plugin next() hands over to
    bool failed = false;           // a helper called fail_current_plugin()
    bool handed_over = false;      // replace: it called next(); `handed` is the rest's outcome
    Outcome handed;
};

struct ChainRun {
    // (A constructor rather than an aggregate: the compiler then stores each
    // member once instead of zeroing the whole object first.)
    ChainRun(PointId point_id, ChainRun* outer_run, Outcome (*run_replace)(ChainRun&, std::uint32_t) noexcept,
             std::uint32_t replaces, const void* run_point, std::span<const Arg> run_args, DefaultCode default_code,
             RunResult* run_result) noexcept
        : info{.point = point_id},
          outer(outer_run),
          replace_step(run_replace),
          replace_count(replaces),
          point(run_point),
          args(run_args),
          fallback(default_code),
          result(run_result) {}
    ChainRun(const ChainRun&) = delete;
    ChainRun& operator=(const ChainRun&) = delete;

    ChainInfo info;                 // what current_chain() shows
    PluginRun* plugin = nullptr;    // the plugin being run (innermost), or null
    ChainRun* outer = nullptr;      // the anchored run this one is nested in
    // Runs replace plugin `index` (below replace_count): its outcome, the
    // rest of the chain's if it calls next(). Set by the anchored run, never
    // null there; next() past the last plugin runs the default code instead.
    Outcome (*replace_step)(ChainRun& run, std::uint32_t index) noexcept = nullptr;
    std::uint32_t replace_count = 0;  // the point's replace plugins
    // The anchored run's own state, for replace_step, kept here rather than
    // behind a second pointer (one frame per anchored run, whatever its depth).
    // (The point's ResultCheck is read there, from the point.)
    const void* point = nullptr;    // the Runtime::Point being run
    std::span<const Arg> args;
    DefaultCode fallback;           // fn null: run() was given none
    RunResult* result = nullptr;
    bool default_ran = false;       // the default code ran (at most once per run)
    std::uint64_t default_value = 0;
};

// The default code's outcome for `c` (it runs at most once per run: a
// second need reuses its value; without one, value 0). Inline: it is most
// of what next() from the last replace plugin does.
[[nodiscard]] inline Outcome run_default(ChainRun& c) noexcept {
    if (c.fallback.fn == nullptr) return Outcome{0, true};
    if (c.default_ran) return Outcome{c.default_value, true};
    c.default_ran = true;
    PluginRun* const plugin = c.plugin;
    c.plugin = nullptr;  // the default code is no plugin
    const std::uint64_t v = c.fallback.fn(c.fallback.data);
    c.plugin = plugin;
    c.default_value = v;
    return Outcome{v, true};
}

// The innermost anchored run of this thread, or null.
extern constinit thread_local ChainRun* chain __attribute__((tls_model("initial-exec")));

// What next() returns to a plugin when the chain ends without a default code
// (or next() is called outside a replace chain): -1, as libxbgp's next().
inline constexpr std::uint64_t next_unavailable = ~std::uint64_t{0};

}  // namespace mempool::detail
