// jit_test.cpp: the x86-64 JIT against values computed here (and against
// the interpreter where a program has no side effect outside it), instruction
// family by instruction family, and against the librte_bpf JIT bugs of
// issue 8 (shift immediates outside 0-63, JSET immediates needing 32 bits,
// div/mod with src == dst or on the registers div uses, INT_MIN / -1).
//
// The arithmetic tests run every operation on every pair of registers R0-R9
// with the other eight registers set to known values, and check all ten
// registers afterwards: an instruction sequence that borrows rax, rdx or rcx
// (R0, R3, R4) and forgets to give it back shows here.
#include "assembler.hpp"
#include "interpreter.hpp"
#include "jit_x86_64.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace mempool::vm {
namespace {

using namespace isa;

Insn make(std::uint8_t code, unsigned dst = 0, unsigned src = 0, std::int16_t off = 0, std::int32_t imm = 0) {
    Insn i;
    i.code = code;
    i.set_dst(dst);
    i.set_src(src);
    i.off = off;
    i.imm = imm;
    return i;
}

void lddw(std::vector<Insn>& code, unsigned dst, std::uint64_t v) {
    code.push_back(make(op_lddw, dst, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v))));
    code.push_back(make(0, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v >> 32))));
}

// A VerifiedProgram as the verifier would hand it over: function starts from
// the local calls, `frame` bytes per function.
VerifiedProgram verified(std::vector<Insn> code, std::uint32_t frame = 512, std::vector<std::uint8_t> rodata = {}) {
    VerifiedProgram p;
    p.program.function_starts = {0};
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        if (is_local_call(code[pc])) p.program.function_starts.push_back(static_cast<std::uint32_t>(pc + 1 + code[pc].imm));
        if (is_lddw(code[pc])) ++pc;
    }
    std::sort(p.program.function_starts.begin(), p.program.function_starts.end());
    p.program.function_starts.erase(std::unique(p.program.function_starts.begin(), p.program.function_starts.end()),
                                    p.program.function_starts.end());
    p.frame_size.assign(p.program.function_starts.size(), frame);
    p.stack_size = frame * static_cast<std::uint32_t>(p.frame_size.size());
    p.flags.assign(code.size(), 0);
    p.program.code = std::move(code);
    p.program.rodata = std::move(rodata);
    return p;
}

VerifiedProgram verified(std::string_view text, std::uint32_t frame = 512, std::vector<std::uint8_t> rodata = {}) {
    AsmResult a = assemble(text);
    EXPECT_EQ(a.error, "") << text;
    return verified(std::move(a.code), frame, std::move(rodata));
}

struct JitRun {
    std::uint64_t r0 = 0;
    bool compiled = false;
    std::string error;
};

JitRun run(const VerifiedProgram& p, RunContext& rc, std::span<const HelperFn> helpers = {}, JitOptions options = {}) {
    JitRun r;
    JitResult jit = jit_compile(p, helpers, options);
    r.error = jit.error;
    if (!jit.code) return r;
    r.compiled = true;
    r.r0 = (*jit.code)(rc);
    return r;
}

std::uint64_t run_ok(std::string_view text, std::uint64_t r1 = 0, std::uint64_t r2 = 0) {
    VerifiedProgram p = verified(text);
    RunContext rc{.r1 = r1, .r2 = r2};
    JitRun r = run(p, rc);
    EXPECT_TRUE(r.compiled) << r.error << "\n" << text;
    EXPECT_FALSE(rc.aborted());
    return r.r0;
}

// ---- a reference for the arithmetic, written from RFC 9669 ---------------

std::uint64_t ref_alu(std::uint8_t op, bool w64, std::int16_t off, std::uint64_t a, std::uint64_t b) {
    if (!w64) {
        a = static_cast<std::uint32_t>(a);
        b = static_cast<std::uint32_t>(b);
    }
    const auto sa64 = static_cast<std::int64_t>(a), sb64 = static_cast<std::int64_t>(b);
    const auto sa32 = static_cast<std::int32_t>(a), sb32 = static_cast<std::int32_t>(b);
    std::uint64_t r = 0;
    switch (op) {
    case alu_add: r = a + b; break;
    case alu_sub: r = a - b; break;
    case alu_mul: r = a * b; break;
    case alu_or: r = a | b; break;
    case alu_and: r = a & b; break;
    case alu_xor: r = a ^ b; break;
    case alu_lsh: r = w64 ? a << (b & 63) : static_cast<std::uint32_t>(a << (b & 31)); break;
    case alu_rsh: r = w64 ? a >> (b & 63) : static_cast<std::uint32_t>(a) >> (b & 31); break;
    case alu_arsh:
        r = w64 ? static_cast<std::uint64_t>(sa64 >> (b & 63)) : static_cast<std::uint32_t>(sa32 >> (b & 31));
        break;
    case alu_neg: r = w64 ? 0 - a : static_cast<std::uint32_t>(0 - a); break;
    case alu_mov:
        if (off == 8) r = w64 ? static_cast<std::uint64_t>(static_cast<std::int8_t>(b)) : static_cast<std::uint32_t>(static_cast<std::int8_t>(b));
        else if (off == 16) r = w64 ? static_cast<std::uint64_t>(static_cast<std::int16_t>(b)) : static_cast<std::uint32_t>(static_cast<std::int16_t>(b));
        else if (off == 32) r = static_cast<std::uint64_t>(static_cast<std::int32_t>(b));
        else r = b;
        break;
    case alu_div:
        if (off == 0) {
            r = b == 0 ? 0 : a / b;
        } else if (w64) {
            r = sb64 == 0 ? 0 : sb64 == -1 ? 0 - a : static_cast<std::uint64_t>(sa64 / sb64);
        } else {
            r = sb32 == 0 ? 0 : sb32 == -1 ? static_cast<std::uint32_t>(0 - a) : static_cast<std::uint32_t>(sa32 / sb32);
        }
        break;
    case alu_mod:
        if (off == 0) {
            r = b == 0 ? a : a % b;
        } else if (w64) {
            r = sb64 == 0 ? a : sb64 == -1 ? 0 : static_cast<std::uint64_t>(sa64 % sb64);
        } else {
            r = sb32 == 0 ? a : sb32 == -1 ? 0 : static_cast<std::uint32_t>(sa32 % sb32);
        }
        break;
    default: ADD_FAILURE() << "op " << int(op);
    }
    return w64 ? r : static_cast<std::uint32_t>(r);
}

const std::uint64_t interesting[] = {0,
                                     1,
                                     2,
                                     3,
                                     7,
                                     31,
                                     32,
                                     33,
                                     63,
                                     64,
                                     65,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000,
                                     0x123456789abcdef0,
                                     0x7fffffffffffffff,
                                     0x8000000000000000,
                                     0xffffffff80000000,
                                     0xfffffffffffffffe,
                                     0xffffffffffffffff};

