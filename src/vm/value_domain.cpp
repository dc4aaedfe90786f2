// value_domain.cpp: the scalar domain's operations (see value_domain.hpp).
//
// Each operation computes a sound tnum and sound intervals separately, puts
// them in one Scalar and lets reduce() intersect them. A description that an
// operation cannot bound stays "anything" and the others still count.
#include "value_domain.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace mempool::vm {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
constexpr u64 u64_max = std::numeric_limits<u64>::max();
constexpr i64 i64_min = std::numeric_limits<i64>::min();
constexpr i64 i64_max = std::numeric_limits<i64>::max();
constexpr u64 sign_bit = 1ull << 63;

struct Tnum {
    u64 value = 0, mask = u64_max;
};

Tnum tnum_of(const Scalar& s) { return {s.value, s.mask}; }

// The known bits every number in [lo, hi] shares: their common prefix.
Tnum tnum_range(u64 lo, u64 hi) {
    const u64 chi = lo ^ hi;
    if (chi == 0) return {lo, 0};
    const unsigned bits = 64 - static_cast<unsigned>(std::countl_zero(chi));
    const u64 delta = bits >= 64 ? u64_max : (1ull << bits) - 1;
    return {lo & ~delta, delta};
}

Tnum tnum_add(Tnum a, Tnum b) {
    const u64 sm = a.mask + b.mask, sv = a.value + b.value;
    const u64 chi = (sm + sv) ^ sv;
    const u64 mu = chi | a.mask | b.mask;
    return {sv & ~mu, mu};
}

Tnum tnum_sub(Tnum a, Tnum b) {
    const u64 dv = a.value - b.value;
    const u64 chi = (dv + a.mask) ^ (dv - b.mask);
    const u64 mu = chi | a.mask | b.mask;
    return {dv & ~mu, mu};
}

// A Scalar from a sound tnum and sound intervals; whatever reduce() learns
// from their intersection. Falls back to "anything" should the pieces ever
// contradict (they cannot when each is sound; this is a guard, not a rule).
Scalar make(Tnum t, u64 umin, u64 umax, i64 smin, i64 smax) {
    Scalar s;
    s.value = t.value & ~t.mask;
    s.mask = t.mask;
    s.umin = umin;
    s.umax = umax;
    s.smin = smin;
    s.smax = smax;
    if (!reduce(s)) return Scalar::top();
    return s;
}
Scalar from_tnum(Tnum t) { return make(t, 0, u64_max, i64_min, i64_max); }
Scalar from_urange(u64 lo, u64 hi) { return make(Tnum{}, lo, hi, i64_min, i64_max); }
Scalar from_srange(i64 lo, i64 hi) { return make(Tnum{}, 0, u64_max, lo, hi); }

u64 abs_u(i64 v) { return v < 0 ? 0 - static_cast<u64>(v) : static_cast<u64>(v); }

// The set of shift amounts (b & limit), as an interval.
Scalar shift_amount(const Scalar& b, unsigned limit) { return bit_and(b, Scalar::constant(limit)); }

Scalar lsh_const(const Scalar& a, unsigned k) {
    if (k == 0) return a;
    const Tnum t{a.value << k, a.mask << k};
    u64 umin = 0, umax = u64_max;
    if ((a.umax << k) >> k == a.umax) {
        umin = a.umin << k;
        umax = a.umax << k;
    }
    i64 smin = i64_min, smax = i64_max;
    const i64 lo = static_cast<i64>(static_cast<u64>(a.smin) << k);
    const i64 hi = static_cast<i64>(static_cast<u64>(a.smax) << k);
    if ((lo >> k) == a.smin && (hi >> k) == a.smax) smin = lo, smax = hi;
    return make(t, umin, umax, smin, smax);
}

Scalar rsh_const(const Scalar& a, unsigned k) {
    if (k == 0) return a;
    return make(Tnum{a.value >> k, a.mask >> k}, a.umin >> k, a.umax >> k, i64_min, i64_max);
}

Scalar arsh_const(const Scalar& a, unsigned k) {
    if (k == 0) return a;
    const Tnum t{static_cast<u64>(static_cast<i64>(a.value) >> k), static_cast<u64>(static_cast<i64>(a.mask) >> k)};
    return make(t, 0, u64_max, a.smin >> k, a.smax >> k);
}

