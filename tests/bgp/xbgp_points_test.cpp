// xbgp_points_test.cpp: mempool-bgp's receiving points (src/bgp/xbgp) with
// the runtime, driven event by event as the replay drives them, and probe
// plugins of their own (tests/bgp/xbgp_probes): what bgp_decode_attr's
// result does to the attributes its plugin added, and helper calls that
// fail, counted per kind for the plugin (Program::helper_failures) and for
// the run (RunResult::helper_failures). JIT and interpreter.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <mempool/runtime.hpp>

#include "path_attributes.hpp"
#include "xbgp/call_context.hpp"
#include "report.hpp"
#include "xbgp/layouts.hpp"
#include "xbgp/plugin_figures.hpp"
#include "xbgp/route_attributes.hpp"
#include "xbgp/xbgp_points.hpp"

namespace {

using namespace mempool::bgp;
using namespace mempool::bgp::xbgp;
using mempool::HelperFailure;

const std::string kProbes = MEMPOOL_XBGP_POINTS_PROBES;

class XbgpPointsTest : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        mempool::RuntimeOptions o;
        o.jit = GetParam();
        o.xbgp_helpers = true;
        rt = std::make_unique<mempool::Runtime>(o);
        points = std::make_unique<XbgpPoints>(*rt);
        PeerIdentity peer;
        peer.ip.bytes = {192, 0, 2, 1};
        peer.as = 65001;
        peers.push_back(peer);
        points->set_peers(&peers);
        // ORIGIN IGP, AS_PATH 65001, NEXT_HOP 192.0.2.1.
        PathAttributes a;
        a.has_origin = true;
        a.has_as_path = true;
        a.as_path.segments = {{kAsSequence, 1}};
        a.as_path.asns = {65001};
        a.has_next_hop = true;
        a.next_hop.bytes = {192, 0, 2, 1};
        canonical_attributes(a, Afi::ipv4, canonical);
    }

    void load(const std::string& manifest) {
        const mempool::ManifestReport r = rt->load_manifest(kProbes + "/" + manifest);
        ASSERT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].to_string());
        for (const auto& p : rt->attached_plugins()) EXPECT_EQ(p.program->jitted(), GetParam()) << p.program->name();
    }
    const mempool::Program& plugin(const std::string& name) {
        for (const auto& p : rt->attached_plugins())
            if (p.program->name() == name) return *p.program;
        ADD_FAILURE() << name << " is not attached";
        return *rt->attached_plugins().at(0).program;
    }

    // The route `prefix` from peer 0 through the inbound filters, its pool kept.
    bool announce(const Prefix& prefix, mempool::Pool& pool) {
        const std::uint32_t path[] = {65001};
        const RouteEvent e{prefix, 0, 0, path, 1, 0, peers[0].ip, pool, canonical};
        return points->accept_route(e);
    }

    std::unique_ptr<mempool::Runtime> rt;
    std::unique_ptr<XbgpPoints> points;
    std::vector<PeerIdentity> peers;
    std::vector<std::uint8_t> canonical;
};

Prefix prefix_of_length(std::uint8_t len) {
    Prefix p;
    p.addr[0] = 10;
    p.len = len;
    return p;
}

// The value a plugin stored for attribute `code` in `pool` (flags first),
// or empty.
std::vector<std::uint8_t> stored(const mempool::Pool& pool, std::uint8_t code) {
    for (const mempool::EntryView& e : pool) {
        WireAttribute a;
        if (e.kind == mempool::Kind::value && stored_attribute(e.key, e.bytes, a) && a.code == code) {
            std::vector<std::uint8_t> v{a.flags};
            v.insert(v.end(), a.value.begin(), a.value.end());
            return v;
        }
    }
    return {};
}

// libxbgp hosts (xbgp_bird) run their own decoding when a bgp_decode_attr
// plugin returns EXIT_FAILURE or fails; otherwise the plugin's decoding
// (what it add_attr'd) is kept, also when it hands over with next().
TEST_P(XbgpPointsTest, DecodeAttrKeepsADecodingAndDropsAFailedOne) {
    load("decode_custom.plugin");
    const std::uint8_t field[] = {
        0x40, 1, 1, 0,        // ORIGIN IGP: next(), nothing added
        0xc0, 99, 1, 5,       // decoded: attribute 200 = 6
        0xc0, 98, 1, 1,       // attribute 201 added, then EXIT_FAILURE
        0xc0, 97, 1, 1,       // attribute 202 = 7 added, then next()
    };
    points->attributes_received(AttributesEvent{0, field, 1192460700, 0});
    const mempool::Program& p = plugin("decode_custom/decode_custom");
    EXPECT_EQ(p.failures(), 1u);  // the EXIT_FAILURE, refused by the point's check
    mempool::Pool pool;
    const Prefix prefix = prefix_of_length(8);
    EXPECT_TRUE(announce(prefix, pool));
    EXPECT_EQ(stored(pool, 200), (std::vector<std::uint8_t>{0xc0, 6}));
    EXPECT_TRUE(stored(pool, 201).empty()) << "a failed decoding's attribute reached the route";
    EXPECT_EQ(stored(pool, 202), (std::vector<std::uint8_t>{0xc0, 7}));
    // The next message starts afresh.
    const std::uint8_t origin_only[] = {0x40, 1, 1, 0};
    points->attributes_received(AttributesEvent{0, origin_only, 1192460701, 0});
    mempool::Pool next_pool;
    EXPECT_TRUE(announce(prefix, next_pool));
    for (std::uint8_t code : {200, 201, 202}) EXPECT_TRUE(stored(next_pool, code).empty()) << int(code);
    EXPECT_EQ(next_pool.size(), 0u);
}

