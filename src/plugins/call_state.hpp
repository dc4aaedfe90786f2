// call_state.hpp: the per-thread state of run(), shared with the helpers.
//
// Each thread owns one argument struct, zeroed once, a pointer to the
// CallFrame of the run in progress, the budget of the plugin being run (its
// pool limits) and a heap arena (ctx_malloc & co) reset after each plugin.
// The helpers read this state directly (initial-exec TLS, constant-
// initialised: one %fs-relative load, no call), because they run several
// times per plugin call.
//
//   detail::ThreadState& t = detail::tls;
//   if (t.budget != nullptr && t.object_added + n > t.budget->object_limit) return MEMPOOL_ERR_LIMIT;
#pragma once

#include <mempool/runtime.hpp>

#include "../vm/exec.hpp"  // vm::RunContext (relative: src/bgp includes this header without src/vm on its path)

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace mempool::detail {

// Copies a host-built structure (a CallScope) 8 bytes at a time. A host
// fills one with 8-byte stores just before run(); GCC copies it with 16-byte
// loads, which x86 cannot forward from two stores still in flight, so every
// run would wait for the host's stores to retire (measured: the hottest
// instruction of an anchored run). The empty asm keeps GCC from merging the
// moves back.
template <class T>
inline void copy_by_words(T& to, const T& from) noexcept {
    static_assert(sizeof(T) % 8 == 0 && std::is_trivially_copyable_v<T>);
    auto* out = reinterpret_cast<unsigned char*>(&to);
    const auto* in = reinterpret_cast<const unsigned char*>(&from);
    for (std::size_t i = 0; i < sizeof(T); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, in + i, 8);
        __asm__("" : "+r"(w));
        std::memcpy(out + i, &w, 8);
    }
}

// The heap of the plugin being run: a bump allocator over one buffer owned
// by the thread (see heap_arena.cpp), reused by every plugin the thread runs.
// Nothing in it is trusted: the plugin may write anywhere in [base, base +
// size), block headers included, so every helper clamps what it reads from
// it to the arena.
struct HeapArena {
    std::uint8_t* base = nullptr;   // 16-byte aligned, `capacity` bytes, or nullptr
    std::uint32_t capacity = 0;     // bytes allocated for this thread
    std::uint32_t size = 0;         // the current plugin's heap size (<= capacity)
    std::uint32_t top = 0;          // first free byte
    std::uint32_t high = 0;         // highest `top` since the last reset: bytes to zero
    std::uint32_t last = UINT32_MAX;  // offset of the last block's data (realloc/free in place)
    // Makes the arena 32 bytes of fields, which GCC copies (a nested or
    // anchored run saves and restores the outer arena) as two aligned 16-byte
    // moves; 28 bytes it copied as two overlapping ones, and the second load
    // of the restore, spanning both stores of the save, could not be forwarded.
    std::uint32_t unused = 0;

    // How a pointer into the arena is written inside an object the plugin
    // can read (vm::heap_address: a fixed base plus the offset, so the plugin
    // never sees a host address), and back; other values unchanged.
    [[nodiscard]] std::uint64_t plugin_address(const void* p) const noexcept {
        const auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(base);
        return base != nullptr && a >= b && a - b < size ? vm::heap_address(a - b) : a;
    }
    [[nodiscard]] std::uint64_t host_address(std::uint64_t a) const noexcept {
        return a >= vm::heap_address_base && a - vm::heap_address_base < size
                   ? reinterpret_cast<std::uintptr_t>(base) + (a - vm::heap_address_base)
                   : a;
    }

    // After each plugin: what it left is zeroed, so the next plugin (of this
    // or another owner) never sees it.
    void reset() noexcept {
        if (high != 0) std::memset(base, 0, high);
        top = high = 0;
        last = UINT32_MAX;
    }
};

static_assert(sizeof(HeapArena) == 32);

// Where ThreadState::frame points outside a run: a frame with no global
// pool, no scope and no runtime, so that a helper finds "no pool" without a
// test of its own (current_call() gives nullptr for it). Defined in run.cpp.
extern const CallFrame idle_frame;

