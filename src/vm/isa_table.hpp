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