// Applies a shift by every possible amount (at most 64) and joins.
template <typename F>
Scalar shift_by(const Scalar& a, const Scalar& amount, F by_const) {
    if (amount.is_constant()) return by_const(a, static_cast<unsigned>(amount.value));
    std::optional<Scalar> r;
    for (u64 k = amount.umin; k <= amount.umax; ++k) {
        if (!amount.contains(k)) continue;
        Scalar one = by_const(a, static_cast<unsigned>(k));
        r = r ? join(*r, one) : one;
    }
    return r ? *r : Scalar::top();
}

// Assuming `a c b` holds (64-bit): the narrowed operands, or nothing.
struct Pair {
    Scalar a, b;
};

// x > y when `strict`, else x >= y, as unsigned bounds: x's lower bound
// rises to y's, y's upper falls to x's. False if it cannot hold.
bool order_unsigned(Scalar& x, Scalar& y, bool strict) {
    if (strict && (y.umin == u64_max || x.umax == 0)) return false;
    const u64 step = strict ? 1 : 0;
    x.umin = std::max(x.umin, y.umin + step);
    y.umax = std::min(y.umax, x.umax - step);
    return true;
}

// The same on signed bounds.
bool order_signed(Scalar& x, Scalar& y, bool strict) {
    if (strict && (y.smin == i64_max || x.smax == i64_min)) return false;
    const i64 step = strict ? 1 : 0;
    x.smin = std::max(x.smin, y.smin + step);
    y.smax = std::min(y.smax, x.smax - step);
    return true;
}

// x without the single value v (only its interval ends can move).
std::optional<Scalar> exclude(Scalar x, u64 v) {
    if (x.is_constant()) {
        if (x.value == v) return std::nullopt;
        return x;
    }
    if (x.umin == v) ++x.umin;
    if (x.umax == v) --x.umax;
    if (x.smin == static_cast<i64>(v)) ++x.smin;
    if (x.smax == static_cast<i64>(v)) --x.smax;
    if (!reduce(x)) return std::nullopt;
    return x;
}

std::optional<Pair> assume(Cmp c, Scalar a, Scalar b) {
    switch (c) {
    case Cmp::eq: {
        auto m = meet(a, b);
        if (!m) return std::nullopt;
        return Pair{*m, *m};
    }
    case Cmp::ne: {
        if (b.is_constant()) {
            auto x = exclude(a, b.value);
            if (!x) return std::nullopt;
            a = *x;
        }
        if (a.is_constant()) {
            auto x = exclude(b, a.value);
            if (!x) return std::nullopt;
            b = *x;
        }
        return Pair{a, b};
    }
    // a < b is b > a, and so on: one order helper each, the operands'
    // roles swapped (by reference: a recursive call copied both operands
    // and the pair it returned).
    case Cmp::gt:
        if (!order_unsigned(a, b, true)) return std::nullopt;
        break;
    case Cmp::ge: (void)order_unsigned(a, b, false); break;
    case Cmp::sgt:
        if (!order_signed(a, b, true)) return std::nullopt;
        break;
    case Cmp::sge: (void)order_signed(a, b, false); break;
    case Cmp::lt:
        if (!order_unsigned(b, a, true)) return std::nullopt;
        break;
    case Cmp::le: (void)order_unsigned(b, a, false); break;
    case Cmp::slt:
        if (!order_signed(b, a, true)) return std::nullopt;
        break;
    case Cmp::sle: (void)order_signed(b, a, false); break;
    case Cmp::set: {  // (a & b) != 0
        if (((a.value | a.mask) & (b.value | b.mask)) == 0) return std::nullopt;
        if ((a.value & b.value) != 0) return Pair{a, b};
        if (b.is_constant() && std::has_single_bit(b.value)) {
            a.value |= b.value;
            a.mask &= ~b.value;
        }
        if (a.is_constant() && std::has_single_bit(a.value)) {
            b.value |= a.value;
            b.mask &= ~a.value;
        }
        auto x = exclude(a, 0);
        auto y = exclude(b, 0);
        if (!x || !y) return std::nullopt;
        return Pair{*x, *y};
    }
    }
    if (!reduce(a) || !reduce(b)) return std::nullopt;
    return Pair{a, b};
}

