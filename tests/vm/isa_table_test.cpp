// isa_table_test.cpp: plainly_valid(), the verifier's fast path over
// encodings, against encoding_problem(), which holds the rules.
#include "isa_table.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>

namespace mempool::vm {
namespace {

// Every opcode byte with every register byte and the offsets and immediates
// the rules tell apart: what the fast path accepts, the rules accept.
TEST(IsaTable, PlainlyValidAcceptsNothingEncodingProblemRefuses) {
    const std::int16_t offs[] = {0, 1, -1, 7, 8, 16, 32, INT16_MIN};
    const std::int32_t imms[] = {0, 1, -1, 16, 32, 64, isa::atomic_add, isa::atomic_or | isa::atomic_fetch,
                                 isa::atomic_xchg, isa::atomic_cmpxchg, 0x1000, INT32_MIN};
    std::size_t plain = 0, wrong = 0;
    for (unsigned code = 0; code < 256; ++code)
        for (unsigned regs = 0; regs < 256; ++regs)
            for (std::int16_t off : offs)
                for (std::int32_t imm : imms) {
                    const Insn in{static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(regs), off, imm};
                    if (!plainly_valid(in)) continue;
                    ++plain;
                    if (encoding_problem(in) && ++wrong <= 5)
                        ADD_FAILURE() << "plainly valid but refused: code " << code << " regs " << regs << " off "
                                      << off << " imm " << imm << ": " << describe(in, encoding_problem(in));
                }
    EXPECT_EQ(wrong, 0u);
    EXPECT_GT(plain, 0u);
}

// The forms a compiled plugin is made of take the fast path.
TEST(IsaTable, CommonFormsArePlain) {
    using namespace isa;
    const Insn common[] = {
        {cls_alu64 | alu_add | src_x, 0x21, 0, 0},   // add r1, r2
        {cls_alu64 | alu_add | src_k, 0x01, 0, -8},  // add r1, -8
        {cls_alu | alu_mov | src_k, 0x00, 0, 5},     // mov32 r0, 5
        {cls_alu64 | alu_mov | src_x, 0xa1, 0, 0},   // mov r1, r10
        {cls_jmp | jmp_jeq | src_k, 0x01, 3, 7},     // jeq r1, 7, +3
        {cls_jmp | jmp_jgt | src_x, 0x21, -4, 0},    // jgt r1, r2, -4
        {cls_jmp | jmp_ja, 0x00, 2, 0},              // ja +2
        {op_call, 0x00, 0, 12},                      // call 12
        {op_exit, 0x00, 0, 0},                       // exit
        {op_lddw, 0x01, 0, 42},                      // lddw r1, 42
        {cls_ldx | mode_mem | size_w, 0x61, 4, 0},   // ldxw r1, [r6+4]
        {cls_stx | mode_mem | size_dw, 0x1a, -8, 0}, // stxdw [r10-8], r1
        {cls_st | mode_mem | size_b, 0x0a, -1, 9},   // stb [r10-1], 9
    };
    for (const Insn& in : common) {
        EXPECT_TRUE(plainly_valid(in)) << "code " << unsigned{in.code};
        EXPECT_FALSE(encoding_problem(in));
    }
}

}  // namespace
}  // namespace mempool::vm