// One kind per route (failing_helpers.c picks by prefix length); each
// failed call is counted for the plugin, by kind.
TEST_P(XbgpPointsTest, FailedHelperCallsAreCountedByKind) {
    load("failing_helpers.plugin");
    const mempool::Program& p = plugin("failing_helpers/failing_helpers");
    auto counts = [&] {
        return std::vector<std::uint64_t>{p.helper_failures(HelperFailure::bad_argument),
                                          p.helper_failures(HelperFailure::refused),
                                          p.helper_failures(HelperFailure::heap_exhausted)};
    };
    mempool::Pool pool;
    EXPECT_TRUE(announce(prefix_of_length(32), pool));  // nothing fails
    EXPECT_EQ(counts(), (std::vector<std::uint64_t>{0, 0, 0}));
    EXPECT_TRUE(announce(prefix_of_length(8), pool));   // bad arguments
    EXPECT_EQ(counts(), (std::vector<std::uint64_t>{2, 0, 0}));
    EXPECT_TRUE(announce(prefix_of_length(16), pool));  // refused
    EXPECT_EQ(counts(), (std::vector<std::uint64_t>{2, 2, 0}));
    EXPECT_TRUE(announce(prefix_of_length(24), pool));  // heap exhausted
    EXPECT_EQ(counts(), (std::vector<std::uint64_t>{2, 2, 1}));
    EXPECT_EQ(p.helper_failures(), 5u);
    EXPECT_EQ(p.failures(), 0u);  // the plugin's result was used each time
    EXPECT_STREQ(mempool::helper_failure_name(HelperFailure::heap_exhausted), "heap_exhausted");

    // The replay's report shows them, per plugin.
    ReplayReport report;
    report.plugin_figures = plugin_figures(*rt);
    ASSERT_EQ(report.plugin_figures.size(), 1u);
    const PluginFigures& f = report.plugin_figures[0];
    EXPECT_EQ(f.name, "failing_helpers/failing_helpers");
    EXPECT_EQ(f.points, (std::vector<std::string>{"bgp_pre_inbound_filter (pre)"}));
    EXPECT_EQ(f.failed_helper_calls(), 5u);
    const nlohmann::json j = to_json(report)["plugin_figures"][0]["failed_helper_calls"];
    EXPECT_EQ(j, (nlohmann::json{{"bad_argument", 2}, {"refused", 2}, {"heap_exhausted", 1}}));
    EXPECT_NE(to_table(report).find("plugin failing_helpers/failing_helpers: 5 failed helper calls (2 bad argument, "
                                    "2 refused, 1 heap exhausted)"),
              std::string::npos)
        << to_table(report);
}

// RunResult::helper_failures: the run's own share, at the point itself.
TEST_P(XbgpPointsTest, TheRunResultCountsItsFailedHelperCalls) {
    load("failing_helpers.plugin");
    const mempool::PointId point = rt->find_point("bgp_pre_inbound_filter");
    std::vector<PeerData> peer_data(1);
    peer_data[0].ip = peers[0].ip;
    peer_data[0].as = 65001;
    RouteAttributes scratch;
    for (const auto& [len, want] : std::vector<std::pair<std::uint8_t, std::uint32_t>>{{32, 0}, {8, 2}, {16, 2}, {24, 1}}) {
        const Prefix prefix = prefix_of_length(len);
        mempool::Pool pool;
        RouteRef route{&prefix, 0, canonical, &pool, 0};
        CallContext ctx;
        ctx.route = &route;
        ctx.peers = peer_data;
        ctx.source_peer = 0;
        ctx.scratch = &scratch;
        mempool::CallScope scope;
        scope.user = &ctx;
        const mempool::RunResult r = rt->run(point, std::span<const mempool::Arg>(), scope);
        EXPECT_EQ(r.ran, 1u);
        EXPECT_EQ(r.helper_failures, want) << "/" << int(len);
        EXPECT_EQ(r.failed, 0u);
    }
    // Outside a run nothing is counted.
    mempool::note_helper_failure(HelperFailure::refused);
    EXPECT_EQ(plugin("failing_helpers/failing_helpers").helper_failures(), 5u);
}

// get_vrf: a replay is one table, the default VRF: 0, id 0 and no name
// (str_len 0), the name's bytes left as they were, whether the vrf_info is
// on the plugin's stack or in its heap (tests/bgp/xbgp_probes/vrf.c; the
// collection's alternate_routes.plugin calls it and was refused at load
// while mempool-bgp did not provide it).
TEST_P(XbgpPointsTest, GetVrfAnswersTheDefaultVrf) {
    load("vrf.plugin");
    mempool::Pool pool;
    EXPECT_TRUE(announce(prefix_of_length(24), pool)) << "the plugin rejected the route: get_vrf answered otherwise";
    EXPECT_EQ(plugin("vrf/vrf").failures(), 0u);
    EXPECT_EQ(plugin("vrf/vrf").helper_failures(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, XbgpPointsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "jit" : "interpreter"; });

}  // namespace