// Assuming (a & b) == 0.
std::optional<Pair> assume_clear(Scalar a, Scalar b) {
    if ((a.value & b.value) != 0) return std::nullopt;
    if (b.is_constant()) a.mask &= ~b.value;
    if (a.is_constant()) b.mask &= ~a.value;
    if (!reduce(a) || !reduce(b)) return std::nullopt;
    return Pair{a, b};
}

bool is_signed(Cmp c) { return c == Cmp::sgt || c == Cmp::sge || c == Cmp::slt || c == Cmp::sle; }

}  // namespace

// ---- construction and reduction ------------------------------------------------

Scalar Scalar::range(std::uint64_t lo, std::uint64_t hi) noexcept { return from_urange(lo, hi); }
Scalar Scalar::srange(std::int64_t lo, std::int64_t hi) noexcept { return from_srange(lo, hi); }
Scalar Scalar::width(unsigned bits) noexcept {
    if (bits >= 64) return top();
    // What from_urange(0, m) reduces to, made directly (every load of
    // unknown bytes makes one): the low `bits` bits unknown, the rest 0,
    // and both intervals [0, m]. value_domain_test checks it for each width.
    const u64 m = (1ull << bits) - 1;
    Scalar s;
    s.value = 0;
    s.mask = m;
    s.umin = 0;
    s.umax = m;
    s.smin = 0;
    s.smax = static_cast<i64>(m);
    return s;
}

std::string Scalar::to_string() const {
    if (is_constant()) {
        const i64 s = static_cast<i64>(value);
        return s < 0 && s > -65536 ? std::to_string(s) : std::to_string(value);
    }
    // (appended piece by piece: GCC 12 warns wrongly on "[" + std::to_string(x))
    const bool as_unsigned = umax <= static_cast<u64>(i64_max) || smin >= 0 || smax < 0;
    std::string r = "[";
    r += as_unsigned ? std::to_string(umin) : std::to_string(smin);
    r += ", ";
    r += as_unsigned ? std::to_string(umax) : std::to_string(smax);
    r += "]";
    return r;
}

bool reduce(Scalar& s) noexcept {
    s.value &= ~s.mask;
    if (s.mask == 0) {  // a constant: every description must hold it
        const u64 v = s.value;
        if (v < s.umin || v > s.umax || static_cast<i64>(v) < s.smin || static_cast<i64>(v) > s.smax) return false;
        s.umin = s.umax = v;
        s.smin = s.smax = static_cast<i64>(v);
        return true;
    }
    for (int round = 0; round < 3; ++round) {
        const Scalar before = s;
        // known bits -> intervals
        s.umin = std::max(s.umin, s.value);
        s.umax = std::min(s.umax, s.value | s.mask);
        const u64 unknown_sign = s.mask & sign_bit;
        s.smin = std::max(s.smin, static_cast<i64>(s.value | unknown_sign));
        s.smax = std::min(s.smax, static_cast<i64>((s.value | s.mask) & ~unknown_sign));
        // signed <-> unsigned, when one does not cross the other's wrap point
        if (s.smin >= 0 || s.smax < 0) {
            s.umin = std::max(s.umin, static_cast<u64>(s.smin));
            s.umax = std::min(s.umax, static_cast<u64>(s.smax));
        }
        if (s.umax <= static_cast<u64>(i64_max) || s.umin > static_cast<u64>(i64_max)) {
            s.smin = std::max(s.smin, static_cast<i64>(s.umin));
            s.smax = std::min(s.smax, static_cast<i64>(s.umax));
        }
        if (s.umin > s.umax || s.smin > s.smax) return false;
        // intervals -> known bits
        const Tnum t = tnum_range(s.umin, s.umax);
        if (((t.value ^ s.value) & ~t.mask & ~s.mask) != 0) return false;
        const u64 m = s.mask & t.mask;
        s.value = (s.value | t.value) & ~m;
        s.mask = m;
        if (s == before) break;  // nothing more to learn
    }
    return true;
}

// ---- lattice -----------------------------------------------------------------------

Scalar join(const Scalar& a, const Scalar& b) noexcept {
    const u64 mu = a.mask | b.mask | (a.value ^ b.value);
    return make(Tnum{a.value & b.value & ~mu, mu}, std::min(a.umin, b.umin), std::max(a.umax, b.umax),
                std::min(a.smin, b.smin), std::max(a.smax, b.smax));
}

