// assembler_test.cpp: the text syntax, both ways.
//
// Checks encodings of each instruction family against RFC 9669's layout, the
// conformance-corpus spellings (%r registers, labels, "exit" as a default
// label, lock/fetch), error messages with line numbers, and that every valid
// encoding disassembles to text that assembles back to the same bits.
#include "assembler.hpp"

#include <gtest/gtest.h>

#include <cstdint>
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

bool same(const Insn& a, const Insn& b) {
    return a.code == b.code && a.regs == b.regs && a.off == b.off && a.imm == b.imm;
}

std::vector<Insn> ok(std::string_view text) {
    AsmResult r = assemble(text);
    EXPECT_EQ(r.error, "") << text;
    return r.code;
}

void expect_one(std::string_view text, const Insn& want) {
    auto code = ok(text);
    ASSERT_EQ(code.size(), 1u) << text;
    EXPECT_TRUE(same(code[0], want)) << text << " -> code 0x" << std::hex << int(code[0].code) << " regs 0x"
                                     << int(code[0].regs) << std::dec << " off " << code[0].off << " imm "
                                     << code[0].imm;
}

TEST(Assembler, AluEncodings) {
    expect_one("mov32 %r0, 0", make(0xb4, 0));
    expect_one("mov %r1, -1", make(0xb7, 1, 0, 0, -1));
    expect_one("add r0, r1", make(0x0f, 0, 1));
    expect_one("add64 %r0, %r1", make(0x0f, 0, 1));
    expect_one("add32 %r0, -3", make(0x04, 0, 0, 0, -3));
    expect_one("mov32 %r1, 0x87654321", make(0xb4, 1, 0, 0, static_cast<std::int32_t>(0x87654321u)));
    expect_one("sdiv %r0, %r2", make(0x3f, 0, 2, 1));
    expect_one("smod32 %r0, 3", make(0x94, 0, 0, 1, 3));
    expect_one("neg %r3", make(0x87, 3));
    expect_one("neg32 %r3", make(0x84, 3));
    expect_one("arsh32 %r0, 33", make(0xc4, 0, 0, 0, 33));
    expect_one("movsx832 %r0, %r1", make(0xbc, 0, 1, 8));
    expect_one("movsx1632 %r0, %r1", make(0xbc, 0, 1, 16));
    expect_one("movsx864 %r0, %r1", make(0xbf, 0, 1, 8));
    expect_one("movsx1664 %r0, %r1", make(0xbf, 0, 1, 16));
    expect_one("movsx3264 %r0, %r1", make(0xbf, 0, 1, 32));
    expect_one("be16 %r0", make(0xdc, 0, 0, 0, 16));
    expect_one("le32 %r0", make(0xd4, 0, 0, 0, 32));
    expect_one("bswap64 %r0", make(0xd7, 0, 0, 0, 64));
    expect_one("swap16 %r2", make(0xd7, 2, 0, 0, 16));
}

TEST(Assembler, MemoryEncodings) {
    expect_one("ldxw r0, [r1+4]", make(0x61, 0, 1, 4));
    expect_one("ldxdw %r0, [%r1]", make(0x79, 0, 1, 0));
    expect_one("ldxsb %r0, [%r10-1]", make(0x91, 0, 10, -1));
    expect_one("ldxsh %r0, [%r10 - 2]", make(0x89, 0, 10, -2));
    expect_one("ldxsw %r0, [%r1+0x10]", make(0x81, 0, 1, 16));
    expect_one("stxdw [%r10-8], %r1", make(0x7b, 10, 1, -8));
    expect_one("stw [%r1], 5", make(0x62, 1, 0, 0, 5));
    expect_one("sth [%r1+2], 0x1234", make(0x6a, 1, 0, 2, 0x1234));
    expect_one("stb [%r10-1], 0x80", make(0x72, 10, 0, -1, 0x80));
    expect_one("stdw [%r10-16], 0xab", make(0x7a, 10, 0, -16, 0xab));
    expect_one("lock add [%r10-8], %r1", make(0xdb, 10, 1, -8, atomic_add));
    expect_one("lock fetch add32 [%r10-4], %r1", make(0xc3, 10, 1, -4, atomic_add | atomic_fetch));
    expect_one("lock fetch xor [%r10-8], %r3", make(0xdb, 10, 3, -8, atomic_xor | atomic_fetch));
    expect_one("lock xchg32 [%r10-8], %r1", make(0xc3, 10, 1, -8, atomic_xchg));
    expect_one("lock cmpxchg [%r10-8], %r1", make(0xdb, 10, 1, -8, atomic_cmpxchg));
}

