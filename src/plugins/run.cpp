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
//
// The helpers find the run's pools through the thread's frame: idle_frame
// (no pools) outside a run, so they need no test of their own; the
// thread's bare_frame (only the global pool, its scope never written) for
// an outermost run given no scope, the usual one, so that nothing is
// copied; own_frame, with a copy of the scope, otherwise. A run is nested
// when the frame is not the idle one.
//
// Cost: the usual run (numbers as arguments, one JIT-compiled plugin that
// writes neither its arguments nor its heap outside its blocks) makes one
// call, the plugin's; everything else is out of line, so that the run's
// frame keeps little across that call (bench/callcost.sh counts it).
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include "call_state.hpp"
#include "chain_state.hpp"
#include "interpreter.hpp"
#include "program_impl.hpp"
#include "xbgp/regions.hpp"

#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace mempool {
namespace detail {
constinit const CallFrame idle_frame{};
constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));

std::uint64_t interpret(const ProgramImpl& p, vm::RunContext& rc) noexcept {
    return vm::interpret(p.verified, p.helpers, rc);
}
}  // namespace detail

namespace {

// A plugin stopped by a run-time check: counted for the plugin and in the
// run's `aborted` (RunResult::aborted; null: the C API, which reports none).
[[gnu::cold]] std::uint64_t refuse(const detail::PluginBudget* b, std::uint32_t* aborted) noexcept {
    if (b != nullptr) b->aborts.fetch_add(1, std::memory_order_relaxed);
    if (aborted != nullptr) ++*aborted;
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

// After a plugin that used its heap: zeroed where it did. (The thread's
// arena, found here: a caller passing it would keep its address across the
// plugin's call.)
[[gnu::noinline, gnu::cold]] void reset_heap() noexcept { detail::tls.heap.reset(); }

// A plugin stopped by a run-time check, or one that could not get its heap.
[[gnu::noinline, gnu::cold]] std::uint64_t aborted_run(const detail::PluginBudget* b, std::uint32_t* aborted) noexcept {
    return refuse(b, aborted);
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

// A plugin that is interpreted, or that may write what the next plugin
// must not find (ProgramImpl::writes): out of line, so that the usual call
// (native code that writes neither) needs nothing of the plugin after it.
[[gnu::noinline]] std::uint64_t call_plugin_slow(detail::ThreadState& t, std::uint64_t (*jit)(vm::RunContext*),
                                                 const detail::ProgramImpl* impl, std::uint32_t size,
                                                 std::uint32_t* aborted) noexcept {
    vm::RunContext& rc = t.rc;
    const std::uint64_t v = jit != nullptr ? jit(&rc) : detail::interpret(*impl, rc);
    std::uint16_t writes;
    static_assert(sizeof impl->writes == sizeof writes);
    std::memcpy(&writes, &impl->writes, sizeof writes);
    if (writes != 0) clean_after(t, impl->writes, size);
    if (t.heap.high != 0) reset_heap();
    if (rc.aborted()) [[unlikely]]
        return aborted_run(t.budget, aborted);
    return v;
}

// One plugin on the thread's argument struct (already filled), with its
// budget and heap set for the helpers; after it, the heap is zeroed where
// the plugin used it. The budget and heap size stay set until the next
// plugin or the end of the run (finish_run), which overwrite them. The
// thread's RunContext already holds R1 and the arena's base (grow_heap).
// The only call on the usual path is the plugin's, and nothing of the
// plugin is needed after it (call_plugin_slow takes the others): this frame
// keeps nothing in callee-saved registers but the result and the thread.
// `writes`: ProgramImpl::writes has a flag set.
[[gnu::always_inline]] inline std::uint64_t call_plugin(detail::ThreadState& t, std::uint64_t (*jit)(vm::RunContext*),
                                                        const detail::ProgramImpl* impl, bool writes,
                                                        std::uint64_t size, std::uint32_t* aborted) noexcept {
    t.object_added = 0;
    t.heap.size = static_cast<std::uint32_t>(size);
    vm::RunContext& rc = t.rc;
    rc.heap_size = size;
    if (jit == nullptr || writes) [[unlikely]]
        return call_plugin_slow(t, jit, impl, static_cast<std::uint32_t>(size), aborted);
    const std::uint64_t v = jit(&rc);
    // What the caller needs after the call is read again from memory rather
    // than kept in callee-saved registers, which this frame would then push.
    __asm__ volatile("" ::: "memory");
    if (t.heap.high != 0) [[unlikely]] reset_heap();
    if (rc.aborted()) [[unlikely]]
        return aborted_run(t.budget, aborted);
    return v;
}

// The first plugin on this thread, or one whose heap needs a larger arena.
[[gnu::noinline, gnu::cold]] std::uint64_t grow_and_call(detail::ThreadState& t,
                                                         std::uint64_t (*jit)(vm::RunContext*),
                                                         const detail::ProgramImpl* impl, std::uint32_t size,
                                                         std::uint32_t* aborted) noexcept {
    if (!grow_heap(t, size)) return aborted_run(t.budget, aborted);
    return call_plugin(t, jit, impl, impl->writes.outside_blocks || impl->writes.context, size, aborted);
}

// One plugin attached at a point of the fast path (pre plugins of the
// mempool ABI only). What the run needs of it before the call is read from
// its entry, already in cache: the heap size and the ProgramImpl::writes
// flags are copied there at attach (AnchoredCode: writes_outside_blocks, and
// writes_arguments, which is writes.context for a mempool-ABI plugin), so
// that the usual call does not reach the ProgramImpl or the budget first.
template <class Entry>
[[gnu::always_inline]] inline std::uint64_t run_one(detail::ThreadState& t, const Entry& a,
                                                    std::uint32_t* aborted) noexcept {
    const detail::AnchoredCode& code = a.anchored;
    static_assert(offsetof(detail::AnchoredCode, writes_arguments) ==
                      offsetof(detail::AnchoredCode, writes_outside_blocks) + 2 &&
                  offsetof(detail::AnchoredCode, reserved) == offsetof(detail::AnchoredCode, writes_outside_blocks) + 3 &&
                  std::endian::native == std::endian::little);
    std::uint32_t flags;  // the four flags as one word; sets_call_regions (byte 1) is not ours
    std::memcpy(&flags, &code.writes_outside_blocks, sizeof flags);
    const std::uint64_t size = code.heap_size;  // at most max_heap_size
    t.budget = a.budget;
    if (size >= t.heap.capacity) [[unlikely]]
        return grow_and_call(t, a.jit, a.impl, static_cast<std::uint32_t>(size), aborted);
    return call_plugin(t, a.jit, a.impl, (flags & 0x00ff00ffu) != 0, size, aborted);
}

[[gnu::noinline, gnu::cold]] void clear_bytes_slots() noexcept {
    detail::ThreadState& t = detail::tls;
    detail::clear_bytes_slots(t.args, t.bytes_slots);
}

// After the last plugin of a run: no budget and no heap for helpers called
// outside a run, and no bytes argument left for the next run's plugins.
inline void finish_run(detail::ThreadState& t) noexcept {
    if (t.bytes_slots != 0) [[unlikely]]
        clear_bytes_slots();
    t.heap.size = 0;
    t.budget = nullptr;
    t.depth = 0;
    t.frame = &detail::idle_frame;
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

// `one(i)` for each slot i below n, from the last one down, the count
// choosing the first: no loop to set up or run for the usual one to three
// arguments. False as soon as `one` is.
template <class Fill>
[[gnu::always_inline]] inline bool unrolled_fill(std::uint32_t n, Fill&& one) noexcept {
    static_assert(MEMPOOL_MAX_ARGS == 8, "one case per slot");
    switch (n) {
    case 8: if (!one(7)) return false; [[fallthrough]];
    case 7: if (!one(6)) return false; [[fallthrough]];
    case 6: if (!one(5)) return false; [[fallthrough]];
    case 5: if (!one(4)) return false; [[fallthrough]];
    case 4: if (!one(3)) return false; [[fallthrough]];
    case 3: if (!one(2)) return false; [[fallthrough]];
    case 2: if (!one(1)) return false; [[fallthrough]];
    case 1: return one(0);
    default: return true;  // 0 (clamp_count: never more than 8)
    }
}

// fill() for numbers only, the usual arguments: false at the first bytes
// argument (the struct then partly filled), for the caller to start again
// out of line. So the usual run makes no call before the plugin's, and
// keeps nothing in callee-saved registers across one.
inline bool fill_numbers(bpf_full_args_t& a, const Arg* args, std::uint32_t n) noexcept {
    const std::uint64_t header = n;  // count, and reserved 0 (a plugin may have written it)
    std::memcpy(&a, &header, sizeof header);
    return unrolled_fill(n, [&](std::uint32_t i) {
        if (args[i].is_bytes()) [[unlikely]]
            return false;
        args[i].copy_to(a.slot[i]);
        return true;
    });
}

inline std::uint32_t clamp_count(std::size_t n) noexcept {
    return n < MEMPOOL_MAX_ARGS ? static_cast<std::uint32_t>(n) : MEMPOOL_MAX_ARGS;
}

// The frame of the outermost run: the thread's bare frame (whose scope is
// always empty) when no scope was given, else its own frame with a copy.
// `Failures`: the run reports the helper calls that failed (RunResult;
// the C API does not).
template <bool Failures = true>
inline void start_run(detail::ThreadState& t, Pool* global, const CallScope* scope) noexcept {
    CallFrame* frame = &t.bare_frame;
    if (scope != nullptr) [[unlikely]] {
        frame = &t.own_frame;
        detail::copy_by_words(frame->scope, *scope);
    }
    frame->global = global;
    t.frame = frame;
    t.depth = 1;
    if constexpr (Failures) t.helper_failures = 0;  // what this run adds (no run is in progress)
}

// The arguments of a C++ run, as the run's plugins after the first get them.
struct CppArgs {
    const Arg* args;
    std::uint32_t n;
    void fill(bpf_full_args_t& a) const noexcept { ::mempool::fill(a, args, n); }
};

// Several plugins at a point (out of line, so that the one-plugin case
// keeps a small frame): each on a fresh copy of the arguments (the caller
// filled them for the first).
// `ran` (the C API's, or null) gets how many ran.
template <class Entries, class Args>
[[gnu::noinline]] void run_several(detail::ThreadState& t, const Entries& entries, Args args, RunResult& result,
                                   unsigned* ran = nullptr) noexcept {
    for (const auto& a : entries) {
        if (&a != entries.data()) args.fill(t.args);
        result.value = run_one(t, a, &result.aborted);
        ++result.ran;
    }
    if (ran != nullptr) *ran = result.ran;
}

// The rest of an outermost run once start_run() and the arguments of its
// first plugin are done. Returns its one result object, so that it is
// built in the caller's.
template <class Entries, class Args>
[[gnu::always_inline]] inline RunResult run_started(detail::ThreadState& t, const Entries& entries,
                                                    Args args) noexcept {
    RunResult result;
    if (entries.size() == 1) [[likely]] {
        const auto& a = entries.front();
        result.value = run_one(t, a, &result.aborted);
        result.ran = 1;
    } else {
        run_several(t, entries, args, result);
    }
    result.helper_failures = static_cast<std::uint32_t>(t.helper_failures);
    finish_run(t);  // depth 0, no frame: no run in progress
    return result;
}

// An outermost run with a bytes argument: the struct filled again, whole.
template <class Entries>
[[gnu::noinline, gnu::cold]] RunResult run_with_bytes(detail::ThreadState& t, const Entries& entries,
                                                     CppArgs args) noexcept {
    args.fill(t.args);
    return run_started(t, entries, args);
}

}  // namespace

const CallFrame* current_call() noexcept {
    const CallFrame* f = detail::tls.frame;
    return f != &detail::idle_frame ? f : nullptr;
}

// The usual case: the outermost run() on this thread, on the thread's own
// argument struct. Kept small (the nested case and bytes arguments are out
// of line) because it is most of what a plugin call costs besides the
// plugin itself.
RunResult Runtime::run_attached(const Point& p, std::span<const Arg> args, const CallScope* scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    // Nested in a run in progress: a plugin's helper, or an anchored run's
    // default code between its plugins, whose frame finish_run would
    // otherwise forget. (Whenever depth is not 0, a frame is set.)
    if (t.frame != &detail::idle_frame) [[unlikely]]
        return run_nested(p, args, detail::scope_or_none(scope));
    start_run(t, global_, scope);
    const CppArgs a{args.data(), clamp_count(args.size())};
    if (!fill_numbers(t.args, a.args, a.n)) [[unlikely]]
        return run_with_bytes(t, p.entries, a);
    return run_started(t, p.entries, a);
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

// A C number argument into its slot, as Arg::copy_to would write it: the
// slot's len and type as one word, the number zero-extended to 8 bytes as
// one masked word. `type` is in.type, or MEMPOOL_ARG_NONE (read as u64) for
// a type past U64.
struct CNumberKind {
    std::uint64_t head, mask;
};
// Index: the type tag, MEMPOOL_ARG_NONE (read as u64) .. MEMPOOL_ARG_U64.
inline constexpr CNumberKind c_number_kinds[5] = {{8 | std::uint64_t{MEMPOOL_ARG_U64} << 32, ~0ull},
                                                  {1 | std::uint64_t{MEMPOOL_ARG_U8} << 32, 0xff},
                                                  {2 | std::uint64_t{MEMPOOL_ARG_U16} << 32, 0xffff},
                                                  {4 | std::uint64_t{MEMPOOL_ARG_U32} << 32, 0xffffffff},
                                                  {8 | std::uint64_t{MEMPOOL_ARG_U64} << 32, ~0ull}};
inline void put_c_number(bpf_arg_slot_t& slot, std::uint32_t type, const mempool_arg& in) noexcept {
    static_assert(offsetof(bpf_arg_slot_t, len) == 0 && offsetof(bpf_arg_slot_t, type) == 4 &&
                  offsetof(bpf_arg_slot_t, data) == 8 && std::endian::native == std::endian::little);
    const CNumberKind& k = c_number_kinds[type];
    std::memcpy(&slot, &k.head, 8);
    const std::uint64_t v = in.number & k.mask;
    std::memcpy(slot.data, &v, sizeof v);
}

// One C argument into slot `i` of the thread's struct, as Arg::copy_to
// would: numbers as put_c_number (unknown types read as u64), bytes
// truncated to the slot.
inline void fill_slot(bpf_arg_slot_t& slot, std::uint32_t i, const mempool_arg& in) noexcept {
    if (in.type == MEMPOOL_ARG_BYTES) [[unlikely]] {
        tls.bytes_slots |= static_cast<std::uint8_t>(1u << i);  // as copy_bytes
        const std::uint32_t len = in.bytes == nullptr ? 0 : (in.len > MEMPOOL_ARG_SIZE ? MEMPOOL_ARG_SIZE : in.len);
        slot.len = len;
        slot.type = MEMPOOL_ARG_BYTES;
        if (len != 0) std::memcpy(slot.data, in.bytes, len);
        return;
    }
    put_c_number(slot, in.type <= MEMPOOL_ARG_U64 ? in.type : MEMPOOL_ARG_NONE, in);
}

inline void fill_c(bpf_full_args_t& a, const mempool_arg* args, std::uint32_t n) noexcept {
    const std::uint64_t header = n;  // count, and reserved 0 (a plugin may have written it)
    std::memcpy(&a, &header, sizeof header);
    for (std::uint32_t i = 0; i < n; ++i) fill_slot(a.slot[i], i, args[i]);
}

// fill_c for numbers only, the usual arguments (as fill_numbers): false at
// the first bytes argument or unknown type (the struct then partly filled).
inline bool fill_c_numbers(bpf_full_args_t& a, const mempool_arg* args, std::uint32_t n) noexcept {
    const std::uint64_t header = n;  // count, and reserved 0 (a plugin may have written it)
    std::memcpy(&a, &header, sizeof header);
    return unrolled_fill(n, [&](std::uint32_t i) {
        const std::uint32_t type = args[i].type;
        if (type > MEMPOOL_ARG_U64) [[unlikely]]
            return false;
        put_c_number(a.slot[i], type, args[i]);
        return true;
    });
}

// The arguments of a C run, as the run's plugins after the first get them.
struct CArgs {
    const mempool_arg* args;
    std::uint32_t n;
    void fill(bpf_full_args_t& a) const noexcept { fill_c(a, args, n); }
};

// Several plugins of a C run: run_several, the last value (out of line, with
// the RunResult it needs, so that run_c's frame holds none).
template <class Entries>
[[gnu::noinline]] std::uint64_t run_several_c(ThreadState& t, const Entries& entries, CArgs args,
                                              unsigned* ran) noexcept {
    RunResult result;
    run_several(t, entries, args, result, ran);
    return result.value;
}

// The rest of an outermost C run once start_run() and the arguments of its
// first plugin are done: run_started without a RunResult (the C API gives
// the value alone, and the plugins run in `ran`, written after the run as
// the API says, even if a helper's nested run wrote the same place).
template <class Entries>
[[gnu::always_inline]] inline std::uint64_t run_started_c(ThreadState& t, const Entries& entries, CArgs args,
                                                          unsigned* ran) noexcept {
    std::uint64_t v;
    if (entries.size() == 1) [[likely]] {
        const auto& a = entries.front();
        v = run_one(t, a, nullptr);  // the C API reports no abort count
        if (ran != nullptr) *ran = 1;
    } else {
        v = run_several_c(t, entries, args, ran);
    }
    finish_run(t);  // depth 0, no frame: no run in progress
    return v;
}

// An outermost C run with a bytes argument (or an unknown type): the struct
// filled again, whole.
template <class Entries>
[[gnu::noinline, gnu::cold]] std::uint64_t run_c_with_bytes(ThreadState& t, const Entries& entries, CArgs args,
                                                           unsigned* ran) noexcept {
    args.fill(t.args);
    return run_started_c(t, entries, args, ran);
}

// mempool_runtime_run: run_attached with the slots filled from the C array
// (a C daemon's hot path; no Arg is built).
// Sets *ran (if not null) in every case.
std::uint64_t run_c(const Runtime& rt, std::uint32_t point, const mempool_arg* args, std::size_t n,
                    const CallScope* scope, unsigned* ran) noexcept {
    const std::uint8_t busy = point < rt.busy_.size() ? rt.busy_[point] : 0;
    if (busy != 1) [[unlikely]] {  // nothing attached, or anchors (anchors.cpp)
        if (busy != 0) return run_c_anchored(rt, point, args, n, scope_or_none(scope), ran);
        if (ran != nullptr) *ran = 0;
        return 0;
    }
    const Runtime::Point& p = rt.points_[point];
    ThreadState& t = tls;
    if (t.frame != &idle_frame) [[unlikely]]  // as run_attached
        return run_c_nested(rt, point, args, n, scope_or_none(scope), ran);
    start_run<false>(t, rt.global_, scope);
    const CArgs a{args, clamp_count(n)};
    if (!fill_c_numbers(t.args, a.args, a.n)) [[unlikely]]
        return run_c_with_bytes(t, p.entries, a, ran);
    return run_started_c(t, p.entries, a, ran);
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
            if (rc.aborted()) result.value = refuse(a.budget, &result.aborted);
            if (a.impl->writes.outside_blocks) t.heap.high = size;  // as call_plugin
        } else {
            result.value = refuse(a.budget, &result.aborted);
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
