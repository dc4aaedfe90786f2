// Adj-RIB-In, attribute interning and the built-in selection rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <utility>
#include <set>
#include <string>
#include <tuple>

#include "mrt_writer.hpp"
#include "replay.hpp"
#include "rib.hpp"
#include "selection.hpp"
#include "update_decoder.hpp"

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
        ids[n] = id;
    }
    EXPECT_EQ(store.live(), 20000u);
    // Growth again (the index is rebuilt from the sets, in id order, reused
    // ids among them): every set is still found under its id.
    for (std::uint32_t n = 20000; n < 60000; ++n) {
        const auto b = bytes_of(n);
        ids.push_back(store.intern(Bytes(b), 0, n % 7));
    }
    EXPECT_EQ(store.live(), 60000u);
    for (std::uint32_t n = 0; n < 60000; n += 7) {
        const auto b = bytes_of(n);
        EXPECT_EQ(store.intern(Bytes(b), 0, n % 7), ids[n]) << n;
        store.unref(ids[n]);
    }
    EXPECT_EQ(store.live(), 60000u);
}

// A RIB's whole content, in prefixes() order: what lookups and the report see.
struct RibContent {
    std::vector<std::string> routes;  // "prefix peer path_id add_path set-bytes"
    std::vector<std::uint32_t> index_of;  // index_of() of each prefix
    std::uint64_t route_count = 0;
    std::size_t heap_bytes = 0;
    std::size_t live_sets = 0;
    friend bool operator==(const RibContent&, const RibContent&) = default;
};
RibContent content(const Rib& rib) {
    RibContent c;
    for (const PrefixRoutes& pr : rib.prefixes()) {
        c.index_of.push_back(rib.index_of(pr.prefix));
        for (const Route& r : pr.routes) {
            const Bytes key = rib.attribute_store()[r.path_attributes].key();
            c.routes.push_back(to_string(pr.prefix) + " " + std::to_string(r.peer) + " " + std::to_string(r.path_id) +
                               (r.add_path ? " ap " : " - ") + std::string(key.begin(), key.end()));
        }
    }
    c.route_count = rib.route_count();
    c.heap_bytes = rib.heap_bytes();
    c.live_sets = rib.attribute_store().live();
    return c;
}

// Prefix number n of a mixed table: IPv4 /24s and /19s (the bits past the
// length zero), and one in three an IPv6 /48.
Prefix nth_prefix(std::uint32_t n) {
    Prefix p;
    if (n % 3 == 2) {
        p.afi = Afi::ipv6;
        p.len = 48;
        p.addr[0] = 0x20;
        p.addr[1] = 0x01;
        p.addr[2] = static_cast<std::uint8_t>(n >> 16);
        p.addr[3] = static_cast<std::uint8_t>(n >> 8);
        p.addr[4] = static_cast<std::uint8_t>(n);
    } else {
        p.afi = Afi::ipv4;
        p.len = n % 2 ? 24 : 19;
        p.addr[0] = static_cast<std::uint8_t>(10 + (n >> 16));
        p.addr[1] = static_cast<std::uint8_t>(n >> 8);
        p.addr[2] = static_cast<std::uint8_t>(n);
        mask_prefix(p);
    }
    return p;
}

