// run.cpp: running the plugins of a point.
//
// Each thread owns one argument struct, zeroed when the thread first runs a
// plugin and kept so between runs: a run that copied a bytes argument zeroes
// it when it ends, and a plugin that may write it (ProgramImpl::writes) when
// it returns. Before each plugin the header and the used slots are copied
// again, so no plugin finds what another wrote, nor the arguments of an
// earlier run. A run() nested inside a helper gets a fresh zeroed struct on
// the stack instead, so the outer plugin's arguments stay intact.
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
#include "chain_state.hpp"
#include "interpreter.hpp"
#include "program_impl.hpp"
#include "xbgp/regions.hpp"

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

// The first plugin of a run on this thread, or the first whose heap is not
// below the arena's capacity: the arena grows (out of line: once per thread
// and size) to more than `size` bytes, so the test before the call stays
// false for this size, and the thread's RunContext gets what stays the same
// from then on (R1: the thread's argument struct; the arena's base, which
// only this function changes). False if out of memory.
[[gnu::noinline, gnu::cold]] bool grow_heap(detail::ThreadState& t, std::uint32_t size) noexcept {
    if (!detail::reserve_heap(t.heap, size + 1)) return false;
    t.rc.r1 = reinterpret_cast<std::uint64_t>(&t.args);
    t.rc.heap = t.heap.base;
    return true;
}

// After a plugin that used its heap: zeroed where it did.
[[gnu::noinline, gnu::cold]] void reset_heap(detail::HeapArena& heap) noexcept { heap.reset(); }

// A plugin stopped by a run-time check, or one that could not get its heap.
[[gnu::noinline, gnu::cold]] std::uint64_t aborted_run(const detail::PluginBudget* b, RunResult& r) noexcept {
    return refuse(b, r);
}

// After a plugin that may have written outside its heap blocks (they lie
// above the high mark: the whole arena is zeroed, by reset_heap) or its
// argument struct (zeroed here: the next plugin is given only its header
// and used slots again).
[[gnu::noinline, gnu::cold]] void clean_after(detail::ThreadState& t, detail::ProgramImpl::Writes w,
                                             std::uint32_t size) noexcept {
    if (w.outside_blocks) t.heap.high = size;
    if (w.context) {
        std::memset(&t.args, 0, sizeof t.args);
        t.bytes_slots = 0;  // zeroed with the rest: finish_run need not again
    }
}

// One plugin on the thread's argument struct (already filled), with its
// budget and heap set for the helpers; after it, the heap is zeroed where
// the plugin used it. The budget and heap size stay set until the next
// plugin or the end of the run (finish_run), which overwrite them. The
// thread's RunContext already holds R1 and the arena's base (grow_heap).
// The only call on the usual path is the plugin's: the rest is out of line,
// so that this frame keeps nothing in callee-saved registers but the result.
[[gnu::always_inline]] inline std::uint64_t call_plugin(detail::ThreadState& t, std::uint64_t (*jit)(vm::RunContext*),
                                                        const detail::ProgramImpl* impl, std::uint32_t size,
                                                        RunResult& r) noexcept {
    t.object_added = 0;
    t.heap.size = size;
    vm::RunContext& rc = t.rc;
    rc.heap_size = size;
    const std::uint64_t v = jit != nullptr ? jit(&rc) : detail::interpret(*impl, rc);
    // What the caller needs after the call is read again from memory rather
    // than kept in callee-saved registers, which this frame would then push.
    __asm__ volatile("" ::: "memory");
    std::uint16_t writes;
    static_assert(sizeof impl->writes == sizeof writes);
    std::memcpy(&writes, &impl->writes, sizeof writes);
    if (writes != 0) [[unlikely]]
        clean_after(t, impl->writes, size);
    if (t.heap.high != 0) [[unlikely]] reset_heap(t.heap);
    if (rc.aborted()) [[unlikely]]
        return aborted_run(t.budget, r);
    return v;
}

// The first plugin on this thread, or one whose heap needs a larger arena.
[[gnu::noinline, gnu::cold]] std::uint64_t grow_and_call(detail::ThreadState& t,
                                                         std::uint64_t (*jit)(vm::RunContext*),
                                                         const detail::ProgramImpl* impl, std::uint32_t size,
                                                         RunResult& r) noexcept {
    if (!grow_heap(t, size)) return aborted_run(t.budget, r);
    return call_plugin(t, jit, impl, size, r);
}

[[gnu::always_inline]] inline std::uint64_t run_one(detail::ThreadState& t, std::uint64_t (*jit)(vm::RunContext*),
                                                    const detail::ProgramImpl* impl, const detail::PluginBudget* b,
                                                    RunResult& r) noexcept {
    const std::uint32_t size = b->heap_size;
    t.budget = b;
    if (size >= t.heap.capacity) [[unlikely]]
        return grow_and_call(t, jit, impl, size, r);
    return call_plugin(t, jit, impl, size, r);
}

