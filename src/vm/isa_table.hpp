// isa_table.hpp: which encodings of RFC 9669 the machine accepts, as one table.
//
// Every opcode byte maps to a shape (what its fields mean); encoding_problem()
// then checks the fields that shape leaves reserved (they must be 0) and the
// registers it names. The verifier runs it over every instruction before
// anything else, so the rest of the verifier, the interpreter and the JIT
// only ever see the shapes listed here.
//
//   if (auto bad = encoding_problem(insn)) report(pc, describe(insn, bad));
//
// Refused on purpose: legacy packet loads (mode abs/ind: the "packet"
// conformance group), LDDW kinds other than a constant and read-only data
// (maps, map values, BTF ids), 64-bit sign-extending loads (not an RFC 9669
// encoding).
#pragma once

#include "isa.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mempool::vm {

enum class Shape : std::uint8_t {
    invalid,
    alu,      // add sub mul or and lsh rsh xor arsh, K or X
    divmod,   // div mod, off 0 (unsigned) or 1 (signed), K or X
    neg,      // K only, no operand
    mov,      // K, or X with off 0 / 8 / 16 (/ 32 in alu64): movsx
    endian,   // le/be (alu), bswap (alu64); imm 16/32/64
    ja,       // jmp ja, offset in off
    gotol,    // jmp32 ja, offset in imm
    jcond,    // conditional jumps, K or X
    call,     // helper (src 0) or local (src pseudo_call)
    exit,
    lddw,
    ldx,      // ldx mem
    ldsx,     // ldx memsx
    st,       // st mem (immediate)
    stx,      // stx mem
    atomic,   // stx atomic, 4 or 8 bytes
    packet,   // ld abs/ind (refused with its own message)
};

// Every opcode byte's shape (invalid for the bytes that are no encoding).
constexpr std::array<Shape, 256> make_shape_table() {
    using namespace isa;
    std::array<Shape, 256> t{};
    for (std::uint8_t c : {cls_alu, cls_alu64}) {
        for (std::uint8_t op : {alu_add, alu_sub, alu_mul, alu_or, alu_and, alu_lsh, alu_rsh, alu_xor, alu_arsh}) {
            t[c | op | src_k] = Shape::alu;
            t[c | op | src_x] = Shape::alu;
        }
        for (std::uint8_t op : {alu_div, alu_mod}) {
            t[c | op | src_k] = Shape::divmod;
            t[c | op | src_x] = Shape::divmod;
        }
        t[c | alu_neg | src_k] = Shape::neg;
        t[c | alu_mov | src_k] = Shape::mov;
        t[c | alu_mov | src_x] = Shape::mov;
        t[c | alu_end | src_k] = Shape::endian;
    }
    t[cls_alu | alu_end | src_x] = Shape::endian;  // be (alu64 | src_x is not an encoding)
    for (std::uint8_t c : {cls_jmp, cls_jmp32}) {
        for (std::uint8_t op : {jmp_jeq, jmp_jgt, jmp_jge, jmp_jset, jmp_jne, jmp_jsgt, jmp_jsge, jmp_jlt, jmp_jle,
                                jmp_jslt, jmp_jsle}) {
            t[c | op | src_k] = Shape::jcond;
            t[c | op | src_x] = Shape::jcond;
        }
    }
    t[cls_jmp | jmp_ja] = Shape::ja;
    t[cls_jmp32 | jmp_ja] = Shape::gotol;
    t[op_call] = Shape::call;
    t[op_exit] = Shape::exit;
    t[op_lddw] = Shape::lddw;
    for (std::uint8_t sz : {size_b, size_h, size_w, size_dw}) {
        t[cls_ldx | mode_mem | sz] = Shape::ldx;
        t[cls_st | mode_mem | sz] = Shape::st;
        t[cls_stx | mode_mem | sz] = Shape::stx;
        t[cls_ld | mode_abs | sz] = Shape::packet;
        t[cls_ld | mode_ind | sz] = Shape::packet;
    }
    for (std::uint8_t sz : {size_b, size_h, size_w}) t[cls_ldx | mode_memsx | sz] = Shape::ldsx;
    t[cls_stx | mode_atomic | size_w] = Shape::atomic;
    t[cls_stx | mode_atomic | size_dw] = Shape::atomic;
    return t;
}

inline constexpr std::array<Shape, 256> shape_table = make_shape_table();

// The shape of an opcode byte (inline: the verifier asks several times per
// instruction, and a call cost more than the lookup).
[[nodiscard]] inline Shape shape_of(std::uint8_t code) noexcept { return shape_table[code]; }

