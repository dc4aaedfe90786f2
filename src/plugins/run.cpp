// run.cpp: running the plugins of a point.
//
// Each thread owns one argument struct, zeroed once when the thread first
// runs a plugin, and from then on holding only argument bytes: unused slots
// and the tail of a slot may hold earlier arguments (or a plugin's scribbles)
// but never host memory. Before each plugin the header and the used slots are
// copied again, so a plugin that writes into its arguments cannot change what
// the next plugin sees. A run() nested inside a helper gets a fresh zeroed
// struct on the stack instead, so the outer plugin's arguments stay intact.
//
// Around each plugin: the thread's state names the plugin's budget (the pool
// helpers charge it) and its heap arena is sized for it, then reset (zeroed
// where the plugin used it) when it returns. The plugin itself is one call:
// to its native code (the JIT's entry takes the RunContext), or to the
// interpreter. A run a run-time check stopped (a heap access the verifier
// could not bound, found outside the arena) gives MEMPOOL_RUN_ABORTED and is
// counted.
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include "call_state.hpp"
#include "interpreter.hpp"
#include "program_impl.hpp"

#include <cstdlib>
#include <cstring>

namespace mempool {
namespace detail {
constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));

std::uint64_t interpret(const ProgramImpl& p, vm::RunContext& rc) noexcept {
    return vm::interpret(p.verified, p.helpers, rc);
}
}  // namespace detail

namespace {

[[gnu::cold]] std::uint64_t refuse(const detail::PluginBudget* b, RunResult& r) noexcept {
    if (b != nullptr) b->aborts.fetch_add(1, std::memory_order_relaxed);
    ++r.aborted;
    return MEMPOOL_RUN_ABORTED;
}

// The first plugin on this thread with a heap larger than the arena (out of
// line: once per thread and size). MEMPOOL_RUN_ABORTED if out of memory.
[[gnu::noinline, gnu::cold]] bool grow_heap(detail::HeapArena& heap, std::uint32_t size) noexcept {
    return detail::reserve_heap(heap, size);
}

// One plugin on the thread's argument struct, with its budget and heap set
// for the helpers; after it, the heap is zeroed where the plugin used it.
// The budget and heap size stay set until the next plugin or the end of the
// run (finish_run), which overwrite them.
inline std::uint64_t run_one(detail::ThreadState& t, std::uint64_t (*jit)(vm::RunContext*),
                             const detail::ProgramImpl* impl, const detail::PluginBudget* b, void* args,
                             RunResult& r) noexcept {
    t.budget = b;
    t.object_added = 0;
    const std::uint32_t size = b->heap_size;
    if (size > t.heap.capacity) [[unlikely]] {
        if (!grow_heap(t.heap, size)) return refuse(b, r);
    }
    t.heap.size = size;
    vm::RunContext& rc = t.rc;
    rc.r1 = reinterpret_cast<std::uint64_t>(args);
    rc.heap = t.heap.base;
    rc.heap_size = size;
    const std::uint64_t v = jit != nullptr ? jit(&rc) : detail::interpret(*impl, rc);
    if (t.heap.high != 0) t.heap.reset();
    if (rc.aborted()) [[unlikely]]
        return refuse(b, r);
    return v;
}

// After the last plugin of a run: no budget and no heap for helpers called
// outside a run.
inline void finish_run(detail::ThreadState& t) noexcept {
    t.heap.size = 0;
    t.budget = nullptr;
    t.depth = 0;
    t.frame = nullptr;
}

inline void fill(bpf_full_args_t& a, std::span<const Arg> args) noexcept {
    const std::size_t n = args.size() < MEMPOOL_MAX_ARGS ? args.size() : MEMPOOL_MAX_ARGS;
    a.count = static_cast<std::uint32_t>(n);
    a.reserved = 0;
    for (std::size_t i = 0; i < n; ++i) args[i].copy_to(a.slot[i]);
}

}  // namespace

