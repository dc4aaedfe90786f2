// anchors.cpp: running a point with anchors (pre, replace chain, post) and
// the host's default code, as libxbgp does (see Anchor in runtime.hpp).
//
// How next() works, under both the JIT and the interpreter: it is a helper
// that runs the rest of the chain *inside* the plugin that calls it, and
// returns the outcome's value. The calling plugin's frame stays live on the
// native stack (JIT) or in the interpreter's frame below, exactly as when a
// helper runs a nested point; each nested plugin gets its own argument
// struct and its own heap arena (cached per nesting level and thread), so
// the caller's arguments and heap are intact when next() returns. libxbgp
// does the same (its next() runs the next VM recursively). Depth is bounded:
// a point has at most max_replace_plugins replace plugins, and a thread runs
// at most max_chain_depth plugins nested in one another; a next() past that
// fails the plugin that called it (the default code decides).
//
// The replace stage, for plugin i of n:
//   i == n                  the default code's value (fell_back);
//   plugin i called next()  the rest's outcome, whatever plugin i returns
//                           afterwards (as in libxbgp: the deeper value wins);
//   plugin i failed         the default code's value (it runs at most once
//                           per run: a second need reuses its value);
//   its value is refused    the same, counted in RunResult::refused;
//   otherwise               plugin i's value.
// A run-time check stop, fail_current_plugin() and a refused value are
// failures, counted in RunResult::failed and Program::failures().
//
// This is not the fast path: a point with pre plugins of the mempool ABI
// only runs in run.cpp, as before anchors existed.
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include "arena_memory.hpp"
#include "call_state.hpp"
#include "chain_state.hpp"
#include "program_impl.hpp"
#include "xbgp/regions.hpp"
#include "xbgp/shared_memory.hpp"

#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

// A lambda's `noexcept` and GNU attributes: GCC takes the attributes after
// noexcept, clang (14; the fuzz build) only before it. GCC's spelling is
// unchanged.
#if defined(__clang__)
#define MEMPOOL_NOEXCEPT_ATTRIBUTES(...) __attribute__((__VA_ARGS__)) noexcept
#else
#define MEMPOOL_NOEXCEPT_ATTRIBUTES(...) noexcept __attribute__((__VA_ARGS__))
#endif

