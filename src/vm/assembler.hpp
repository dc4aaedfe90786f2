// assembler.hpp: eBPF text to instructions and back, for tests, tools and
// messages.
//
// The syntax is the one the public BPF conformance corpora (bpf_conformance,
// uBPF) write, so their test files assemble unchanged:
//
//   mov32 %r0, 0            # 32-bit ALU: mnemonic + "32"; 64-bit: bare or "64"
//   add %r0, %r1            # register source (with or without '%')
//   ldxw %r0, [%r1+4]       # loads ldx{b,h,w,dw}, sign-extending ldxs{b,h,w}
//   stxdw [%r10-8], %r1     # stores stx{b,h,w,dw}; immediates st{b,h,w,dw}
//   lddw %r0, 0x123456789   # two slots; "lddw %r1, rodata+8" addresses read-only data
//   be16 %r0 / le32 %r0 / bswap64 %r0 (also swap64)
//   sdiv %r0, 3 / smod32 / movsx864 %r0, %r1 (sign bits, then the class width)
//   jeq %r1, 2, +3          # a signed offset or a label; "jeq32" compares 32 bits
//   ja +2 / ja32 label      # ja32 ("gotol") keeps its offset in imm
//   lock fetch add [%r10-8], %r1 / lock xchg32 ... / lock cmpxchg ...
//   call 1 / call local func1 / exit
//   label:                  # "exit" names the first exit unless defined
//
//   vm::AsmResult a = vm::assemble("mov %r0, 1\nexit\n");
//   if (!a.error.empty()) puts(a.error.c_str());   // "line 1: ..."
//   puts(vm::disassemble(a.code[0]).c_str());      // "mov %r0, 1"
//
// disassemble() prints the same syntax (numeric jump offsets), so that
// assemble(disassemble(i)) gives i back for every valid instruction.
#pragma once

#include "isa.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::vm {

struct AsmResult {
    std::vector<Insn> code;
    std::string error;  // empty on success, else "line N: what is wrong"
};

// Assembles `text`; on the first error, `code` is empty and `error` says why.
[[nodiscard]] AsmResult assemble(std::string_view text) noexcept;

// One instruction as text. For LDDW only the low 32 bits of the immediate are
// known from one slot; the overload below reads both slots.
[[nodiscard]] std::string disassemble(const Insn& insn);

// The instruction at `pc` of `code` (both slots of an LDDW).
[[nodiscard]] std::string disassemble(std::span<const Insn> code, std::size_t pc);

// A whole program, one instruction per line, each prefixed with its pc.
[[nodiscard]] std::string disassemble_program(std::span<const Insn> code);

}  // namespace mempool::vm
