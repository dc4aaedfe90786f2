// Adj-RIB-In, attribute interning and the built-in selection rule.
#include <gtest/gtest.h>

#include <algorithm>

#include "mrt_writer.hpp"
#include "rib.hpp"
#include "selection.hpp"

namespace mempool::bgp::test {
namespace {

static_assert(sizeof(mempool::Pool) == 8);
static_assert(sizeof(Route) == 24, "a route is 24 bytes: pool, attribute set, path id, peer");

AttrId intern(Rib& rib, std::uint8_t tag, std::uint32_t length = 2, std::uint8_t origin = 0) {
    const std::uint8_t bytes[2] = {tag, origin};
    return rib.attribute_store().intern(Bytes(bytes, 2), origin, length);
}

TEST(Rib, AnnounceReplacesWithdrawRemoves) {
    Rib rib;
    const Prefix p = parse_prefix("10.0.0.0/8");
    rib.announce(p, 0, 0, intern(rib, 1));
    EXPECT_EQ(rib.attribute_store().live(), 1u);
    Route& r = rib.announce(p, 0, 0, intern(rib, 2));  // replaces: set 1 released
    EXPECT_EQ(rib.attribute_store().live(), 1u);
    EXPECT_EQ(rib.peer_routes(0), 1u);
    EXPECT_TRUE(r.pool.empty());  // no allocation until something is stored
    rib.announce(p, 0, 5, intern(rib, 2));  // another add-path id: another route, shared set
    rib.announce(p, 1, 0, intern(rib, 2));
    EXPECT_EQ(rib.route_count(), 3u);
    EXPECT_EQ(rib.attribute_store().live(), 1u);
    EXPECT_EQ(rib.attribute_store()[rib.prefixes()[0].routes[0].path_attributes].refs, 3u);
    EXPECT_TRUE(rib.withdraw(p, 0, 5));
    EXPECT_FALSE(rib.withdraw(p, 0, 5));
    EXPECT_FALSE(rib.withdraw(parse_prefix("10.0.0.0/9"), 0, 0));
    EXPECT_EQ(rib.route_count(), 2u);
    EXPECT_EQ(rib.peer_routes(0), 1u);
}

TEST(Rib, FamiliesAndLengthsAreDistinctKeys) {
    Rib rib;
    rib.announce(parse_prefix("10.0.0.0/8"), 0, 0, intern(rib, 1));
    rib.announce(parse_prefix("10.0.0.0/16"), 0, 0, intern(rib, 1));
    rib.announce(parse_prefix("a00::/8"), 0, 0, intern(rib, 1));
    EXPECT_EQ(rib.prefix_count(), 3u);
}

TEST(Rib, ClearPeerRemovesOnlyItsRoutesAndFreesSets) {
    Rib rib;
    for (int i = 0; i < 5000; ++i) {
        Prefix p;
        p.afi = Afi::ipv4;
        p.len = 24;
        p.addr[0] = static_cast<std::uint8_t>(i >> 8);
        p.addr[1] = static_cast<std::uint8_t>(i);
        rib.announce(p, 0, 0, intern(rib, 1));
        rib.announce(p, 1, 0, intern(rib, 2));
        Route& r = rib.announce(p, 2, 0, intern(rib, 3));
        ASSERT_TRUE(r.pool.set<std::uint64_t>(1, 42).has_value());
    }
    EXPECT_EQ(rib.clear_peer(1), 5000u);
    EXPECT_EQ(rib.peer_routes(1), 0u);
    EXPECT_EQ(rib.peer_routes(0), 5000u);
    EXPECT_EQ(rib.attribute_store().live(), 2u);
    EXPECT_EQ(rib.clear_peer(2), 5000u);  // their pools are freed with them (ASan checks)
    EXPECT_EQ(rib.route_count(), 5000u);
}

TEST(Rib, ExpectedRoutesSizeANewRouteListOnce) {
    Rib rib;
    const AttrId set = intern(rib, 1);
    const auto announce = [&](const Prefix& p, std::uint32_t peer) {
        rib.attribute_store().ref(set);  // one reference per route
        rib.announce(p, peer, 0, set);
    };
    // Without a hint a list doubles from 2: 10 routes leave 16 slots.
    const Prefix p = parse_prefix("10.0.0.0/8");
    for (std::uint32_t peer = 0; peer < 10; ++peer) announce(p, peer);
    EXPECT_EQ(rib.prefixes()[0].routes.capacity(), 16u);
    // The hint of a TABLE_DUMP_V2 record: one allocation, exactly sized.
    const Prefix q = parse_prefix("10.1.0.0/16");
    rib.expect_routes(5);
    for (std::uint32_t peer = 0; peer < 5; ++peer) announce(q, peer);
    EXPECT_EQ(rib.prefixes()[1].routes.capacity(), 5u);
    // It sizes new lists only, and a list past it doubles as usual.
    announce(p, 10);
    EXPECT_EQ(rib.prefixes()[0].routes.capacity(), 16u);
    rib.expect_routes(0);
    announce(q, 5);
    EXPECT_EQ(rib.prefixes()[1].routes.capacity(), 10u);
    // A hint of 1 still gives 2, and no hint gives 2 again.
    rib.expect_routes(1);
    announce(parse_prefix("10.2.0.0/16"), 0);
    rib.expect_routes(0);
    announce(parse_prefix("10.3.0.0/16"), 0);
    EXPECT_EQ(rib.prefixes()[2].routes.capacity(), 2u);
    EXPECT_EQ(rib.prefixes()[3].routes.capacity(), 2u);
    EXPECT_EQ(rib.route_count(), 19u);
    EXPECT_EQ(rib.attribute_store()[set].refs, 1u + 19u);  // intern()'s own, one per route
}

TEST(Rib, ExpectedPeersStopTheDoublingAtThePeerCount) {
    Rib rib;
    const AttrId set = intern(rib, 1);
    const auto announce = [&](const Prefix& p, std::uint32_t peer, std::uint32_t path_id = 0) {
        rib.attribute_store().ref(set);  // one reference per route
        rib.announce(p, peer, path_id, set, path_id != 0);
    };
    rib.expect_peers(10);
    const Prefix p = parse_prefix("10.0.0.0/8");
    for (std::uint32_t peer = 0; peer < 10; ++peer) announce(p, peer);
    EXPECT_EQ(rib.prefixes()[0].routes.capacity(), 10u);  // 2, 4, 8, 10: not 16
    announce(p, 0, 7);  // add-path routes outgrow the peer count: doubling again
    EXPECT_EQ(rib.prefixes()[0].routes.capacity(), 20u);
    // A peer count past double the list does not enlarge it more than doubling.
    rib.expect_peers(100);
    const Prefix q = parse_prefix("10.1.0.0/16");
    for (std::uint32_t peer = 0; peer < 5; ++peer) announce(q, peer);
    EXPECT_EQ(rib.prefixes()[1].routes.capacity(), 8u);
    EXPECT_EQ(rib.route_count(), 16u);
}

TEST(AttrStore, InternFindsEqualBytesAcrossGrowthAndRemoval) {
    AttrStore store;
    std::vector<AttrId> ids;
    auto bytes_of = [](std::uint32_t n) {
        std::vector<std::uint8_t> b(5 + n % 37, static_cast<std::uint8_t>(n));
        b[0] = static_cast<std::uint8_t>(n >> 8);
        b[1] = static_cast<std::uint8_t>(n >> 16);
        return b;
    };
    for (std::uint32_t n = 0; n < 20000; ++n) {
        const auto b = bytes_of(n);
        ids.push_back(store.intern(Bytes(b), 0, n % 7));
    }
    EXPECT_EQ(store.live(), 20000u);
    // Drop every third set, then every set must still be found (same id) or recreated.
    for (std::uint32_t n = 0; n < 20000; n += 3) store.unref(ids[n]);
    EXPECT_EQ(store.live(), 20000u - 6667u);
    for (std::uint32_t n = 0; n < 20000; ++n) {
        const auto b = bytes_of(n);
        const AttrId id = store.intern(Bytes(b), 0, n % 7);
        if (n % 3 != 0) {
            EXPECT_EQ(id, ids[n]) << n;
            EXPECT_EQ(store[id].refs, 2u);
        } else {
            EXPECT_EQ(store[id].refs, 1u);
        }
        EXPECT_EQ(store[id].path_length, n % 7);
        EXPECT_TRUE(std::equal(b.begin(), b.end(), store[id].key().begin(), store[id].key().end()));
    }
    EXPECT_EQ(store.live(), 20000u);
}

RouteCandidate cand(const Prefix& p, mempool::Pool& pool, const IpAddress& ip, std::uint32_t as, std::uint32_t len,
                    std::uint8_t origin, std::uint32_t path_id = 0) {
    return RouteCandidate{p, 0, path_id, len, origin, ip, as, pool};
}

TEST(Selection, BuiltinRule) {
    const Prefix p = parse_prefix("10.0.0.0/8");
    mempool::Pool pool;
    const IpAddress v4a = parse_ip("10.0.0.2"), v4b = parse_ip("192.0.2.1"), v6 = parse_ip("::1");
    // metric 4*L + origin: L=2 INCOMPLETE (10) beats L=3 IGP (12)
    EXPECT_TRUE(builtin_prefers(cand(p, pool, v4b, 1, 2, 2), cand(p, pool, v4a, 1, 3, 0)));
    EXPECT_FALSE(builtin_prefers(cand(p, pool, v4a, 1, 3, 0), cand(p, pool, v4b, 1, 2, 2)));
    // equal metric: lower peer IP, IPv4 before IPv6 (::1 is numerically lower)
    EXPECT_TRUE(builtin_prefers(cand(p, pool, v4b, 9, 2, 0), cand(p, pool, v6, 1, 2, 0)));
    EXPECT_TRUE(builtin_prefers(cand(p, pool, v4a, 9, 2, 0), cand(p, pool, v4b, 1, 2, 0)));
    // then lower AS, then lower path id
    EXPECT_TRUE(builtin_prefers(cand(p, pool, v4a, 1, 2, 0), cand(p, pool, v4a, 2, 2, 0)));
    EXPECT_TRUE(builtin_prefers(cand(p, pool, v4a, 1, 2, 0, 3), cand(p, pool, v4a, 1, 2, 0, 4)));
    EXPECT_FALSE(builtin_prefers(cand(p, pool, v4a, 1, 2, 0, 4), cand(p, pool, v4a, 1, 2, 0, 4)));
}

TEST(Selection, SelectsOneBestPerPrefixWhateverTheOrder) {
    const std::vector<PeerIdentity> peers = {{parse_ip("192.0.2.9"), 1}, {parse_ip("192.0.2.1"), 2},
                                             {parse_ip("2001:db8::1"), 3}};
    for (int order = 0; order < 2; ++order) {
        Rib rib;
        const Prefix p = parse_prefix("10.0.0.0/8");
        const std::uint32_t seq[3] = {order ? 2u : 0u, 1u, order ? 0u : 2u};
        for (std::uint32_t peer : seq) rib.announce(p, peer, 0, intern(rib, 1, 3, 0));
        rib.announce(parse_prefix("11.0.0.0/8"), 2, 0, intern(rib, 2, 1, 0));
        rib.announce(parse_prefix("11.0.0.0/8"), 0, 0, intern(rib, 3, 2, 0));
        InsertionPoints none;
        std::vector<std::uint64_t> best;
        EXPECT_EQ(select_best_routes(rib, peers, none, best), 2u);
        EXPECT_EQ(best, (std::vector<std::uint64_t>{0, 1, 1}));  // lowest IP on the tie; shortest path on 11/8
    }
}

}  // namespace
}  // namespace mempool::bgp::test