[[gnu::noinline, gnu::cold]] void clear_bytes_slots(detail::ThreadState& t) noexcept {
    detail::clear_bytes_slots(t.args, t.bytes_slots);
}

// After the last plugin of a run: no budget and no heap for helpers called
// outside a run, and no bytes argument left for the next run's plugins.
inline void finish_run(detail::ThreadState& t) noexcept {
    if (t.bytes_slots != 0) [[unlikely]]
        clear_bytes_slots(t);
    t.heap.size = 0;
    t.budget = nullptr;
    t.depth = 0;
    t.frame = nullptr;
}

// A bytes argument into slot `i` (out of line: a call here would make the
// run frame keep its values in callee-saved registers). Its bytes outlive a
// number written there by a later run: the slot is cleared when the run ends
// (ThreadState::bytes_slots; a nested run's own struct is zeroed anyway).
[[gnu::noinline, gnu::cold]] void copy_bytes(bpf_arg_slot_t& slot, std::uint32_t i, const Arg& a) noexcept {
    a.copy_to(slot);
    detail::tls.bytes_slots |= static_cast<std::uint8_t>(1u << i);
}

// The header and the used slots of an argument struct. Each Arg is laid out
// as its slot's header and first 8 bytes (see Arg::copy_to).
inline void fill(bpf_full_args_t& a, const Arg* args, std::uint32_t n) noexcept {
    const std::uint64_t header = n;  // count, and reserved 0 (a plugin may have written it)
    std::memcpy(&a, &header, sizeof header);
    bpf_arg_slot_t* slot = a.slot;
    for (const Arg* const end = args + n; args != end; ++args, ++slot) {
        if (args->is_bytes()) [[unlikely]]
            copy_bytes(*slot, static_cast<std::uint32_t>(slot - a.slot), *args);
        else
            args->copy_to(*slot);
    }
}

inline std::uint32_t clamp_count(std::size_t n) noexcept {
    return n < MEMPOOL_MAX_ARGS ? static_cast<std::uint32_t>(n) : MEMPOOL_MAX_ARGS;
}

// Several plugins at a point (out of line, so that the one-plugin case
// keeps a small frame): each on a fresh copy of the arguments.
template <class Entry>
[[gnu::noinline]] void run_several(detail::ThreadState& t, const Entry* a, const Entry* end, const Arg* args,
                                   std::uint32_t n, RunResult& result) noexcept {
    for (bool first = true; a != end; ++a, first = false) {
        if (!first) fill(t.args, args, n);  // the caller filled it for the first
        result.value = run_one(t, a->jit, a->impl, a->budget, result);
        ++result.ran;
    }
}

}  // namespace

const CallFrame* current_call() noexcept { return detail::tls.frame; }

// The usual case: the outermost run() on this thread, on the thread's own
// argument struct. Kept small (the nested case is out of line) because it is
// most of what a plugin call costs besides the plugin itself.
RunResult Runtime::run_attached(const Point& p, std::span<const Arg> args, const CallScope& scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    RunResult result;  // the one object returned, so that it is built in the caller's (NRVO)
    // Nested in a run in progress: a plugin's helper (depth), or an
    // anchored run's default code between its plugins (depth 0, but its
    // frame set), whose frame finish_run would otherwise forget.
    if (t.depth != 0 || t.frame != nullptr) [[unlikely]] {
        result = run_nested(p, args, scope);
        return result;
    }
    t.own_frame.global = global_;
    detail::copy_by_words(t.own_frame.scope, scope);
    t.frame = &t.own_frame;
    t.depth = 1;
    // Kept in the result until the end (one register fewer across the call).
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures);
    const std::uint32_t n = clamp_count(args.size());
    fill(t.args, args.data(), n);
    if (p.entries.size() == 1) [[likely]] {
        const Attached& a = p.entries.front();
        result.value = run_one(t, a.jit, a.impl, a.budget, result);
        result.ran = 1;
    } else {
        run_several(t, p.entries.data(), p.entries.data() + p.entries.size(), args.data(), n, result);
    }
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures) - result.helper_failures;
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

