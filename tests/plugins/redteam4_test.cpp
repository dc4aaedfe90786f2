// redteam4_test.cpp: the fourth red-team pass's attacks that held, kept as
// regression tests: the xBGP helpers over mempool-bgp's data (src/bgp/xbgp,
// src/plugins/xbgp) and the manifest loaders. The holes found are in
// redteam4_holes_test.cpp.
#include "redteam4_support.hpp"

namespace mempool::test::redteam4 {
namespace {

using Redteam4Held = Redteam4Bgp;

INSTANTIATE_TEST_SUITE_P(Modes, Redteam4Held, ::testing::Bool(), mode_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Redteam4Held);

}  // namespace
}  // namespace mempool::test::redteam4