bool subsumes(const Scalar& b, const Scalar& a) noexcept {
    return (a.mask & ~b.mask) == 0 && (a.value & ~b.mask) == b.value && a.umin >= b.umin && a.umax <= b.umax &&
           a.smin >= b.smin && a.smax <= b.smax;
}

std::optional<Scalar> meet(const Scalar& a, const Scalar& b) noexcept {
    if (((a.value ^ b.value) & ~a.mask & ~b.mask) != 0) return std::nullopt;
    Scalar s;
    s.mask = a.mask & b.mask;
    s.value = (a.value | b.value) & ~s.mask;
    s.umin = std::max(a.umin, b.umin);
    s.umax = std::min(a.umax, b.umax);
    s.smin = std::max(a.smin, b.smin);
    s.smax = std::min(a.smax, b.smax);
    if (!reduce(s)) return std::nullopt;
    return s;
}

// ---- 64-bit arithmetic -----------------------------------------------------------

Scalar add(const Scalar& a, const Scalar& b) noexcept {
    u64 lo = 0, hi = 0;
    const bool lo_wraps = __builtin_add_overflow(a.umin, b.umin, &lo);
    const bool hi_wraps = __builtin_add_overflow(a.umax, b.umax, &hi);
    u64 umin = 0, umax = u64_max;
    if (lo_wraps == hi_wraps) umin = lo, umax = hi;
    i64 slo = 0, shi = 0, smin = i64_min, smax = i64_max;
    if (!__builtin_add_overflow(a.smin, b.smin, &slo) && !__builtin_add_overflow(a.smax, b.smax, &shi))
        smin = slo, smax = shi;
    return make(tnum_add(tnum_of(a), tnum_of(b)), umin, umax, smin, smax);
}

Scalar sub(const Scalar& a, const Scalar& b) noexcept {
    u64 umin = 0, umax = u64_max;
    // Either no value pair wraps below 0, or every pair does: one interval.
    if (a.umin >= b.umax || a.umax < b.umin) umin = a.umin - b.umax, umax = a.umax - b.umin;
    i64 slo = 0, shi = 0, smin = i64_min, smax = i64_max;
    if (!__builtin_sub_overflow(a.smin, b.smax, &slo) && !__builtin_sub_overflow(a.smax, b.smin, &shi))
        smin = slo, smax = shi;
    return make(tnum_sub(tnum_of(a), tnum_of(b)), umin, umax, smin, smax);
}

Scalar mul(const Scalar& a, const Scalar& b) noexcept {
    if (a.is_constant() && b.is_constant()) return Scalar::constant(a.value * b.value);
    // Trailing zeros add up: x * y has at least tz(x) + tz(y) of them.
    const unsigned tz = static_cast<unsigned>(std::countr_zero(a.value | a.mask)) +
                        static_cast<unsigned>(std::countr_zero(b.value | b.mask));
    const Tnum t{0, tz >= 64 ? 0 : u64_max << tz};
    u64 umin = 0, umax = u64_max, p = 0;
    if (!__builtin_mul_overflow(a.umax, b.umax, &p)) umin = a.umin * b.umin, umax = p;
    i64 smin = i64_min, smax = i64_max;
    i64 c[4];
    if (!__builtin_mul_overflow(a.smin, b.smin, &c[0]) && !__builtin_mul_overflow(a.smin, b.smax, &c[1]) &&
        !__builtin_mul_overflow(a.smax, b.smin, &c[2]) && !__builtin_mul_overflow(a.smax, b.smax, &c[3])) {
        smin = *std::min_element(c, c + 4);
        smax = *std::max_element(c, c + 4);
    }
    return make(t, umin, umax, smin, smax);
}

Scalar udiv(const Scalar& a, const Scalar& b) noexcept {
    if (b.umax == 0) return Scalar::constant(0);
    if (a.is_constant() && b.is_constant()) return Scalar::constant(a.value / b.value);
    const u64 lo = b.umin == 0 ? 0 : a.umin / b.umax;
    const u64 hi = a.umax / std::max<u64>(b.umin, 1);
    return from_urange(lo, hi);
}

Scalar umod(const Scalar& a, const Scalar& b) noexcept {
    if (b.umax == 0) return a;
    if (a.umax < b.umin) return a;  // b is never 0 and always larger
    if (a.is_constant() && b.is_constant()) return Scalar::constant(a.value % b.value);
    if (b.umin == 0) return from_urange(0, a.umax);  // joined with the dividend (b == 0)
    return from_urange(0, std::min(a.umax, b.umax - 1));
}