// What is wrong with an instruction's encoding, found without building a
// message: the verifier checks every instruction and almost all are fine,
// so the text is only made (describe()) for the ones that are not.
struct EncodingProblem {
    enum class Kind : std::uint8_t {
        none,
        unknown_opcode,
        packet,            // ld abs/ind
        bad_dst,           // register out of range
        bad_src,
        reserved,          // `field` is not 0
        division_offset,   // div/mod off neither 0 nor 1
        movsx_width,       // mov X with an invalid off
        swap_width,        // le/be/bswap imm not 16, 32 or 64
        call_kind,         // call src neither helper nor local
        lddw_kind,         // LDDW src neither constant nor (read-only) data
        atomic_operation,  // imm not an atomic operation
    };
    Kind kind = Kind::none;
    const char* field = nullptr;  // Kind::reserved: the field's name
    explicit constexpr operator bool() const noexcept { return kind != Kind::none; }
};

// The first rule the instruction's encoding breaks (unknown opcode, reserved
// field not zero, register out of range, bad width), or Kind::none. The
// LDDW's second slot is checked by the caller, which sees it.
[[nodiscard]] EncodingProblem encoding_problem(const Insn& insn) noexcept;
// The message for a problem encoding_problem() found in `insn`.
[[nodiscard]] std::string describe(const Insn& insn, EncodingProblem problem);

// The common forms, accepted with one table lookup and a few compares (the
// verifier checks every instruction before anything else): per opcode byte,
// which of Insn::regs' bits, off and imm must be 0 when "these are 0 and the
// registers exist" is the whole rule of its shape. Shapes with more to check
// (div/mod offsets, sign-extending moves, byte swaps, local calls, LDDW of
// data, atomics) are not plain, nor are invalid and packet opcodes: for
// them, and for any instruction plainly_valid() refuses, encoding_problem()
// decides. plainly_valid() never accepts what encoding_problem() refuses
// (tests/vm/isa_table_test.cpp checks every opcode).
struct PlainForm {
    bool plain = false;
    std::uint8_t regs_zero = 0;  // bits of Insn::regs that must be 0: 0xf0 src, 0xff both
    bool off_zero = false, imm_zero = false;
};

constexpr std::array<PlainForm, 256> make_plain_forms() {
    std::array<PlainForm, 256> t{};
    for (unsigned c = 0; c < 256; ++c) {
        const bool by_reg = isa::uses_src_reg(static_cast<std::uint8_t>(c));
        const std::uint8_t src_zero = by_reg ? 0x00 : 0xf0;  // K forms: src must be 0
        PlainForm& f = t[c];
        switch (shape_table[c]) {
        case Shape::alu: f = {true, src_zero, true, by_reg}; break;
        case Shape::jcond: f = {true, src_zero, false, by_reg}; break;
        case Shape::neg: f = {true, 0xf0, true, true}; break;
        case Shape::mov: f = {true, src_zero, true, by_reg}; break;  // X: off 0 only (movsx is not plain)
        case Shape::ja: f = {true, 0xff, false, true}; break;
        case Shape::gotol: f = {true, 0xff, true, false}; break;
        case Shape::call: f = {true, 0xff, true, false}; break;  // helper calls (src 0) only
        case Shape::exit: f = {true, 0xff, true, true}; break;
        case Shape::lddw: f = {true, 0xf0, true, false}; break;  // constants (src 0) only
        case Shape::ldx:
        case Shape::ldsx:
        case Shape::stx: f = {true, 0x00, false, true}; break;
        case Shape::st: f = {true, 0xf0, false, false}; break;
        default: f = {}; break;
        }
    }
    return t;
}

inline constexpr std::array<PlainForm, 256> plain_forms = make_plain_forms();

// Whether the instruction is one of the plain forms with its fields right
// (then encoding_problem() finds nothing); false says nothing either way.
[[nodiscard]] inline bool plainly_valid(const Insn& in) noexcept {
    const PlainForm f = plain_forms[in.code];
    return f.plain && (in.regs & f.regs_zero) == 0 && in.dst() < isa::reg_count && in.src() < isa::reg_count &&
           (!f.off_zero || in.off == 0) && (!f.imm_zero || in.imm == 0);
}

// The register an instruction writes, if any (for "writes R10" checks;
// inline: it is asked once per instruction).
[[nodiscard]] inline std::optional<unsigned> written_register(const Insn& in) noexcept {
    switch (shape_table[in.code]) {
    case Shape::alu:
    case Shape::divmod:
    case Shape::neg:
    case Shape::mov:
    case Shape::endian:
    case Shape::lddw:
    case Shape::ldx:
    case Shape::ldsx: return in.dst();
    case Shape::atomic:
        if (in.imm == isa::atomic_cmpxchg) return 0u;
        if ((in.imm & isa::atomic_fetch) != 0) return in.src();
        return std::nullopt;
    default: return std::nullopt;
    }
}

}  // namespace mempool::vm
