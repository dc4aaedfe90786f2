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
// where the plugin used it) when it returns.
#include <mempool/runtime.hpp>

#include "bpf_backend.hpp"
#include "call_state.hpp"

#include <cstdlib>

namespace mempool {
namespace detail {
constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));
}  // namespace detail

namespace {

// Prepares the thread's heap for a plugin of `size` bytes of heap. False if
// the arena cannot grow that far (out of memory): the plugin is not run.
inline bool enter(detail::ThreadState& t, const detail::PluginBudget* b) noexcept {
    t.budget = b;
    t.object_added = 0;
    const std::uint32_t size = b != nullptr ? b->heap_size : 0;
    if (size > t.heap.capacity && !detail::reserve_heap(t.heap, size)) [[unlikely]] {
        t.heap.size = 0;
        return false;
    }
    t.heap.size = size;
    return true;
}

inline void leave(detail::ThreadState& t) noexcept {
    if (t.heap.high != 0) t.heap.reset();
    t.heap.size = 0;
    t.budget = nullptr;
}

inline std::uint64_t refuse(const detail::PluginBudget* b, RunResult& r) noexcept {
    if (b != nullptr) b->aborts.fetch_add(1, std::memory_order_relaxed);
    ++r.aborted;
    return MEMPOOL_RUN_ABORTED;
}

inline void fill(bpf_full_args_t& a, std::span<const Arg> args) noexcept {
    const std::size_t n = args.size() < MEMPOOL_MAX_ARGS ? args.size() : MEMPOOL_MAX_ARGS;
    a.count = static_cast<std::uint32_t>(n);
    a.reserved = 0;
    for (std::size_t i = 0; i < n; ++i) args[i].copy_to(a.slot[i]);
}

}  // namespace

const CallFrame* current_call() noexcept { return detail::tls.frame; }

std::uint64_t Program::call(bpf_full_args_t* args) const noexcept {
    if (jit_ != nullptr) return jit_(args);
    return detail::bpf_interpret(bpf_, args);
}

// The usual case: the outermost run() on this thread, on the thread's own
// argument struct. Kept small (the nested case is out of line) because it is
// most of what a plugin call costs besides the plugin itself.
RunResult Runtime::run_attached(const Point& p, std::span<const Arg> args, const CallScope& scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    if (t.depth != 0) [[unlikely]]
        return run_nested(p, args, scope);
    const CallFrame frame{global_, scope};
    t.frame = &frame;
    t.depth = 1;
    RunResult result;
    for (const Attached& a : p.entries) {
        fill(t.args, args);
        if (enter(t, a.budget)) [[likely]]
            result.value = a.jit != nullptr ? a.jit(&t.args) : detail::bpf_interpret(a.bpf, &t.args);
        else
            result.value = refuse(a.budget, result);
        leave(t);
        ++result.ran;
    }
    t.depth = 0;
    t.frame = nullptr;  // depth 0: no run was in progress
    return result;
}

// A run() from inside a helper: a private, zeroed struct for each plugin, so
// the outer plugin's arguments stay intact; the outer frame is restored after.
[[gnu::noinline, gnu::cold]] RunResult Runtime::run_nested(const Point& p, std::span<const Arg> args,
                                                          const CallScope& scope) const noexcept {
    detail::ThreadState& t = detail::tls;
    const CallFrame frame{global_, scope};
    const CallFrame* const outer = t.frame;
    // The outer plugin's budget and heap stay as they are: the inner plugins
    // get an arena of their own, dropped at the end.
    const detail::PluginBudget* const outer_budget = t.budget;
    const std::uint64_t outer_added = t.object_added;
    const detail::HeapArena outer_heap = t.heap;
    t.heap = detail::HeapArena{};
    t.frame = &frame;
    ++t.depth;
    RunResult result;
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
        if (size <= t.heap.capacity) {
            t.heap.size = size;
            result.value = a.jit != nullptr ? a.jit(&local) : detail::bpf_interpret(a.bpf, &local);
        } else {
            result.value = refuse(a.budget, result);
        }
        if (t.heap.high != 0) t.heap.reset();
        ++result.ran;
    }
    std::free(own);
    t.heap = outer_heap;
    t.budget = outer_budget;
    t.object_added = outer_added;
    --t.depth;
    t.frame = outer;
    return result;
}

}  // namespace mempool