TEST(Assembler, Lddw) {
    auto code = ok("lddw %r0, 0x1122334455667788");
    ASSERT_EQ(code.size(), 2u);
    EXPECT_TRUE(same(code[0], make(0x18, 0, 0, 0, 0x55667788)));
    EXPECT_TRUE(same(code[1], make(0x00, 0, 0, 0, 0x11223344)));
    code = ok("lddw %r1, -2");
    EXPECT_EQ(code[0].imm, -2);
    EXPECT_EQ(code[1].imm, -1);
    code = ok("lddw %r2, rodata+16");
    EXPECT_TRUE(same(code[0], make(0x18, 2, pseudo_rodata, 0, 16)));
}

TEST(Assembler, JumpsLabelsAndCalls) {
    auto code = ok(R"(
        mov %r0, 0          # comment
        jeq %r1, 2, +3
        jne32 %r1, %r2, done
        ja32 done
        call 1
    done:
        call local func
        exit
    func: mov %r0, 7
        exit
    )");
    ASSERT_EQ(code.size(), 9u);
    EXPECT_TRUE(same(code[1], make(0x15, 1, 0, 3, 2)));
    EXPECT_TRUE(same(code[2], make(0x5e, 1, 2, 2)));
    EXPECT_TRUE(same(code[3], make(0x06, 0, 0, 0, 1)));
    EXPECT_TRUE(same(code[4], make(0x85, 0, 0, 0, 1)));
    EXPECT_TRUE(same(code[5], make(0x85, 0, pseudo_call, 0, 1)));
    EXPECT_TRUE(same(code[6], make(0x95)));
    // "exit" names the first exit instruction unless a label says otherwise.
    code = ok("jeq %r0, 0, exit\nmov %r0, 1\nexit\nexit\n");
    EXPECT_EQ(code[0].off, 1);
    code = ok("ja -1");
    EXPECT_EQ(code[0].off, -1);
}

TEST(Assembler, Errors) {
    struct Case {
        const char* text;
        const char* fragment;
    };
    const Case cases[] = {
        {"mov %r11, 1", "line 1: '%r11' is not a register"},
        {"exit\nmov32 %r0, 2147483648", "line 2: '2147483648' is not a 32-bit immediate"},
        {"mov32 %r0, 0x100000000", "not a 32-bit immediate"},
        {"ldxw %r0, [%r1+40000]", "not a memory operand"},
        {"ldxb %r0, %r1", "not a memory operand"},
        {"ja nowhere", "no label 'nowhere'"},
        {"a:\na:\nexit", "line 2: label 'a' defined twice"},
        {"frobnicate %r0", "unknown mnemonic 'frobnicate'"},
        {"add %r0", "add takes 2 operands, got 1"},
        {"exit %r0", "exit takes no operand"},
        {"lock or [%r10-8]", "lock takes 2 operands"},
        {"lock fetch xchg [%r10-8], %r1", "always fetches"},
        {"call %r2", "indirect calls"},
        {"movsx3232 %r0, %r1", "unknown mnemonic"},
        {"ldxsdw %r0, [%r1]", "unknown mnemonic"},
    };
    for (const Case& c : cases) {
        AsmResult r = assemble(c.text);
        EXPECT_TRUE(r.code.empty()) << c.text;
        EXPECT_NE(r.error.find(c.fragment), std::string::npos) << c.text << " -> " << r.error;
    }
}

