// Plugins A (count_updates) and B (report_updates) from the specification,
// and C/D (path_metric, prefer_metric), in a small host that feeds them a
// stream of BGP message types for several peers, checked against figures
// computed independently here, under the JIT and the interpreter.
#include "test_support.hpp"

#include "bgp_plugins.h"

#include <map>
#include <random>

namespace mempool::test {
namespace {

class SpecPlugins : public ::testing::TestWithParam<bool> {
protected:
    SpecPlugins() : rt(options_for(GetParam())) {
        rt.set_global_pool(&global);
        message = rt.point("bgp_message");
        received = rt.point("route_received");
        compare = rt.point("route_compare");
        report = rt.point("peer_report");
        ManifestReport r = rt.load_manifest(shipped("plugins.json"));
        for (const PluginError& e : r.problems) ADD_FAILURE() << e.to_string();
    }
    Pool global;
    Runtime rt;
    PointId message, received, compare, report;
};

TEST_P(SpecPlugins, ACountsUpdatesPerPeerAndBDerivesTheShare) {
    constexpr std::uint32_t peers = 5;
    std::map<std::uint32_t, std::uint64_t> updates;
    std::uint64_t all = 0;
    std::mt19937 gen(20261126);
    std::uniform_int_distribution<int> type(1, 4), peer(0, peers - 1);
    for (std::uint64_t t = 0; t < 5000; ++t) {
        const auto ty = static_cast<std::uint8_t>(type(gen));
        const auto p = static_cast<std::uint32_t>(peer(gen) == 4 ? 4 : peer(gen) % 4);  // peer 4 rarer
        if (ty == BGP_MSG_UPDATE) {
            ++updates[p];
            ++all;
        }
        RunResult r = rt.run(message, {Arg::u8(ty), Arg::u32(p), Arg::u64(1700000000 + t)});
        ASSERT_EQ(r.ran, 1u);
        ASSERT_EQ(r.value, static_cast<std::uint64_t>(EXIT_SUCCESS));
    }
    // A peer that sent no UPDATE at all.
    EXPECT_EQ(rt.run(message, {Arg::u8(BGP_MSG_KEEPALIVE), Arg::u32(7), Arg::u64(1)}).value, 0u);

    EXPECT_EQ(global.get_u64(UPDATE_MSG_KEY).value_or(0), all);
    for (std::uint32_t p = 0; p < peers; ++p)
        EXPECT_EQ(global.get_u64(BGP_KEY(BGP_COUNTER_UPDATES, p)).value_or(0), updates[p]) << "peer " << p;
    EXPECT_FALSE(global.contains(BGP_KEY(BGP_COUNTER_UPDATES, 7)));

    for (std::uint32_t p : {0u, 1u, 2u, 3u, 4u, 7u}) {
        RunResult r = rt.run(report, {Arg::u32(p)});
        ASSERT_EQ(r.ran, 1u);
        EXPECT_EQ(r.value, static_cast<std::uint64_t>(EXIT_SUCCESS));
        const std::uint64_t expected = updates[p] * 1000 / all;
        EXPECT_EQ(global.get_u64(BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, p)).value_or(~0ull), expected) << "peer " << p;
    }
}

TEST_P(SpecPlugins, MalformedArgumentsFailWithoutCounting) {
    EXPECT_EQ(rt.run(message, {}).value, static_cast<std::uint64_t>(EXIT_FAILURE));
    EXPECT_EQ(rt.run(message, {Arg::u8(BGP_MSG_UPDATE)}).value, static_cast<std::uint64_t>(EXIT_FAILURE));
    EXPECT_EQ(rt.run(message, {Arg::u8(BGP_MSG_UPDATE), Arg::u32(1u << 24)}).value,
              static_cast<std::uint64_t>(EXIT_FAILURE));  // peer index beyond the key's 24 bits
    EXPECT_FALSE(global.contains(UPDATE_MSG_KEY));
    EXPECT_EQ(rt.run(report, {}).value, static_cast<std::uint64_t>(EXIT_FAILURE));
    // No UPDATE at all: B reports a share of 0, no division by zero.
    EXPECT_EQ(rt.run(report, {Arg::u32(3)}).value, static_cast<std::uint64_t>(EXIT_SUCCESS));
    EXPECT_EQ(global.get_u64(BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, 3)).value_or(~0ull), 0u);
}

