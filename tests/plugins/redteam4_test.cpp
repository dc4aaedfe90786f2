// redteam4_test.cpp: the fourth red-team pass's attacks that held, kept as
// regression tests: the xBGP helpers over mempool-bgp's data (src/bgp/xbgp,
// src/plugins/xbgp) and the manifest loaders. The holes found are in
// redteam4_holes_test.cpp.
#include "redteam4_support.hpp"

namespace mempool::test::redteam4 {
namespace {

using Redteam4Held = Redteam4Bgp;

using Redteam4RuntimeHeld = Redteam4Runtime;

// Attack: a string argument (str_in) that starts at a stack slot holding a
// pointer the plugin spilled there: ebpf_bvsnprintf copies its formatted
// text back into the plugin's buffer, and ebpf_print writes it to the log,
// so a format made of a pointer's bytes would give them out. The helpers
// read a string only within RunContext::arg_room, which plugin_string takes
// as "not reported" when it is 0.
// Held: the verifier refuses the call (a string whose first byte may hold
// part of a pointer, invariant A), so a room of 0 never reaches a helper.
// Must hold: refused, or nothing of the pointer comes back.
TEST_P(Redteam4RuntimeHeld, AFormatStartingAtASpilledPointerGivesNothingOut) {
    for (const char* section : {"r4/format_is_a_pointer", "r4/print_format_is_a_pointer"}) {
        std::string why;
        const PointId p = try_alone(section, &why);
        if (!p.valid()) {
            EXPECT_NE(why.find("may hold part of a pointer"), std::string::npos) << why;
            continue;
        }
        const RunResult r = rt->run(p, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        if (std::string(section) == "r4/format_is_a_pointer") EXPECT_EQ(r.value, 0u) << section;
        else EXPECT_EQ(r.value, ~std::uint64_t{0}) << section;
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, Redteam4RuntimeHeld, ::testing::Bool(), ::mempool::test::mode_name);

INSTANTIATE_TEST_SUITE_P(Modes, Redteam4Held, ::testing::Bool(), mode_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Redteam4Held);

}  // namespace
}  // namespace mempool::test::redteam4