// Every encoding RFC 9669 defines (that this machine runs), with arbitrary
// register and field values where the encoding uses them.
std::vector<Insn> valid_encodings() {
    std::vector<Insn> out;
    const std::uint8_t alu_all[] = {alu_add, alu_sub, alu_mul, alu_div, alu_or,  alu_and,
                                    alu_lsh, alu_rsh, alu_mod, alu_xor, alu_mov, alu_arsh};
    for (std::uint8_t c : {cls_alu, cls_alu64}) {
        for (std::uint8_t o : alu_all) {
            out.push_back(make(c | o | src_k, 3, 0, 0, -7));
            out.push_back(make(c | o | src_x, 3, 9, 0, 0));
            if (o == alu_div || o == alu_mod) {
                out.push_back(make(c | o | src_k, 3, 0, 1, 5));
                out.push_back(make(c | o | src_x, 3, 4, 1, 0));
            }
        }
        out.push_back(make(c | alu_neg, 5));
        out.push_back(make(c | alu_mov | src_x, 1, 2, 8));
        out.push_back(make(c | alu_mov | src_x, 1, 2, 16));
        for (std::int32_t w : {16, 32, 64}) out.push_back(make(c | alu_end, 2, 0, 0, w));
    }
    out.push_back(make(cls_alu64 | alu_mov | src_x, 1, 2, 32));
    for (std::int32_t w : {16, 32, 64}) out.push_back(make(cls_alu | alu_end | src_x, 2, 0, 0, w));
    const std::uint8_t jmp_all[] = {jmp_jeq, jmp_jgt,  jmp_jge, jmp_jset, jmp_jne,  jmp_jsgt,
                                    jmp_jsge, jmp_jlt, jmp_jle, jmp_jslt, jmp_jsle};
    for (std::uint8_t c : {cls_jmp, cls_jmp32}) {
        for (std::uint8_t o : jmp_all) {
            out.push_back(make(c | o | src_k, 4, 0, -3, 0x7fffffff));
            out.push_back(make(c | o | src_x, 4, 7, 12, 0));
        }
    }
    out.push_back(make(cls_jmp | jmp_ja, 0, 0, -32768));
    out.push_back(make(cls_jmp32 | jmp_ja, 0, 0, 0, 100000));
    out.push_back(make(op_call, 0, 0, 0, 3));
    out.push_back(make(op_call, 0, pseudo_call, 0, -20));
    out.push_back(make(op_exit));
    for (std::uint8_t s : {size_b, size_h, size_w, size_dw}) {
        out.push_back(make(cls_ldx | mode_mem | s, 1, 10, -8));
        out.push_back(make(cls_st | mode_mem | s, 10, 0, -8, -1));
        out.push_back(make(cls_stx | mode_mem | s, 10, 6, 32767));
        if (s != size_dw) out.push_back(make(cls_ldx | mode_memsx | s, 1, 2, 3));
    }
    for (std::uint8_t s : {size_w, size_dw}) {
        for (std::int32_t a : {atomic_add, atomic_or, atomic_and, atomic_xor}) {
            out.push_back(make(cls_stx | mode_atomic | s, 1, 2, 4, a));
            out.push_back(make(cls_stx | mode_atomic | s, 1, 2, 4, a | atomic_fetch));
        }
        out.push_back(make(cls_stx | mode_atomic | s, 1, 2, 4, atomic_xchg));
        out.push_back(make(cls_stx | mode_atomic | s, 1, 2, 4, atomic_cmpxchg));
    }
    return out;
}

TEST(Disassembler, EveryValidEncodingRoundTrips) {
    for (const Insn& i : valid_encodings()) {
        const std::string text = disassemble(i);
        ASSERT_EQ(text.find("<invalid"), std::string::npos) << "code 0x" << std::hex << int(i.code);
        AsmResult back = assemble(text);
        ASSERT_EQ(back.error, "") << text;
        ASSERT_EQ(back.code.size(), 1u) << text;
        EXPECT_TRUE(same(back.code[0], i)) << text;
    }
}

TEST(Disassembler, Lddw) {
    auto code = ok("lddw %r3, 0xfedcba9876543210");
    EXPECT_EQ(disassemble(code, 0), "lddw %r3, 0xfedcba9876543210");
    code = ok("lddw %r3, rodata+24");
    EXPECT_EQ(disassemble(code, 0), "lddw %r3, rodata+24");
    EXPECT_EQ(disassemble_program(ok("lddw %r0, 1\nexit")), "0: lddw %r0, 0x1\n2: exit\n");
}

TEST(Disassembler, NonCanonicalEncodingsShowTheirFields) {
    const Insn bad[] = {
        make(0x04, 0, 1, 0, 1),                      // add32 imm with a source register
        make(0x0f, 0, 1, 5),                         // add with an offset
        make(0xbf, 0, 1, 7),                         // movsx of 7 bits
        make(0xdf, 0, 0, 0, 16),                     // bswap with the source bit
        make(0xd4, 0, 0, 0, 8),                      // le8
        make(0x95, 1),                               // exit with a register
        make(0x20),                                  // legacy packet load
        make(0xdb, 1, 2, 0, 0x02),                   // unknown atomic operation
        make(0x99, 1, 2),                            // ldxsdw
        make(0xff),
    };
    for (const Insn& i : bad) {
        EXPECT_EQ(disassemble(i).rfind("<invalid", 0), 0u) << disassemble(i);
    }
}

}  // namespace
}  // namespace mempool::vm
