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

namespace mempool {
namespace detail {

constinit thread_local ChainRun* chain __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

// What a plugin run by an anchored run needs at one nesting level, made once
// per level and thread and kept: its argument struct (R1), heap arena,
// RunContext and region view, already pointing at one another, so that a
// run only sets what depends on the plugin (its heap size, shared arena,
// globals, read-only data). A nested plugin (next(), a run from a helper or
// the default code) is one level deeper, so the caller's struct, heap,
// context and view are intact when it returns.
struct Level {
    // Zeroed once when made: from then on it holds only argument bytes
    // (earlier runs' or a plugin's scribbles, never host memory), as the
    // thread's struct in run.cpp.
    alignas(64) bpf_full_args_t args{};
    vm::RunContext rc;        // r1 = &args, heap = base; the rest set per plugin
    xbgp::RunView view;       // ctx = &args, rc = &rc; the rest set per plugin
    std::uint8_t* base = nullptr;  // the heap arena: zeroed, except while a plugin runs
    std::uint32_t capacity = 0;
};

struct Levels {
    Level* at[max_chain_depth + 1] = {};
    ~Levels() {
        for (Level* l : at) {
            if (l == nullptr) continue;
            std::free(l->base);
            delete l;
        }
    }
};
// The thread's Levels: reached through an initial-exec pointer (one
// %fs-relative load, no TLS wrapper call), owned by a thread_local that frees
// it at thread exit.
constinit thread_local Levels* levels_of_thread __attribute__((tls_model("initial-exec"))) = nullptr;
thread_local std::unique_ptr<Levels> levels_owner;

// The first run at `depth` on this thread, or the first plugin there whose
// heap is larger than the arena: makes the level or grows its arena (a
// zeroed buffer of at least `size` bytes). Null if out of memory.
[[gnu::noinline, gnu::cold]] Level* make_level(unsigned depth, std::uint32_t size) noexcept {
    if (depth > max_chain_depth) return nullptr;
    if (levels_of_thread == nullptr) {
        levels_owner.reset(new (std::nothrow) Levels());
        levels_of_thread = levels_owner.get();
        if (levels_of_thread == nullptr) return nullptr;
    }
    Level*& slot = levels_of_thread->at[depth];
    if (slot == nullptr) {
        slot = new (std::nothrow) Level();
        if (slot == nullptr) return nullptr;
        slot->rc.r1 = reinterpret_cast<std::uint64_t>(&slot->args);
        slot->view.ctx = slot->rc.r1;
        slot->view.ctx_size = sizeof slot->args;
        slot->view.rc = &slot->rc;
    }
    Level& l = *slot;
    if (size > l.capacity || l.base == nullptr) {
        const std::size_t bytes = (static_cast<std::size_t>(size) + 4096) & ~std::size_t{4095};
        auto* fresh = static_cast<std::uint8_t*>(std::aligned_alloc(64, bytes));
        if (fresh == nullptr) return nullptr;
        std::memset(fresh, 0, bytes);
        std::free(l.base);
        l.base = fresh;
        l.capacity = static_cast<std::uint32_t>(bytes);
        l.rc.heap = fresh;
    }
    return slot;
}

// The level for a plugin of heap `size` at `depth`, or null (out of memory,
// or deeper than max_chain_depth).
inline Level* level_for(unsigned depth, std::uint32_t size) noexcept {
    Levels* const ls = levels_of_thread;
    if (ls != nullptr && depth <= max_chain_depth) [[likely]] {
        Level* const l = ls->at[depth];
        if (l != nullptr && size < l->capacity) [[likely]]
            return l;
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
static_assert(sizeof(ExecInfo) == 24);

[[gnu::noinline, gnu::cold]] std::uint64_t abort_plugin(const PluginBudget* b, RunResult& result,
                                                        bool& aborted) noexcept {
    aborted = true;
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
// a call here would cost its own frame and saved registers.
[[gnu::always_inline]] inline std::uint64_t Runtime::run_plugin(const Program& program, const detail::ChainRun& run,
                                                                std::span<const Arg> args, RunResult& result,
                                                                bool& aborted) noexcept {
    using namespace detail;
    ThreadState& t = tls;
    aborted = false;
    // exec_info_t as three words (each int32 field with its zero padding,
    // little-endian), read before anything may clobber what the caller
    // just stored in `run` (so that the compiler can use those values).
    const std::uint64_t words[3] = {run.info.result_set ? 1u : 0u, run.info.result, run.info.point.index};
    static_assert(sizeof words == sizeof(ExecInfo) && offsetof(ExecInfo, replace_return_value) == 8 &&
                  offsetof(ExecInfo, insertion_point_id) == 16 && std::endian::native == std::endian::little);
    ++result.ran;
    const PluginBudget* const b = &program.budget_;
    const std::uint32_t size = b->heap_size;
    Level* const l = level_for(t.depth, size);
    if (l == nullptr) [[unlikely]]
        return abort_plugin(b, result, aborted);
    if (program.abi() == PluginAbi::xbgp) {
        std::memcpy(&l->args, words, sizeof words);
    } else {
        const std::size_t n = args.size() < MEMPOOL_MAX_ARGS ? args.size() : MEMPOOL_MAX_ARGS;
        l->args.count = static_cast<std::uint32_t>(n);
        l->args.reserved = 0;
        for (std::size_t i = 0; i < n; ++i) args[i].copy_to(l->args.slot[i]);
    }

    const HeapArena outer_heap = t.heap;
    const PluginBudget* const outer_budget = t.budget;
    const std::uint64_t outer_added = t.object_added;
    HeapArena heap;  // empty: the level's arena is zeroed between plugins
    heap.base = l->base;
    heap.capacity = l->capacity;
    heap.size = size;
    t.heap = heap;
    t.budget = b;
    t.object_added = 0;
    ++t.depth;

    // What the executor sets at flagged calls is cleared: a helper of this
    // run must not find the frame or read-only data of an earlier one.
    vm::RunContext& rc = l->rc;
    rc.heap_size = size;
    rc.frame_lo = rc.frame_hi = 0;
    rc.rodata = rc.rodata_size = 0;
    std::memset(rc.arg_room, 0, sizeof rc.arg_room);
    SharedMemory* const shared = b->shared;
    rc.shared = shared != nullptr ? shared->arena() : nullptr;
    rc.shared_size = shared != nullptr ? shared->limit() : 0;
    rc.data = program.data_.empty() ? nullptr : program.data_.data();
    // The helpers that follow pointers find the rest (read-only data, the
    // globals' size) through the program, when they need it.
    xbgp::RunView& view = l->view;
    const ProgramImpl& impl = *program.impl_;
    view.program = &impl.verified.program;

    const xbgp::RunView* const outer_view = xbgp::current_view;
    xbgp::current_view = &view;
    const std::uint64_t v = program.jit_ != nullptr ? program.jit_(&rc) : interpret(impl, rc);
    xbgp::current_view = outer_view;

    --t.depth;
    // The next plugin at this level must find the arena zeroed: where this
    // one allocated (up to the high mark) or, if it may have written past
    // its blocks, all of it.
    if (impl.writes_outside_blocks) [[unlikely]]
        t.heap.high = size;
    if (t.heap.high != 0) t.heap.reset();
    t.heap = outer_heap;
    t.budget = outer_budget;
    t.object_added = outer_added;
    if (rc.aborted()) [[unlikely]]
        return abort_plugin(b, result, aborted);
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
    return c != nullptr ? &c->info : nullptr;
}

void fail_current_plugin() noexcept {
    detail::ChainRun* c = detail::chain;
    if (c != nullptr && c->plugin != nullptr) c->plugin->failed = true;
}


// The anchored run itself (see the model at the top). It lives in run(),
// the hosts' entry, so that the usual call costs one frame: run_anchored
// (plain run() and the C API) forwards here.
RunResult Runtime::run(PointId point, std::span<const Arg> args, const CallScope& scope,
                       DefaultCode fallback) const noexcept {
    using detail::ChainRun;
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
    static constexpr auto count_failure = [](const Program& program, RunResult& r) noexcept {
        program.budget_.failures.fetch_add(1, std::memory_order_relaxed);
        ++r.failed;
    };
    // Replace plugin i (below the chain's size): its value, or, if it
    // handed over with next(), the rest's outcome; the default code's if it
    // failed or the point's check refused its value. `outer_plugin` and
    // `outer_depth` are what c.plugin and c.info.depth hold on entry: the
    // first step (inlined here: at the usual point it is the only one)
    // passes them as constants, so the compiler neither loads nor restores
    // them; next() reaches the others through ChainRun::replace_step.
    static constexpr auto step = [](ChainRun& c, const Point& point, std::uint32_t i, std::span<const Arg> args,
                                    RunResult& result, PluginRun* outer_plugin,
                                    std::uint32_t outer_depth) noexcept __attribute__((always_inline)) -> Outcome {
        const Program& program = *point.replace[i].program;
        PluginRun self;
        self.anchor = Anchor::replace;
        self.next_index = i + 1;
        c.plugin = &self;
        c.info.anchor = Anchor::replace;
        c.info.depth = i;
        bool aborted = false;
        const std::uint64_t v = run_plugin(program, c, args, result, aborted);
        c.plugin = outer_plugin;
        c.info.depth = outer_depth;
        if (self.handed_over) [[likely]] {
            if (aborted || self.failed) [[unlikely]]
                count_failure(program, result);
            return self.handed;
        }
        if (aborted || self.failed) [[unlikely]] {
            count_failure(program, result);
            return run_default(c);
        }
        if (point.check.fn != nullptr && !point.check.fn(v, point.check.data)) [[unlikely]] {
            ++result.refused;
            count_failure(program, result);
            return run_default(c);
        }
        return Outcome{v, false};
    };
    static constexpr auto replace_step = [](ChainRun& c, std::uint32_t i) noexcept -> Outcome {
        return step(c, *static_cast<const Point*>(c.point), i, c.args, *c.result, c.plugin, c.info.depth);
    };

    const CallFrame frame{global_, scope, this};
    const CallFrame* const outer_frame = t.frame;
    t.frame = &frame;
    const std::uint64_t helper_failures = t.helper_failures;

    ChainRun run(point, detail::chain, +replace_step, static_cast<std::uint32_t>(p.replace.size()), &p, args, fallback,
                 &result);
    detail::chain = &run;

    // pre and post plugins observe: their values are ignored (but kept as
    // the result of a point with neither replace plugins nor default code).
    // Out of line: the usual xBGP point has neither.
    static constexpr auto observe = [](const std::vector<Attached>& list, Anchor anchor,
                                       ChainRun& c) noexcept __attribute__((noinline, cold)) {
        for (const Attached& a : list) {
            PluginRun self;
            self.anchor = anchor;
            PluginRun* const outer_plugin = c.plugin;
            c.plugin = &self;
            c.info.anchor = anchor;
            bool aborted = false;
            c.result->value = run_plugin(*a.program, c, c.args, *c.result, aborted);
            c.plugin = outer_plugin;
            if (aborted || self.failed) count_failure(*a.program, *c.result);
        }
    };
    // Any point but the usual one (replace plugins alone): out of line.
    static constexpr auto run_general = [](ChainRun& c, const Point& point, RunResult& result) noexcept
        __attribute__((noinline)) {
        if (!point.entries.empty()) observe(point.entries, Anchor::pre, c);
        const bool has_default = c.fallback.fn != nullptr;
        const bool decides = c.replace_count != 0 || has_default;
        if (decides) {
            // c.plugin is null here (observe puts it back) and info.depth 0.
            const Outcome o = c.replace_count != 0 ? step(c, point, 0, c.args, result, nullptr, 0) : run_default(c);
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
    };

    if (run.replace_count != 0 && p.entries.empty() && p.post.empty()) [[likely]] {
        const Outcome o = step(run, p, 0, args, result, nullptr, 0);
        result.value = o.value;
        result.fell_back = o.fell_back;
    } else {
        run_general(run, p, result);
    }

    detail::chain = run.outer;
    t.frame = outer_frame;
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures - helper_failures);
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