namespace mempool {
namespace detail {

constinit const PluginRun no_plugin{};
constinit const ChainRun no_chain;
constinit thread_local ChainRun* chain __attribute__((tls_model("initial-exec"))) = const_cast<ChainRun*>(&no_chain);

namespace {

// What a plugin run by an anchored run needs at one nesting level, made once
// per level and thread and kept: its argument struct (R1), heap arena,
// RunContext and region view, already pointing at one another, so that a
// run only sets what depends on the plugin (its heap size, shared arena,
// globals, read-only data). A nested plugin (next(), a run from a helper or
// the default code) is one level deeper, so the caller's struct, heap,
// context and view are intact when it returns.
struct Level {
    // Zeroed when made, and again after a mempool-ABI plugin that may write
    // it (AnchoredCode::writes_arguments); the slots that held a bytes
    // argument (bytes_slots) are zeroed before the next mempool-ABI plugin's
    // arguments are copied; an xBGP plugin's context is its first 24 bytes,
    // written before each. So a plugin finds only its own arguments, never
    // another plugin's scribbles nor an earlier run's arguments.
    alignas(64) bpf_full_args_t args{};
    std::uint8_t bytes_slots = 0;
    vm::RunContext rc;        // r1 = &args, heap = the arena; the rest set per plugin, but the
                              // frame, read-only data and arg_room, zero except while a plugin runs
    xbgp::RunView view;       // ctx = &args, rc = &rc; the rest set per plugin
    // The heap arena (base, capacity; zeroed, except while a plugin runs) as
    // a plugin starts with it: the thread's HeapArena is this, plus the size.
    HeapArena arena;
};

// What the thread's levels are before it makes one: a level of no capacity,
// so that the test for a large enough arena (level_for) also sends a level
// not yet made to make_level, without a test of its own. Never written.
constinit const Level unmade{};

struct Levels {
    const Level* at[max_chain_depth + 1];
    constexpr Levels() noexcept {
        for (const Level*& l : at) l = &unmade;
    }
    ~Levels() {
        for (const Level* l : at) {
            if (l == &unmade) continue;
            unmap_arena(l->arena.base, l->arena.capacity);
            delete l;
        }
    }
};
constinit const Levels none_made;
// The thread's Levels: reached through an initial-exec pointer (one
// %fs-relative load, no TLS wrapper call), owned by a thread_local that frees
// it at thread exit; none_made until the thread's first anchored run.
constinit thread_local const Levels* levels_of_thread __attribute__((tls_model("initial-exec"))) = &none_made;
thread_local std::unique_ptr<Levels> levels_owner;

// The first run at `depth` on this thread, or the first plugin there whose
// heap is larger than the arena: makes the level or grows its arena (a
// zeroed buffer of at least `size` bytes). Null if out of memory or deeper
// than max_chain_depth.
[[gnu::noinline, gnu::cold]] Level* make_level(unsigned depth, std::uint32_t size) noexcept {
    if (depth > max_chain_depth) return nullptr;
    if (levels_owner == nullptr) {
        levels_owner.reset(new (std::nothrow) Levels());
        if (levels_owner == nullptr) return nullptr;
        levels_of_thread = levels_owner.get();
    }
    const Level*& slot = levels_owner->at[depth];
    if (slot == &unmade) {
        Level* const fresh = new (std::nothrow) Level();
        if (fresh == nullptr) return nullptr;
        fresh->rc.r1 = reinterpret_cast<std::uint64_t>(&fresh->args);
        fresh->view.ctx = fresh->rc.r1;
        fresh->view.ctx_size = sizeof fresh->args;
        fresh->view.rc = &fresh->rc;
        slot = fresh;
    }
    // Only this thread's own levels are written (never `unmade`).
    Level& l = *const_cast<Level*>(slot);
    if (size >= l.arena.capacity || l.arena.base == nullptr) {
        const std::size_t bytes = (static_cast<std::size_t>(size) + 4096) & ~std::size_t{4095};
        auto* fresh = static_cast<std::uint8_t*>(map_arena(bytes));
        if (fresh == nullptr) return nullptr;
        unmap_arena(l.arena.base, l.arena.capacity);
        l.arena.base = fresh;
        l.arena.capacity = static_cast<std::uint32_t>(bytes);
        l.rc.heap = fresh;
    }
    return &l;
}

// The level for a plugin of heap `size` at `depth`, or null (out of memory,
// or deeper than max_chain_depth). A level not yet made has no capacity.
inline Level* level_for(unsigned depth, std::uint32_t size) noexcept {
    if (depth <= max_chain_depth) [[likely]] {
        const Level* const l = levels_of_thread->at[depth];
        if (size < l->arena.capacity) [[likely]]
            return const_cast<Level*>(l);  // not `unmade`: that has no capacity
    }
    return make_level(depth, size);
}

// libxbgp's exec_info_t, what an xBGP plugin finds at R1.
struct ExecInfo {
    std::int32_t return_val_set;
    std::uint32_t pad0;
    std::uint64_t replace_return_value;
    std::int32_t insertion_point_id;
    std::uint32_t pad1;
};
static_assert(sizeof(ExecInfo) == xbgp_context_size);

// After a plugin whose executor may have set them (AnchoredCode::
// sets_call_regions): the context's frame, read-only data and arg_room back
// to zero, as a level keeps them between plugins.
inline void clear_call_regions(vm::RunContext& rc) noexcept {
    rc.frame_lo = rc.frame_hi = 0;
    rc.rodata = rc.rodata_size = 0;
    std::memset(rc.arg_room, 0, sizeof rc.arg_room);
}

[[gnu::noinline, gnu::cold]] std::uint64_t abort_plugin(const PluginBudget* b, RunResult& result) noexcept {
    b->aborts.fetch_add(1, std::memory_order_relaxed);
    ++result.aborted;
    return MEMPOOL_RUN_ABORTED;
}

}  // namespace

}  // namespace detail

// One plugin on its level's argument struct (refilled), arena, context and
// view; the thread's state is restored afterwards. `aborted` is set if a
// run-time check stopped it (or it could not be run at all). Inlined where
// a plugin is run (anchors.cpp only): the usual point runs one plugin, and
// a call here would cost its own frame and saved registers. What depends on
// the plugin is read from its entry (`plugin.anchored`, filled at attach),
// not from the Program.
[[gnu::always_inline]] inline std::uint64_t Runtime::run_plugin(const Attached& plugin, const detail::ChainRun& run,
                                                                std::span<const Arg> args, RunResult& result,
                                                                bool& aborted) noexcept {
    using namespace detail;
    ThreadState& t = tls;
    const AnchoredCode& code = plugin.anchored;
    aborted = false;
    // exec_info_t as three words (each int32 field with its zero padding,
    // little-endian), read before anything may clobber what the caller
    // just stored in `run` (so that the compiler can use those values).
    const std::uint64_t words[3] = {run.info.result_set ? 1u : 0u, run.info.result, run.info.point.index};
    static_assert(sizeof words == sizeof(ExecInfo) && offsetof(ExecInfo, replace_return_value) == 8 &&
                  offsetof(ExecInfo, insertion_point_id) == 16 && std::endian::native == std::endian::little);
    ++result.ran;
    const std::uint32_t size = static_cast<std::uint32_t>(code.heap_size);
    Level* const l = level_for(t.depth, size);
    if (l == nullptr) [[unlikely]] {
        aborted = true;
        return abort_plugin(plugin.budget, result);
    }
    if (code.abi == PluginAbi::xbgp) [[likely]] {  // anchored points are mostly xBGP's
        auto* const info = reinterpret_cast<unsigned char*>(&l->args);
        std::memcpy(info, &words[0], 8);
        std::memcpy(info + 8, &words[1], 8);
        std::memcpy(info + 16, &words[2], 8);
        // Its context is exec_info_t alone (runtime.cpp verifies it so):
        // helpers that follow its pointers must not reach past it either,
        // into what earlier plugins left in the struct.
        l->view.ctx_size = sizeof(ExecInfo);
    } else {
        l->view.ctx_size = sizeof l->args;
        const std::size_t n = args.size() < MEMPOOL_MAX_ARGS ? args.size() : MEMPOOL_MAX_ARGS;
        l->args.count = static_cast<std::uint32_t>(n);
        l->args.reserved = 0;
        // Bytes 8..24 may hold an xBGP plugin's scribbles on its
        // exec_info_t (its whole context): written again even without
        // arguments, so that no mempool-ABI plugin reads them.
        std::memset(&l->args.slot[0], 0, 16);
        // An earlier plugin's bytes arguments (only a mempool-ABI plugin
        // reads past the first 24 bytes, so they are cleared here).
        clear_bytes_slots(l->args, l->bytes_slots);
        for (std::size_t i = 0; i < n; ++i) {
            args[i].copy_to(l->args.slot[i]);
            if (args[i].is_bytes()) l->bytes_slots |= static_cast<std::uint8_t>(1u << i);
        }
    }

    const HeapArena outer_heap = t.heap;
    const PluginBudget* const outer_budget = t.budget;
    const std::uint64_t outer_added = t.object_added;
    t.heap = l->arena;  // empty: the level's arena is zeroed between plugins
    t.heap.size = size;
    t.budget = plugin.budget;
    t.object_added = 0;
    ++t.depth;

    // The heap's size, the shared arena and the globals in one copy (the
    // entry holds them as the context does). The fields an executor sets at
    // flagged calls (frame, read-only data, arg_room) are zero here: cleared
    // after each plugin that may set them.
    vm::RunContext& rc = l->rc;
    static_assert(offsetof(vm::RunContext, shared) == offsetof(vm::RunContext, heap_size) + 8 &&
                  offsetof(vm::RunContext, shared_size) == offsetof(vm::RunContext, heap_size) + 16 &&
                  offsetof(vm::RunContext, data) == offsetof(vm::RunContext, heap_size) + 24 &&
                  offsetof(AnchoredCode, heap_size) == 0 && offsetof(AnchoredCode, shared) == 8 &&
                  offsetof(AnchoredCode, shared_size) == 16 && offsetof(AnchoredCode, data) == 24);
    std::memcpy(&rc.heap_size, &code.heap_size, 32);
    // The helpers that follow pointers find the rest (read-only data, the
    // globals' size) through the program, when they need it.
    xbgp::RunView& view = l->view;
    view.program = code.program;

    const xbgp::RunView* const outer_view = xbgp::current_view;
    xbgp::current_view = &view;
    const std::uint64_t v = plugin.jit != nullptr ? plugin.jit(&rc) : interpret(*plugin.impl, rc);
    xbgp::current_view = outer_view;

    --t.depth;
    // The next plugin at this level must find the arena zeroed: where this
    // one allocated (up to the high mark) or, if it may have written past
    // its blocks, all of it (t.heap.size is still this plugin's: nested
    // runs put it back). A helper of a later run must not find this one's
    // frame or read-only data, nor a mempool-ABI plugin's scribbles on its
    // arguments. (The flags are tested as one word: most plugins have none.)
    static_assert(offsetof(AnchoredCode, sets_call_regions) == offsetof(AnchoredCode, writes_outside_blocks) + 1 &&
                  offsetof(AnchoredCode, writes_arguments) == offsetof(AnchoredCode, writes_outside_blocks) + 2 &&
                  offsetof(AnchoredCode, reserved) == offsetof(AnchoredCode, writes_outside_blocks) + 3);
    std::uint32_t after_run;
    std::memcpy(&after_run, &code.writes_outside_blocks, sizeof after_run);
    if (after_run != 0) [[unlikely]] {
        if (code.writes_outside_blocks) t.heap.high = t.heap.size;
        if (code.sets_call_regions) clear_call_regions(rc);
        if (code.writes_arguments) {
            std::memset(&l->args, 0, sizeof l->args);
            l->bytes_slots = 0;
        }
    }
    if (t.heap.high != 0) t.heap.reset();
    t.heap = outer_heap;
    t.budget = outer_budget;
    t.object_added = outer_added;
    if (rc.aborted()) [[unlikely]] {
        aborted = true;
        return abort_plugin(plugin.budget, result);
    }
    return v;
}

const char* to_string(Anchor a) noexcept {
    switch (a) {
    case Anchor::pre: return "pre";
    case Anchor::replace: return "replace";
    case Anchor::post: return "post";
    }
    return "unknown";
}

const ChainInfo* current_chain() noexcept {
    const detail::ChainRun* c = detail::chain;
    return c != &detail::no_chain ? &c->info : nullptr;
}

void fail_current_plugin() noexcept {
    detail::ChainRun* c = detail::chain;
    if (c->plugin != detail::idle_plugin()) c->plugin->failed = true;
}


// The anchored run itself (see the model at the top). It lives in run(),
// the hosts' entry, so that the usual call costs one frame: run_anchored
// (plain run() and the C API) forwards here.
RunResult Runtime::run(PointId point, std::span<const Arg> args, const CallScope& scope,
                       DefaultCode fallback) const noexcept {
    using detail::ChainRun;
    using detail::HandOver;
    using detail::Outcome;
    using detail::PluginRun;
    RunResult result;
    if (point.index >= points_.size()) [[unlikely]] {
        if (fallback.fn != nullptr) {
            result.value = fallback.fn(fallback.data);
            result.fell_back = true;
        }
        return result;
    }
    const Point& p = points_[point.index];
    detail::ThreadState& t = detail::tls;
    static constexpr auto count_failure = [](const Attached& plugin, RunResult& r) noexcept {
        plugin.budget->failures.fetch_add(1, std::memory_order_relaxed);
        ++r.failed;
    };
    // A replace plugin `self` of the point has run and returned `v`: its
    // value, or, if it handed over with next(), the rest's outcome; the
    // default code's if it failed or the point's check refused its value.
    static constexpr auto decide = [](ChainRun& c, const Point& point, const Attached& plugin, const PluginRun& self,
                                      std::uint64_t v, bool aborted,
                                      RunResult& result) MEMPOOL_NOEXCEPT_ATTRIBUTES(always_inline) -> Outcome {
        if (self.next == HandOver::done) [[likely]] {
            if (aborted || self.failed) [[unlikely]]
                count_failure(plugin, result);
            return self.handed();
        }
        if (aborted || self.failed) [[unlikely]] {
            count_failure(plugin, result);
            return run_default(c);
        }
        if (point.check.fn != nullptr && !point.check.fn(v, point.check.data)) [[unlikely]] {
            ++result.refused;
            count_failure(plugin, result);
            return run_default(c);
        }
        return Outcome{v, false};
    };
    // What next() from replace plugin i - 1 hands over to.
    static constexpr auto hand_over_to = [](const Point& point, std::uint32_t i) noexcept {
        return point.replace.begin() + (i + 1) != point.replace.end() ? HandOver::plugin : HandOver::fallback;
    };
    // Replace plugin i (below the chain's size), run from next() or from the
    // general case: c.plugin and c.info.depth are put back afterwards.
    static constexpr auto step = [](ChainRun& c, std::uint32_t i) noexcept -> Outcome {
        const Point& point = *static_cast<const Point*>(c.point);
        const Attached& plugin = point.replace[i];
        PluginRun self;
        self.next_index = i + 1;
        self.next = hand_over_to(point, i);
        PluginRun* const outer_plugin = c.plugin;
        const std::uint32_t outer_depth = c.info.depth;
        c.plugin = &self;
        c.info.anchor = Anchor::replace;
        c.info.depth = i;
        bool aborted = false;
        const std::uint64_t v = run_plugin(plugin, c, c.args, *c.result, aborted);
        c.plugin = outer_plugin;
        c.info.depth = outer_depth;
        return decide(c, point, plugin, self, v, aborted, *c.result);
    };

    // pre and post plugins observe: their values are ignored (but kept as
    // the result of a point with neither replace plugins nor default code).
    // Out of line: the usual xBGP point has neither.
    static constexpr auto observe = [](const std::vector<Attached>& list, Anchor anchor,
                                       ChainRun& c) MEMPOOL_NOEXCEPT_ATTRIBUTES(noinline, cold) {
        for (const Attached& a : list) {
            PluginRun self;
            PluginRun* const outer_plugin = c.plugin;
            c.plugin = &self;
            c.info.anchor = anchor;
            bool aborted = false;
            c.result->value = run_plugin(a, c, c.args, *c.result, aborted);
            c.plugin = outer_plugin;
            if (aborted || self.failed) count_failure(a, *c.result);
        }
    };
    // Any point but the usual one (replace plugins alone): out of line.
    static constexpr auto run_general = [](PointId id, const Point& point, std::span<const Arg> args,
                                           DefaultCode fallback, RunResult& result)
        MEMPOOL_NOEXCEPT_ATTRIBUTES(noinline) {
        ChainRun c(id, Anchor::pre, detail::idle_plugin(), detail::chain, +step, &point, args, fallback, &result);
        detail::chain = &c;
        if (!point.entries.empty()) observe(point.entries, Anchor::pre, c);
        const bool has_default = fallback.fn != nullptr;
        const bool decides = !point.replace.empty() || has_default;
        if (decides) {
            // c.plugin is idle here (observe puts it back) and info.depth 0.
            const Outcome o = !point.replace.empty() ? step(c, 0) : run_default(c);
            result.value = o.value;
            result.fell_back = o.fell_back;
        }
        if (!point.post.empty()) {
            // What post plugins see of the replace stage (nothing reads it before).
            if (decides) {
                c.info.result_set = !(result.fell_back && !has_default);
                c.info.result = result.value;
                c.info.fell_back = result.fell_back;
            }
            observe(point.post, Anchor::post, c);
            // post plugins' values do not change the point's result
            if (decides) result.value = c.info.fell_back && !has_default ? 0 : c.info.result;
        }
        detail::chain = c.outer;
    };

    CallFrame frame{global_, {}, this};
    detail::copy_by_words(frame.scope, scope);
    const CallFrame* const outer_frame = t.frame;
    t.frame = &frame;
    // Kept in the result until the end (as run.cpp does: no register or
    // stack slot of its own across the run).
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures);