constexpr std::uint64_t initial(unsigned r) { return 0x1111111111111111ull * (r + 1) ^ 0x0123456789abcdefull; }

// All ten registers after `body`, which runs with Rk = initial(k) for every
// k, then Rdst = a and Rsrc = b. The registers are written to `out` through
// the frame, so nothing but R10 is needed to carry them.
std::array<std::uint64_t, 10> registers_after(const std::vector<Insn>& body, unsigned dst, std::uint64_t a,
                                              unsigned src, std::uint64_t b, bool set_src = true) {
    std::array<std::uint64_t, 10> out{};
    std::vector<Insn> code;
    for (unsigned k = 0; k < 10; ++k) lddw(code, k, initial(k));
    lddw(code, dst, a);
    if (set_src && src != dst) lddw(code, src, b);
    code.insert(code.end(), body.begin(), body.end());
    for (unsigned k = 0; k < 10; ++k) code.push_back(make(cls_stx | mode_mem | size_dw, 10, k, static_cast<std::int16_t>(-8 * (k + 1))));
    lddw(code, 1, reinterpret_cast<std::uintptr_t>(out.data()));
    for (unsigned k = 0; k < 10; ++k) {
        code.push_back(make(cls_ldx | mode_mem | size_dw, 2, 10, static_cast<std::int16_t>(-8 * (k + 1))));
        code.push_back(make(cls_stx | mode_mem | size_dw, 1, 2, static_cast<std::int16_t>(8 * k)));
    }
    code.push_back(make(op_exit));
    VerifiedProgram p = verified(std::move(code), 128);
    JitResult jit = jit_compile(p, {});
    EXPECT_TRUE(jit.code.has_value()) << jit.error;
    if (!jit.code) return out;
    RunContext rc;
    const std::uint64_t r0 = (*jit.code)(rc);
    // The interpreter, on the same program, must leave the same registers.
    const std::array<std::uint64_t, 10> by_jit = out;
    out.fill(0);
    RunContext rc_interp;
    EXPECT_EQ(interpret(p, {}, rc_interp), r0);
    EXPECT_EQ(out, by_jit) << "interpreter and JIT disagree";
    return by_jit;
}

// Every ALU operation, both widths, immediate and register forms, every
// (dst, src) pair, checked on all ten registers.
void check_alu(std::uint8_t op, std::int16_t off) {
    std::mt19937_64 rng(op * 131 + off);
    for (bool w64 : {false, true}) {
        const std::uint8_t cls = w64 ? cls_alu64 : cls_alu;
        for (unsigned dst = 0; dst < 10; ++dst) {
            for (unsigned src = 0; src < 10; ++src) {
                // A few values per pair; all of them on one pair.
                const bool all = dst == 3 && src == 0;
                for (std::size_t n = 0; n < (all ? std::size(interesting) * std::size(interesting) : 6); ++n) {
                    const std::uint64_t a = all ? interesting[n / std::size(interesting)] : interesting[rng() % std::size(interesting)];
                    std::uint64_t b = all ? interesting[n % std::size(interesting)] : interesting[rng() % std::size(interesting)];
                    if (src == dst) b = a;
                    auto got = registers_after({make(cls | src_x | op, dst, src, off)}, dst, a, src, b);
                    for (unsigned k = 0; k < 10; ++k) {
                        const std::uint64_t want = k == dst ? ref_alu(op, w64, off, a, b) : k == src ? b : initial(k);
                        ASSERT_EQ(got[k], want) << "op 0x" << std::hex << int(op) << std::dec << " off " << off
                                                << (w64 ? " alu64" : " alu32") << " r" << dst << ", r" << src
                                                << " a=0x" << std::hex << a << " b=0x" << b << " register r" << std::dec << k;
                    }
                }
            }
            // Immediate forms.
            for (std::int32_t imm : {0, 1, -1, 2, 7, 31, 32, 33, 63, 64, 65, -63, -64, 127, 128, -128, 0x7fffffff,
                                     std::numeric_limits<std::int32_t>::min(), 0x10000, 0x050f0f05, -0x3c3c3c3d}) {
                if (op == alu_mov && off != 0) break;  // movsx takes a register
                const std::uint64_t a = interesting[static_cast<std::size_t>(rng() % std::size(interesting))];
                auto got = registers_after({make(cls | src_k | op, dst, 0, off, imm)}, dst, a, dst, 0, false);
                const std::uint64_t b = w64 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(imm)) : static_cast<std::uint32_t>(imm);
                for (unsigned k = 0; k < 10; ++k) {
                    const std::uint64_t want = k == dst ? ref_alu(op, w64, off, a, b) : initial(k);
                    ASSERT_EQ(got[k], want) << "op 0x" << std::hex << int(op) << std::dec << " off " << off
                                            << (w64 ? " alu64" : " alu32") << " r" << dst << ", " << imm << " a=0x"
                                            << std::hex << a << " register r" << std::dec << k;
                }
            }
        }
    }
}

TEST(JitAlu, AddSubMul) {
    check_alu(alu_add, 0);
    check_alu(alu_sub, 0);
    check_alu(alu_mul, 0);
}
TEST(JitAlu, Bitwise) {
    check_alu(alu_or, 0);
    check_alu(alu_and, 0);
    check_alu(alu_xor, 0);
}
TEST(JitAlu, Shifts) {
    check_alu(alu_lsh, 0);
    check_alu(alu_rsh, 0);
    check_alu(alu_arsh, 0);
}
TEST(JitAlu, UnsignedDivMod) {
    check_alu(alu_div, 0);
    check_alu(alu_mod, 0);
}
TEST(JitAlu, SignedDivMod) {
    check_alu(alu_div, 1);
    check_alu(alu_mod, 1);
}
TEST(JitAlu, MovAndMovsx) {
    check_alu(alu_mov, 0);
    check_alu(alu_mov, 8);
    check_alu(alu_mov, 16);
    // movsx 32 exists in alu64 only.
    for (unsigned dst = 0; dst < 10; ++dst) {
        for (unsigned src = 0; src < 10; ++src) {
            for (std::uint64_t a : interesting) {
                auto got = registers_after({make(cls_alu64 | src_x | alu_mov, dst, src, 32)}, src, a, src, a);
                EXPECT_EQ(got[dst], static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(a))));
            }
        }
    }
}
TEST(JitAlu, Neg) {
    for (bool w64 : {false, true}) {
        for (unsigned dst = 0; dst < 10; ++dst) {
            for (std::uint64_t a : interesting) {
                auto got = registers_after({make((w64 ? cls_alu64 : cls_alu) | alu_neg, dst)}, dst, a, dst, 0, false);
                for (unsigned k = 0; k < 10; ++k) EXPECT_EQ(got[k], k == dst ? ref_alu(alu_neg, w64, 0, a, 0) : initial(k));
            }
        }
    }
}

// ---- regressions for librte_bpf's JIT (issue 8, "What was found", 1) -----

