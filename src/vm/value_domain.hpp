// value_domain.hpp: what the verifier knows about one 64-bit number.
//
// A Scalar is three descriptions of the same set of values, kept consistent
// with one another: known bits (a "tnum": `value` holds the bits known to be
// 1, `mask` the bits that are unknown), an unsigned interval [umin, umax] and
// a signed interval [smin, smax]. Every operation computes all three and then
// calls reduce(), which lets each description tighten the others (a known
// top bit fixes the sign; an interval that does not cross 2^63 gives the
// other interval; the common prefix of umin and umax gives known bits).
//
// Operations follow RFC 9669 exactly, because the verifier must describe what
// the interpreter and the JIT compute: division by zero gives 0, modulo by
// zero leaves the dividend, shift amounts are masked to 63 (31 for 32-bit
// operations), signed division of the minimum by -1 gives the minimum. Every
// result is sound (it contains every value the instruction can produce);
// precision comes second. 32-bit operations read the low 32 bits of their
// operands and zero-extend the result.
//
//   Scalar n = Scalar::range(0, 255);          // after `if (n > 255) n = 255;`
//   Scalar i = Scalar::constant(0);
//   auto sides = narrow(Cmp::lt, true, i, n);   // i < n ?
//   if (sides.taken) ...                        // i is 0 and n in [1, 255] here
//
// The domain knows nothing of pointers or instructions: the verifier's
// transfer functions (transfer.cpp) map opcodes onto these operations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mempool::vm {

struct Scalar {
    std::uint64_t value = 0;        // bits known to be 1
    std::uint64_t mask = ~0ull;     // bits not known (value & mask == 0)
    std::uint64_t umin = 0, umax = ~0ull;
    std::int64_t smin = INT64_MIN, smax = INT64_MAX;

    // Any 64-bit number.
    [[nodiscard]] static Scalar top() noexcept { return Scalar{}; }
    // Exactly c. Inline, as is contains(): a constant is made for every
    // immediate operand, and a shift by an unknown amount calls contains()
    // for each amount it may be.
    [[nodiscard]] static Scalar constant(std::uint64_t c) noexcept {
        Scalar s;
        s.value = c;
        s.mask = 0;
        s.umin = s.umax = c;
        s.smin = s.smax = static_cast<std::int64_t>(c);
        return s;
    }
    // Any number in [lo, hi] (unsigned); lo <= hi.
    [[nodiscard]] static Scalar range(std::uint64_t lo, std::uint64_t hi) noexcept;
    // Any number in [lo, hi] (signed); lo <= hi.
    [[nodiscard]] static Scalar srange(std::int64_t lo, std::int64_t hi) noexcept;
    // Any number whose bits outside the low `bits` are 0 (bits in 1..64).
    [[nodiscard]] static Scalar width(unsigned bits) noexcept;

    [[nodiscard]] bool is_constant() const noexcept { return mask == 0; }
    // Whether v is one of the values (checks every description).
    [[nodiscard]] bool contains(std::uint64_t v) const noexcept {
        return (v & ~mask) == value && v >= umin && v <= umax && static_cast<std::int64_t>(v) >= smin &&
               static_cast<std::int64_t>(v) <= smax;
    }
    // "[umin, umax]" or "c", for messages.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Scalar&, const Scalar&) = default;
};

// Tightens the three descriptions against each other; false when they
// describe no value at all (the empty set, "bottom").
[[nodiscard]] bool reduce(Scalar& s) noexcept;

// ---- lattice ---------------------------------------------------------------

// The smallest Scalar containing both.
[[nodiscard]] Scalar join(const Scalar& a, const Scalar& b) noexcept;
// Whether every value of a is a value of b (a <= b).
[[nodiscard]] bool subsumes(const Scalar& b, const Scalar& a) noexcept;
// The values of both, or nothing when they have none in common.
[[nodiscard]] std::optional<Scalar> meet(const Scalar& a, const Scalar& b) noexcept;

// ---- 64-bit arithmetic (RFC 9669 ALU64) -------------------------------------