// Rib::prefetch is a hint: whatever it is given (present prefixes, absent
// ones, repeats, batches past its group of 16, none), lookups, routes,
// sizes and the changes made after it are those of a RIB that never got it.
TEST(Rib, PrefetchChangesNoLookupAndNoChange) {
    Rib with, without;
    std::vector<Prefix> batch;
    const auto step = [&](std::uint32_t n, std::uint32_t peer, bool add) {
        const Prefix p = nth_prefix(n);
        for (Rib* rib : {&with, &without}) {
            if (add) rib->announce(p, peer, n % 5 == 0 ? n % 3 : 0, intern(*rib, static_cast<std::uint8_t>(n % 7)),
                                   n % 5 == 0);
            else (void)rib->withdraw(p, peer, n % 5 == 0 ? n % 3 : 0);
        }
    };
    for (std::uint32_t round = 0; round < 4; ++round) {
        for (std::uint32_t first = 0; first < 3000; first += 37) {  // batches of 37: 2 groups and 5
            batch.clear();
            for (std::uint32_t n = first; n < first + 37; ++n) batch.push_back(nth_prefix(n * 7 % 3000));
            batch.push_back(batch.front());  // a repeat
            with.prefetch(batch);
            for (std::uint32_t n = first; n < first + 37; ++n) step(n * 7 % 3000, round, round != 3 || n % 2);
        }
        with.prefetch(std::span<const Prefix>());
        ASSERT_EQ(content(with), content(without)) << "round " << round;
    }
    // clear_peer and select_best_routes look ahead in `with` (prefetch_pays
    // from 0 prefixes), not in `without`: the same routes go, the same are chosen.
    with.prefetch_from(0);
    EXPECT_TRUE(with.prefetch_pays());
    EXPECT_FALSE(without.prefetch_pays());
    EXPECT_EQ(with.clear_peer(1), without.clear_peer(1));
    EXPECT_EQ(with.peer_routes(1), 0u);
    const std::vector<PeerIdentity> peers = {{parse_ip("192.0.2.9"), 1}, {parse_ip("192.0.2.1"), 2},
                                             {parse_ip("2001:db8::1"), 3}, {parse_ip("192.0.2.5"), 4}};
    InsertionPoints none;
    std::vector<std::uint64_t> best_with, best_without;
    std::vector<std::uint32_t> of_prefix_with, of_prefix_without;
    EXPECT_EQ(select_best_routes(with, peers, none, best_with, &of_prefix_with),
              select_best_routes(without, peers, none, best_without, &of_prefix_without));
    EXPECT_EQ(best_with, best_without);
    EXPECT_EQ(of_prefix_with, of_prefix_without);
    // Present, absent (another length, another family), and empty lists.
    batch.clear();
    for (std::uint32_t n = 0; n < 6000; n += 5) {
        batch.push_back(nth_prefix(n));
        Prefix other = nth_prefix(n);
        other.len = 32;
        batch.push_back(other);
    }
    with.prefetch(batch);
    with.prefetch(std::span<const Prefix>(batch.data(), 1));
    const RibContent before = content(without);
    EXPECT_EQ(content(with), before);
    for (const Prefix& p : batch) EXPECT_EQ(with.index_of(p), without.index_of(p)) << to_string(p);
    EXPECT_EQ(with.index_of(nth_prefix(3001)), Rib::npos);
}

// The prefixes an UPDATE's decoder hands out, one at a time: withdrawals, then announcements.
std::vector<NlriEntry> handed_out(UpdateDecoder& d) {
    std::vector<NlriEntry> out;
    for (NlriEntry e; d.next_withdrawal(e);) out.push_back(e);
    for (NlriEntry e; d.next_announcement(e);) out.push_back(e);
    return out;
}

// UPDATE bodies (after the 19-byte header) with path ids on every prefix
// when `ids` is set: IPv4 withdrawals, MP_UNREACH (IPv6 unless `other`),
// ORIGIN, AS_PATH, NEXT_HOP, MP_REACH IPv6, IPv4 NLRI. A prefix's text
// "bad" stands for a length byte no family allows (a fault that ends its field).
struct UpdateBody {
    std::vector<std::string> withdrawn, mp_withdrawn, mp_announced, announced;
    bool ids = false;
    std::uint8_t unreach_safi = kSafiUnicast;
    std::uint32_t origin_as = 3356;  // the AS_PATH is 64500 origin_as
    // The path id of the prefix at `position` of its field; null: the
    // field's base (100, 200, 300, 400 in the order above) plus position.
    std::uint32_t (*id_of)(const std::string& text, std::size_t position) = nullptr;