// A shift count outside 0-63 (negative too) is masked, and encoded as the one
// byte the opcode reads: with a 4-byte immediate, bytes of the plugin's
// choice (here 0f 05, a syscall) would run as code.
TEST(JitRegression, ShiftByImmediateOutside0To63) {
    const std::int32_t counts[] = {64, 65, 100, -1, -63, -64, 0x050f0f05, 0x0f05, std::numeric_limits<std::int32_t>::min(),
                                   std::numeric_limits<std::int32_t>::max()};
    for (std::int32_t c : counts) {
        for (const char* op : {"lsh", "rsh", "arsh"}) {
            const std::uint64_t v = 0x8123456789abcdefull;
            char text[200];
            std::snprintf(text, sizeof text, "lddw %%r0, 0x8123456789abcdef\n%s %%r0, %d\nexit\n", op, c);
            std::uint64_t want = op[0] == 'l' ? v << (c & 63)
                                 : op[0] == 'r' ? v >> (c & 63)
                                                : static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> (c & 63));
            EXPECT_EQ(run_ok(text), want) << text;
            std::snprintf(text, sizeof text, "lddw %%r0, 0x8123456789abcdef\n%s32 %%r0, %d\nexit\n", op, c);
            const auto v32 = static_cast<std::uint32_t>(v);
            want = op[0] == 'l' ? static_cast<std::uint32_t>(v32 << (c & 31))
                   : op[0] == 'r' ? v32 >> (c & 31)
                                  : static_cast<std::uint32_t>(static_cast<std::int32_t>(v32) >> (c & 31));
            EXPECT_EQ(run_ok(text), want) << text;
        }
    }
    // The encoding itself: shl rax, imm is 48 c1 e0 ib, then the epilogue.
    VerifiedProgram p = verified(std::vector<Insn>{make(cls_alu64 | alu_lsh, 0, 0, 0, 0x050f0f05), make(op_exit)});
    JitResult jit = jit_compile(p, {});
    ASSERT_TRUE(jit.code);
    const auto code = jit.code->code();
    const std::uint8_t shl[] = {0x48, 0xc1, 0xe0, 0x05};
    EXPECT_NE(std::search(code.begin(), code.end(), std::begin(shl), std::end(shl)), code.end());
    const std::uint8_t syscall[] = {0x0f, 0x05};
    EXPECT_EQ(std::search(code.begin(), code.end(), std::begin(syscall), std::end(syscall)), code.end());
}

// JSET with an immediate that needs all 32 bits (and its sign in jmp).
TEST(JitRegression, JsetImmediateNeeds32Bits) {
    struct Case {
        std::uint64_t value;
        std::int32_t imm;
    };
    const Case cases[] = {{0x10000, 0x10000},           {0x20000, 0x10000},         {0x80000000, static_cast<std::int32_t>(0x80000000u)},
                          {0x8000000000000000, -1},     {0x8000000000000000, static_cast<std::int32_t>(0x80000000u)},
                          {0x100000000, 0x7fffffff},    {0x40000000, 0x7fffffff},   {0x1, 0x100},
                          {0xff00, 0x00ff00ff},         {0xff000000, 0x01000000}};
    for (const Case& c : cases) {
        for (bool j32 : {false, true}) {
            std::vector<Insn> code;
            lddw(code, 1, c.value);
            code.push_back(make(cls_alu64 | alu_mov, 0, 0, 0, 1));
            code.push_back(make((j32 ? cls_jmp32 : cls_jmp) | jmp_jset, 1, 0, 1, c.imm));
            code.push_back(make(cls_alu64 | alu_mov, 0, 0, 0, 2));
            code.push_back(make(op_exit));
            VerifiedProgram p = verified(std::move(code));
            RunContext rc;
            JitRun r = run(p, rc);
            ASSERT_TRUE(r.compiled) << r.error;
            const std::uint64_t mask = j32 ? static_cast<std::uint32_t>(c.imm) : static_cast<std::uint64_t>(static_cast<std::int64_t>(c.imm));
            const std::uint64_t v = j32 ? static_cast<std::uint32_t>(c.value) : c.value;
            EXPECT_EQ(r.r0, (v & mask) != 0 ? 1u : 2u) << std::hex << c.value << " & " << c.imm << (j32 ? " jmp32" : " jmp");
        }
    }
}

// div/mod with src == dst, and on R0/R3 (rax/rdx) as source or destination,
// for the register forms: the scratch register is never a program register.
TEST(JitRegression, DivModSameRegisterAndRaxRdx) {
    for (std::uint8_t op : {alu_div, alu_mod}) {
        for (std::int16_t off : {std::int16_t{0}, std::int16_t{1}}) {
            for (bool w64 : {false, true}) {
                for (unsigned r : {0u, 3u, 4u, 1u, 6u, 9u}) {
                    for (std::uint64_t a : {0ull, 1ull, 7ull, 0x8000000000000000ull, 0xffffffffffffffffull, 0x80000000ull}) {
                        auto got = registers_after({make((w64 ? cls_alu64 : cls_alu) | src_x | op, r, r, off)}, r, a, r, a);
                        for (unsigned k = 0; k < 10; ++k) EXPECT_EQ(got[k], k == r ? ref_alu(op, w64, off, a, a) : initial(k)) << "r" << r << " k " << k;
                    }
                    for (unsigned other : {0u, 3u}) {
                        if (other == r) continue;
                        auto got = registers_after({make((w64 ? cls_alu64 : cls_alu) | src_x | op, r, other, off)}, r, 1000003, other, 7);
                        EXPECT_EQ(got[r], ref_alu(op, w64, off, 1000003, 7));
                        got = registers_after({make((w64 ? cls_alu64 : cls_alu) | src_x | op, other, r, off)}, other, 1000003, r, 7);
                        EXPECT_EQ(got[other], ref_alu(op, w64, off, 1000003, 7));
                        EXPECT_EQ(got[r], 7u);
                    }
                }
            }
        }
    }
}

// Signed INT_MIN / -1 overflows idiv (a #DE trap); the ISA defines it.
TEST(JitRegression, IntMinByMinusOne) {
    EXPECT_EQ(run_ok("lddw %r0, 0x8000000000000000\nmov %r1, -1\nsdiv %r0, %r1\nexit"), 0x8000000000000000u);
    EXPECT_EQ(run_ok("lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit"), 0u);
    EXPECT_EQ(run_ok("lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit"), 0x8000000000000000u);
    EXPECT_EQ(run_ok("lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit"), 0u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff80000000\nmov32 %r1, -1\nsdiv32 %r0, %r1\nexit"), 0x80000000u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff80000000\nmov32 %r1, -1\nsmod32 %r0, %r1\nexit"), 0u);
    EXPECT_EQ(run_ok("mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit"), 0x80000000u);
    EXPECT_EQ(run_ok("mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit"), 0u);
    // The divisor's upper half does not make a 32-bit division trap either.
    EXPECT_EQ(run_ok("mov32 %r0, 0x80000000\nlddw %r1, 0x12345678ffffffff\nsdiv32 %r0, %r1\nexit"), 0x80000000u);
}

