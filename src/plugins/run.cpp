// run.cpp: running the plugins of a point.
//
// Each thread owns one argument struct, zeroed once when the thread first
// runs a plugin, and from then on holding only argument bytes: unused slots
// and the tail of a slot may hold earlier arguments (or a plugin's scribbles)
// but never host memory. Before each plugin the header and the used slots are
// copied again, so a plugin that writes into its arguments cannot change what
// the next plugin sees. A run() nested inside a helper gets a fresh zeroed
// struct on the stack instead, so the outer plugin's arguments stay intact.
#include <mempool/runtime.hpp>

#include "bpf_backend.hpp"
#include "call_state.hpp"

namespace mempool {
namespace detail {
constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));
}  // namespace detail

namespace {

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
        result.value = a.jit != nullptr ? a.jit(&t.args) : detail::bpf_interpret(a.bpf, &t.args);
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
    t.frame = &frame;
    ++t.depth;
    RunResult result;
    for (const Attached& a : p.entries) {
        bpf_full_args_t local{};
        fill(local, args);
        result.value = a.jit != nullptr ? a.jit(&local) : detail::bpf_interpret(a.bpf, &local);
        ++result.ran;
    }
    --t.depth;
    t.frame = outer;
    return result;
}

}  // namespace mempool