Scalar sdiv(const Scalar& a, const Scalar& b) noexcept {
    if (b.is_constant()) {
        const i64 c = static_cast<i64>(b.value);
        if (c == 0) return Scalar::constant(0);
        if (c == -1) return neg(a);  // -MIN == MIN mod 2^64, as the RFC asks
        if (a.is_constant()) return Scalar::constant(static_cast<u64>(static_cast<i64>(a.value) / c));
        if (c > 0) return from_srange(a.smin / c, a.smax / c);
        return from_srange(a.smax / c, a.smin / c);
    }
    const bool one_sign = b.smin > 0 || b.smax < 0;
    const bool min_by_minus_one = a.smin == i64_min && b.smin <= -1 && b.smax >= -1;
    if (one_sign && !min_by_minus_one) {
        // Truncated division is monotone in each operand when the divisor keeps its sign.
        const i64 c[4] = {a.smin / b.smin, a.smin / b.smax, a.smax / b.smin, a.smax / b.smax};
        return from_srange(*std::min_element(c, c + 4), *std::max_element(c, c + 4));
    }
    // |a / b| <= |a|, and 0 for b == 0.
    const u64 m = std::max(abs_u(a.smin), abs_u(a.smax));
    if (m > static_cast<u64>(i64_max)) return Scalar::top();
    return from_srange(-static_cast<i64>(m), static_cast<i64>(m));
}

Scalar smod(const Scalar& a, const Scalar& b) noexcept {
    if (b.is_constant() && b.value == 0) return a;
    if (a.is_constant() && b.is_constant()) {
        const i64 x = static_cast<i64>(a.value), y = static_cast<i64>(b.value);
        return Scalar::constant(y == -1 ? 0 : static_cast<u64>(x % y));
    }
    // |a % b| < |b| and |a % b| <= |a|, with the sign of a.
    const u64 bmax = std::max(abs_u(b.smin), abs_u(b.smax));
    const i64 r = static_cast<i64>(std::min<u64>(bmax - 1, static_cast<u64>(i64_max)));
    Scalar res;
    if (a.smin >= 0) res = from_srange(0, std::min(a.smax, r));
    else if (a.smax <= 0) res = from_srange(std::max(a.smin, -r), 0);
    else res = from_srange(std::max(a.smin, -r), std::min(a.smax, r));
    return b.contains(0) ? join(res, a) : res;
}

Scalar bit_or(const Scalar& a, const Scalar& b) noexcept {
    const u64 v = a.value | b.value;
    const u64 mu = a.mask | b.mask;
    return make(Tnum{v, mu & ~v}, std::max(a.umin, b.umin), u64_max, i64_min, i64_max);
}

Scalar bit_and(const Scalar& a, const Scalar& b) noexcept {
    // Two constants: the constant make() would reduce the result to, made
    // directly (every shift by a known amount masks it so).
    if (a.is_constant() && b.is_constant()) return Scalar::constant(a.value & b.value);
    const u64 v = a.value & b.value;
    const u64 may = (a.value | a.mask) & (b.value | b.mask);
    return make(Tnum{v, may & ~v}, 0, std::min(a.umax, b.umax), i64_min, i64_max);
}

Scalar bit_xor(const Scalar& a, const Scalar& b) noexcept {
    const u64 mu = a.mask | b.mask;
    return from_tnum(Tnum{(a.value ^ b.value) & ~mu, mu});
}

Scalar lsh(const Scalar& a, const Scalar& b) noexcept { return shift_by(a, shift_amount(b, 63), lsh_const); }
Scalar rsh(const Scalar& a, const Scalar& b) noexcept { return shift_by(a, shift_amount(b, 63), rsh_const); }
Scalar arsh(const Scalar& a, const Scalar& b) noexcept { return shift_by(a, shift_amount(b, 63), arsh_const); }
Scalar neg(const Scalar& a) noexcept { return sub(Scalar::constant(0), a); }

// ---- widths ----------------------------------------------------------------------------