const CallFrame* current_call() noexcept { return detail::tls.frame; }

// The usual case: the outermost run() on this thread, on the thread's own
// argument struct. Kept small (the nested case is out of line) because it is
// most of what a plugin call costs besides the plugin itself.
RunResult Runtime::run_attached(const Point& p, std::span<const Arg> args, const CallScope& scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    RunResult result;  // the one object returned, so that it is built in the caller's (NRVO)
    if (t.depth != 0) [[unlikely]] {
        result = run_nested(p, args, scope);
        return result;
    }
    const CallFrame frame{global_, scope};
    t.frame = &frame;
    t.depth = 1;
    const std::uint64_t helper_failures = t.helper_failures;
    for (const Attached& a : p.entries) {
        fill(t.args, args);
        result.value = run_one(t, a.jit, a.impl, a.budget, &t.args, result);
        ++result.ran;
    }
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures - helper_failures);
    finish_run(t);  // depth 0, no frame: no run in progress
    return result;
}

namespace detail {

std::size_t args_from_c(const mempool_arg* args, std::size_t n, Arg* converted) noexcept {
    if (n > MEMPOOL_MAX_ARGS) n = MEMPOOL_MAX_ARGS;
    for (std::size_t i = 0; i < n; ++i) {
        const mempool_arg& a = args[i];
        switch (a.type) {
        case MEMPOOL_ARG_U8: converted[i] = Arg::u8(static_cast<std::uint8_t>(a.number)); break;
        case MEMPOOL_ARG_U16: converted[i] = Arg::u16(static_cast<std::uint16_t>(a.number)); break;
        case MEMPOOL_ARG_U32: converted[i] = Arg::u32(static_cast<std::uint32_t>(a.number)); break;
        case MEMPOOL_ARG_BYTES:
            converted[i] = Arg::bytes(a.bytes != nullptr
                                          ? std::span<const std::byte>(static_cast<const std::byte*>(a.bytes), a.len)
                                          : std::span<const std::byte>());
            break;
        default: converted[i] = Arg::u64(a.number); break;
        }
    }
    return n;
}

// A nested C run (from inside a helper): converted to Args, the C++ path.
[[gnu::noinline, gnu::cold]] std::uint64_t run_c_nested(const Runtime& rt, std::uint32_t point,
                                                       const mempool_arg* args, std::size_t n,
                                                       const CallScope& scope, unsigned* ran) noexcept {
    const Runtime::Point& p = rt.points_[point];
    Arg converted[MEMPOOL_MAX_ARGS];
    n = args_from_c(args, n, converted);
    const RunResult r = rt.run_nested(p, std::span<const Arg>(converted, n), scope);
    if (ran != nullptr) *ran = r.ran;
    return r.value;
}

// One C argument into its slot, as Arg::copy_to would: numbers zero-extended
// to 8 bytes (unknown types read as u64), bytes truncated to the slot.
inline void fill_slot(bpf_arg_slot_t& slot, const mempool_arg& in) noexcept {
    // Index: the type tag (0 none .. 5 bytes); out of range reads as u64.
    static constexpr std::uint8_t width[6] = {8, 1, 2, 4, 8, 0};
    static constexpr std::uint64_t mask[6] = {~0ull, 0xff, 0xffff, 0xffffffff, ~0ull, 0};
    const std::uint32_t type = in.type <= MEMPOOL_ARG_BYTES ? in.type : MEMPOOL_ARG_NONE;
    if (type == MEMPOOL_ARG_BYTES) [[unlikely]] {
        const std::uint32_t len = in.bytes == nullptr ? 0 : (in.len > MEMPOOL_ARG_SIZE ? MEMPOOL_ARG_SIZE : in.len);
        slot.len = len;
        slot.type = MEMPOOL_ARG_BYTES;
        if (len != 0) std::memcpy(slot.data, in.bytes, len);
        return;
    }
    slot.len = width[type];
    slot.type = type >= MEMPOOL_ARG_U8 ? type : MEMPOOL_ARG_U64;
    const std::uint64_t v = in.number & mask[type];
    std::memcpy(slot.data, &v, sizeof v);
}

// mempool_runtime_run: run_attached with the slots filled from the C array
// (a C daemon's hot path; no Arg is built).
std::uint64_t run_c(const Runtime& rt, std::uint32_t point, const mempool_arg* args, std::size_t n,
                    const CallScope& scope, unsigned* ran) noexcept {
    if (point >= rt.busy_.size()) return 0;
    if (rt.busy_[point] != 1) [[unlikely]]  // nothing attached, or anchors (anchors.cpp)
        return rt.busy_[point] == 0 ? 0 : run_c_anchored(rt, point, args, n, scope, ran);
    const Runtime::Point& p = rt.points_[point];
    ThreadState& t = tls;
    if (n > MEMPOOL_MAX_ARGS) n = MEMPOOL_MAX_ARGS;
    if (t.depth != 0) [[unlikely]]
        return run_c_nested(rt, point, args, n, scope, ran);
    const CallFrame frame{rt.global_, scope};
    t.frame = &frame;
    t.depth = 1;
    RunResult result;
    for (const Runtime::Attached& a : p.entries) {
        t.args.count = static_cast<std::uint32_t>(n);
        t.args.reserved = 0;
        for (std::size_t i = 0; i < n; ++i) fill_slot(t.args.slot[i], args[i]);
        result.value = run_one(t, a.jit, a.impl, a.budget, &t.args, result);
        ++result.ran;
    }
    finish_run(t);
    if (ran != nullptr) *ran = result.ran;
    return result.value;
}

}  // namespace detail

