// semantics.hpp: RFC 9669 arithmetic, byte swaps and jump conditions as small
// inline functions, the one definition both interpreters use.
//
// Each function is total and free of undefined behaviour in C++: division by
// zero gives 0, modulo by zero leaves the dividend, INT64_MIN / -1 wraps to
// INT64_MIN (and INT64_MIN % -1 is 0), shift amounts are masked to the width,
// signed values are made by conversion (modular since C++20). 32-bit forms
// take and return the low 32 bits; the caller zero-extends.
//
//   std::uint64_t r = detail::alu64(isa::alu_div, dst, src, /*signed_op=*/false);
//   bool taken = detail::jump64(isa::jmp_jsgt, a, b);
#pragma once

#include "isa.hpp"

#include <cstdint>

namespace mempool::detail {

[[nodiscard]] constexpr std::uint16_t bswap16(std::uint16_t v) noexcept {
    return static_cast<std::uint16_t>((v >> 8) | (v << 8));
}
[[nodiscard]] constexpr std::uint32_t bswap32(std::uint32_t v) noexcept { return __builtin_bswap32(v); }
[[nodiscard]] constexpr std::uint64_t bswap64(std::uint64_t v) noexcept { return __builtin_bswap64(v); }

// 64-bit division and modulo, unsigned and signed (off == 1).
[[nodiscard]] constexpr std::uint64_t udiv64(std::uint64_t a, std::uint64_t b) noexcept { return b == 0 ? 0 : a / b; }
[[nodiscard]] constexpr std::uint64_t umod64(std::uint64_t a, std::uint64_t b) noexcept { return b == 0 ? a : a % b; }
[[nodiscard]] constexpr std::uint64_t sdiv64(std::uint64_t a, std::uint64_t b) noexcept {
    if (b == 0) return 0;
    if (b == ~std::uint64_t{0}) return std::uint64_t{0} - a;  // x / -1 = -x, INT64_MIN stays INT64_MIN
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(a) / static_cast<std::int64_t>(b));
}
[[nodiscard]] constexpr std::uint64_t smod64(std::uint64_t a, std::uint64_t b) noexcept {
    if (b == 0) return a;
    if (b == ~std::uint64_t{0}) return 0;
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(a) % static_cast<std::int64_t>(b));
}

// 32-bit forms on the low halves.
[[nodiscard]] constexpr std::uint32_t udiv32(std::uint32_t a, std::uint32_t b) noexcept { return b == 0 ? 0 : a / b; }
[[nodiscard]] constexpr std::uint32_t umod32(std::uint32_t a, std::uint32_t b) noexcept { return b == 0 ? a : a % b; }
[[nodiscard]] constexpr std::uint32_t sdiv32(std::uint32_t a, std::uint32_t b) noexcept {
    if (b == 0) return 0;
    if (b == ~std::uint32_t{0}) return 0u - a;
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(a) / static_cast<std::int32_t>(b));
}
[[nodiscard]] constexpr std::uint32_t smod32(std::uint32_t a, std::uint32_t b) noexcept {
    if (b == 0) return a;
    if (b == ~std::uint32_t{0}) return 0;
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(a) % static_cast<std::int32_t>(b));
}

[[nodiscard]] constexpr std::uint64_t arsh64(std::uint64_t a, std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(a) >> (n & 63));
}
[[nodiscard]] constexpr std::uint32_t arsh32(std::uint32_t a, std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(a) >> (n & 31));
}

// Sign-extending move (movsx) of the low `bits` of v, to 64 bits.
[[nodiscard]] constexpr std::uint64_t sign_extend(std::uint64_t v, int bits) noexcept {
    switch (bits) {
    case 8: return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int8_t>(v)));
    case 16: return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int16_t>(v)));
    case 32: return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)));
    default: return v;
    }
}