    void prefixes(ByteWriter& w, const std::vector<std::string>& texts, std::uint32_t base) const {
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const std::uint32_t id = id_of ? id_of(texts[i], i) : base + static_cast<std::uint32_t>(i);
            if (texts[i] == "bad") {
                if (ids) w.u32(id);
                w.u8(200);
                w.u8(1);
                continue;
            }
            if (ids) w.prefix(parse_prefix(texts[i]), id);
            else w.prefix(parse_prefix(texts[i]));
        }
    }
    static void attribute(ByteWriter& w, std::uint8_t flags, std::uint8_t code, const ByteWriter& value) {
        w.u8(flags | 0x10);  // extended length
        w.u8(code);
        w.u16(static_cast<std::uint32_t>(value.size()));
        w.bytes(Bytes(value.buf));
    }
    [[nodiscard]] std::vector<std::uint8_t> bytes() const {
        ByteWriter wd, attrs, nlri, v;
        prefixes(wd, withdrawn, 100);
        v.u8(0);
        attribute(attrs, 0x40, attr::kOrigin, v);
        v = {};
        v.u8(kAsSequence);
        v.u8(2);
        v.u32(64500);
        v.u32(origin_as);
        attribute(attrs, 0x40, attr::kAsPath, v);
        v = {};
        v.ip(parse_ip("192.0.2.1"));
        attribute(attrs, 0x40, attr::kNextHop, v);
        if (!mp_withdrawn.empty()) {
            v = {};
            v.u16(kAfiIpv6);
            v.u8(unreach_safi);
            prefixes(v, mp_withdrawn, 200);
            attribute(attrs, 0x80, attr::kMpUnreach, v);
        }
        if (!mp_announced.empty()) {
            v = {};
            v.u16(kAfiIpv6);
            v.u8(kSafiUnicast);
            v.u8(16);
            v.ip(parse_ip("2001:db8::1"));
            v.u8(0);
            prefixes(v, mp_announced, 300);
            attribute(attrs, 0x80, attr::kMpReach, v);
        }
        prefixes(nlri, announced, 400);
        ByteWriter body;
        body.u16(static_cast<std::uint32_t>(wd.size()));
        body.bytes(Bytes(wd.buf));
        body.u16(static_cast<std::uint32_t>(attrs.size()));
        body.bytes(Bytes(attrs.buf));
        body.bytes(Bytes(nlri.buf));
        return body.buf;
    }
};

