// checked_interpreter.hpp: runs any program, checking every step against the
// verifier's invariant; a violation on an accepted program is a verifier bug.
//
// interpret_checked() has the semantics of interpret() (it computes the same
// R0 and leaves memory in the same state) but trusts nothing: it decodes
// every instruction (unknown opcodes, non-zero reserved fields, writes to
// R10, jumps outside the code or into the middle of an LDDW), and it checks
// every load, store and atomic against the regions a run is given:
//
//   ctx     [R1 at entry, + ctx_size)           read, write
//   stack   the live frames, from the bottom of the current function's frame
//           (R10 - frame_size) to the top of the entry frame; a callee may
//           use its caller's frames through pointers, never a dead frame
//   rodata  p.program.rodata                     read only
//   heap    [rc.heap, + rc.heap_size)            read, write
//
// It tracks an initialised bit per register and per stack byte (a frame's
// bytes start uninitialised on every call; a callee starts with R0 and R6-R9
// uninitialised, as Linux does; a helper call leaves R1-R5 uninitialised) and
// a "pointer" tag per register and per stack byte. Pointers are R10, R1 at
// entry, rodata addresses and heap pointers returned by helpers, and
// anything computed from them except the difference of two pointers into the
// same region. It reports the first of:
//   - a read of an uninitialised register or stack byte;
//   - an access outside the regions, a write to rodata, an access through a
//     value that is not a pointer, a misaligned atomic;
//   - a pointer in a helper's number or size argument, in R0 at the entry
//     function's exit, or stored anywhere but the stack;
//   - a helper memory argument outside the regions (or, for an input,
//     uninitialised), a size above max_helper_size, an unregistered helper;
//   - more executed instructions than p.instruction_bound (when non-zero;
//     otherwise than p.options.max_instructions, so that a loop in an
//     unverified program ends);
//   - a call chain deeper than p.options.max_call_depth, or frames that do
//     not fit p.stack_size;
//   - a bad opcode, a jump outside the program, falling off its end.
// A flagged (flag_heap_check) access outside the heap is not a violation: it
// aborts the run exactly as interpret() does (rc.abort_pc, value 0).
//
// When p.frame_size does not have one entry per function (a program that was
// never verified), each function gets p.options.max_frame bytes.
//
//   vm::CheckedResult r = vm::interpret_checked(verified, helpers, rc, ctx_size);
//   if (r.violation) report_verifier_bug(r.violation->to_string());
//   else assert(r.value == vm::interpret(verified, helpers, rc2));
#pragma once

#include "exec.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace mempool::vm {

struct CheckedResult {
    std::uint64_t value = 0;     // R0 at exit (0 on a violation or an abort)
    std::uint64_t executed = 0;  // instructions executed, the one that violated included
    std::optional<Diagnostic> violation;
};

[[nodiscard]] CheckedResult interpret_checked(const VerifiedProgram& p, std::span<const HelperFn> helpers,
                                              RunContext& rc, std::size_t ctx_size) noexcept;

}  // namespace mempool::vm
