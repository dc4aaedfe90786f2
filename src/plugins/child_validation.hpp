// child_validation.hpp: validate a plugin where a crash or a hang is harmless.
//
// librte_bpf's validator is not hardened: a hostile program can corrupt its
// heap, and some honest ones take exponential time (each data-dependent `if`
// doubles the paths explored). So the runtime first loads the plugin in a
// forked child that reports the outcome through a pipe and is killed when the
// time limit passes. Only when the child says "loaded" does the host load the
// same bytes itself.
#pragma once

#include <mempool/runtime.hpp>

#include <chrono>
#include <span>
#include <string>

namespace mempool::detail {

struct ChildOutcome {
    enum class Kind { loaded, rejected, timeout, crashed, failed };
    Kind kind = Kind::failed;
    int error = 0;        // rte_errno (rejected), signal (crashed), errno (failed)
    bool jitted = false;  // the child got native code
    std::string log;      // librte_bpf's lines from the child's load
};

// The caller holds bpf_load_mutex().
ChildOutcome validate_in_child(const std::string& path, const std::string& section,
                               std::span<const HelperSpec> helpers, bool want_jit,
                               std::chrono::milliseconds timeout) noexcept;

}  // namespace mempool::detail
