// jit_conformance_test.cpp: every tests/vm/conformance/*.data file through
// the JIT, in raw mode (R1 = a writable copy of the -- mem bytes, R2 = their
// count): R0 must be the file's -- result, and the memory the run leaves
// must be what the interpreter leaves. The files and their parser belong to
// the conformance suite (conformance_file.hpp); this runs the same cases on
// the other executor.
//
//   vm_jit_conformance_test --gtest_filter='*sdiv*'
#include "conformance_file.hpp"
#include "interpreter.hpp"
#include "jit_x86_64.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#ifndef MEMPOOL_CONFORMANCE_DIR
#error "MEMPOOL_CONFORMANCE_DIR must name tests/vm/conformance"
#endif

namespace mempool::vm {
namespace {

class JitConformance : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(JitConformance, MatchesResultAndInterpreter) {
    const conformance::Case c = conformance::load(GetParam());
    ASSERT_EQ(c.error, "") << GetParam();
    ASSERT_TRUE(c.result.has_value());
    const VerifiedProgram p = conformance::hand_verified(c.program, c.memory.size());

    for (bool short_jumps : {true, false}) {
        JitResult jit = jit_compile(p, {}, {.short_jumps = short_jumps});
        ASSERT_TRUE(jit.code.has_value()) << jit.error << "\n" << c.asm_text;

        std::vector<std::uint8_t> mem = c.memory;
        RunContext rc{.r1 = reinterpret_cast<std::uintptr_t>(mem.data()), .r2 = mem.size()};
        const std::uint64_t r0 = (*jit.code)(rc);
        EXPECT_FALSE(rc.aborted());
        EXPECT_EQ(conformance::hex(r0), conformance::hex(*c.result)) << c.asm_text;

        std::vector<std::uint8_t> mem_interp = c.memory;
        RunContext rc_interp{.r1 = reinterpret_cast<std::uintptr_t>(mem_interp.data()), .r2 = mem_interp.size()};
        EXPECT_EQ(conformance::hex(r0), conformance::hex(interpret(p, {}, rc_interp)));
        EXPECT_EQ(mem, mem_interp);
    }
}

std::vector<std::filesystem::path> suite_files() { return conformance::files_in(MEMPOOL_CONFORMANCE_DIR); }

INSTANTIATE_TEST_SUITE_P(Files, JitConformance, ::testing::ValuesIn(suite_files()),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& info) {
                             return conformance::test_name(info.param);
                         });

TEST(JitConformanceSuite, HasTheCases) { EXPECT_GE(suite_files().size(), 100u); }

}  // namespace
}  // namespace mempool::vm