TEST_P(SpecPlugins, ACountOverwritesInPlace) {
    for (int i = 0; i < 3; ++i) rt.run(message, {Arg::u8(BGP_MSG_UPDATE), Arg::u32(9), Arg::u64(0)});
    EXPECT_EQ(global.get_u64(UPDATE_MSG_KEY).value_or(0), 3u);  // not stuck at 1
}

TEST_P(SpecPlugins, CStoresTheMetricAndDPrefersTheLowerOne) {
    struct Route {
        std::uint32_t path_len;
        std::uint8_t origin;
        Pool attributes;
    };
    Route routes[4] = {{3, 0, {}}, {2, 2, {}}, {2, 2, {}}, {1, 1, {}}};
    for (Route& r : routes) {
        CallScope scope;
        scope.objects[MEMPOOL_OBJ_FIRST] = &r.attributes;
        RunResult res = rt.run(received, {Arg::u32(r.path_len), Arg::u8(r.origin), Arg::u32(0)}, scope);
        ASSERT_EQ(res.value, static_cast<std::uint64_t>(EXIT_SUCCESS));
        EXPECT_EQ(r.attributes.get_u64(ROUTE_ATTR_METRIC).value_or(0), 4u * r.path_len + r.origin);
    }
    auto prefer = [&](Route& a, Route& b) {
        CallScope scope;
        scope.objects[MEMPOOL_OBJ_FIRST] = &a.attributes;
        scope.objects[MEMPOOL_OBJ_SECOND] = &b.attributes;
        RunResult r = rt.run(compare, {}, scope);
        EXPECT_EQ(r.ran, 1u);
        return r.value;
    };
    EXPECT_EQ(prefer(routes[0], routes[1]), static_cast<std::uint64_t>(ROUTE_PREFER_SECOND));  // 12 vs 10
    EXPECT_EQ(prefer(routes[1], routes[0]), static_cast<std::uint64_t>(ROUTE_PREFER_FIRST));
    EXPECT_EQ(prefer(routes[1], routes[2]), static_cast<std::uint64_t>(ROUTE_PREFER_NONE));    // tie
    EXPECT_EQ(prefer(routes[3], routes[0]), static_cast<std::uint64_t>(ROUTE_PREFER_FIRST));   // 5 vs 12
    Route bare{0, 0, {}};
    EXPECT_EQ(prefer(routes[3], bare), static_cast<std::uint64_t>(ROUTE_PREFER_NONE));  // no metric
    // C refuses an origin outside 0..2.
    Route odd{1, 3, {}};
    CallScope scope;
    scope.objects[MEMPOOL_OBJ_FIRST] = &odd.attributes;
    EXPECT_EQ(rt.run(received, {Arg::u32(1), Arg::u8(3)}, scope).value, static_cast<std::uint64_t>(EXIT_FAILURE));
    EXPECT_TRUE(odd.attributes.empty());
}

// The specification's text of plugin A, compiled unchanged (probes/
// spec_plugin_a.c), counts UPDATEs: set_state overwrites, so the count
// does not stop at 1.
TEST_P(SpecPlugins, TheSpecificationsPluginACountsAsWritten) {
    Runtime host(options_for(GetParam()));
    Pool pool;
    host.set_global_pool(&pool);
    PointId p = attach_probe(host, probes("spec_plugin_a.o"), "plugin/main_plugin_A");
    const std::uint8_t stream[] = {1, 2, 4, 2, 2, 3, 4, 2, 4, 4, 2};
    for (std::uint8_t type : stream) EXPECT_EQ(host.run(p, {Arg::u8(type)}).value, 0u);
    EXPECT_EQ(pool.get_u64(2).value_or(0), 5u);
}

INSTANTIATE_TEST_SUITE_P(Modes, SpecPlugins, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