Scalar truncate(const Scalar& a, unsigned bits) noexcept {
    if (bits >= 64) return a;
    const u64 m = (1ull << bits) - 1;
    u64 lo = 0, hi = m;
    if ((a.umin >> bits) == (a.umax >> bits)) lo = a.umin & m, hi = a.umax & m;
    return make(Tnum{a.value & m, a.mask & m}, lo, hi, i64_min, i64_max);
}

Scalar sign_extend(const Scalar& a, unsigned bits) noexcept {
    if (bits >= 64) return a;
    const Scalar t = truncate(a, bits);
    const u64 sign = 1ull << (bits - 1);
    const u64 high = ~((1ull << bits) - 1);
    if (t.umax < sign) return t;
    if (t.umin >= sign) return make(Tnum{t.value | high, t.mask}, t.umin | high, t.umax | high, i64_min, i64_max);
    return make(Tnum{t.value, t.mask | high}, 0, u64_max, -static_cast<i64>(sign), static_cast<i64>(sign - 1));
}

Scalar byte_swap(const Scalar& a, unsigned bits) noexcept {
    const Scalar t = truncate(a, bits);
    switch (bits) {
    case 16: return from_tnum(Tnum{__builtin_bswap16(static_cast<std::uint16_t>(t.value)),
                                   __builtin_bswap16(static_cast<std::uint16_t>(t.mask))});
    case 32: return from_tnum(Tnum{__builtin_bswap32(static_cast<std::uint32_t>(t.value)),
                                   __builtin_bswap32(static_cast<std::uint32_t>(t.mask))});
    default: return from_tnum(Tnum{__builtin_bswap64(t.value), __builtin_bswap64(t.mask)});
    }
}

// ---- by opcode -----------------------------------------------------------------------------

std::uint64_t eval(AluOp op, std::uint64_t a, std::uint64_t b, bool is64) noexcept {
    if (!is64) {
        const auto x = static_cast<std::uint32_t>(a), y = static_cast<std::uint32_t>(b);
        const auto sx = static_cast<std::int32_t>(x), sy = static_cast<std::int32_t>(y);
        switch (op) {
        case AluOp::add: return std::uint32_t(x + y);
        case AluOp::sub: return std::uint32_t(x - y);
        case AluOp::mul: return std::uint32_t(x * y);
        case AluOp::udiv: return y == 0 ? 0 : x / y;
        case AluOp::umod: return y == 0 ? x : x % y;
        case AluOp::sdiv: return y == 0 ? 0 : sy == -1 ? std::uint32_t(0u - x) : std::uint32_t(sx / sy);
        case AluOp::smod: return y == 0 ? x : sy == -1 ? 0 : std::uint32_t(sx % sy);
        case AluOp::bit_or: return x | y;
        case AluOp::bit_and: return x & y;
        case AluOp::bit_xor: return x ^ y;
        case AluOp::lsh: return std::uint32_t(x << (y & 31));
        case AluOp::rsh: return x >> (y & 31);
        case AluOp::arsh: return std::uint32_t(sx >> (y & 31));
        case AluOp::neg: return std::uint32_t(0u - x);
        case AluOp::mov: return y;
        }
        return 0;
    }
    const auto sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    switch (op) {
    case AluOp::add: return a + b;
    case AluOp::sub: return a - b;
    case AluOp::mul: return a * b;
    case AluOp::udiv: return b == 0 ? 0 : a / b;
    case AluOp::umod: return b == 0 ? a : a % b;
    case AluOp::sdiv: return b == 0 ? 0 : sb == -1 ? 0 - a : static_cast<u64>(sa / sb);
    case AluOp::smod: return b == 0 ? a : sb == -1 ? 0 : static_cast<u64>(sa % sb);
    case AluOp::bit_or: return a | b;
    case AluOp::bit_and: return a & b;
    case AluOp::bit_xor: return a ^ b;
    case AluOp::lsh: return a << (b & 63);
    case AluOp::rsh: return a >> (b & 63);
    case AluOp::arsh: return static_cast<u64>(sa >> (b & 63));
    case AluOp::neg: return 0 - a;
    case AluOp::mov: return b;
    }
    return 0;
}

