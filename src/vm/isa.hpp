// isa.hpp: the eBPF instruction set (RFC 9669) as one table of constants.
//
// Everything in src/vm that looks at an opcode uses these names: the ELF
// loader, the verifier, the interpreter and the JIT. An instruction is 8
// bytes; a 64-bit immediate load (LDDW) takes two slots, the second holding
// the high 32 bits of the immediate in its `imm`.
//
//   Insn i = program.code[pc];
//   if (isa::cls(i.code) == isa::cls_alu64 && isa::op(i.code) == isa::alu_add) ...
//
// Encodings the loader produces (never accepted from raw input, see
// program.hpp): CALL with src == pseudo_call is a call to a function of the
// program (imm: relative offset, as clang emits it); CALL with src == 0 has
// imm = index into the helper table the program was loaded against; LDDW
// with src == pseudo_rodata loads the address of the program's read-only
// data plus the 64-bit immediate (an offset).
#pragma once

#include <cstdint>

namespace mempool::vm {

struct Insn {
    std::uint8_t code = 0;
    std::uint8_t regs = 0;  // dst in the low nibble, src in the high nibble
    std::int16_t off = 0;
    std::int32_t imm = 0;

    [[nodiscard]] constexpr unsigned dst() const noexcept { return regs & 0x0fu; }
    [[nodiscard]] constexpr unsigned src() const noexcept { return regs >> 4; }
    constexpr void set_dst(unsigned r) noexcept { regs = static_cast<std::uint8_t>((regs & 0xf0u) | (r & 0x0fu)); }
    constexpr void set_src(unsigned r) noexcept { regs = static_cast<std::uint8_t>((regs & 0x0fu) | (r << 4)); }
};
static_assert(sizeof(Insn) == 8);

namespace isa {

// Registers: R0 return value, R1-R5 arguments, R6-R9 callee-saved, R10 the
// read-only frame pointer.
inline constexpr unsigned reg_count = 11;
inline constexpr unsigned frame_pointer = 10;

// Instruction classes (low 3 bits).
inline constexpr std::uint8_t cls_ld = 0x00, cls_ldx = 0x01, cls_st = 0x02, cls_stx = 0x03, cls_alu = 0x04,
                              cls_jmp = 0x05, cls_jmp32 = 0x06, cls_alu64 = 0x07;

// Arithmetic: source bit and operation (high 4 bits).
inline constexpr std::uint8_t src_k = 0x00, src_x = 0x08;
inline constexpr std::uint8_t alu_add = 0x00, alu_sub = 0x10, alu_mul = 0x20, alu_div = 0x30, alu_or = 0x40,
                              alu_and = 0x50, alu_lsh = 0x60, alu_rsh = 0x70, alu_neg = 0x80, alu_mod = 0x90,
                              alu_xor = 0xa0, alu_mov = 0xb0, alu_arsh = 0xc0, alu_end = 0xd0;
// alu_end: in class alu, src_k = to little-endian (le), src_x = to big-endian
// (be); in class alu64 (RFC 9669 bswap), an unconditional byte swap. imm is
// the width: 16, 32 or 64.
// Signed division and modulo: alu_div / alu_mod with off == 1.
// Sign-extending move (movsx): alu_mov with off == 8, 16 or 32.

// Jumps (class jmp or jmp32).
inline constexpr std::uint8_t jmp_ja = 0x00, jmp_jeq = 0x10, jmp_jgt = 0x20, jmp_jge = 0x30, jmp_jset = 0x40,
                              jmp_jne = 0x50, jmp_jsgt = 0x60, jmp_jsge = 0x70, jmp_call = 0x80,
                              jmp_exit = 0x90, jmp_jlt = 0xa0, jmp_jle = 0xb0, jmp_jslt = 0xc0,
                              jmp_jsle = 0xd0;
// jmp32 | jmp_ja ("gotol"): the offset is in imm, not off.

// Loads and stores: mode (high 3 bits) and size (bits 3-4).
inline constexpr std::uint8_t mode_imm = 0x00, mode_abs = 0x20, mode_ind = 0x40, mode_mem = 0x60,
                              mode_memsx = 0x80, mode_atomic = 0xc0;
inline constexpr std::uint8_t size_w = 0x00, size_h = 0x08, size_b = 0x10, size_dw = 0x18;

// Atomic operations (imm of a mode_atomic store); fetch_flag returns the old value.
inline constexpr std::int32_t atomic_add = 0x00, atomic_or = 0x40, atomic_and = 0x50, atomic_xor = 0xa0,
                              atomic_fetch = 0x01, atomic_xchg = 0xe0 | 0x01, atomic_cmpxchg = 0xf0 | 0x01;

// src field of LDDW and CALL.
inline constexpr unsigned pseudo_rodata = 2;  // LDDW: address of read-only data + imm64
inline constexpr unsigned pseudo_data = 6;    // LDDW: address of the plugin's writable data + imm64
inline constexpr unsigned pseudo_call = 1;    // CALL: local function at pc + 1 + imm

// The one 16-byte instruction.
inline constexpr std::uint8_t op_lddw = cls_ld | mode_imm | size_dw;  // 0x18
inline constexpr std::uint8_t op_call = cls_jmp | jmp_call;           // 0x85
inline constexpr std::uint8_t op_exit = cls_jmp | jmp_exit;           // 0x95

[[nodiscard]] constexpr std::uint8_t cls(std::uint8_t code) noexcept { return code & 0x07u; }
[[nodiscard]] constexpr std::uint8_t op(std::uint8_t code) noexcept { return code & 0xf0u; }
[[nodiscard]] constexpr std::uint8_t mode(std::uint8_t code) noexcept { return code & 0xe0u; }
[[nodiscard]] constexpr std::uint8_t size(std::uint8_t code) noexcept { return code & 0x18u; }
[[nodiscard]] constexpr bool uses_src_reg(std::uint8_t code) noexcept { return (code & src_x) != 0; }
[[nodiscard]] constexpr unsigned size_bytes(std::uint8_t code) noexcept {
    switch (size(code)) {
    case size_w: return 4;
    case size_h: return 2;
    case size_b: return 1;
    default: return 8;
    }
}
[[nodiscard]] constexpr bool is_alu(std::uint8_t code) noexcept {
    return cls(code) == cls_alu || cls(code) == cls_alu64;
}
[[nodiscard]] constexpr bool is_jump(std::uint8_t code) noexcept {
    return cls(code) == cls_jmp || cls(code) == cls_jmp32;
}
[[nodiscard]] constexpr bool is_lddw(const Insn& i) noexcept { return i.code == op_lddw; }
[[nodiscard]] constexpr bool is_local_call(const Insn& i) noexcept {
    return i.code == op_call && i.src() == pseudo_call;
}
[[nodiscard]] constexpr bool is_helper_call(const Insn& i) noexcept { return i.code == op_call && i.src() == 0; }

}  // namespace isa
}  // namespace mempool::vm