// A run() from inside a helper: a private, zeroed struct for each plugin, so
// the outer plugin's arguments stay intact, and a heap arena of its own, so
// the outer plugin's heap does too; the outer frame is restored after.
[[gnu::noinline, gnu::cold]] RunResult Runtime::run_nested(const Point& p, std::span<const Arg> args,
                                                          const CallScope& scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    const CallFrame frame{global_, scope};
    const CallFrame* const outer = t.frame;
    const detail::PluginBudget* const outer_budget = t.budget;
    const std::uint64_t outer_added = t.object_added;
    const detail::HeapArena outer_heap = t.heap;
    t.heap = detail::HeapArena{};
    t.frame = &frame;
    ++t.depth;
    RunResult result;
    const std::uint64_t helper_failures = t.helper_failures;
    std::uint8_t* own = nullptr;
    for (const Attached& a : p.entries) {
        bpf_full_args_t local{};
        fill(local, args);
        const std::uint32_t size = a.budget != nullptr ? a.budget->heap_size : 0;
        if (size > t.heap.capacity) {
            std::free(own);
            own = static_cast<std::uint8_t*>(std::calloc(1, size));
            t.heap = detail::HeapArena{};
            if (own != nullptr) {
                t.heap.base = own;
                t.heap.capacity = size;
            }
        }
        t.budget = a.budget;
        t.object_added = 0;
        t.found_pool = nullptr;
        if (size <= t.heap.capacity) {
            t.heap.size = size;
            vm::RunContext rc;
            rc.r1 = reinterpret_cast<std::uint64_t>(&local);
            rc.heap = t.heap.base;
            rc.heap_size = size;
            result.value = a.jit != nullptr ? a.jit(&rc) : detail::interpret(*a.impl, rc);
            if (rc.aborted()) result.value = refuse(a.budget, result);
        } else {
            result.value = refuse(a.budget, result);
        }
        if (t.heap.high != 0) t.heap.reset();
        ++result.ran;
    }
    std::free(own);
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures - helper_failures);
    t.heap = outer_heap;
    t.found_pool = nullptr;
    t.budget = outer_budget;
    t.object_added = outer_added;
    --t.depth;
    t.frame = outer;
    return result;
}

}  // namespace mempool