Scalar alu(AluOp op, const Scalar& dst, const Scalar& src, bool is64) noexcept {
    if (dst.is_constant() && src.is_constant()) return Scalar::constant(eval(op, dst.value, src.value, is64));
    if (is64) {
        switch (op) {
        case AluOp::add: return add(dst, src);
        case AluOp::sub: return sub(dst, src);
        case AluOp::mul: return mul(dst, src);
        case AluOp::udiv: return udiv(dst, src);
        case AluOp::sdiv: return sdiv(dst, src);
        case AluOp::umod: return umod(dst, src);
        case AluOp::smod: return smod(dst, src);
        case AluOp::bit_or: return bit_or(dst, src);
        case AluOp::bit_and: return bit_and(dst, src);
        case AluOp::bit_xor: return bit_xor(dst, src);
        case AluOp::lsh: return lsh(dst, src);
        case AluOp::rsh: return rsh(dst, src);
        case AluOp::arsh: return arsh(dst, src);
        case AluOp::neg: return neg(dst);
        case AluOp::mov: return src;
        }
        return Scalar::top();
    }
    // 32 bits: the low halves (zero- or sign-extended as the operation
    // reads them), the 64-bit operation, the low half of its result. Each
    // step keeps the low 32 bits exact, so the result is the 32-bit one.
    const Scalar a = truncate(dst, 32), b = truncate(src, 32);
    const auto amount = [&] { return shift_amount(b, 31); };  // (shifts only)
    Scalar r;
    switch (op) {
    case AluOp::add: r = add(a, b); break;
    case AluOp::sub: r = sub(a, b); break;
    case AluOp::mul: r = mul(a, b); break;
    case AluOp::udiv: r = udiv(a, b); break;
    case AluOp::umod: r = umod(a, b); break;
    case AluOp::sdiv: r = sdiv(sign_extend(dst, 32), sign_extend(src, 32)); break;
    case AluOp::smod: r = smod(sign_extend(dst, 32), sign_extend(src, 32)); break;
    case AluOp::bit_or: r = bit_or(a, b); break;
    case AluOp::bit_and: r = bit_and(a, b); break;
    case AluOp::bit_xor: r = bit_xor(a, b); break;
    case AluOp::lsh: r = lsh(a, amount()); break;
    case AluOp::rsh: r = rsh(a, amount()); break;
    case AluOp::arsh: r = arsh(sign_extend(dst, 32), amount()); break;
    case AluOp::neg: r = neg(a); break;
    case AluOp::mov: r = b; break;
    }
    return truncate(r, 32);
}

// ---- comparisons ------------------------------------------------------------------------------

std::optional<Cmp> negate(Cmp c) noexcept {
    switch (c) {
    case Cmp::eq: return Cmp::ne;
    case Cmp::ne: return Cmp::eq;
    case Cmp::gt: return Cmp::le;
    case Cmp::ge: return Cmp::lt;
    case Cmp::lt: return Cmp::ge;
    case Cmp::le: return Cmp::gt;
    case Cmp::sgt: return Cmp::sle;
    case Cmp::sge: return Cmp::slt;
    case Cmp::slt: return Cmp::sge;
    case Cmp::sle: return Cmp::sgt;
    case Cmp::set: return std::nullopt;
    }
    return std::nullopt;
}

Narrowed narrow(Cmp c, bool is64, const Scalar& a, const Scalar& b) noexcept {
    // The 32-bit view of each operand and whether the operand equals it.
    Scalar va = a, vb = b;
    bool a_exact = true, b_exact = true;
    if (!is64) {
        if (is_signed(c)) {
            va = sign_extend(a, 32), vb = sign_extend(b, 32);
            a_exact = a.smin >= INT32_MIN && a.smax <= INT32_MAX;
            b_exact = b.smin >= INT32_MIN && b.smax <= INT32_MAX;
        } else {
            va = truncate(a, 32), vb = truncate(b, 32);
            a_exact = a.umax <= 0xffffffffull;
            b_exact = b.umax <= 0xffffffffull;
        }
    }
    auto side = [&](std::optional<Pair> p, std::optional<Scalar>& ra, std::optional<Scalar>& rb) {
        if (!p) return;
        ra = a_exact ? p->a : a;
        rb = b_exact ? p->b : b;
    };
    Narrowed n;
    side(assume(c, va, vb), n.taken_a, n.taken_b);
    if (c == Cmp::set) side(assume_clear(va, vb), n.fall_a, n.fall_b);
    else side(assume(*negate(c), va, vb), n.fall_a, n.fall_b);
    return n;
}

}  // namespace mempool::vm
