// xbgp_host_test.cpp: the xBGP host's data side (src/bgp/xbgp) without a
// plugin: layouts against the C header, a route's wire attributes from its
// canonical form and its pool, and the structures written into a heap.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <vector>

#include "path_attributes.hpp"
#include "rib_dump.hpp"
#include "xbgp/heap_objects.hpp"
#include "xbgp/layouts.hpp"
#include "xbgp/route_attributes.hpp"

extern "C" const std::size_t xbgp_probe_layout[];
extern "C" const std::size_t xbgp_probe_layout_count;

namespace {

using namespace mempool::bgp;
using namespace mempool::bgp::xbgp;

TEST(XbgpLayout, MirrorsMatchTheCHeader) {
    const std::size_t expected[] = {
        sizeof(PathAttributeHeader), offsetof(PathAttributeHeader, length), 8,
        sizeof(PeerInfo), offsetof(PeerInfo, peer_type), offsetof(PeerInfo, nexthop),
        offsetof(PeerInfo, nexthop) + offsetof(decltype(PeerInfo::nexthop), addr), offsetof(PeerInfo, addr),
        offsetof(PeerInfo, addr) + offsetof(decltype(PeerInfo::addr), addr), offsetof(PeerInfo, local_bgp_session),
        sizeof(UbpfPrefix), offsetof(UbpfPrefix, prefixlen), offsetof(UbpfPrefix, u),
        sizeof(UbpfNexthop), offsetof(UbpfNexthop, igp_metric),
        sizeof(RteInfo), offsetof(RteInfo, reason),
        sizeof(BgpRoute), offsetof(BgpRoute, attr_nb), offsetof(BgpRoute, attr), offsetof(BgpRoute, peer_info),
        offsetof(BgpRoute, route_info),
        kFilterReject, kFilterAccept, kFilterUnknown,
        kRouteTypeNew, kRouteTypeOld, kRouteTypeUnknown, kRouteTypeFail,
        kArgCode, kArgLength, kArgFlags, kArgData, kArgBgpRouteNew, kArgBgpRouteOld, kArgBgpPrefix,
    };
    ASSERT_EQ(xbgp_probe_layout_count, std::size(expected));
    for (std::size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(xbgp_probe_layout[i], expected[i]) << "entry " << i;
}

// A route: ORIGIN EGP, AS_PATH 65001 65002 {7,8}, NEXT_HOP 192.0.2.1,
// AGGREGATOR 65002 10.0.0.9, then MED 42 and an unknown optional transitive
// attribute 99 as received.
std::vector<std::uint8_t> sample_canonical() {
    PathAttributes a;
    a.has_origin = true;
    a.origin = 1;
    a.has_as_path = true;
    a.as_path.segments = {{kAsSequence, 2}, {kAsSet, 2}};
    a.as_path.asns = {65001, 65002, 7, 8};
    a.has_next_hop = true;
    a.next_hop.bytes = {192, 0, 2, 1};
    a.aggregator.present = true;
    a.aggregator.as = 65002;
    a.aggregator.ip = {10, 0, 0, 9};
    a.others = {0x80, 4, 4, 0, 0, 0, 42, 0xc0, 99, 3, 1, 2, 3};
    std::vector<std::uint8_t> out;
    canonical_attributes(a, Afi::ipv4, out);
    return out;
}

std::vector<std::uint8_t> bytes(Bytes b) { return {b.begin(), b.end()}; }

TEST(XbgpRouteAttributes, WireFormFromTheCanonicalForm) {
    const auto canonical = sample_canonical();
    RouteAttributes r;
    ASSERT_TRUE(r.build(canonical, nullptr));
    ASSERT_EQ(r.list().size(), 6u);
    const WireAttribute* origin = r.find(1);
    ASSERT_NE(origin, nullptr);
    EXPECT_EQ(origin->flags, 0x40);
    EXPECT_EQ(bytes(origin->value), (std::vector<std::uint8_t>{1}));
    const WireAttribute* path = r.find(2);
    ASSERT_NE(path, nullptr);
    EXPECT_EQ(bytes(path->value), (std::vector<std::uint8_t>{2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea,  //
                                                              1, 2, 0, 0, 0, 7, 0, 0, 0, 8}));
    EXPECT_EQ(bytes(r.find(3)->value), (std::vector<std::uint8_t>{192, 0, 2, 1}));
    EXPECT_EQ(r.find(7)->flags, 0xc0);
    EXPECT_EQ(bytes(r.find(7)->value), (std::vector<std::uint8_t>{0, 0, 0xfd, 0xea, 10, 0, 0, 9}));
    EXPECT_EQ(bytes(r.find(4)->value), (std::vector<std::uint8_t>{0, 0, 0, 42}));
    const WireAttribute* unknown = r.find(99);
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->flags, 0xc0);
    EXPECT_EQ(bytes(unknown->value), (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(r.find(8), nullptr);
}

TEST(XbgpRouteAttributes, LongSegmentsAreSplitAt255) {
    PathAttributes a;
    a.as_path.segments = {{kAsSequence, 300}};
    a.as_path.asns.assign(300, 1);
    std::vector<std::uint8_t> canonical;
    canonical_attributes(a, Afi::ipv4, canonical);
    RouteAttributes r;
    ASSERT_TRUE(r.build(canonical, nullptr));
    const WireAttribute* path = r.find(2);
    ASSERT_NE(path, nullptr);
    EXPECT_EQ(path->flags, 0x50);  // extended length: 2 + 255*4 + 2 + 45*4 bytes
    ASSERT_EQ(path->value.size(), 2u + 255 * 4 + 2 + 45 * 4);
    EXPECT_EQ(path->value[1], 255);
    EXPECT_EQ(path->value[2 + 255 * 4 + 1], 45);
    EXPECT_EQ(r.find(1), nullptr);  // no ORIGIN received: none shown
}

TEST(XbgpRouteAttributes, PluginAttributesOverrideAndAdd) {
    const auto canonical = sample_canonical();
    mempool::Pool pool;
    const std::uint8_t med[] = {0, 0, 0, 7};
    const std::uint8_t tag[] = {0xde, 0xad};
    ASSERT_TRUE(store_attribute(pool, 4, 0x80, med));
    ASSERT_TRUE(store_attribute(pool, 200, 0xc0, tag));
    ASSERT_TRUE(pool.set<std::uint64_t>(5, 17).has_value());  // not an attribute key: ignored
    RouteAttributes r;
    ASSERT_TRUE(r.build(canonical, &pool));
    EXPECT_EQ(r.list().size(), 7u);
    EXPECT_EQ(bytes(r.find(4)->value), (std::vector<std::uint8_t>{0, 0, 0, 7}));
    EXPECT_EQ(r.find(200)->flags, 0xc0);
    EXPECT_EQ(bytes(r.find(200)->value), (std::vector<std::uint8_t>{0xde, 0xad}));
    // Replacing keeps one entry per code.
    const std::uint8_t med2[] = {0, 0, 0, 9};
    ASSERT_TRUE(store_attribute(pool, 4, 0x80, med2));
    ASSERT_TRUE(r.build(canonical, &pool));
    EXPECT_EQ(r.list().size(), 7u);
    EXPECT_EQ(bytes(r.find(4)->value), (std::vector<std::uint8_t>{0, 0, 0, 9}));
}

TEST(XbgpRouteAttributes, RefusesWhatIsNotACanonicalForm) {
    const std::uint8_t junk[] = {0, 4, 1};
    RouteAttributes r;
    EXPECT_FALSE(r.build(junk, nullptr));
    EXPECT_TRUE(r.list().empty());
}

// A heap for the writers: a bump allocator over one buffer.
struct TestHeap {
    alignas(16) std::uint8_t buf[4096]{};
    std::size_t top = 0;
    static void* alloc(void* s, std::size_t n) {
        auto* h = static_cast<TestHeap*>(s);
        const std::size_t need = (n + 7) & ~std::size_t{7};
        if (need > sizeof h->buf - h->top) return nullptr;
        void* p = h->buf + h->top;
        h->top += need;
        return p;
    }
    HeapAlloc allocator() { return HeapAlloc{&alloc, this}; }
    bool inside(const void* p, std::size_t n) const {
        auto* b = static_cast<const std::uint8_t*>(p);
        return b >= buf && b + n <= buf + sizeof buf;
    }
};

TEST(XbgpHeapObjects, PeerInfoWithTheLocalSpeaker) {
    TestHeap heap;
    PeerData peer{3333, {}, 0xc1000001u, kEbgpSession};
    peer.ip.bytes = {193, 0, 0, 56};
    PeerData local{12654, {}, 0x0a000001u, kLocalSession};
    local.ip.afi = Afi::ipv6;
    local.ip.bytes = {0x20, 0x01, 0x0d, 0xb8};
    PeerInfo* p = write_peer_info(heap.allocator(), peer, &local);
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(heap.inside(p, sizeof *p));
    EXPECT_EQ(p->as, 3333u);
    EXPECT_EQ(ntohl(p->router_id), 0xc1000001u);
    EXPECT_EQ(p->peer_type, kEbgpSession);
    EXPECT_EQ(p->addr.af, AF_INET);
    EXPECT_EQ(p->addr.addr[0], 193);
    EXPECT_EQ(p->addr.addr[3], 56);
    ASSERT_NE(p->local_bgp_session, nullptr);
    ASSERT_TRUE(heap.inside(p->local_bgp_session, sizeof(PeerInfo)));
    EXPECT_EQ(p->local_bgp_session->as, 12654u);
    EXPECT_EQ(p->local_bgp_session->peer_type, kLocalSession);
    EXPECT_EQ(p->local_bgp_session->addr.af, AF_INET6);
    EXPECT_EQ(p->local_bgp_session->local_bgp_session, nullptr);
}

TEST(XbgpHeapObjects, BgpRouteWithItsAttributeArray) {
    TestHeap heap;
    const auto canonical = sample_canonical();
    RouteAttributes attrs;
    ASSERT_TRUE(attrs.build(canonical, nullptr));
    Prefix pfx;
    pfx.afi = Afi::ipv6;
    pfx.len = 32;
    pfx.addr = {0x20, 0x01, 0x0d, 0xb8};
    PeerData peer{65001, {}, 1, kEbgpSession};
    BgpRoute* r = write_bgp_route(heap.allocator(), pfx, attrs.list(), peer, nullptr, 90);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->pfx.afi, 2);
    EXPECT_EQ(r->pfx.safi, 1);
    EXPECT_EQ(r->pfx.prefixlen, 32);
    EXPECT_EQ(r->pfx.u[1], 0x01);
    ASSERT_EQ(r->attr_nb, 6);
    ASSERT_TRUE(heap.inside(r->attr, 6 * sizeof(void*)));
    for (int i = 0; i < r->attr_nb; ++i) {
        const PathAttributeHeader* a = r->attr[i];
        ASSERT_TRUE(heap.inside(a, sizeof *a + a->length));
        EXPECT_EQ(a->code, attrs.list()[static_cast<std::size_t>(i)].code);
        EXPECT_EQ(0, std::memcmp(reinterpret_cast<const std::uint8_t*>(a) + 8,
                                 attrs.list()[static_cast<std::size_t>(i)].value.data(), a->length));
    }
    ASSERT_NE(r->peer_info, nullptr);
    EXPECT_EQ(r->peer_info->as, 65001u);
    EXPECT_EQ(r->peer_info->local_bgp_session, nullptr);
    EXPECT_EQ(r->route_info.uptime, 90);
    EXPECT_EQ(r->route_info.type, kRouteSourceBgp);
    EXPECT_EQ(r->route_info.reason, kSelectionNone);
}

// get_nexthop's answer: a next hop that is the peer itself is directly
// connected (type 2, metric 0); any other cannot be resolved in a replay
// (0xff, BIRD's unknown metric). IPv6 next hops of 32 bytes compare their
// global address; an IPv4 next hop never matches an IPv6 peer.
TEST(XbgpHeapObjects, TheNextHopIsConnectedOnlyWhenItIsThePeer) {
    IpAddress v4;
    v4.bytes = {192, 0, 2, 1};
    const std::uint8_t same4[4] = {192, 0, 2, 1}, other4[4] = {192, 0, 2, 7};
    NexthopData d = resolve_nexthop(same4, v4);
    EXPECT_EQ(d.route_type, kRouteSourceConnected);
    EXPECT_EQ(d.igp_metric, 0u);
    d = resolve_nexthop(other4, v4);
    EXPECT_EQ(d.route_type, kNexthopUnresolved);
    EXPECT_EQ(d.igp_metric, kIgpMetricUnknown);
    EXPECT_EQ(resolve_nexthop(Bytes(), v4).route_type, kNexthopUnresolved);

    IpAddress v6;
    v6.afi = Afi::ipv6;
    v6.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::uint8_t global_and_link_local[32] = {};
    std::memcpy(global_and_link_local, v6.bytes.data(), 16);
    global_and_link_local[16] = 0xfe;
    global_and_link_local[17] = 0x80;
    EXPECT_EQ(resolve_nexthop(global_and_link_local, v6).route_type, kRouteSourceConnected);
    EXPECT_EQ(resolve_nexthop(Bytes(global_and_link_local, 16), v6).igp_metric, 0u);
    EXPECT_EQ(resolve_nexthop(same4, v6).route_type, kNexthopUnresolved);

    TestHeap heap;
    UbpfNexthop* n = write_nexthop(heap.allocator(), resolve_nexthop(same4, v4));
    ASSERT_NE(n, nullptr);
    ASSERT_TRUE(heap.inside(n, sizeof *n));
    EXPECT_EQ(n->route_type, 2u);
    EXPECT_EQ(n->igp_metric, 0u);
    RteInfo* info = write_route_info(heap.allocator(), 0, kSelectionNone);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->type, 9u);  // FRR's ZEBRA_ROUTE_BGP
    EXPECT_EQ(info->uptime, 0);
    EXPECT_EQ(info->reason, 0u);
}

// RouteAttributes keeps the canonical form's next hop: NEXT_HOP's 4 bytes.
TEST(XbgpRouteAttributes, TheNextHopOfTheCanonicalForm) {
    const std::vector<std::uint8_t> canonical = sample_canonical();
    RouteAttributes attrs;
    ASSERT_TRUE(attrs.build(canonical, nullptr));
    ASSERT_EQ(attrs.next_hop().size(), 4u);
    EXPECT_EQ(attrs.next_hop()[0], 192);
    EXPECT_EQ(attrs.next_hop()[3], 1);
}

TEST(XbgpHeapObjects, AnExhaustedHeapGivesNull) {
    TestHeap heap;
    heap.top = sizeof heap.buf - 16;  // room for 16 bytes only
    const std::uint8_t value[20] = {};
    EXPECT_EQ(write_attribute(heap.allocator(), 8, 0xc0, value), nullptr);
    EXPECT_NE(write_attribute(heap.allocator(), 8, 0xc0, Bytes(value, 4)), nullptr);
    PeerData peer;
    EXPECT_EQ(write_peer_info(heap.allocator(), peer, nullptr), nullptr);
}

TEST(XbgpRibDump, JsonlShowsAttributesPluginsStored) {
    const auto canonical = sample_canonical();
    AttrSet set;
    set.bytes = std::make_unique<std::uint8_t[]>(canonical.size());
    std::memcpy(set.bytes.get(), canonical.data(), canonical.size());
    set.size = static_cast<std::uint32_t>(canonical.size());
    PrefixRoutes pr;
    pr.prefix.len = 24;
    pr.prefix.addr = {198, 51, 100};
    Route route;
    const std::uint8_t geo[] = {0x12, 0x34, 0x56};
    ASSERT_TRUE(store_attribute(route.pool, 42, 0xc0, geo));
    PeerIdentity peer;
    const nlohmann::json j = route_json(pr, route, peer, set, true);
    ASSERT_TRUE(j.contains("plugin_attributes"));
    EXPECT_EQ(j["plugin_attributes"].dump(), R"([{"code":42,"flags":192,"value":"123456"}])");
    EXPECT_EQ(j["attributes"]["med"], 42);  // what was received, unchanged
    Route plain;
    EXPECT_FALSE(route_json(pr, plain, peer, set, true).contains("plugin_attributes"));
}

}  // namespace