TEST(JitAlu, DivisionByZero) {
    EXPECT_EQ(run_ok("mov %r0, 9\nmov %r1, 0\ndiv %r0, %r1\nexit"), 0u);
    EXPECT_EQ(run_ok("mov %r0, 9\nmov %r1, 0\nmod %r0, %r1\nexit"), 9u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000009\nmov %r1, 0\nmod32 %r0, %r1\nexit"), 9u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000009\nmod32 %r0, 0\nexit"), 9u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000009\ndiv32 %r0, 0\nexit"), 0u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000009\nsmod %r0, 0\nexit"), 0xffffffff00000009u);
    // A 32-bit divisor of zero whose upper half is not.
    EXPECT_EQ(run_ok("mov %r0, 9\nlddw %r1, 0x100000000\ndiv32 %r0, %r1\nexit"), 0u);
    EXPECT_EQ(run_ok("mov %r0, 9\nlddw %r1, 0x100000000\nmod32 %r0, %r1\nexit"), 9u);
}

TEST(JitAlu, ThirtyTwoBitResultsAreZeroExtended) {
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffffffffffff\nadd32 %r0, 0\nexit"), 0xffffffffu);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000001\nmov %r4, 0\nlsh32 %r0, %r4\nexit"), 1u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000001\nmov %r1, 0\nrsh32 %r0, %r1\nexit"), 1u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000001\narsh32 %r0, 0\nexit"), 1u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000001\nmov32 %r0, %r0\nexit"), 1u);
    EXPECT_EQ(run_ok("lddw %r0, 0xffffffff00000001\nlddw %r1, 0xffffffff00000003\nmul32 %r0, %r1\nexit"), 3u);
}

TEST(JitAlu, ByteSwaps) {
    const char* v = "lddw %r0, 0x0123456789abcdef\n";
    EXPECT_EQ(run_ok(std::string(v) + "be16 %r0\nexit"), 0xefcdu);
    EXPECT_EQ(run_ok(std::string(v) + "be32 %r0\nexit"), 0xefcdab89u);
    EXPECT_EQ(run_ok(std::string(v) + "be64 %r0\nexit"), 0xefcdab8967452301u);
    EXPECT_EQ(run_ok(std::string(v) + "le16 %r0\nexit"), 0xcdefu);
    EXPECT_EQ(run_ok(std::string(v) + "le32 %r0\nexit"), 0x89abcdefu);
    EXPECT_EQ(run_ok(std::string(v) + "le64 %r0\nexit"), 0x0123456789abcdefu);
    EXPECT_EQ(run_ok(std::string(v) + "bswap16 %r0\nexit"), 0xefcdu);
    EXPECT_EQ(run_ok(std::string(v) + "bswap32 %r0\nexit"), 0xefcdab89u);
    EXPECT_EQ(run_ok(std::string(v) + "bswap64 %r0\nexit"), 0xefcdab8967452301u);
    // Every register, R6-R9 and the ones with a REX prefix among them.
    for (unsigned r = 0; r < 10; ++r) {
        for (std::int32_t width : {16, 32, 64}) {
            for (std::uint8_t code : {std::uint8_t(cls_alu | alu_end | src_x), std::uint8_t(cls_alu | alu_end | src_k),
                                      std::uint8_t(cls_alu64 | alu_end)}) {
                const std::uint64_t a = 0x0123456789abcdefull;
                auto got = registers_after({make(code, r, 0, 0, width)}, r, a, r, 0, false);
                std::uint64_t want;
                const bool swap = code != (cls_alu | alu_end | src_k);
                if (width == 16) want = swap ? __builtin_bswap16(static_cast<std::uint16_t>(a)) : static_cast<std::uint16_t>(a);
                else if (width == 32) want = swap ? __builtin_bswap32(static_cast<std::uint32_t>(a)) : static_cast<std::uint32_t>(a);
                else want = swap ? __builtin_bswap64(a) : a;
                for (unsigned k = 0; k < 10; ++k) EXPECT_EQ(got[k], k == r ? want : initial(k)) << "r" << r << " width " << width;
            }
        }
    }
}

// ---- jumps ---------------------------------------------------------------

bool ref_jump(std::uint8_t op, bool j32, std::uint64_t a, std::uint64_t b) {
    if (j32) {
        a = static_cast<std::uint32_t>(a);
        b = static_cast<std::uint32_t>(b);
    }
    const std::int64_t sa = j32 ? static_cast<std::int32_t>(a) : static_cast<std::int64_t>(a);
    const std::int64_t sb = j32 ? static_cast<std::int32_t>(b) : static_cast<std::int64_t>(b);
    switch (op) {
    case jmp_jeq: return a == b;
    case jmp_jne: return a != b;
    case jmp_jgt: return a > b;
    case jmp_jge: return a >= b;
    case jmp_jlt: return a < b;
    case jmp_jle: return a <= b;
    case jmp_jset: return (a & b) != 0;
    case jmp_jsgt: return sa > sb;
    case jmp_jsge: return sa >= sb;
    case jmp_jslt: return sa < sb;
    case jmp_jsle: return sa <= sb;
    default: ADD_FAILURE(); return false;
    }
}

TEST(JitJump, AllConditionsImmediateAndRegister) {
    const std::uint8_t ops[] = {jmp_jeq, jmp_jne, jmp_jgt, jmp_jge, jmp_jlt, jmp_jle, jmp_jset, jmp_jsgt, jmp_jsge, jmp_jslt, jmp_jsle};
    const std::int32_t imms[] = {0, 1, -1, 0x7f, 0x80, -128, 0x7fffffff, std::numeric_limits<std::int32_t>::min(), 0x10000};
    for (std::uint8_t op : ops) {
        for (bool j32 : {false, true}) {
            const std::uint8_t cls = j32 ? cls_jmp32 : cls_jmp;
            for (std::uint64_t a : interesting) {
                for (std::int32_t imm : imms) {
                    std::vector<Insn> code;
                    lddw(code, 2, a);
                    code.push_back(make(cls_alu64 | alu_mov, 0, 0, 0, 1));
                    code.push_back(make(cls | src_k | op, 2, 0, 1, imm));
                    code.push_back(make(cls_alu64 | alu_mov, 0, 0, 0, 0));
                    code.push_back(make(op_exit));
                    VerifiedProgram p = verified(std::move(code));
                    RunContext rc;
                    JitRun r = run(p, rc);
                    ASSERT_TRUE(r.compiled) << r.error;
                    const std::uint64_t b = static_cast<std::uint64_t>(static_cast<std::int64_t>(imm));
                    ASSERT_EQ(r.r0, ref_jump(op, j32, a, b) ? 1u : 0u)
                        << "op 0x" << std::hex << int(op) << (j32 ? " jmp32 " : " jmp ") << a << ", " << imm;
                    RunContext rc_interp;
                    ASSERT_EQ(interpret(p, {}, rc_interp), r.r0);
                }
                for (std::uint64_t b : interesting) {
                    for (auto [dst, src] : {std::pair{2u, 7u}, std::pair{0u, 3u}, std::pair{9u, 4u}, std::pair{5u, 5u}}) {
                        std::vector<Insn> code;
                        lddw(code, dst, a);
                        if (src != dst) lddw(code, src, b);
                        code.push_back(make(cls_alu64 | alu_mov, 6, 0, 0, 1));
                        code.push_back(make(cls | src_x | op, dst, src, 1));
                        code.push_back(make(cls_alu64 | alu_mov, 6, 0, 0, 0));
                        code.push_back(make(cls_alu64 | alu_mov | src_x, 0, 6));
                        code.push_back(make(op_exit));
                        VerifiedProgram p = verified(std::move(code));
                        RunContext rc;
                        JitRun r = run(p, rc);
                        ASSERT_TRUE(r.compiled) << r.error;
                        ASSERT_EQ(r.r0, ref_jump(op, j32, a, src == dst ? a : b) ? 1u : 0u)
                            << "op 0x" << std::hex << int(op) << (j32 ? " jmp32 " : " jmp ") << a << ", " << b;
                    }
                }
            }
        }
    }
}

