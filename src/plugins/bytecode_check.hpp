// bytecode_check.hpp: our own conservative check of a plugin's bytecode.
//
// librte_bpf 22.11's validator is not a sandbox (../shared/design/
// plugin-runtime.md): a range mistake on register-register comparisons lets a
// crafted program read and write outside its argument, arithmetic on pointers
// keeps them "valid", a program not ending in `exit` corrupts the validator's
// heap, and its time doubles with each data-dependent `if`. So the runtime
// checks every program itself first, and only a program this check accepts
// is handed to librte_bpf (which validates it again in the child).
//
// The check is one pass in program order over a loop-free program (any
// backward jump is refused), so it is linear in the program's length. For
// each register R0-R10 it tracks one of:
//   - a number, with an unsigned and a signed range;
//   - a pointer into the argument struct (offset range from its start);
//   - a pointer into the stack (offset range from R10, i.e. negative);
//   - unknown (never written, clobbered by a helper call, or a pointer on one
//     path and something else on another): it may only be overwritten or
//     copied, never used.
// Where paths join (jump targets), the states of all predecessors are joined
// (ranges widened, different kinds -> unknown). Conditional jumps on numbers
// narrow the ranges on each side (a side whose range becomes empty is dead).
//
// It refuses: backward jumps, jumps out of the program or into the middle of
// a 64-bit load; a program whose last instruction is neither `exit` nor `ja`;
// instructions librte_bpf 22.11 does not know (32-bit jumps, packet loads,
// atomics other than add...); 64-bit loads of a symbol (globals, maps,
// function addresses); calls of anything but a registered helper; a memory
// access not proven inside the argument struct or the 512-byte stack; any
// pointer arithmetic other than adding or subtracting a number of bounded
// range (|n| < 2^31); comparing a pointer, storing a pointer to memory,
// passing it as a number to a helper or returning it; a helper buffer
// argument whose declared size (MEMPOOL_BUF_SIZE) is not wholly inside the
// stack or the argument struct; a division or modulo by a register not
// proven nonzero (or by the constant 0); writing R10; a use of an unknown
// register; more than `max_bytecode_instructions` instructions.
#pragma once

#include "elf_object.hpp"

#include <mempool/runtime.hpp>

#include <cstdint>
#include <span>

namespace mempool::detail {

inline constexpr std::size_t max_bytecode_instructions = 4096;

// PluginError with code none when the program passes; otherwise the first
// refusal, one line naming the instruction (plugin name left to the caller).
PluginError check_bytecode(std::span<const Insn> insns, std::span<const CodeReloc> relocs,
                           std::span<const HelperSpec> helpers);

}  // namespace mempool::detail
