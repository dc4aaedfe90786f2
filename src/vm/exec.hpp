// exec.hpp: what the interpreter and the JIT share to run a verified program.
//
// A run gets R1 (and R2) from a RunContext, a frame of the size the verifier
// proved, and the helper functions by index. Nothing in a run can fail
// except a run-time heap check (flag_heap_check): then the run stops, R0 is
// 0 and `abort_pc` names the instruction.
//
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
//   std::uint64_t r0 = vm::interpret(verified, helpers, rc);
//   if (rc.aborted()) ...
#pragma once

#include "program.hpp"

#include <cstdint>
#include <span>

namespace mempool::vm {

// A host function callable from a program: five 64-bit arguments (R1-R5),
// the result in R0. Called with the System V ABI and a 16-byte aligned stack.
using HelperFn = std::uint64_t (*)(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t);

struct RunContext {
    std::uint64_t r1 = 0;             // R1 at entry: the context pointer
    std::uint64_t r2 = 0;             // R2 at entry (raw mode: the context size)
    std::uint8_t* heap = nullptr;     // the plugin's heap arena, for run-time heap checks
    std::uint64_t heap_size = 0;
    std::uint32_t abort_pc = UINT32_MAX;  // set when a run-time check stopped the run

    [[nodiscard]] bool aborted() const noexcept { return abort_pc != UINT32_MAX; }
};

}  // namespace mempool::vm