// A loop to a constant, with a body long enough that its backward jump
// needs the near form, and a gotol (ja32) with its offset in imm.
TEST(JitJump, LoopsNearAndShortJumpsAndGotol) {
    std::string body;
    for (int k = 0; k < 40; ++k) body += "add %r2, 3\n";
    const std::string text = "mov %r0, 0\nmov %r1, 0\nmov %r2, 0\nloop:\nadd %r0, %r1\n" + body +
                             "add %r1, 1\njlt %r1, 100, loop\nadd %r0, %r2\nja32 +1\nmov %r0, 0\nexit\n";
    const std::uint64_t want = 4950 + 100 * 40 * 3;
    VerifiedProgram p = verified(text);
    for (bool short_jumps : {true, false}) {
        RunContext rc;
        JitRun r = run(p, rc, {}, JitOptions{.short_jumps = short_jumps});
        ASSERT_TRUE(r.compiled) << r.error;
        EXPECT_EQ(r.r0, want);
    }
    // Short jumps make smaller code.
    JitResult a = jit_compile(p, {}, {.short_jumps = true});
    JitResult b = jit_compile(p, {}, {.short_jumps = false});
    ASSERT_TRUE(a.code && b.code);
    EXPECT_LT(a.code->code().size(), b.code->code().size());
    EXPECT_EQ(run_ok("mov %r0, 1\nja +1\nmov %r0, 2\nexit"), 1u);
}

// ---- memory ---------------------------------------------------------------

TEST(JitMemory, LoadsAndStoresEverySize) {
    alignas(8) std::uint8_t buf[32];
    for (int k = 0; k < 32; ++k) buf[k] = static_cast<std::uint8_t>(0x80 + k);
    const auto addr = reinterpret_cast<std::uint64_t>(buf);
    EXPECT_EQ(run_ok("ldxb %r0, [%r1+1]\nexit", addr), 0x81u);
    EXPECT_EQ(run_ok("ldxh %r0, [%r1+2]\nexit", addr), 0x8382u);
    EXPECT_EQ(run_ok("ldxw %r0, [%r1+4]\nexit", addr), 0x87868584u);
    EXPECT_EQ(run_ok("ldxdw %r0, [%r1+8]\nexit", addr), 0x8f8e8d8c8b8a8988u);
    EXPECT_EQ(run_ok("ldxsb %r0, [%r1+1]\nexit", addr), 0xffffffffffffff81u);
    EXPECT_EQ(run_ok("ldxsh %r0, [%r1+2]\nexit", addr), 0xffffffffffff8382u);
    EXPECT_EQ(run_ok("ldxsw %r0, [%r1+4]\nexit", addr), 0xffffffff87868584u);
    EXPECT_EQ(run_ok("mov %r2, %r1\nadd %r2, 16\nldxb %r0, [%r2-15]\nexit", addr), 0x81u);
    // Stores of every size through every register as the base and the source
    // (R6-R9, R5 = r8 and the byte registers sil/dil need REX prefixes).
    for (unsigned base = 0; base < 10; ++base) {
        for (unsigned src = 0; src < 10; ++src) {
            if (src == base) continue;
            std::memset(buf, 0, sizeof buf);
            std::vector<Insn> code;
            lddw(code, base, addr);
            lddw(code, src, 0x1122334455667788ull);
            code.push_back(make(cls_stx | mode_mem | size_b, base, src, 0));
            code.push_back(make(cls_stx | mode_mem | size_h, base, src, 2));
            code.push_back(make(cls_stx | mode_mem | size_w, base, src, 4));
            code.push_back(make(cls_stx | mode_mem | size_dw, base, src, 8));
            code.push_back(make(cls_st | mode_mem | size_b, base, 0, 16, 0x1ff));
            code.push_back(make(cls_st | mode_mem | size_h, base, 0, 18, 0x1abcd));
            code.push_back(make(cls_st | mode_mem | size_w, base, 0, 20, -2));
            code.push_back(make(cls_st | mode_mem | size_dw, base, 0, 24, -3));
            code.push_back(make(cls_ldx | mode_mem | size_b, 0, base, 0));
            code.push_back(make(op_exit));
            VerifiedProgram p = verified(std::move(code));
            RunContext rc;
            JitRun r = run(p, rc);
            ASSERT_TRUE(r.compiled) << r.error;
            EXPECT_EQ(r.r0, 0x88u);
            std::uint64_t w[4];
            std::memcpy(w, buf, 32);
            EXPECT_EQ(w[0], 0x5566778877880088ull) << "base r" << base << " src r" << src;
            EXPECT_EQ(w[1], 0x1122334455667788ull);
            EXPECT_EQ(w[2], 0xfffffffeabcd00ffull);
            EXPECT_EQ(w[3], 0xfffffffffffffffdull);
        }
    }
}

TEST(JitMemory, StackFrameAndR10) {
    EXPECT_EQ(run_ok("mov %r1, 5\nstxdw [%r10-8], %r1\nstw [%r10-512], 7\nldxdw %r0, [%r10-8]\nldxw %r2, [%r10-512]\n"
                     "add %r0, %r2\nexit"),
              12u);
    // R10 is 16-byte aligned.
    EXPECT_EQ(run_ok("mov %r0, %r10\nand %r0, 15\nexit"), 0u);
}

