// interpreter.hpp: runs a verified program, the reference semantics of RFC 9669.
//
// The interpreter trusts the verifier: it checks nothing the verifier proved
// (bounds, initialisation, jump targets, helper indices, call depth). The one
// run-time check is at instructions flagged flag_heap_check: an access
// outside [rc.heap, rc.heap + rc.heap_size) stops the run with R0 = 0 and
// rc.abort_pc naming the instruction.
//
// The stack is one buffer of p.stack_size bytes on the host stack, not zeroed
// (the verifier proved that nothing is read before it is written). The entry
// function's R10 is the top of the buffer; a local call moves R10 down by the
// caller's frame_size, so each function sees exactly the frame the verifier
// sized. Local calls save R6-R9 and restore them at the callee's exit. A
// helper call (CALL imm) calls helpers[imm] with R1-R5 and puts the result
// in R0.
//
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(buf), .r2 = len};
//   std::uint64_t r0 = vm::interpret(verified, helpers, rc);
//   if (rc.aborted()) report(rc.abort_pc);
#pragma once

#include "exec.hpp"

#include <cstdint>
#include <span>

namespace mempool::vm {

// R0 at the entry function's exit, or 0 with rc.abort_pc set when a run-time
// heap check failed. rc.abort_pc is reset at entry.
[[nodiscard]] std::uint64_t interpret(const VerifiedProgram& p, std::span<const HelperFn> helpers,
                                      RunContext& rc) noexcept;

}  // namespace mempool::vm