// One C argument into slot `i` of the thread's struct, as Arg::copy_to
// would: numbers zero-extended to 8 bytes (unknown types read as u64), bytes
// truncated to the slot.
inline void fill_slot(bpf_arg_slot_t& slot, std::uint32_t i, const mempool_arg& in) noexcept {
    // Index: the type tag (0 none .. 5 bytes); out of range reads as u64.
    static constexpr std::uint8_t width[6] = {8, 1, 2, 4, 8, 0};
    static constexpr std::uint64_t mask[6] = {~0ull, 0xff, 0xffff, 0xffffffff, ~0ull, 0};
    const std::uint32_t type = in.type <= MEMPOOL_ARG_BYTES ? in.type : MEMPOOL_ARG_NONE;
    if (type == MEMPOOL_ARG_BYTES) [[unlikely]] {
        tls.bytes_slots |= static_cast<std::uint8_t>(1u << i);  // as copy_bytes
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

inline void fill_c(bpf_full_args_t& a, const mempool_arg* args, std::uint32_t n) noexcept {
    const std::uint64_t header = n;  // count, and reserved 0 (a plugin may have written it)
    std::memcpy(&a, &header, sizeof header);
    for (std::uint32_t i = 0; i < n; ++i) fill_slot(a.slot[i], i, args[i]);
}

// Several plugins at a point, through the C API (out of line, as run_several).
template <class Entry>
[[gnu::noinline]] void run_several_c(ThreadState& t, const Entry* a, const Entry* end, const mempool_arg* args,
                                     std::uint32_t n, RunResult& result) noexcept {
    for (bool first = true; a != end; ++a, first = false) {
        if (!first) fill_c(t.args, args, n);  // the caller filled it for the first
        result.value = run_one(t, a->jit, a->impl, a->budget, result);
        ++result.ran;
    }
}

// mempool_runtime_run: run_attached with the slots filled from the C array
// (a C daemon's hot path; no Arg is built).
std::uint64_t run_c(const Runtime& rt, std::uint32_t point, const mempool_arg* args, std::size_t n,
                    const CallScope* scope, unsigned* ran) noexcept {
    static constexpr CallScope no_pools{};
    if (point >= rt.busy_.size()) return 0;
    if (rt.busy_[point] != 1) [[unlikely]]  // nothing attached, or anchors (anchors.cpp)
        return rt.busy_[point] == 0 ? 0 : run_c_anchored(rt, point, args, n, scope ? *scope : no_pools, ran);
    const Runtime::Point& p = rt.points_[point];
    ThreadState& t = tls;
    if (t.depth != 0 || t.frame != nullptr) [[unlikely]]  // as run_attached
        return run_c_nested(rt, point, args, n, scope ? *scope : no_pools, ran);
    t.own_frame.global = rt.global_;
    // Most C runs name no object pool: then nothing needs copying.
    if (scope == nullptr) [[likely]]
        t.own_frame.scope = CallScope{};
    else
        copy_by_words(t.own_frame.scope, *scope);
    t.frame = &t.own_frame;
    t.depth = 1;
    const std::uint32_t count = clamp_count(n);
    RunResult result;
    fill_c(t.args, args, count);
    if (p.entries.size() == 1) [[likely]] {
        const Runtime::Attached& a = p.entries.front();
        result.value = run_one(t, a.jit, a.impl, a.budget, result);
        result.ran = 1;
    } else {
        run_several_c(t, p.entries.data(), p.entries.data() + p.entries.size(), args, count, result);
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
    // The plugins here are not the anchored run's (if one is in progress):
    // next() and fail_current_plugin() must not act on its chain, and
    // helpers that follow pointers must not take its plugin's regions
    // (argument struct, shared memory, globals, frame) for theirs.
    detail::ChainRun* const outer_chain = detail::chain;
    detail::chain = const_cast<detail::ChainRun*>(&detail::no_chain);
    const detail::xbgp::RunView* const outer_view = detail::xbgp::current_view;
    detail::xbgp::current_view = nullptr;
    RunResult result;
    const std::uint64_t helper_failures = t.helper_failures;
    std::uint8_t* own = nullptr;
    for (const Attached& a : p.entries) {
        bpf_full_args_t local{};
        fill(local, args.data(), clamp_count(args.size()));
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
        if (size <= t.heap.capacity) {
            t.heap.size = size;
            vm::RunContext rc;
            rc.r1 = reinterpret_cast<std::uint64_t>(&local);
            rc.heap = t.heap.base;
            rc.heap_size = size;
            result.value = a.jit != nullptr ? a.jit(&rc) : detail::interpret(*a.impl, rc);
            if (rc.aborted()) result.value = refuse(a.budget, result);
            if (a.impl->writes.outside_blocks) t.heap.high = size;  // as call_plugin
        } else {
            result.value = refuse(a.budget, result);
        }
        if (t.heap.high != 0) t.heap.reset();
        ++result.ran;
    }
    std::free(own);
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures - helper_failures);
    t.heap = outer_heap;
    t.budget = outer_budget;
    t.object_added = outer_added;
    detail::xbgp::current_view = outer_view;
    detail::chain = outer_chain;
    --t.depth;
    t.frame = outer;
    return result;
}

}  // namespace mempool