TEST(JitMemory, RodataIsAddressableAndReadOnly) {
    std::vector<std::uint8_t> rodata(40);
    for (std::size_t k = 0; k < rodata.size(); ++k) rodata[k] = static_cast<std::uint8_t>(k * 3);
    VerifiedProgram p = verified("lddw %r1, rodata+8\nldxdw %r0, [%r1]\nlddw %r2, rodata\nldxb %r2, [%r2+39]\nadd %r0, %r2\nexit",
                                 512, rodata);
    JitResult jit = jit_compile(p, {});
    ASSERT_TRUE(jit.code) << jit.error;
    RunContext rc;
    std::uint64_t want;
    std::memcpy(&want, &rodata[8], 8);
    EXPECT_EQ((*jit.code)(rc), want + 39 * 3);
    // The program's copy is independent of the VerifiedProgram's buffer.
    p.program.rodata.assign(40, 0);
    EXPECT_EQ((*jit.code)(rc), want + 39 * 3);
}

// Pages: code r-x, data r--, nothing writable and executable.
TEST(JitMemory, CodeIsNeverWritable) {
    VerifiedProgram p = verified("lddw %r0, rodata\nexit", 512, std::vector<std::uint8_t>(10, 1));
    JitResult jit = jit_compile(p, {});
    ASSERT_TRUE(jit.code);
    const auto code = reinterpret_cast<std::uintptr_t>(jit.code->code().data());
    std::ifstream maps("/proc/self/maps");
    std::string line;
    bool seen_code = false, seen_data = false;
    while (std::getline(maps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
        EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << line;
        if (code >= lo && code < hi) {
            seen_code = true;
            EXPECT_EQ(std::string(perms), "r-xp") << line;
        }
        if (code + 4096 >= lo && code + 4096 < hi && hi - lo <= 4096 * 2) {
            seen_data = std::string(perms) == "r--p";
        }
    }
    EXPECT_TRUE(seen_code);
    EXPECT_TRUE(seen_data);
}

// Released mappings are reused (executable_memory.cpp): the new code runs,
// not the old.
TEST(JitMemory, ReusedPagesRunTheNewCode) {
    for (int k = 0; k < 50; ++k) {
        VerifiedProgram p = verified(std::vector<Insn>{make(cls_alu64 | alu_mov, 0, 0, 0, k), make(op_exit)});
        JitResult jit = jit_compile(p, {});
        ASSERT_TRUE(jit.code);
        RunContext rc;
        EXPECT_EQ((*jit.code)(rc), static_cast<std::uint64_t>(k));
    }
}

// Several programs compiled together (jit_compile_batch) share one mapping:
// each runs its own code and reads its own read-only data, a program the JIT
// refuses gets its own error and the others are unaffected, and the shared
// pages are never writable and executable at once.
TEST(JitMemory, ABatchSharesOneMappingAndEachProgramKeepsItsOwnCodeAndData) {
    std::vector<VerifiedProgram> programs;
    for (int k = 0; k < 4; ++k) {
        std::vector<std::uint8_t> rodata(8 + k, 0);
        rodata[7 + k] = static_cast<std::uint8_t>(100 + k);
        programs.push_back(verified("lddw %r1, rodata\nldxb %r0, [%r1+" + std::to_string(7 + k) + "]\nexit", 512,
                                    std::move(rodata)));
    }
    programs.insert(programs.begin() + 2, VerifiedProgram{});  // empty: the JIT refuses it
    std::vector<JitRequest> requests;
    for (const VerifiedProgram& p : programs) requests.push_back(JitRequest{&p, {}});
    std::vector<JitResult> jit = jit_compile_batch(requests);
    ASSERT_EQ(jit.size(), programs.size());
    EXPECT_FALSE(jit[2].code);
    EXPECT_EQ(jit[2].error, "empty program");
    std::uint64_t want = 100;
    const auto page = [](const JitResult& r) { return reinterpret_cast<std::uintptr_t>(r.code->code().data()) / 4096; };
    for (std::size_t i = 0; i < jit.size(); ++i) {
        if (i == 2) continue;
        ASSERT_TRUE(jit[i].code) << jit[i].error;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(jit[i].code->code().data()) % 16, 0u);
        EXPECT_EQ(page(jit[i]), page(jit[0]));  // small programs: one code page for all
        RunContext rc;
        EXPECT_EQ((*jit[i].code)(rc), want++);
    }
    std::ifstream maps("/proc/self/maps");
    std::string line;
    bool seen_code = false;
    while (std::getline(maps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
        EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << line;
        if (page(jit[0]) * 4096 >= lo && page(jit[0]) * 4096 < hi) {
            seen_code = true;
            EXPECT_EQ(std::string(perms), "r-xp") << line;
        }
    }
    EXPECT_TRUE(seen_code);
    // The pages outlive any one program of the batch.
    jit[0].code.reset();
    RunContext rc;
    EXPECT_EQ((*jit[4].code)(rc), 103u);
}

// The programs of a batch are translated one after the other into one
// buffer: a program refused halfway (after its prologue, a jump and a
// rodata address) leaves nothing behind, and the programs after it get the
// code they get alone, their rodata addresses patched where they are, with
// near and with short jumps.
TEST(JitMemory, AProgramRefusedHalfwayLeavesTheRestOfTheBatchAsAlone) {
    const VerifiedProgram a = verified("mov %r0, 1\njeq %r0, 1, +1\nmov %r0, 2\nexit");
    const VerifiedProgram bad = verified("mov %r0, 3\njeq %r0, 3, +0\nlddw %r1, rodata\ncall 7\nexit", 512, {1});
    const VerifiedProgram c = verified("lddw %r1, rodata\nldxb %r0, [%r1+1]\njeq %r0, 42, +1\nmov %r0, 6\nexit", 512, {4, 42});
    const VerifiedProgram d = verified("mov %r0, 7\njne %r0, 7, -2\nexit");
    for (bool short_jumps : {false, true}) {
        const JitOptions options{.short_jumps = short_jumps};
        const std::vector<JitRequest> requests = {{&a, {}}, {&bad, {}}, {&c, {}}, {&d, {}}};
        std::vector<JitResult> jit = jit_compile_batch(requests, options);
        ASSERT_EQ(jit.size(), 4u);
        const JitResult bad_alone = jit_compile(bad, {}, options);
        EXPECT_FALSE(bad_alone.code);
        EXPECT_FALSE(jit[1].code);
        EXPECT_EQ(jit[1].error, bad_alone.error);
        for (std::size_t i : {0u, 2u, 3u}) {
            ASSERT_TRUE(jit[i].code) << jit[i].error;
            const JitResult alone = jit_compile(*requests[i].program, {}, options);
            ASSERT_TRUE(alone.code) << alone.error;
            const auto got = jit[i].code->code(), want = alone.code->code();
            ASSERT_EQ(got.size(), want.size());
            // c's rodata address differs between the two mappings: its run says it is right.
            if (i != 2) {
                EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << "program " << i;
            }
        }
        RunContext rc;
        EXPECT_EQ((*jit[0].code)(rc), 1u);
        EXPECT_EQ((*jit[2].code)(rc), 42u);
        EXPECT_EQ((*jit[3].code)(rc), 7u);
    }
}

// ---- atomics --------------------------------------------------------------

TEST(JitAtomic, EveryOperationBothWidths) {
    struct Case {
        const char* op;
        std::uint64_t (*apply)(std::uint64_t, std::uint64_t);
    };
    const Case cases[] = {
        {"add", [](std::uint64_t a, std::uint64_t b) { return a + b; }},
        {"or", [](std::uint64_t a, std::uint64_t b) { return a | b; }},
        {"and", [](std::uint64_t a, std::uint64_t b) { return a & b; }},
        {"xor", [](std::uint64_t a, std::uint64_t b) { return a ^ b; }},
        {"xchg", [](std::uint64_t, std::uint64_t b) { return b; }},
    };
    const std::uint64_t old = 0xf0f0f0f0a5a5a5a5ull, operand = 0x0ff00ff0ffff0001ull;
    for (const Case& c : cases) {
        for (bool w64 : {false, true}) {
            for (bool fetch : {false, true}) {
                if (std::string(c.op) == "xchg" && !fetch) continue;
                // base register x source register, including R0 as either.
                for (auto [base, src] : {std::pair{1u, 2u}, std::pair{0u, 2u}, std::pair{1u, 0u}, std::pair{6u, 9u}, std::pair{3u, 4u}}) {
                    alignas(8) std::uint64_t cell = old;
                    const std::string width = w64 ? "" : "32";
                    std::string text = "lddw %r" + std::to_string(base) + ", " + std::to_string(reinterpret_cast<std::uintptr_t>(&cell)) +
                                       "\nlddw %r" + std::to_string(src) + ", " + std::to_string(operand) +
                                       (base == 0 || src == 0 ? "" : "\nlddw %r0, 77") + "\nlock " + (fetch && std::string(c.op) != "xchg" ? "fetch " : "") +
                                       c.op + width + " [%r" + std::to_string(base) + "+0], %r" + std::to_string(src) +
                                       "\nstxdw [%r10-8], %r" + std::to_string(src) + "\nstxdw [%r10-16], %r0\nldxdw %r0, [%r10-8]\n"
                                       "ldxdw %r1, [%r10-16]\nxor %r0, %r1\nexit";
                    const std::uint64_t r0_before = base == 0 ? reinterpret_cast<std::uintptr_t>(&cell) : src == 0 ? operand : 77;
                    const std::uint64_t got = run_ok(text);
                    const std::uint64_t want_cell = w64 ? c.apply(old, operand)
                                                        : (old & 0xffffffff00000000ull) | static_cast<std::uint32_t>(c.apply(old, operand));
                    EXPECT_EQ(cell, want_cell) << text;
                    const std::uint64_t old_value = w64 ? old : static_cast<std::uint32_t>(old);
                    const std::uint64_t src_after = fetch ? old_value : operand;
                    const std::uint64_t r0_after = src == 0 ? src_after : r0_before;
                    EXPECT_EQ(got, src_after ^ r0_after) << text;
                }
            }
        }
    }
}

TEST(JitAtomic, CompareExchange) {
    for (bool w64 : {false, true}) {
        for (bool equal : {false, true}) {
            alignas(8) std::uint64_t cell = 0xaaaaaaaa00000005ull;
            const std::string width = w64 ? "" : "32";
            const std::string expect = equal ? (w64 ? "0xaaaaaaaa00000005" : "0xffffffff00000005") : "0x123";
            const std::string text = "lddw %r1, " + std::to_string(reinterpret_cast<std::uintptr_t>(&cell)) + "\nlddw %r0, " + expect +
                                     "\nlddw %r2, 0x7777777788888888\nlock cmpxchg" + width + " [%r1+0], %r2\nexit";
            const std::uint64_t got = run_ok(text);
            EXPECT_EQ(got, w64 ? 0xaaaaaaaa00000005ull : 5u) << text;
            const std::uint64_t want = !equal ? 0xaaaaaaaa00000005ull : w64 ? 0x7777777788888888ull : 0xaaaaaaaa88888888ull;
            EXPECT_EQ(cell, want) << text;
        }
    }
}

// ---- calls ----------------------------------------------------------------

std::uint64_t seen_args[5];
bool helper_stack_aligned = false;

[[gnu::noinline]] std::uint64_t record_args(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d, std::uint64_t e) {
    seen_args[0] = a;
    seen_args[1] = b;
    seen_args[2] = c;
    seen_args[3] = d;
    seen_args[4] = e;
    // With a frame pointer, rbp = rsp at entry - 8, 16-byte aligned when the
    // caller's stack was.
    helper_stack_aligned = (reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)) & 15) == 0;
    return a + b + c + d + e;
}