[[nodiscard]] Scalar add(const Scalar& a, const Scalar& b) noexcept;   // a + b mod 2^64
[[nodiscard]] Scalar sub(const Scalar& a, const Scalar& b) noexcept;   // a - b mod 2^64
[[nodiscard]] Scalar mul(const Scalar& a, const Scalar& b) noexcept;   // a * b mod 2^64
[[nodiscard]] Scalar udiv(const Scalar& a, const Scalar& b) noexcept;  // a / b unsigned, 0 when b == 0
[[nodiscard]] Scalar sdiv(const Scalar& a, const Scalar& b) noexcept;  // a / b signed (truncated), 0 when b == 0, MIN / -1 == MIN
[[nodiscard]] Scalar umod(const Scalar& a, const Scalar& b) noexcept;  // a % b unsigned, a when b == 0
[[nodiscard]] Scalar smod(const Scalar& a, const Scalar& b) noexcept;  // a % b signed (sign of a), a when b == 0
[[nodiscard]] Scalar bit_or(const Scalar& a, const Scalar& b) noexcept;   // a | b
[[nodiscard]] Scalar bit_and(const Scalar& a, const Scalar& b) noexcept;  // a & b
[[nodiscard]] Scalar bit_xor(const Scalar& a, const Scalar& b) noexcept;  // a ^ b
[[nodiscard]] Scalar lsh(const Scalar& a, const Scalar& b) noexcept;   // a << (b & 63)
[[nodiscard]] Scalar rsh(const Scalar& a, const Scalar& b) noexcept;   // a >> (b & 63), zero fill
[[nodiscard]] Scalar arsh(const Scalar& a, const Scalar& b) noexcept;  // a >> (b & 63), sign fill
[[nodiscard]] Scalar neg(const Scalar& a) noexcept;                    // -a mod 2^64

// ---- widths ------------------------------------------------------------------

// The low `bits` bits of a, zero-extended (bits in 8, 16, 32, 64).
[[nodiscard]] Scalar truncate(const Scalar& a, unsigned bits) noexcept;
// The low `bits` bits of a, sign-extended to 64 (movsx, ldsx; bits 8, 16, 32).
[[nodiscard]] Scalar sign_extend(const Scalar& a, unsigned bits) noexcept;
// The low `bits` bits of a with their bytes reversed, zero-extended (bswap, be on a little-endian host).
[[nodiscard]] Scalar byte_swap(const Scalar& a, unsigned bits) noexcept;

// ---- RFC 9669 ALU operations by opcode --------------------------------------

enum class AluOp : std::uint8_t { add, sub, mul, udiv, sdiv, umod, smod, bit_or, bit_and, bit_xor, lsh, rsh, arsh, neg, mov };

// The concrete result of dst op src (the reference the abstract operations follow).
[[nodiscard]] std::uint64_t eval(AluOp op, std::uint64_t dst, std::uint64_t src, bool is64) noexcept;

// dst = dst op src in 64 bits (is64) or in 32 bits, the result zero-extended.
// For neg the source is ignored; for mov the result is src (or its low 32 bits).
[[nodiscard]] Scalar alu(AluOp op, const Scalar& dst, const Scalar& src, bool is64) noexcept;

// ---- comparisons ---------------------------------------------------------------

enum class Cmp : std::uint8_t { eq, ne, gt, ge, lt, le, sgt, sge, slt, sle, set };

// The negation of a comparison (the fall-through side); `set` has none.
[[nodiscard]] std::optional<Cmp> negate(Cmp c) noexcept;

// What `if (a cmp b)` teaches about a and b on each side: the operands
// narrowed where the jump is taken and where it falls through, or nothing
// for a side that cannot happen. 32-bit comparisons (is64 false) compare
// the low 32 bits; the operands are narrowed only when they are known to
// equal their 32-bit form.
struct Narrowed {
    std::optional<Scalar> taken_a, taken_b;   // both set, or both empty
    std::optional<Scalar> fall_a, fall_b;
    [[nodiscard]] bool taken_possible() const noexcept { return taken_a.has_value(); }
    [[nodiscard]] bool fall_possible() const noexcept { return fall_a.has_value(); }
};
[[nodiscard]] Narrowed narrow(Cmp c, bool is64, const Scalar& a, const Scalar& b) noexcept;

}  // namespace mempool::vm
