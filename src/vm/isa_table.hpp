// isa_table.hpp: which encodings of RFC 9669 the machine accepts, as one table.
//
// Every opcode byte maps to a shape (what its fields mean); check_encoding()
// then checks the fields that shape leaves reserved (they must be 0) and the
// registers it names. The verifier runs it over every instruction before
// anything else, so the rest of the verifier, the interpreter and the JIT
// only ever see the shapes listed here.
//
//   if (auto why = check_encoding(program.code[pc])) report(pc, *why);
//
// Refused on purpose: legacy packet loads (mode abs/ind: the "packet"
// conformance group), LDDW kinds other than a constant and read-only data
// (maps, map values, BTF ids), 64-bit sign-extending loads (not an RFC 9669
// encoding).
#pragma once

#include "isa.hpp"

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

// The shape of an opcode byte.
[[nodiscard]] Shape shape_of(std::uint8_t code) noexcept;

// Why the instruction's encoding is refused (unknown opcode, reserved field
// not zero, register out of range, bad width), or nothing when it is fine.
// The LDDW's second slot is checked by the caller, which sees it.
[[nodiscard]] std::optional<std::string> check_encoding(const Insn& insn);

// The register an instruction writes, if any (for "writes R10" checks).
[[nodiscard]] std::optional<unsigned> written_register(const Insn& insn) noexcept;

}  // namespace mempool::vm
