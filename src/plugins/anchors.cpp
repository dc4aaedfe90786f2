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

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace mempool {
namespace detail {

constinit thread_local ChainRun* chain __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

// Heap arenas for plugins run by anchored runs, one per nesting level, kept
// for the thread's life (zeroed where a plugin used them, after each run).
struct LevelArenas {
    struct Buffer {
        std::uint8_t* base = nullptr;
        std::uint32_t capacity = 0;
    };
    Buffer level[max_chain_depth + 1];
    // An argument struct per level, zeroed once when first used: from then
    // on it holds only argument bytes (earlier runs' or a plugin's
    // scribbles, never host memory), as the thread's struct in run.cpp.
    bpf_full_args_t* args[max_chain_depth + 1] = {};
    ~LevelArenas() {
        for (Buffer& b : level) std::free(b.base);
        for (bpf_full_args_t* a : args) std::free(a);
    }
    bpf_full_args_t* args_at(unsigned depth) noexcept {
        if (args[depth] == nullptr) args[depth] = static_cast<bpf_full_args_t*>(std::calloc(1, sizeof(bpf_full_args_t)));
        return args[depth];
    }
    // A zeroed buffer of at least `size` bytes for `depth`, or null.
    std::uint8_t* get(unsigned depth, std::uint32_t size) noexcept {
        Buffer& b = level[depth];
        if (size <= b.capacity) return b.base;
        const std::size_t bytes = (static_cast<std::size_t>(size) + 4095) & ~std::size_t{4095};
        auto* fresh = static_cast<std::uint8_t*>(std::aligned_alloc(64, bytes));
        if (fresh == nullptr) return nullptr;
        std::memset(fresh, 0, bytes);
        std::free(b.base);
        b.base = fresh;
        b.capacity = static_cast<std::uint32_t>(bytes);
        return b.base;
    }
};
// The thread's LevelArenas: reached through an initial-exec pointer (one
// %fs-relative load, no TLS wrapper call), owned by a thread_local that frees
// it at thread exit.
constinit thread_local LevelArenas* arenas_of_thread __attribute__((tls_model("initial-exec"))) = nullptr;
thread_local std::unique_ptr<LevelArenas> arenas_owner;

LevelArenas* level_arenas() noexcept {
    if (arenas_of_thread == nullptr) [[unlikely]] {
        arenas_owner.reset(new (std::nothrow) LevelArenas());
        arenas_of_thread = arenas_owner.get();
    }
    return arenas_of_thread;
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

}  // namespace

}  // namespace detail

// One plugin on its level's argument struct (refilled) and arena; the thread's state is
// restored afterwards. `aborted` is set if a run-time check stopped it (or it
// could not be run at all).
std::uint64_t Runtime::run_plugin(const Program& program, const detail::ChainRun& run, std::span<const Arg> args,
                                  RunResult& result, bool& aborted) noexcept {
    using namespace detail;
    ThreadState& t = tls;
    aborted = false;
    const PluginBudget* const b = &program.budget_;
    const unsigned depth = t.depth;
    // (a plugin without a heap still gets a buffer: null means out of memory)
    LevelArenas* const arenas = level_arenas();
    std::uint8_t* const base =
        arenas != nullptr && depth <= max_chain_depth ? arenas->get(depth, b->heap_size != 0 ? b->heap_size : 1) : nullptr;
    bpf_full_args_t* const args_struct = base != nullptr ? arenas->args_at(depth) : nullptr;
    ++result.ran;
    if (base == nullptr || args_struct == nullptr) {
        aborted = true;
        b->aborts.fetch_add(1, std::memory_order_relaxed);
        ++result.aborted;
        return MEMPOOL_RUN_ABORTED;
    }
    bpf_full_args_t& local = *args_struct;
    if (program.abi() == PluginAbi::xbgp) {
        ExecInfo info{};
        info.return_val_set = run.info.result_set ? 1 : 0;
        info.replace_return_value = run.info.result;
        info.insertion_point_id = static_cast<std::int32_t>(run.info.point.index);
        std::memcpy(&local, &info, sizeof info);
    } else {
        const std::size_t n = args.size() < MEMPOOL_MAX_ARGS ? args.size() : MEMPOOL_MAX_ARGS;
        local.count = static_cast<std::uint32_t>(n);
        local.reserved = 0;
        for (std::size_t i = 0; i < n; ++i) args[i].copy_to(local.slot[i]);
    }

    const HeapArena outer_heap = t.heap;
    const PluginBudget* const outer_budget = t.budget;
    const std::uint64_t outer_added = t.object_added;
    t.heap = HeapArena{};
    t.heap.base = base;
    t.heap.capacity = arenas->level[depth].capacity;
    t.heap.size = b->heap_size;
    t.budget = b;
    t.object_added = 0;
    t.found_pool = nullptr;
    ++t.depth;

    vm::RunContext rc;
    rc.r1 = reinterpret_cast<std::uint64_t>(&local);
    rc.heap = t.heap.base;
    rc.heap_size = t.heap.size;
    const ProgramImpl& impl = *program.impl_;
    xbgp::RunView view;
    view.ctx = rc.r1;
    view.ctx_size = sizeof local;
    view.rodata = reinterpret_cast<std::uint64_t>(impl.verified.program.rodata.data());
    view.rodata_size = impl.verified.program.rodata.size();
    view.rc = &rc;
    if (b->shared != nullptr) {
        rc.shared = b->shared->arena();
        rc.shared_size = b->shared->limit();
        view.shared = reinterpret_cast<std::uint64_t>(rc.shared);
        view.shared_size = rc.shared_size;
    }
    if (!program.data_.empty()) {
        rc.data = program.data_.data();
        view.data = reinterpret_cast<std::uint64_t>(rc.data);
        view.data_size = program.data_.size();
    }
    const xbgp::ScopedView scoped(view);
    const std::uint64_t v = program.jit_ != nullptr ? program.jit_(&rc) : interpret(impl, rc);

    --t.depth;
    if (t.heap.high != 0) t.heap.reset();
    t.heap = outer_heap;
    t.budget = outer_budget;
    t.object_added = outer_added;
    t.found_pool = nullptr;
    if (rc.aborted()) {
        aborted = true;
        b->aborts.fetch_add(1, std::memory_order_relaxed);
        ++result.aborted;
        return MEMPOOL_RUN_ABORTED;
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
    return c != nullptr ? &c->info : nullptr;
}

void fail_current_plugin() noexcept {
    detail::ChainRun* c = detail::chain;
    if (c != nullptr && c->plugin != nullptr) c->plugin->failed = true;
}

RunResult Runtime::run_anchored(const Point& p, std::uint32_t index, std::span<const Arg> args,
                                const CallScope& scope, DefaultCode fallback) const noexcept {
    using detail::ChainRun;
    using detail::Outcome;
    using detail::PluginRun;
    detail::ThreadState& t = detail::tls;
    RunResult result;
    static constexpr auto count_failure = [](const Program& program, RunResult& r) noexcept {
        program.budget_.failures.fetch_add(1, std::memory_order_relaxed);
        ++r.failed;
    };

    const CallFrame frame{global_, scope, this};
    const CallFrame* const outer_frame = t.frame;
    t.frame = &frame;

    struct State {
        const Point* point;
        std::span<const Arg> args;
        DefaultCode fallback;
        ResultCheck check;
        RunResult* result;
        bool default_ran = false;
        std::uint64_t default_value = 0;
    } state{&p, args, fallback, p.check, &result};

    ChainRun run;
    run.info.point = PointId{index};
    run.outer = detail::chain;
    run.state = &state;
    run.has_default = fallback.fn != nullptr;
    run.rest = [](ChainRun& c, std::uint32_t i) noexcept -> Outcome {
        auto& s = *static_cast<State*>(const_cast<void*>(c.state));
        const std::vector<Attached>& chain = s.point->replace;
        auto run_default = [&]() noexcept -> Outcome {
            if (!s.default_ran) {
                s.default_ran = true;
                if (s.fallback.fn != nullptr) {
                    PluginRun* const plugin = c.plugin;
                    c.plugin = nullptr;  // the default code is no plugin
                    s.default_value = s.fallback.fn(s.fallback.data);
                    c.plugin = plugin;
                }
            }
            return Outcome{s.fallback.fn != nullptr ? s.default_value : 0, true};
        };
        if (i >= chain.size()) return run_default();
        const Program& program = *chain[i].program;
        PluginRun self;
        self.anchor = Anchor::replace;
        self.next_index = i + 1;
        PluginRun* const outer_plugin = c.plugin;
        const std::uint32_t outer_depth = c.info.depth;
        c.plugin = &self;
        c.info.anchor = Anchor::replace;
        c.info.depth = i;
        bool aborted = false;
        const std::uint64_t v = run_plugin(program, c, s.args, *s.result, aborted);
        c.plugin = outer_plugin;
        c.info.depth = outer_depth;
        const bool failed = aborted || self.failed;
        if (failed) count_failure(program, *s.result);
        if (self.handed_over) return self.handed;
        if (failed) return run_default();
        if (s.check.fn != nullptr && !s.check.fn(v, s.check.data)) {
            ++s.result->refused;
            count_failure(program, *s.result);
            return run_default();
        }
        return Outcome{v, false};
    };
    detail::chain = &run;

    // pre and post plugins observe: their values are ignored (but kept as
    // the result of a point with neither replace plugins nor default code).
    auto observe = [&](const std::vector<Attached>& list, Anchor anchor) noexcept {
        for (const Attached& a : list) {
            PluginRun self;
            self.anchor = anchor;
            PluginRun* const outer_plugin = run.plugin;
            run.plugin = &self;
            run.info.anchor = anchor;
            bool aborted = false;
            result.value = run_plugin(*a.program, run, args, result, aborted);
            run.plugin = outer_plugin;
            if (aborted || self.failed) count_failure(*a.program, result);
        }
    };

    observe(p.entries, Anchor::pre);
    if (!p.replace.empty() || fallback.fn != nullptr) {
        const Outcome o = run.rest(run, 0);
        result.value = o.value;
        result.fell_back = o.fell_back;
        run.info.result_set = !(o.fell_back && fallback.fn == nullptr);
        run.info.result = result.value;
        run.info.fell_back = o.fell_back;
    }
    observe(p.post, Anchor::post);
    if (!p.replace.empty() || fallback.fn != nullptr) {
        // post plugins' values do not change the point's result
        result.value = run.info.fell_back && fallback.fn == nullptr ? 0 : run.info.result;
    }

    detail::chain = run.outer;
    t.frame = outer_frame;
    return result;
}

RunResult Runtime::run(PointId point, std::span<const Arg> args, const CallScope& scope,
                       DefaultCode fallback) const noexcept {
    if (point.index >= points_.size()) {
        RunResult r;
        if (fallback.fn != nullptr) {
            r.value = fallback.fn(fallback.data);
            r.fell_back = true;
        }
        return r;
    }
    return run_anchored(points_[point.index], point.index, args, scope, fallback);
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
