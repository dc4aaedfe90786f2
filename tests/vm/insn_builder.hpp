// insn_builder.hpp: eBPF instructions from readable calls, for tests.
//
// Each function builds one instruction (lddw builds two); code() flattens a
// list of them into a program's code:
//
//   using namespace mempool::vm::test;
//   Program p = program(code({mov64_imm(0, 1), alu64_imm(isa::alu_lsh, 0, 65), exit_()}));
#pragma once

#include "isa.hpp"
#include "program.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace mempool::vm::test {

inline constexpr std::uint8_t B = isa::size_b, H = isa::size_h, W = isa::size_w, DW = isa::size_dw;

inline Insn make(std::uint8_t code, unsigned dst, unsigned src, std::int16_t off, std::int32_t imm) {
    Insn i;
    i.code = code;
    i.set_dst(dst);
    i.set_src(src);
    i.off = off;
    i.imm = imm;
    return i;
}

// ---- ALU --------------------------------------------------------------------
inline Insn alu64_imm(std::uint8_t op, unsigned d, std::int32_t k, std::int16_t off = 0) {
    return make(isa::cls_alu64 | op | isa::src_k, d, 0, off, k);
}
inline Insn alu64_reg(std::uint8_t op, unsigned d, unsigned s, std::int16_t off = 0) {
    return make(isa::cls_alu64 | op | isa::src_x, d, s, off, 0);
}
inline Insn alu32_imm(std::uint8_t op, unsigned d, std::int32_t k, std::int16_t off = 0) {
    return make(isa::cls_alu | op | isa::src_k, d, 0, off, k);
}
inline Insn alu32_reg(std::uint8_t op, unsigned d, unsigned s, std::int16_t off = 0) {
    return make(isa::cls_alu | op | isa::src_x, d, s, off, 0);
}
inline Insn mov64_imm(unsigned d, std::int32_t k) { return alu64_imm(isa::alu_mov, d, k); }
inline Insn mov64_reg(unsigned d, unsigned s) { return alu64_reg(isa::alu_mov, d, s); }
inline Insn mov32_imm(unsigned d, std::int32_t k) { return alu32_imm(isa::alu_mov, d, k); }
inline Insn mov32_reg(unsigned d, unsigned s) { return alu32_reg(isa::alu_mov, d, s); }
inline Insn movsx64(unsigned d, unsigned s, std::int16_t bits) { return alu64_reg(isa::alu_mov, d, s, bits); }
inline Insn neg64(unsigned d) { return make(isa::cls_alu64 | isa::alu_neg, d, 0, 0, 0); }
inline Insn le(unsigned d, std::int32_t bits) { return make(isa::cls_alu | isa::alu_end | isa::src_k, d, 0, 0, bits); }
inline Insn be(unsigned d, std::int32_t bits) { return make(isa::cls_alu | isa::alu_end | isa::src_x, d, 0, 0, bits); }
inline Insn bswap(unsigned d, std::int32_t bits) { return make(isa::cls_alu64 | isa::alu_end, d, 0, 0, bits); }

// ---- memory -------------------------------------------------------------------
inline Insn ldx(std::uint8_t size, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_ldx | isa::mode_mem | size, d, s, off, 0);
}
inline Insn ldsx(std::uint8_t size, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_ldx | isa::mode_memsx | size, d, s, off, 0);
}
inline Insn st(std::uint8_t size, unsigned d, std::int16_t off, std::int32_t k) {
    return make(isa::cls_st | isa::mode_mem | size, d, 0, off, k);
}
inline Insn stx(std::uint8_t size, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_stx | isa::mode_mem | size, d, s, off, 0);
}
inline Insn atomic(std::uint8_t size, std::int32_t op, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_stx | isa::mode_atomic | size, d, s, off, op);
}
inline std::vector<Insn> lddw(unsigned d, std::uint64_t v) {
    return {make(isa::op_lddw, d, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v))),
            make(0, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v >> 32)))};
}
inline std::vector<Insn> lddw_rodata(unsigned d, std::uint32_t offset) {
    return {make(isa::op_lddw, d, isa::pseudo_rodata, 0, static_cast<std::int32_t>(offset)), make(0, 0, 0, 0, 0)};
}

// ---- jumps and calls ------------------------------------------------------------
inline Insn jmp_imm(std::uint8_t op, unsigned d, std::int32_t k, std::int16_t off) {
    return make(isa::cls_jmp | op | isa::src_k, d, 0, off, k);
}
inline Insn jmp_reg(std::uint8_t op, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_jmp | op | isa::src_x, d, s, off, 0);
}
inline Insn jmp32_imm(std::uint8_t op, unsigned d, std::int32_t k, std::int16_t off) {
    return make(isa::cls_jmp32 | op | isa::src_k, d, 0, off, k);
}
inline Insn jmp32_reg(std::uint8_t op, unsigned d, unsigned s, std::int16_t off) {
    return make(isa::cls_jmp32 | op | isa::src_x, d, s, off, 0);
}
inline Insn ja(std::int16_t off) { return make(isa::cls_jmp | isa::jmp_ja, 0, 0, off, 0); }
inline Insn gotol(std::int32_t off) { return make(isa::cls_jmp32 | isa::jmp_ja, 0, 0, 0, off); }
inline Insn call_helper(std::int32_t index) { return make(isa::op_call, 0, 0, 0, index); }
inline Insn call_local(std::int32_t off) { return make(isa::op_call, 0, isa::pseudo_call, 0, off); }
inline Insn exit_() { return make(isa::op_exit, 0, 0, 0, 0); }

// ---- programs ---------------------------------------------------------------------
struct Piece {
    std::vector<Insn> insns;
    Piece(Insn i) : insns{i} {}                          // NOLINT: implicit on purpose
    Piece(std::vector<Insn> v) : insns(std::move(v)) {}  // NOLINT
};

inline std::vector<Insn> code(std::initializer_list<Piece> pieces) {
    std::vector<Insn> out;
    for (const Piece& p : pieces) out.insert(out.end(), p.insns.begin(), p.insns.end());
    return out;
}

inline Program program(std::vector<Insn> insns, std::vector<std::uint32_t> starts = {0},
                       std::vector<std::uint8_t> rodata = {}) {
    Program p;
    p.name = "test";
    p.code = std::move(insns);
    p.function_starts = std::move(starts);
    p.rodata = std::move(rodata);
    return p;
}

}  // namespace mempool::vm::test
