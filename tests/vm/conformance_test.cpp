// conformance_test.cpp: every tests/vm/conformance/*.data file, run in raw
// mode (R1 = a writable copy of the -- mem bytes, R2 = their count) under the
// interpreter and under the checked interpreter, R0 compared with -- result;
// the checked run must find no violation and leave the same memory.
//
// One test per file, named after it: `vm_conformance_test
// --gtest_filter='*sdiv64*'` runs a family. The files and their format are
// described in tests/vm/conformance/README.md and conformance_file.hpp.
#include "checked_interpreter.hpp"
#include "conformance_file.hpp"
#include "interpreter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#ifndef MEMPOOL_CONFORMANCE_DIR
#error "MEMPOOL_CONFORMANCE_DIR must name tests/vm/conformance"
#endif

namespace mempool::vm {
namespace {

class Conformance : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(Conformance, Interpreter) {
    const conformance::Case c = conformance::load(GetParam());
    ASSERT_EQ(c.error, "") << GetParam();
    ASSERT_TRUE(c.result.has_value()) << "our suite has no -- error cases";
    const VerifiedProgram p = conformance::hand_verified(c.program, c.memory.size());

    std::vector<std::uint8_t> mem = c.memory;
    RunContext rc;
    rc.r1 = reinterpret_cast<std::uintptr_t>(mem.data());
    rc.r2 = mem.size();
    const std::uint64_t r0 = interpret(p, {}, rc);
    EXPECT_FALSE(rc.aborted()) << "aborted at pc " << rc.abort_pc;
    EXPECT_EQ(conformance::hex(r0), conformance::hex(*c.result)) << c.asm_text;

    std::vector<std::uint8_t> mem_checked = c.memory;
    RunContext rc_checked;
    rc_checked.r1 = reinterpret_cast<std::uintptr_t>(mem_checked.data());
    rc_checked.r2 = mem_checked.size();
    const CheckedResult checked = interpret_checked(p, {}, rc_checked, mem_checked.size());
    EXPECT_FALSE(checked.violation.has_value()) << checked.violation->to_string() << "\n" << c.asm_text;
    EXPECT_EQ(conformance::hex(checked.value), conformance::hex(*c.result));
    EXPECT_GT(checked.executed, 0u);
    EXPECT_EQ(mem_checked, mem);
}

std::vector<std::filesystem::path> suite_files() { return conformance::files_in(MEMPOOL_CONFORMANCE_DIR); }

INSTANTIATE_TEST_SUITE_P(Files, Conformance, ::testing::ValuesIn(suite_files()),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& info) {
                             return conformance::test_name(info.param);
                         });

TEST(ConformanceSuite, HasTheCases) {
    // Guards against an empty or misplaced folder passing silently.
    EXPECT_GE(suite_files().size(), 100u);
}

}  // namespace
}  // namespace mempool::vm