struct ThreadState {
    const CallFrame* frame = &idle_frame; // the run in progress, or &idle_frame
    const PluginBudget* budget = nullptr; // the plugin in progress (nullptr: no limits apply)
    std::uint64_t object_added = 0;       // bytes it added to object pools in this run
    unsigned depth = 0;                   // nesting of run() on this thread
    // The slots of `args` given a bytes argument in this run (bit i: slot
    // i): their data is zeroed when the run ends, since a number written
    // there by a later run covers only its first 8 bytes, and that run's
    // plugins, maybe of another group, must find only their own arguments.
    std::uint8_t bytes_slots = 0;
    // Helper calls that failed on this thread (note_helper_failure), since
    // the last outermost C++ run began (run_attached sets it to 0; the C API
    // reports none): a run's RunResult::helper_failures is what it added.
    std::uint64_t helper_failures = 0;
    HeapArena heap;
    // The RunContext of the outermost run (run.cpp's run_one), kept rather
    // than built per plugin: R1 (this thread's `args`) and the heap's base
    // are set when the arena grows (run.cpp's grow_heap, the only place the
    // outermost arena's base changes; nested and anchored runs put `heap`
    // back as they found it), each plugin sets its heap size, and the
    // executor resets abort_pc at entry. Nothing here ever sets
    // shared or data (those runs go through anchors.cpp, with a context of
    // their own), so they stay null; the frame, rodata and arg_room fields an
    // executor sets at a call are read only through an xBGP RunView, which
    // only anchors.cpp installs. Nested runs use their own context.
    vm::RunContext rc;
    // The CallFrame of the outermost run (run.cpp's run_attached, run_c)
    // given a CallScope: filled per run, pointed to by `frame` only while
    // the run lasts (nested and anchored runs keep theirs on their stack).
    // `runtime` stays null.
    CallFrame own_frame;
    // The same for an outermost run given no scope (most runs): only
    // `global` is ever set, so its scope stays empty and a run need not
    // copy or clear one.
    CallFrame bare_frame;
    alignas(64) bpf_full_args_t args{};
};

// Zeroes the data of the slots of `a` named in `slots` (bit i: slot i),
// which held a bytes argument, and clears `slots`.
inline void clear_bytes_slots(bpf_full_args_t& a, std::uint8_t& slots) noexcept {
    for (unsigned i = 0; slots != 0; ++i, slots >>= 1)
        if ((slots & 1u) != 0) std::memset(a.slot[i].data, 0, sizeof a.slot[i].data);
}

// initial-exec: the library is built position-independent (so it can go into
// a shared object), and the default TLS model would then cost a
// __tls_get_addr call on every helper call.
extern constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));

// What a new pool key costs a plugin's budget besides its bytes (index slot,
// entry header), roughly: charged so that many tiny keys are not free.
inline constexpr std::uint64_t pool_entry_cost = 32;

// Charges `bytes` the running plugin adds to object pools (a route's, a
// peer's: the pool helpers, and mempool-bgp's set_attr/add_attr) to its
// per-run budget (PluginBudget::object_limit), or refuses (false, counted in
// limit_hits) past it. Outside a plugin (no budget) nothing is charged.
// refund_object_bytes gives back a charge whose change then failed.
[[nodiscard]] inline bool charge_object_bytes(std::uint64_t bytes) noexcept {
    ThreadState& t = tls;
    const PluginBudget* b = t.budget;
    if (b == nullptr) return true;
    if (bytes > b->object_limit || t.object_added > b->object_limit - bytes) {
        b->limit_hits.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    t.object_added += bytes;
    return true;
}
inline void refund_object_bytes(std::uint64_t bytes) noexcept {
    ThreadState& t = tls;
    if (t.budget != nullptr) t.object_added -= bytes < t.object_added ? bytes : t.object_added;
}

// Makes the thread's arena at least `size` bytes (the buffer is kept for the
// thread's life and freed at its exit). False if out of memory.
[[nodiscard]] bool reserve_heap(HeapArena& heap, std::uint32_t size) noexcept;

}  // namespace mempool::detail
