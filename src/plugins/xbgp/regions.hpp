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
    // Set once per nesting level (anchors.cpp's Level) and kept:
    std::uint64_t ctx = 0, ctx_size = 0;          // R1's struct
    // The run's context: the shared arena and the writable globals as the
    // executor uses them (set per plugin), and, at calls the verifier
    // flagged, the calling function's frame and the read-only data as the
    // executor holds them (the JIT maps its own copy), which take precedence.
    const vm::RunContext* rc = nullptr;
    // Set per plugin: the program being run (its read-only data as loaded,
    // the interpreter's, and the size of its globals). Read only when a
    // helper follows a pointer, so a run stores one pointer, not six fields.
    const vm::Program* program = nullptr;
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