// peek_prefixes() lists what next_withdrawal() then next_announcement()
// hand out, in order, faults included (a fault ends its field there), with
// path ids declared, inferred or absent, and only what is left to hand out.
TEST(RibBatch, PeekedPrefixesAreThoseHandedOut) {
    struct Case {
        const char* name;
        UpdateBody body;
        bool add_path;
        bool path_ids_possible;
        std::size_t expected;  // prefixes handed out
    };
    const std::vector<Case> cases = {
        {"both families, add-path",
         {{"10.9.0.0/16", "10.9.1.0/24"}, {"2001:db8:9::/48"}, {"2001:db8:1::/48", "2001:db8:2::/47"},
          {"10.1.0.0/16", "10.1.0.0/16", "10.1.128.0/17"}, true},
         true, false, 8},
        {"plain",
         {{"10.9.0.0/16"}, {"2001:db8:9::/48"}, {"2001:db8:1::/48"}, {"10.1.0.0/16", "0.0.0.0/0"}},
         false, false, 5},
        {"fault in the withdrawn field: the MP_UNREACH still read",
         {{"10.9.0.0/16", "bad", "10.9.2.0/24"}, {"2001:db8:9::/48"}, {}, {"10.1.0.0/16"}},
         false, false, 3},
        {"fault in MP_REACH, add-path",
         {{}, {}, {"2001:db8:1::/48", "bad", "2001:db8:3::/48"}, {"10.1.0.0/16"}, true},
         true, false, 2},
        {"fault in the NLRI field: MP_REACH still read",
         {{}, {}, {"2001:db8:1::/48"}, {"10.1.0.0/16", "bad", "10.2.0.0/16"}},
         false, false, 2},
        {"path ids inferred",
         {{"10.9.0.0/16"}, {}, {"2001:db8:1::/48"}, {"10.1.0.0/16", "10.2.0.0/16"}, true},
         false, true, 4},
        {"another family's MP_UNREACH is not read",
         {{"10.9.0.0/16"}, {"2001:db8:9::/48"}, {}, {"10.1.0.0/16"}, false, kSafiMulticast},
         false, false, 2},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::vector<std::uint8_t> body = c.body.bytes();
        Diagnostics diag;
        diag.set_record(body.data(), 0, 1);
        UpdateDecoder d(diag);
        ASSERT_TRUE(d.decode_update(Bytes(body), true, c.add_path, c.path_ids_possible));
        std::vector<Prefix> peeked;
        d.peek_prefixes(peeked);
        const std::uint64_t reports = diag.count();
        std::vector<Prefix> again{nth_prefix(1)};  // appends
        d.peek_prefixes(again);
        EXPECT_EQ(diag.count(), reports);  // peeking reports nothing
        // One step in, the rest.
        NlriEntry first;
        std::vector<Prefix> rest;
        const bool has_first = d.next_withdrawal(first) || d.next_announcement(first);
        d.peek_prefixes(rest);
        std::vector<NlriEntry> out = handed_out(d);
        if (has_first) out.insert(out.begin(), first);
        ASSERT_EQ(out.size(), c.expected) << diag.count();
        ASSERT_EQ(peeked.size(), out.size());
        for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(peeked[i], out[i].prefix) << i;
        ASSERT_EQ(again.size(), out.size() + 1);
        EXPECT_TRUE(std::equal(peeked.begin(), peeked.end(), again.begin() + 1));
        ASSERT_EQ(rest.size(), out.size() - (has_first ? 1 : 0));
        EXPECT_TRUE(std::equal(rest.begin(), rest.end(), peeked.begin() + (has_first ? 1 : 0)));
        std::vector<Prefix> none;
        d.peek_prefixes(none);
        EXPECT_TRUE(none.empty());
    }
}

// Every prefix length, every bit past it set, with and without path ids,
// both families: what the decoder hands out (its quiet reader for
// well-formed prefixes) and what it peeks are exactly what next_nlri()
// reads from the same bytes.
TEST(RibBatch, EveryPrefixLengthReadsAsNextNlriReadsIt) {
    for (const bool ids : {false, true}) {
        SCOPED_TRACE(ids ? "path ids" : "no path ids");
        ByteWriter v4, v6;
        for (unsigned len = 0; len <= 128; ++len) {
            for (ByteWriter* w : {&v4, &v6}) {
                if (w == &v4 && len > 32) continue;
                if (ids) w->u32(len * 7 + 1);
                w->u8(len);
                for (unsigned i = 0; i < (len + 7) / 8; ++i) w->u8(0xff - i);  // every bit set past the length too
            }
        }
        ByteWriter attrs, reach, body;
        ByteWriter value;
        value.u8(0);
        UpdateBody::attribute(attrs, 0x40, attr::kOrigin, value);
        value = {};
        value.u8(kAsSequence);
        value.u8(1);
        value.u32(64500);
        UpdateBody::attribute(attrs, 0x40, attr::kAsPath, value);
        value = {};
        value.ip(parse_ip("192.0.2.1"));
        UpdateBody::attribute(attrs, 0x40, attr::kNextHop, value);
        reach.u16(kAfiIpv6);
        reach.u8(kSafiUnicast);
        reach.u8(16);
        reach.ip(parse_ip("2001:db8::1"));
        reach.u8(0);
        reach.bytes(Bytes(v6.buf));
        UpdateBody::attribute(attrs, 0x80, attr::kMpReach, reach);
        body.u16(0);
        body.u16(static_cast<std::uint32_t>(attrs.size()));
        body.bytes(Bytes(attrs.buf));
        body.bytes(Bytes(v4.buf));
        // What next_nlri() reads, field by field.
        Diagnostics diag;
        diag.set_record(body.buf.data(), 0, 1);
        std::vector<NlriEntry> expected;
        for (const auto& [field, afi] : {std::pair{&v4, Afi::ipv4}, std::pair{&v6, Afi::ipv6}}) {
            ByteReader r{Bytes(field->buf)};
            for (NlriEntry e; next_nlri(r, afi, ids, e, diag) == NlriStatus::ok;) expected.push_back(e);
        }
        ASSERT_EQ(expected.size(), 33u + 129u);
        UpdateDecoder d(diag);
        ASSERT_TRUE(d.decode_update(Bytes(body.buf), true, ids));
        std::vector<Prefix> peeked;
        EXPECT_EQ(d.peek_prefixes(peeked), 0u);
        const std::vector<NlriEntry> out = handed_out(d);
        ASSERT_EQ(out.size(), expected.size());
        ASSERT_EQ(peeked.size(), expected.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            EXPECT_EQ(out[i].prefix, expected[i].prefix) << i;
            EXPECT_EQ(out[i].path_id, expected[i].path_id) << i;
            EXPECT_EQ(peeked[i], expected[i].prefix) << i;
            Prefix masked = expected[i].prefix;
            EXPECT_FALSE(mask_prefix(masked)) << i;  // stored masked
        }
        EXPECT_EQ(diag.count(), 0u);
    }
}

