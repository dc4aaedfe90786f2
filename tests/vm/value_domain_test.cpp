// value_domain_test.cpp: the verifier's scalar domain, checked two ways.
//
// Soundness: for random abstract values built from concrete members, every
// operation's result must contain the concrete result of every pair of
// members (computed here by a plain reference implementation of RFC 9669),
// and every comparison's narrowed sides must keep every pair that takes that
// side. Precision: the cases the verifier relies on (constants stay exact,
// a clamp bounds a value, a loop counter's comparison narrows it).
#include "value_domain.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace mempool::vm {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
using u32 = std::uint32_t;
using i32 = std::int32_t;

// ---- the reference: RFC 9669 on concrete values ---------------------------------

u64 sx(u64 v, unsigned bits) {
    if (bits >= 64) return v;
    const u64 sign = 1ull << (bits - 1);
    v &= (1ull << bits) - 1;
    return (v ^ sign) - sign;
}

u64 concrete64(AluOp op, u64 a, u64 b) {
    const i64 sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    switch (op) {
    case AluOp::add: return a + b;
    case AluOp::sub: return a - b;
    case AluOp::mul: return a * b;
    case AluOp::udiv: return b == 0 ? 0 : a / b;
    case AluOp::umod: return b == 0 ? a : a % b;
    case AluOp::sdiv:
        if (b == 0) return 0;
        if (sa == INT64_MIN && sb == -1) return a;
        return static_cast<u64>(sa / sb);
    case AluOp::smod:
        if (b == 0) return a;
        if (sb == -1) return 0;
        return static_cast<u64>(sa % sb);
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

u64 concrete32(AluOp op, u64 a64, u64 b64) {
    const u32 a = static_cast<u32>(a64), b = static_cast<u32>(b64);
    const i32 sa = static_cast<i32>(a), sb = static_cast<i32>(b);
    switch (op) {
    case AluOp::add: return u32(a + b);
    case AluOp::sub: return u32(a - b);
    case AluOp::mul: return u32(a * b);
    case AluOp::udiv: return b == 0 ? 0 : a / b;
    case AluOp::umod: return b == 0 ? a : a % b;
    case AluOp::sdiv:
        if (b == 0) return 0;
        if (sa == INT32_MIN && sb == -1) return a;
        return u32(sa / sb);
    case AluOp::smod:
        if (b == 0) return a;
        if (sb == -1) return 0;
        return u32(sa % sb);
    case AluOp::bit_or: return a | b;
    case AluOp::bit_and: return a & b;
    case AluOp::bit_xor: return a ^ b;
    case AluOp::lsh: return u32(a << (b & 31));
    case AluOp::rsh: return a >> (b & 31);
    case AluOp::arsh: return u32(sa >> (b & 31));
    case AluOp::neg: return u32(0 - a);
    case AluOp::mov: return b;
    }
    return 0;
}

bool concrete_cmp(Cmp c, bool is64, u64 a, u64 b) {
    if (!is64) {
        const bool sgn = c == Cmp::sgt || c == Cmp::sge || c == Cmp::slt || c == Cmp::sle;
        a = sgn ? sx(a, 32) : (a & 0xffffffffull);
        b = sgn ? sx(b, 32) : (b & 0xffffffffull);
    }
    const i64 sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    switch (c) {
    case Cmp::eq: return a == b;
    case Cmp::ne: return a != b;
    case Cmp::gt: return a > b;
    case Cmp::ge: return a >= b;
    case Cmp::lt: return a < b;
    case Cmp::le: return a <= b;
    case Cmp::sgt: return sa > sb;
    case Cmp::sge: return sa >= sb;
    case Cmp::slt: return sa < sb;
    case Cmp::sle: return sa <= sb;
    case Cmp::set: return (a & b) != 0;
    }
    return false;
}

// ---- random abstract values with known members --------------------------------------

struct Sample {
    Scalar abs;
    std::vector<u64> members;
};

class Gen {
public:
    explicit Gen(unsigned seed) : rng_(seed) {}

    u64 interesting() {
        static const u64 pool[] = {0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 255, 256, 0x7fff, 0x8000, 0xffff,
                                   0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
                                   0x8000000000000000ull, ~0ull, ~0ull - 1, static_cast<u64>(-13), 13, 3,
                                   static_cast<u64>(-3), 0xffffffff80000000ull};
        switch (rng_() % 4) {
        case 0: return pool[rng_() % std::size(pool)];
        case 1: return rng_() % 300;
        case 2: return static_cast<u64>(-static_cast<i64>(rng_() % 300));
        default: return rng_();
        }
    }

    Sample sample() {
        Sample s;
        if (rng_() % 2 == 0) {
            // a join of a few constants
            const int n = 1 + static_cast<int>(rng_() % 4);
            for (int i = 0; i < n; ++i) {
                const u64 v = interesting();
                s.members.push_back(v);
                s.abs = i == 0 ? Scalar::constant(v) : join(s.abs, Scalar::constant(v));
            }
        } else {
            // an interval, with its ends and a few values inside
            u64 lo = interesting(), hi = interesting();
            if (rng_() % 2) hi = lo + rng_() % 1000;
            if (lo > hi) std::swap(lo, hi);
            s.abs = Scalar::range(lo, hi);
            s.members = {lo, hi};
            for (int i = 0; i < 4; ++i) s.members.push_back(lo + (hi - lo == ~0ull ? rng_() : rng_() % (hi - lo + 1)));
        }
        return s;
    }

private:
    std::mt19937_64 rng_;
};

constexpr AluOp all_ops[] = {AluOp::add,    AluOp::sub,     AluOp::mul,     AluOp::udiv, AluOp::sdiv,
                             AluOp::umod,   AluOp::smod,    AluOp::bit_or,  AluOp::bit_and, AluOp::bit_xor,
                             AluOp::lsh,    AluOp::rsh,     AluOp::arsh,    AluOp::neg,  AluOp::mov};
constexpr Cmp all_cmps[] = {Cmp::eq, Cmp::ne,  Cmp::gt,  Cmp::ge,  Cmp::lt, Cmp::le,
                            Cmp::sgt, Cmp::sge, Cmp::slt, Cmp::sle, Cmp::set};

TEST(ValueDomain, EveryAluOpIsSound) {
    Gen g(42);
    for (int round = 0; round < 1500; ++round) {
        const Sample a = g.sample(), b = g.sample();
        for (AluOp op : all_ops) {
            for (bool is64 : {true, false}) {
                const Scalar r = alu(op, a.abs, b.abs, is64);
                for (u64 x : a.members)
                    for (u64 y : b.members) {
                        const u64 want = is64 ? concrete64(op, x, y) : concrete32(op, x, y);
                        ASSERT_TRUE(r.contains(want))
                            << "op " << int(op) << (is64 ? " 64" : " 32") << " x=" << x << " y=" << y
                            << " want=" << want << " got " << r.to_string();
                    }
            }
        }
    }
}

TEST(ValueDomain, WidthOpsAreSound) {
    Gen g(7);
    for (int round = 0; round < 1500; ++round) {
        const Sample a = g.sample();
        for (unsigned bits : {8u, 16u, 32u, 64u}) {
            const Scalar t = truncate(a.abs, bits), s = sign_extend(a.abs, bits);
            for (u64 x : a.members) {
                const u64 m = bits == 64 ? ~0ull : (1ull << bits) - 1;
                ASSERT_TRUE(t.contains(x & m));
                ASSERT_TRUE(s.contains(sx(x, bits)));
            }
        }
        for (unsigned bits : {16u, 32u, 64u}) {
            const Scalar r = byte_swap(a.abs, bits);
            for (u64 x : a.members) {
                const u64 want = bits == 16   ? __builtin_bswap16(static_cast<std::uint16_t>(x))
                                 : bits == 32 ? __builtin_bswap32(static_cast<u32>(x))
                                              : __builtin_bswap64(x);
                ASSERT_TRUE(r.contains(want));
            }
        }
    }
}

TEST(ValueDomain, NarrowingKeepsEveryPairOnItsSide) {
    Gen g(99);
    for (int round = 0; round < 1500; ++round) {
        const Sample a = g.sample(), b = g.sample();
        for (Cmp c : all_cmps) {
            for (bool is64 : {true, false}) {
                const Narrowed n = narrow(c, is64, a.abs, b.abs);
                for (u64 x : a.members)
                    for (u64 y : b.members) {
                        if (concrete_cmp(c, is64, x, y)) {
                            ASSERT_TRUE(n.taken_possible()) << int(c) << " " << x << " " << y;
                            ASSERT_TRUE(n.taken_a->contains(x) && n.taken_b->contains(y))
                                << int(c) << (is64 ? " 64 " : " 32 ") << x << " " << y;
                        } else {
                            ASSERT_TRUE(n.fall_possible()) << int(c) << " " << x << " " << y;
                            ASSERT_TRUE(n.fall_a->contains(x) && n.fall_b->contains(y))
                                << int(c) << (is64 ? " 64 " : " 32 ") << x << " " << y;
                        }
                    }
            }
        }
    }
}

TEST(ValueDomain, JoinAndSubsumption) {
    Gen g(5);
    for (int round = 0; round < 2000; ++round) {
        const Sample a = g.sample(), b = g.sample();
        const Scalar j = join(a.abs, b.abs);
        EXPECT_TRUE(subsumes(j, a.abs));
        EXPECT_TRUE(subsumes(j, b.abs));
        EXPECT_TRUE(subsumes(a.abs, a.abs));
        for (u64 x : a.members) EXPECT_TRUE(j.contains(x));
        for (u64 y : b.members) EXPECT_TRUE(j.contains(y));
        if (auto m = meet(a.abs, b.abs)) {
            EXPECT_TRUE(subsumes(a.abs, *m));
            EXPECT_TRUE(subsumes(b.abs, *m));
        }
    }
    EXPECT_FALSE(subsumes(Scalar::range(0, 10), Scalar::range(0, 11)));
    EXPECT_FALSE(meet(Scalar::constant(1), Scalar::constant(2)).has_value());
}

// ---- precision the verifier relies on ------------------------------------------------

TEST(ValueDomain, ConstantsStayExact) {
    for (AluOp op : all_ops)
        for (bool is64 : {true, false}) {
            const u64 x = 0x123456789abcdefull, y = 77;
            const Scalar r = alu(op, Scalar::constant(x), Scalar::constant(y), is64);
            ASSERT_TRUE(r.is_constant()) << int(op);
            EXPECT_EQ(r.value, is64 ? concrete64(op, x, y) : concrete32(op, x, y));
        }
}

// Scalar::width, Scalar::constant and the AND of two constants (every
// shift by a known amount) are made directly, without reduce(): they must
// be exactly what the general construction (range(), reduced) gives.
TEST(ValueDomain, ShortcutsGiveWhatTheGeneralPathGives) {
    for (unsigned bits = 1; bits <= 64; ++bits)
        EXPECT_EQ(Scalar::width(bits), Scalar::range(0, bits >= 64 ? ~0ull : (1ull << bits) - 1)) << bits;
    std::mt19937_64 rng(7);
    std::vector<u64> values = {0, 1, 31, 32, 63, 64, 65, ~0ull, 1ull << 63, (1ull << 63) - 1};
    for (int i = 0; i < 200; ++i) values.push_back(rng());
    for (const u64 x : values) {
        EXPECT_EQ(Scalar::constant(x), Scalar::range(x, x)) << x;
        for (const u64 y : {u64{31}, u64{63}, values[static_cast<std::size_t>(rng() % values.size())]})
            EXPECT_EQ(bit_and(Scalar::constant(x), Scalar::constant(y)), Scalar::range(x & y, x & y)) << x << " & " << y;
    }
}

TEST(ValueDomain, RfcEdgeCases) {
    const Scalar zero = Scalar::constant(0), m1 = Scalar::constant(~0ull);
    const Scalar min64 = Scalar::constant(0x8000000000000000ull);
    EXPECT_EQ(alu(AluOp::udiv, Scalar::constant(9), zero, true), zero);          // x / 0 == 0
    EXPECT_EQ(alu(AluOp::umod, Scalar::constant(9), zero, true).value, 9u);      // x % 0 == x
    EXPECT_EQ(alu(AluOp::sdiv, min64, m1, true).value, 0x8000000000000000ull);   // MIN / -1 == MIN
    EXPECT_EQ(alu(AluOp::smod, min64, m1, true).value, 0u);
    EXPECT_EQ(alu(AluOp::smod, Scalar::constant(static_cast<u64>(-13)), Scalar::constant(3), true).value,
              static_cast<u64>(-1));                                               // sign of the dividend
    EXPECT_EQ(alu(AluOp::sdiv, Scalar::constant(0x80000000u), Scalar::constant(0xffffffffu), false).value,
              0x80000000u);                                                        // 32-bit MIN / -1
    EXPECT_EQ(alu(AluOp::umod, Scalar::constant(0x1ffffffffull), zero, false).value, 0xffffffffu);  // upper half zeroed
    EXPECT_EQ(alu(AluOp::lsh, Scalar::constant(1), Scalar::constant(65), true).value, 2u);  // masked to 63
    EXPECT_EQ(alu(AluOp::lsh, Scalar::constant(1), Scalar::constant(33), false).value, 2u);  // masked to 31
    EXPECT_EQ(alu(AluOp::arsh, Scalar::constant(0x80000000u), Scalar::constant(4), false).value, 0xf8000000u);
    EXPECT_EQ(alu(AluOp::neg, Scalar::constant(1), zero, false).value, 0xffffffffu);
    EXPECT_EQ(alu(AluOp::add, Scalar::constant(0xffffffffu), Scalar::constant(1), false).value, 0u);
    EXPECT_EQ(byte_swap(Scalar::constant(0x1122334455667788ull), 16).value, 0x8877u);
    EXPECT_EQ(byte_swap(Scalar::constant(0x1122334455667788ull), 32).value, 0x88776655u);
    EXPECT_EQ(sign_extend(Scalar::constant(0x80), 8).value, 0xffffffffffffff80ull);
    EXPECT_EQ(sign_extend(Scalar::constant(0x7f), 8).value, 0x7fu);
}

TEST(ValueDomain, ThirtyTwoBitResultsAreZeroExtended) {
    const Scalar any = Scalar::top();
    for (AluOp op : all_ops) EXPECT_LE(alu(op, any, any, false).umax, 0xffffffffu) << int(op);
}

TEST(ValueDomain, ClampBoundsAValue) {
    // if (n > 255) n = 255;  ->  the fall-through side of n > 255 is [0, 255]
    const Narrowed n = narrow(Cmp::gt, true, Scalar::top(), Scalar::constant(255));
    ASSERT_TRUE(n.fall_possible() && n.taken_possible());
    EXPECT_EQ(n.fall_a->umax, 255u);
    EXPECT_EQ(n.taken_a->umin, 256u);
    const Scalar clamped = join(*n.fall_a, Scalar::constant(255));
    EXPECT_EQ(clamped.umin, 0u);
    EXPECT_EQ(clamped.umax, 255u);
}

TEST(ValueDomain, ImpossibleSidesAreBottom) {
    const Narrowed a = narrow(Cmp::lt, true, Scalar::constant(10), Scalar::constant(10));
    EXPECT_FALSE(a.taken_possible());
    EXPECT_TRUE(a.fall_possible());
    const Narrowed b = narrow(Cmp::eq, true, Scalar::range(0, 5), Scalar::constant(9));
    EXPECT_FALSE(b.taken_possible());
    const Narrowed c = narrow(Cmp::set, true, Scalar::range(0, 7), Scalar::constant(8));
    EXPECT_FALSE(c.taken_possible());
    const Narrowed d = narrow(Cmp::sgt, false, Scalar::constant(0xffffffffu), Scalar::constant(0));
    EXPECT_FALSE(d.taken_possible());  // -1 > 0 is false in 32 bits
}

TEST(ValueDomain, LoopCounterNarrowing) {
    // i in [0, 9], i < 10 always: the fall-through side is impossible
    const Narrowed n = narrow(Cmp::lt, false, Scalar::range(0, 9), Scalar::constant(10));
    EXPECT_FALSE(n.fall_possible());
    // i < n with n in [0, 255]: on the taken side n >= 1 and i <= 254
    const Narrowed m = narrow(Cmp::lt, true, Scalar::constant(0), Scalar::range(0, 255));
    ASSERT_TRUE(m.taken_possible());
    EXPECT_EQ(m.taken_b->umin, 1u);
    const Narrowed e = narrow(Cmp::ne, true, Scalar::range(3, 9), Scalar::constant(9));
    EXPECT_EQ(e.taken_a->umax, 8u);
}

TEST(ValueDomain, AndGivesKnownBitsAndBound) {
    const Scalar r = bit_and(Scalar::top(), Scalar::constant(0xff0));
    EXPECT_EQ(r.umax, 0xff0u);
    EXPECT_EQ(r.mask, 0xff0u);
    EXPECT_EQ(alu(AluOp::rsh, Scalar::top(), Scalar::constant(56), true).umax, 255u);
    EXPECT_EQ(alu(AluOp::mul, Scalar::range(0, 255), Scalar::constant(8), true).umax, 2040u);
    EXPECT_EQ(alu(AluOp::umod, Scalar::top(), Scalar::constant(16), true).umax, 15u);
}

}  // namespace
}  // namespace mempool::vm
