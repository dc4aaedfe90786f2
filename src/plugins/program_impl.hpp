// program_impl.hpp: what a loaded plugin is, inside the runtime.
//
// The bytes of the object were read once; the loader made a vm::Program of
// the section, the verifier accepted it against the runtime's helpers and
// the plugin's heap, and (unless RuntimeOptions::jit is false or the JIT
// refused) the JIT compiled it. A run calls the native code directly, or
// the interpreter with the same verified program and helper table.
//
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
//   std::uint64_t r0 = impl.jit ? (*impl.jit)(rc) : detail::interpret(impl, rc);
#pragma once

#include <mempool/runtime.hpp>

#include "exec.hpp"
#include "jit_x86_64.hpp"
#include "program.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct mempool_arg;

namespace mempool::detail {

// The C API's arguments as the C++ API's (at most MEMPOOL_MAX_ARGS of
// them: the count converted is returned).
std::size_t args_from_c(const mempool_arg* args, std::size_t n, Arg* converted) noexcept;

struct ProgramImpl {
    vm::VerifiedProgram verified;
    std::vector<vm::HelperFn> helpers;  // the runtime's helper table when it was loaded
    std::optional<vm::JitCode> jit;     // none: interpreted
    std::string jit_error;              // why the JIT gave no code (when it was asked)
    // Whether a run may write its heap arena outside the blocks it
    // allocated (a store or helper through a heap pointer or address checked
    // only at run time), so that the arena must be zeroed whole after it:
    // 0 not known yet, 1 no, 2 yes. Worked out by the anchored runner
    // (anchors.cpp) on the plugin's first run.
    mutable std::atomic<std::uint8_t> writes_outside_blocks{0};
};

// The interpreter on a loaded plugin (out of line: the JIT is the fast path).
[[nodiscard]] std::uint64_t interpret(const ProgramImpl& p, vm::RunContext& rc) noexcept;

}  // namespace mempool::detail