// Replay's batch path (apply_update: the UPDATE's prefixes peeked, then
// prefetched, then applied) on BGP4MP_MESSAGE_AS4_ADDPATH records with
// both families, withdrawals of routes present and absent, one prefix
// twice in a message, more prefixes than a prefetch group: the Adj-RIB-In
// holds what the same changes made route by route leave in a model, each
// route with its message's attribute set for its family (the sets are
// worked out ahead, before the routes: Replay::prepare_attribute_set).
TEST(RibBatch, AddPathUpdatesOfBothFamiliesLeaveWhatRouteByRouteChangesLeave) {
    const PeerKey peers[2] = {{parse_ip("198.51.100.1"), 64500}, {parse_ip("2001:db8::7"), 64501}};
    const PeerKey local{parse_ip("198.51.100.254"), 12654};
    std::vector<std::uint8_t> stream;
    // (prefix, peer, path id) -> the origin AS of the route's message
    std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, std::uint32_t> model;
    std::size_t withdrawn_present = 0;
    const auto text = [](std::uint32_t n) { return to_string(nth_prefix(n)); };
    for (std::uint32_t m = 0; m < 60; ++m) {
        const std::uint32_t peer = m % 2;
        UpdateBody u;
        u.ids = true;
        u.origin_as = 65000 + m % 7;  // a repeat now and then: the same set again
        // Ids by prefix, so that withdrawals meet announcements; the first
        // of a field gets 7, so the prefix announced twice has two routes.
        u.id_of = [](const std::string& t, std::size_t position) -> std::uint32_t {
            return position == 0 ? 7 : t.size() % 3;
        };
        // Withdrawals of earlier announcements, and of routes never announced.
        for (std::uint32_t k = 0; m >= 4 && k < 5; ++k) {
            const std::uint32_t n = (m - 4) * 7 + k;
            (nth_prefix(n).afi == Afi::ipv4 ? u.withdrawn : u.mp_withdrawn).push_back(text(n));
        }
        u.withdrawn.push_back(text(100000 + m * 3));
        // 20 to 44 announcements, one prefix twice.
        for (std::uint32_t k = 0; k < 20 + m % 25; ++k) {
            const std::uint32_t n = m * 7 + k;
            (nth_prefix(n).afi == Afi::ipv4 ? u.announced : u.mp_announced).push_back(text(n));
        }
        u.announced.push_back(u.announced.front());
        // The model, route by route, in the decoder's order (path ids count up per field).
        const auto apply = [&](const std::vector<std::string>& field, bool add) {
            for (std::size_t i = 0; i < field.size(); ++i) {
                const auto key = std::make_tuple(to_string(parse_prefix(field[i])), peer, u.id_of(field[i], i));
                if (add) model[key] = u.origin_as;
                else withdrawn_present += model.erase(key);
            }
        };
        apply(u.withdrawn, false);
        apply(u.mp_withdrawn, false);
        apply(u.mp_announced, true);
        apply(u.announced, true);
        // The message: BGP header, then BGP4MP_MESSAGE_AS4 re-typed *_ADDPATH (subtype 9).
        const std::vector<std::uint8_t> body = u.bytes();
        ByteWriter msg;
        for (int i = 0; i < 16; ++i) msg.u8(0xff);
        msg.u16(static_cast<std::uint32_t>(19 + body.size()));
        msg.u8(2);
        msg.bytes(Bytes(body));
        std::vector<std::uint8_t> rec;
        encode_bgp4mp_message(1700000000 + m, peers[peer], local, true, Bytes(msg.buf), rec);
        ASSERT_EQ(rec[7], 4);
        rec[7] = 9;
        stream.insert(stream.end(), rec.begin(), rec.end());
    }
    // The batch path on this small table (prefetch_pays() always), and the
    // plain path it takes by default: the same table, the same report.
    Replay plain;
    EXPECT_FALSE(plain.rib().prefetch_pays());
    plain.replay_source(memory_byte_source(stream.data(), stream.size()), "mem");
    Replay replay;
    replay.rib().prefetch_from(0);
    EXPECT_TRUE(replay.rib().prefetch_pays());
    replay.replay_source(memory_byte_source(stream.data(), stream.size()), "mem");
    EXPECT_EQ(replay.diagnostics().count(), 0u);
    EXPECT_EQ(content(replay.rib()), content(plain.rib()));
    EXPECT_EQ(to_json(replay.finish()).dump(), to_json(plain.finish()).dump());
    std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, std::uint32_t> rib;
    for (const PrefixRoutes& pr : replay.rib().prefixes()) {
        EXPECT_EQ(replay.rib().index_of(pr.prefix), static_cast<std::uint32_t>(&pr - replay.rib().prefixes().data()));
        for (const Route& r : pr.routes) {
            EXPECT_TRUE(r.add_path);
            CanonicalView set;
            ASSERT_TRUE(decode_canonical(replay.rib().attribute_store()[r.path_attributes].key(), set));
            ASSERT_EQ(set.as_path.asns.size(), 2u);
            EXPECT_EQ(set.next_hop_len, pr.prefix.afi == Afi::ipv4 ? 4 : 16) << to_string(pr.prefix);
            EXPECT_TRUE(rib.emplace(std::make_tuple(to_string(pr.prefix), r.peer, r.path_id), set.as_path.asns[1]).second)
                << to_string(pr.prefix);
        }
    }
    EXPECT_EQ(replay.rib().route_count(), model.size());
    EXPECT_EQ(rib, model);
    EXPECT_GT(model.size(), 400u);
    EXPECT_GT(withdrawn_present, 50u);
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

// mask_prefix works on two 64-bit words: against a bit-by-bit model, every
// length 0..128 and beyond (a length past 128 masks nothing), addresses
// with every bit set, none, and patterns.
TEST(MaskPrefix, KeepsTheFirstLenBitsAndSaysWhetherItClearedAny) {
    std::uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (unsigned len = 0; len <= 140; ++len) {
        for (int round = 0; round < 8; ++round) {
            Prefix p;
            for (auto& b : p.addr) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                b = round == 0 ? 0xFF : round == 1 ? 0 : static_cast<std::uint8_t>(seed >> 56);
            }
            p.len = static_cast<std::uint8_t>(len);
            Prefix want = p;
            bool cleared = false;
            for (unsigned bit = len; bit < 128; ++bit) {
                const auto m = static_cast<std::uint8_t>(0x80u >> (bit % 8));
                if (want.addr[bit / 8] & m) cleared = true;
                want.addr[bit / 8] &= static_cast<std::uint8_t>(~m);
            }
            EXPECT_EQ(mask_prefix(p), cleared) << len << " " << round;
            EXPECT_EQ(p.addr, want.addr) << len << " " << round;
        }
    }
}

}  // namespace
}  // namespace mempool::bgp::test
