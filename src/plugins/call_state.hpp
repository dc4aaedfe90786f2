// call_state.hpp: the per-thread state of run(), shared with the helpers.
//
// Each thread owns one argument struct, zeroed once, and a pointer to the
// CallFrame of the run in progress. The pool helpers read the frame directly
// (initial-exec TLS, constant-initialised: one %fs-relative load, no call),
// because they run several times per plugin call.
#pragma once

#include <mempool/runtime.hpp>

namespace mempool::detail {

struct ThreadState {
    const CallFrame* frame = nullptr;  // the run in progress, or nullptr
    unsigned depth = 0;                // nesting of run() on this thread
    alignas(64) bpf_full_args_t args{};
};

// initial-exec: the library is built position-independent (so it can go into
// a shared object), and the default TLS model would then cost a
// __tls_get_addr call on every helper call.
extern constinit thread_local ThreadState tls __attribute__((tls_model("initial-exec")));

}  // namespace mempool::detail