std::uint64_t twice(std::uint64_t a, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 2 * a; }

TEST(JitCall, HelpersGetR1ToR5AndKeepR6ToR9) {
    const HelperFn helpers[] = {twice, record_args};
    VerifiedProgram p = verified("mov %r6, 6\nmov %r7, 7\nmov %r8, 8\nmov %r9, 9\nmov %r1, 1\nmov %r2, 2\nmov %r3, 3\n"
                                 "mov %r4, 4\nmov %r5, 5\ncall 1\nmov %r1, %r0\ncall 0\nadd %r0, %r6\nadd %r0, %r7\n"
                                 "add %r0, %r8\nadd %r0, %r9\nexit");
    RunContext rc;
    JitRun r = run(p, rc, helpers);
    ASSERT_TRUE(r.compiled) << r.error;
    EXPECT_EQ(r.r0, 2 * 15 + 30u);
    for (int k = 0; k < 5; ++k) EXPECT_EQ(seen_args[k], k + 1u);
    EXPECT_TRUE(helper_stack_aligned);
    // Also from inside a local function (a different frame).
    helper_stack_aligned = false;
    VerifiedProgram q = verified("mov %r1, 4\ncall local f\nexit\nf:\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\n"
                                 "call 1\nexit", 48);
    RunContext rc2;
    r = run(q, rc2, helpers);
    ASSERT_TRUE(r.compiled) << r.error;
    EXPECT_EQ(r.r0, 4u);
    EXPECT_TRUE(helper_stack_aligned);
}

TEST(JitCall, RejectsUnknownHelper) {
    const HelperFn helpers[] = {twice};
    VerifiedProgram p = verified("call 1\nexit");
    JitResult jit = jit_compile(p, helpers);
    EXPECT_FALSE(jit.code.has_value());
    EXPECT_NE(jit.error.find("helper"), std::string::npos) << jit.error;
}

