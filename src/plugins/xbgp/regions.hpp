// xbgp/regions.hpp: the memory of the plugin being run, as helpers that
// follow pointers see it (a LOG_STR inside a struct vargs, a key string, the
// args array of ebpf_bvsnprintf). The verifier proves a helper's direct
// arguments; pointers found inside them are the helper's to check, against
// exactly these ranges, before any byte is read or written.
//
// Set by the anchored runner around each plugin (anchors.cpp); outside one,
// only the thread's heap arena counts.
//
//   RunView view{...};
//   ScopedView scoped(view);     // restored when the plugin returns
#pragma once

#include "exec.hpp"

#include <cstdint>

namespace mempool::detail::xbgp {

struct RunView {
    std::uint64_t ctx = 0, ctx_size = 0;          // R1's struct
    std::uint64_t rodata = 0, rodata_size = 0;    // read-only data as loaded (the interpreter's)
    std::uint64_t shared = 0, shared_size = 0;    // the plugin group's shared arena, if any
    std::uint64_t data = 0, data_size = 0;        // the plugin's writable globals, if any
    // The run's context: at calls the verifier flagged, the executor sets in
    // it the calling function's frame and read-only data as it holds them
    // (the JIT maps its own copy), which take precedence.
    const vm::RunContext* rc = nullptr;
};

extern constinit thread_local const RunView* current_view __attribute__((tls_model("initial-exec")));

class ScopedView {
public:
    explicit ScopedView(const RunView& v) noexcept : outer_(current_view) { current_view = &v; }
    ~ScopedView() { current_view = outer_; }
    ScopedView(const ScopedView&) = delete;
    ScopedView& operator=(const ScopedView&) = delete;

private:
    const RunView* outer_;
};

}  // namespace mempool::detail::xbgp