    if (p.replace_only) [[likely]] {
        // The usual point: replace plugins alone. Its first plugin's record
        // is made before the chain, so that the chain is built with it, at
        // the replace anchor and depth 0 (next() puts them back so).
        const Attached& plugin = p.replace.front();
        PluginRun self;
        self.next_index = 1;
        self.next = hand_over_to(p, 0);
        ChainRun run(point, Anchor::replace, &self, detail::chain, +step, &p, args, fallback, &result);
        detail::chain = &run;
        bool aborted = false;
        const std::uint64_t v = run_plugin(plugin, run, args, result, aborted);
        const Outcome o = decide(run, p, plugin, self, v, aborted, result);
        result.value = o.value;
        result.fell_back = o.fell_back;
        detail::chain = run.outer;
    } else {
        run_general(point, p, args, fallback, result);
    }

    t.frame = outer_frame;
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures) - result.helper_failures;
    return result;
}

RunResult Runtime::run_anchored(const Point&, std::uint32_t index, std::span<const Arg> args,
                                const CallScope& scope, DefaultCode fallback) const noexcept {
    return run(PointId{index}, args, scope, fallback);
}

namespace detail {

// The C run at an anchored point: the C arguments as Args, then run_anchored.
std::uint64_t run_c_anchored(const Runtime& rt, std::uint32_t point, const mempool_arg* args, std::size_t n,
                             const CallScope& scope, unsigned* ran) noexcept {
    Arg converted[MEMPOOL_MAX_ARGS];
    n = args_from_c(args, n, converted);
    const RunResult r = rt.run_anchored(rt.points_[point], point, std::span<const Arg>(converted, n), scope, {});
    if (ran != nullptr) *ran = r.ran;
    return r.value;
}

}  // namespace detail

}  // namespace mempool