TEST(JitCall, LocalCallsHaveTheirOwnFrameAndKeepR6ToR10) {
    // main: R6-R9 and its frame survive the call; the callee writes its own
    // frame at the same offsets and calls a third function (depth 2).
    const char* text =
        "mov %r6, 60\nmov %r7, 70\nmov %r8, 80\nmov %r9, 90\nstdw [%r10-8], 1000\nmov %r1, 5\ncall local f\n"
        "ldxdw %r1, [%r10-8]\nadd %r0, %r1\nadd %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\nadd %r0, %r9\nexit\n"
        "f:\nmov %r6, 1\nmov %r7, 2\nmov %r8, 3\nmov %r9, 4\nstxdw [%r10-8], %r1\nmov %r1, 7\ncall local g\n"
        "ldxdw %r1, [%r10-8]\nadd %r0, %r1\nadd %r0, %r6\nexit\n"
        "g:\nstdw [%r10-8], 99\nmov %r6, 100\nldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit\n";
    VerifiedProgram p = verified(text, 32);
    ASSERT_EQ(p.program.function_starts.size(), 3u);
    RunContext rc;
    JitRun r = run(p, rc);
    ASSERT_TRUE(r.compiled) << r.error;
    // g: 99 + 7 = 106; f: 106 + 5 + 1 = 112; main: 112 + 1000 + 300.
    EXPECT_EQ(r.r0, 1412u);
}

TEST(JitCall, RecursionToTheDepthTheVerifierAllows) {
    // f(n) = n == 0 ? 0 : n + f(n - 1), eight levels, each with a frame slot.
    const char* text = "mov %r1, 8\ncall local f\nexit\n"
                       "f:\nmov %r0, 0\njeq %r1, 0, out\nstxdw [%r10-8], %r1\nsub %r1, 1\ncall local f\n"
                       "ldxdw %r1, [%r10-8]\nadd %r0, %r1\nout:\nexit\n";
    VerifiedProgram p = verified(text, 16);
    RunContext rc;
    JitRun r = run(p, rc);
    ASSERT_TRUE(r.compiled) << r.error;
    EXPECT_EQ(r.r0, 36u);
}

TEST(JitEntry, R1AndR2FromTheRunContext) {
    VerifiedProgram p = verified("mov %r0, %r1\nsub %r0, %r2\nexit");
    RunContext rc{.r1 = 1000, .r2 = 1};
    EXPECT_EQ(run(p, rc).r0, 999u);
}

// ---- run-time heap checks -------------------------------------------------

TEST(JitHeapCheck, InBoundsRunsOutOfBoundsAborts) {
    alignas(16) std::uint8_t heap[64] = {};
    heap[60] = 42;
    // R1 = heap + R2 (R2 from the run context), flagged loads and stores.
    const char* text = "add %r1, %r2\nstb [%r1+0], 9\nldxw %r0, [%r1+0]\nexit";
    VerifiedProgram p = verified(text);
    p.flags[1] = flag_heap_check;
    p.flags[2] = flag_heap_check;
    struct Case {
        std::int64_t offset;
        bool ok;
        std::uint32_t abort_pc;
    };
    const Case cases[] = {{60, true, 0}, {0, true, 0}, {61, false, 2}, {64, false, 1}, {-1, false, 1}, {-4096, false, 1},
                          {1 << 20, false, 1}, {std::numeric_limits<std::int64_t>::min(), false, 1}};
    for (const Case& c : cases) {
        heap[60] = 42;
        RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(heap), .r2 = static_cast<std::uint64_t>(c.offset),
                      .heap = heap, .heap_size = sizeof heap, .abort_pc = 7};  // reset at entry
        JitRun r = run(p, rc);
        ASSERT_TRUE(r.compiled) << r.error;
        if (c.ok) {
            EXPECT_FALSE(rc.aborted()) << c.offset;
            EXPECT_EQ(r.r0, 9u) << c.offset;
        } else {
            EXPECT_TRUE(rc.aborted()) << c.offset;
            EXPECT_EQ(rc.abort_pc, c.abort_pc) << c.offset;
            EXPECT_EQ(r.r0, 0u);
        }
    }
    // No heap at all: every flagged access aborts.
    RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(heap), .r2 = 0};
    EXPECT_EQ(run(p, rc).r0, 0u);
    EXPECT_EQ(rc.abort_pc, 1u);
}

// An abort deep in local calls unwinds to the host with its registers intact.
TEST(JitHeapCheck, AbortInsideNestedLocalCalls) {
    alignas(16) std::uint8_t heap[16] = {};
    const char* text = "mov %r6, 1\ncall local f\nadd %r0, 1\nexit\n"
                       "f:\nmov %r6, 2\ncall local g\nadd %r0, 1\nexit\n"
                       "g:\nmov %r6, 3\nstdw [%r10-8], 5\nldxdw %r0, [%r1+0]\nexit\n";
    VerifiedProgram p = verified(text, 64);
    std::size_t load_pc = 0;
    for (std::size_t pc = 0; pc < p.program.code.size(); ++pc) {
        if (cls(p.program.code[pc].code) == cls_ldx) load_pc = pc;
    }
    p.flags[load_pc] = flag_heap_check;
    JitResult jit = jit_compile(p, {});
    ASSERT_TRUE(jit.code) << jit.error;
    // Callee-saved host values across the call are checked by the compiler's
    // own use of them in this loop.
    std::uint64_t sum = 0;
    for (int k = 0; k < 100; ++k) {
        RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(heap + (k % 2 == 0 ? 8 : 9)), .heap = heap, .heap_size = sizeof heap};
        const std::uint64_t r0 = (*jit.code)(rc);
        if (k % 2 == 0) {
            EXPECT_FALSE(rc.aborted());
            EXPECT_EQ(r0, 2u);
        } else {
            EXPECT_EQ(rc.abort_pc, load_pc);
            EXPECT_EQ(r0, 0u);
        }
        sum += r0 + static_cast<std::uint64_t>(k);
    }
    EXPECT_EQ(sum, 50u * 2 + 4950u);
}

TEST(JitCompile, RefusesWhatItDoesNotKnow) {
    for (Insn bad : {make(0xff), make(cls_ld | mode_abs | size_w), make(cls_alu64 | 0xe0), make(cls_alu64 | alu_end, 0, 0, 0, 8),
                     make(cls_alu | alu_mov | src_x, 0, 1, 32), make(cls_stx | mode_atomic | size_dw, 1, 2, 0, 0x02),
                     make(cls_alu64 | alu_mov, 10, 0, 0, 1), make(cls_jmp32 | jmp_exit)}) {
        VerifiedProgram p = verified(std::vector<Insn>{bad, make(op_exit)});
        JitResult jit = jit_compile(p, {});
        EXPECT_FALSE(jit.code.has_value()) << "code 0x" << std::hex << int(bad.code);
        EXPECT_NE(jit.error, "");
    }
    VerifiedProgram p = verified("exit");
    p.frame_size.clear();
    EXPECT_FALSE(jit_compile(p, {}).code.has_value());
}

}  // namespace
}  // namespace mempool::vm