// Every ALU64 operation but neg, end and mov: `signed_op` is off == 1 (sdiv, smod).
[[nodiscard]] constexpr std::uint64_t alu64(std::uint8_t op, std::uint64_t a, std::uint64_t b,
                                            bool signed_op) noexcept {
    using namespace mempool::vm::isa;
    switch (op) {
    case alu_add: return a + b;
    case alu_sub: return a - b;
    case alu_mul: return a * b;
    case alu_div: return signed_op ? sdiv64(a, b) : udiv64(a, b);
    case alu_or: return a | b;
    case alu_and: return a & b;
    case alu_lsh: return a << (b & 63);
    case alu_rsh: return a >> (b & 63);
    case alu_mod: return signed_op ? smod64(a, b) : umod64(a, b);
    case alu_xor: return a ^ b;
    case alu_mov: return b;
    case alu_arsh: return arsh64(a, b);
    default: return a;
    }
}

[[nodiscard]] constexpr std::uint32_t alu32(std::uint8_t op, std::uint32_t a, std::uint32_t b,
                                            bool signed_op) noexcept {
    using namespace mempool::vm::isa;
    switch (op) {
    case alu_add: return a + b;
    case alu_sub: return a - b;
    case alu_mul: return a * b;
    case alu_div: return signed_op ? sdiv32(a, b) : udiv32(a, b);
    case alu_or: return a | b;
    case alu_and: return a & b;
    case alu_lsh: return a << (b & 31);
    case alu_rsh: return a >> (b & 31);
    case alu_mod: return signed_op ? smod32(a, b) : umod32(a, b);
    case alu_xor: return a ^ b;
    case alu_mov: return b;
    case alu_arsh: return arsh32(a, b);
    default: return a;
    }
}

// Byte order (alu_end). to_big: class alu with src_x (be); swap: class alu64 (bswap).
// Little-endian host: "le" only truncates.
[[nodiscard]] constexpr std::uint64_t endian(std::uint64_t v, std::int32_t width, bool swap) noexcept {
    switch (width) {
    case 16: return swap ? bswap16(static_cast<std::uint16_t>(v)) : static_cast<std::uint16_t>(v);
    case 32: return swap ? bswap32(static_cast<std::uint32_t>(v)) : static_cast<std::uint32_t>(v);
    default: return swap ? bswap64(v) : v;
    }
}

// Jump conditions, 64-bit and on the low 32 bits.
[[nodiscard]] constexpr bool jump64(std::uint8_t op, std::uint64_t a, std::uint64_t b) noexcept {
    using namespace mempool::vm::isa;
    const auto sa = static_cast<std::int64_t>(a);
    const auto sb = static_cast<std::int64_t>(b);
    switch (op) {
    case jmp_jeq: return a == b;
    case jmp_jgt: return a > b;
    case jmp_jge: return a >= b;
    case jmp_jset: return (a & b) != 0;
    case jmp_jne: return a != b;
    case jmp_jsgt: return sa > sb;
    case jmp_jsge: return sa >= sb;
    case jmp_jlt: return a < b;
    case jmp_jle: return a <= b;
    case jmp_jslt: return sa < sb;
    case jmp_jsle: return sa <= sb;
    default: return false;
    }
}

[[nodiscard]] constexpr bool jump32(std::uint8_t op, std::uint32_t a, std::uint32_t b) noexcept {
    using namespace mempool::vm::isa;
    const auto sa = static_cast<std::int32_t>(a);
    const auto sb = static_cast<std::int32_t>(b);
    switch (op) {
    case jmp_jeq: return a == b;
    case jmp_jgt: return a > b;
    case jmp_jge: return a >= b;
    case jmp_jset: return (a & b) != 0;
    case jmp_jne: return a != b;
    case jmp_jsgt: return sa > sb;
    case jmp_jsge: return sa >= sb;
    case jmp_jlt: return a < b;
    case jmp_jle: return a <= b;
    case jmp_jslt: return sa < sb;
    case jmp_jsle: return sa <= sb;
    default: return false;
    }
}

// Sign-extended immediate, the operand of every 64-bit form.
[[nodiscard]] constexpr std::uint64_t imm64(std::int32_t imm) noexcept {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(imm));
}

}  // namespace mempool::detail
