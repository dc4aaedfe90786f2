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
//   ChainRun* c = detail::chain;                 // &no_chain outside anchored runs
//   if (c->plugin != idle_plugin()) c->plugin->failed = true;
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace mempool::detail {

// What the replace stage (or a part of it) decided.
struct Outcome {
    std::uint64_t value = 0;
    bool fell_back = false;  // the host's default code decided
};

// What next() does when the plugin being run calls it (one byte, so that
// next() tests one field).
enum class HandOver : std::uint8_t {
    nothing,   // not a replace plugin: next() returns next_unavailable
    plugin,    // runs replace plugin PluginRun::next_index
    fallback,  // the last replace plugin: runs the default code
    done,      // it called next(): PluginRun::handed is the rest's outcome
};

// One plugin being run by an anchored run.
struct PluginRun {
    std::uint32_t next_index = 0;        // HandOver::plugin: the plugin next() hands over to
    HandOver next = HandOver::nothing;
    // HandOver::done: the rest's outcome (not set before, so that making a
    // PluginRun costs fewer stores; beside `next`, which is set with it).
    bool handed_fell_back;
    bool failed = false;                 // a helper called fail_current_plugin()
    std::uint64_t handed_value;

    void hand_over(Outcome o) noexcept {
        handed_value = o.value;
        handed_fell_back = o.fell_back;
        next = HandOver::done;
    }
    [[nodiscard]] Outcome handed() const noexcept { return Outcome{handed_value, handed_fell_back}; }
};

// What ChainRun::plugin points to while no plugin is being run (the default
// code, the point's check, between plugins): next() then finds nothing to
// hand over to without a test of its own. Never written (fail_current_plugin
// skips it); read-only data, so a write would fault rather than spread.
extern const PluginRun no_plugin;
[[nodiscard]] constexpr PluginRun* idle_plugin() noexcept { return const_cast<PluginRun*>(&no_plugin); }

struct ChainRun {
    // What detail::chain points to outside anchored runs (no_chain): no
    // plugin being run, nothing else read.
    constexpr ChainRun() noexcept : plugin(idle_plugin()), default_value(0) {}

    // (A constructor rather than an aggregate: the compiler then stores each
    // member once instead of zeroing the whole object first.) `first` is
    // the plugin being run from the start (the usual point's first replace
    // plugin), or idle_plugin().
    ChainRun(PointId point_id, Anchor anchor, PluginRun* first, ChainRun* outer_run,
             Outcome (*run_replace)(ChainRun&, std::uint32_t) noexcept, const void* run_point,
             std::span<const Arg> run_args, DefaultCode default_code, RunResult* run_result) noexcept
        : plugin(first),
          outer(outer_run),
          replace_step(run_replace),
          point(run_point),
          args(run_args),
          fallback(default_code),
          result(run_result) {
        // Zeroed whole, then the two fields set: fewer stores than one per
        // field. (A plain struct of numbers: all-zero bytes are its zeros.)
        static_assert(std::is_trivially_copyable_v<ChainInfo>);
        std::memset(static_cast<void*>(&info), 0, sizeof info);
        info.point = point_id;
        info.anchor = anchor;
    }
    ChainRun(const ChainRun&) = delete;
    ChainRun& operator=(const ChainRun&) = delete;

    ChainInfo info;                 // what current_chain() shows
    PluginRun* plugin = nullptr;    // the plugin being run (innermost), or idle_plugin()
    ChainRun* outer = nullptr;      // the anchored run this one is nested in
    // Runs replace plugin `index` (next() from the plugin before it): its
    // outcome, the rest of the chain's if it calls next(). Set by the
    // anchored run, never null there.
    Outcome (*replace_step)(ChainRun& run, std::uint32_t index) noexcept = nullptr;
    // The anchored run's own state, for replace_step, kept here rather than
    // behind a second pointer (one frame per anchored run, whatever its depth).
    // (The point's ResultCheck and replace plugins are read there, from the point.)
    const void* point = nullptr;    // the Runtime::Point being run
    std::span<const Arg> args;
    DefaultCode fallback;           // fn null: run() was given none
    RunResult* result = nullptr;
    bool default_ran = false;       // the default code ran (at most once per run) ...
    std::uint64_t default_value;    // ... and gave this (not set before)
};

// The default code's outcome for `c` (it runs at most once per run: a
// second need reuses its value; without one, value 0). Inline: it is most
// of what next() from the last replace plugin does.
[[nodiscard]] inline Outcome run_default(ChainRun& c) noexcept {
    if (c.fallback.fn == nullptr) return Outcome{0, true};
    if (c.default_ran) return Outcome{c.default_value, true};
    c.default_ran = true;
    PluginRun* const plugin = c.plugin;
    c.plugin = idle_plugin();  // the default code is no plugin
    const std::uint64_t v = c.fallback.fn(c.fallback.data);
    c.plugin = plugin;
    c.default_value = v;
    return Outcome{v, true};
}

// The innermost anchored run of this thread, or &no_chain.
extern const ChainRun no_chain;
extern constinit thread_local ChainRun* chain __attribute__((tls_model("initial-exec")));

// What next() returns to a plugin when the chain ends without a default code
// (or next() is called outside a replace chain): -1, as libxbgp's next().
inline constexpr std::uint64_t next_unavailable = ~std::uint64_t{0};

}  // namespace mempool::detail
