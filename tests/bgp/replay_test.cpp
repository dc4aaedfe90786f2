// The replay engine: state changes, insertion points, report shape, the
// built-in sample, and memory per route.
#include <gtest/gtest.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <set>

#include "mrt_writer.hpp"
#include "sample.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

const PeerKey kPeer{parse_ip("198.51.100.1"), 4200000001u};
const PeerKey kOther{parse_ip("2001:db8::7"), 65007};
const PeerKey kLocal{parse_ip("198.51.100.254"), 12654};

void add_update(std::vector<std::uint8_t>& s, const PeerKey& peer, const UpdateSpec& u) {
    std::vector<std::uint8_t> msg, rec;
    encode_update(u, true, msg);
    encode_bgp4mp_message(1700000000, peer, kLocal, true, Bytes(msg), rec);
    s.insert(s.end(), rec.begin(), rec.end());
}

void add_state(std::vector<std::uint8_t>& s, const PeerKey& peer, std::uint16_t from, std::uint16_t to) {
    std::vector<std::uint8_t> rec;
    encode_bgp4mp_state_change(1700000000, peer, kLocal, true, from, to, rec);
    s.insert(s.end(), rec.begin(), rec.end());
}

UpdateSpec announce(std::vector<std::string> prefixes, std::vector<std::uint32_t> path, std::uint8_t origin = 0) {
    UpdateSpec u;
    for (const auto& p : prefixes) u.announced.push_back(parse_prefix(p));
    u.as_path = std::move(path);
    u.origin = origin;
    u.next_hop_v4 = parse_ip("198.51.100.1");
    u.next_hop_v6 = parse_ip("2001:db8::1");
    return u;
}

TEST(Replay, StateChangeToNonEstablishedClearsThePeer) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8", "2001:db8:1::/48"}, {4200000001u, 3356}));
    add_update(s, kOther, announce({"10.0.0.0/8"}, {65007, 3356}));
    add_state(s, kPeer, 6, 6);  // still Established: nothing cleared
    ReplayReport r = replay_bytes(s);
    EXPECT_EQ(*r.find_peer("198.51.100.1", 4200000001u)->routes, 2u);
    add_state(s, kPeer, 6, 1);  // down: cleared
    r = replay_bytes(s);
    const PeerFigures* p = r.find_peer("198.51.100.1", 4200000001u);
    EXPECT_EQ(*p->routes, 0u);
    EXPECT_EQ(p->state_changes, 2u);
    EXPECT_EQ(p->announced_v4, 1u);
    EXPECT_EQ(p->announced_v6, 1u);
    EXPECT_EQ(*r.find_peer("2001:db8::7", 65007)->routes, 1u);
    EXPECT_EQ(*r.find_peer("2001:db8::7", 65007)->best_routes, 1u);
}

// A TABLE_DUMP (v1) entry of `peer` (2-byte AS) for `prefix`: ORIGIN IGP,
// AS_PATH <peer AS> 3356, NEXT_HOP the peer.
void add_table_dump_entry(std::vector<std::uint8_t>& s, const PeerKey& peer, const std::string& prefix) {
    const Prefix p = parse_prefix(prefix);
    ByteWriter attrs;
    for (const std::uint32_t b : {0x40u, 1u, 1u, 0u}) attrs.u8(b);
    for (const std::uint32_t b : {0x40u, 2u, 6u, 2u, 2u}) attrs.u8(b);
    attrs.u16(peer.as);
    attrs.u16(3356);
    for (const std::uint32_t b : {0x40u, 3u, 4u}) attrs.u8(b);
    attrs.ip(peer.ip);
    ByteWriter body;
    body.u16(0);  // view
    body.u16(0);  // sequence
    body.bytes(Bytes(p.addr.data(), 4));
    body.u8(p.len);
    body.u8(1);  // status
    body.u32(1700000000);
    body.ip(peer.ip);
    body.u16(peer.as);
    body.u16(static_cast<std::uint32_t>(attrs.size()));
    body.bytes(Bytes(attrs.buf));
    std::vector<std::uint8_t> rec;
    encode_mrt(1700000000, 12, 1, Bytes(body.buf), rec);
    s.insert(s.end(), rec.begin(), rec.end());
}

// RIB entries with the same attribute bytes share one interned set, also
// when the decoder kept the attributes of the entry before and every route
// holding the set went away in between (the peer's session went down): then
// the set is interned again instead of a reference taken to a dead id.
TEST(Replay, RepeatedRibAttributesAfterTheirSetWasFreed) {
    const PeerKey peer{parse_ip("198.51.100.9"), 64500};
    std::vector<std::uint8_t> s;
    add_table_dump_entry(s, peer, "10.1.0.0/16");
    add_table_dump_entry(s, peer, "10.2.0.0/16");  // same attribute bytes: kept, one set
    std::vector<std::uint8_t> down;
    encode_bgp4mp_state_change(1700000001, peer, kLocal, false, 6, 1, down);  // Established -> Idle
    s.insert(s.end(), down.begin(), down.end());
    add_table_dump_entry(s, peer, "10.3.0.0/16");  // same bytes again, but the set was freed
    add_table_dump_entry(s, peer, "10.4.0.0/16");
    Replay r;
    r.replay_source(memory_byte_source(s.data(), s.size()), "mem");
    const ReplayReport rep = r.finish();
    EXPECT_EQ(rep.error_count, 0u);
    ASSERT_TRUE(rep.rib.has_value());
    EXPECT_EQ(rep.rib->routes, 2u);
    EXPECT_EQ(rep.rib->attribute_sets, 1u);
    const AttrStore& store = r.rib().attribute_store();
    std::vector<std::string> held;
    for (const auto& pr : r.rib().prefixes()) {
        for (const auto& route : pr.routes) {
            held.push_back(to_string(pr.prefix));
            EXPECT_EQ(store[route.path_attributes].refs, 2u);
            EXPECT_EQ(store[route.path_attributes].path_length, 2u);
        }
    }
    std::sort(held.begin(), held.end());
    EXPECT_EQ(held, (std::vector<std::string>{"10.3.0.0/16", "10.4.0.0/16"}));
}

TEST(Replay, WithdrawalsOfBothFamilies) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8", "10.1.0.0/16", "2001:db8:1::/48"}, {4200000001u}));
    UpdateSpec w;
    w.withdrawn = {parse_prefix("10.0.0.0/8"), parse_prefix("2001:db8:1::/48"), parse_prefix("2001:db8:2::/48")};
    add_update(s, kPeer, w);
    add_update(s, kPeer, UpdateSpec{});  // empty UPDATE (End-of-RIB): counted
    const ReplayReport r = replay_bytes(s);
    const PeerFigures* p = r.find_peer("198.51.100.1", 4200000001u);
    EXPECT_EQ(p->withdrawn_v4, 1u);
    EXPECT_EQ(p->withdrawn_v6, 2u);
    EXPECT_EQ(*p->routes, 1u);
    EXPECT_EQ(p->update_messages, 3u);
}

// Records what the engine passes at each insertion point.
class RecordingHooks : public InsertionPoints {
public:
    std::uint64_t messages = 0, updates = 0, routes = 0, compares = 0, reports = 0;
    std::vector<std::uint32_t> last_path;
    bool prefer_longer = false;

    void bgp_message(const MessageEvent& e) override {
        ++messages;
        if (e.type == MessageType::update) ++updates;
    }
    void route_received(const RouteEvent& e) override {
        ++routes;
        last_path.assign(e.as_path.begin(), e.as_path.end());
        // like plugin C: the metric goes into the route's own pool
        EXPECT_TRUE(e.pool.set<std::uint64_t>(1, route_metric(e.path_length, e.origin)).has_value());
    }
    bool compares_routes() const override { return true; }
    Preference route_compare(const RouteCandidate& a, const RouteCandidate& b) override {
        ++compares;
        const auto ma = a.pool.get<std::uint64_t>(1), mb = b.pool.get<std::uint64_t>(1);
        EXPECT_TRUE(ma.has_value());
        EXPECT_TRUE(mb.has_value());
        if (!prefer_longer || ma.value() == mb.value()) return Preference::no_opinion;
        return ma.value() > mb.value() ? Preference::first : Preference::second;
    }
    void peer_report(std::uint32_t peer, PeerReportFigures& out) override {
        ++reports;
        out.updates = updates_by_peer.size() > peer ? updates_by_peer[peer] : 0;
        out.extra.emplace_back("share_of_updates", 500);
    }
    std::vector<std::uint64_t> updates_by_peer;
    std::vector<std::string> plugin_names() const override { return {"recording"}; }
};

TEST(InsertionPoints, CalledWithTheirArguments) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8"}, {4200000001u, 3356, 3356, 7018}));
    add_update(s, kOther, announce({"10.0.0.0/8"}, {65007, 7018}));
    RecordingHooks hooks;
    ReplayOptions o;
    o.hooks = &hooks;
    const ReplayReport r = replay_bytes(s, o);
    EXPECT_EQ(hooks.messages, 2u);
    EXPECT_EQ(hooks.updates, 2u);
    EXPECT_EQ(hooks.routes, 2u);
    EXPECT_EQ(hooks.compares, 1u);
    EXPECT_EQ(hooks.last_path, (std::vector<std::uint32_t>{65007, 7018}));
    EXPECT_EQ(*r.find_peer("2001:db8::7", 65007)->best_routes, 1u);  // metric 8 vs 12
    EXPECT_EQ(r.plugins, std::vector<std::string>{"recording"});
}

TEST(InsertionPoints, ComparatorOverridesTheBuiltinRule) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8"}, {4200000001u, 3356, 3356, 7018}));
    add_update(s, kOther, announce({"10.0.0.0/8"}, {65007, 7018}));
    RecordingHooks hooks;
    hooks.prefer_longer = true;
    ReplayOptions o;
    o.hooks = &hooks;
    const ReplayReport r = replay_bytes(s, o);
    EXPECT_EQ(*r.find_peer("198.51.100.1", 4200000001u)->best_routes, 1u);
}

TEST(Report, UpdatesFigureOnlyWhenAPluginSuppliesIt) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8"}, {4200000001u}));
    const nlohmann::json without = to_json(replay_bytes(s));
    ASSERT_EQ(without["peers"].size(), 1u);
    EXPECT_FALSE(without["peers"][0].contains("updates"));
    EXPECT_EQ(without["peers"][0]["messages"]["update"], 1);  // the host's own count stays available
    RecordingHooks hooks;
    hooks.updates_by_peer = {7};
    ReplayOptions o;
    o.hooks = &hooks;
    const nlohmann::json with = to_json(replay_bytes(s, o));
    EXPECT_EQ(with["peers"][0]["updates"], 7);
    EXPECT_EQ(with["peers"][0]["share_of_updates"], 500u);
    for (const char* k : {"files", "records", "errors", "peers", "rib", "plugins"}) EXPECT_TRUE(with.contains(k)) << k;
    for (const char* k : {"peer_ip", "peer_as", "announced_v4", "withdrawn_v4", "announced_v6", "withdrawn_v6",
                          "state_changes", "rib_entries", "routes", "best_routes"})
        EXPECT_TRUE(with["peers"][0].contains(k)) << k;
    EXPECT_NE(to_table(replay_bytes(s, o)).find("198.51.100.1"), std::string::npos);
}

TEST(Report, NoRibOmitsRouteFigures) {
    std::vector<std::uint8_t> s;
    add_update(s, kPeer, announce({"10.0.0.0/8"}, {4200000001u}));
    ReplayOptions o;
    o.keep_rib = false;
    const nlohmann::json j = to_json(replay_bytes(s, o));
    EXPECT_FALSE(j["peers"][0].contains("routes"));
    EXPECT_FALSE(j["peers"][0].contains("best_routes"));
    EXPECT_TRUE(j["rib"].is_null());
    EXPECT_EQ(j["peers"][0]["announced_v4"], 1);
}

TEST(Sample, DeterministicAndHasEverythingPromised) {
    const SampleOptions o;
    const auto a = sample_stream(o);
    EXPECT_EQ(a, sample_stream(o));
    SampleOptions other = o;
    other.seed = 2;
    EXPECT_NE(a, sample_stream(other));
    RecordingHooks hooks;
    std::uint64_t prepended = 0;
    struct PathHooks : InsertionPoints {
        std::uint64_t* prepended;
        std::set<std::uint32_t> big_as;
        void route_received(const RouteEvent& e) override {
            for (std::size_t i = 1; i < e.as_path.size(); ++i)
                if (e.as_path[i] == e.as_path[i - 1]) {
                    ++*prepended;
                    break;
                }
            for (auto as : e.as_path)
                if (as > 0xffff) big_as.insert(as);
        }
    } path_hooks;
    path_hooks.prepended = &prepended;
    ReplayOptions opts;
    opts.hooks = &path_hooks;
    const ReplayReport r = replay_bytes(a, opts);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.peers.size(), o.peers);
    std::uint64_t a4 = 0, a6 = 0, w = 0, states = 0, four_byte_peers = 0, v6_peers = 0;
    for (const auto& p : r.peers) {
        a4 += p.announced_v4;
        a6 += p.announced_v6;
        w += p.withdrawn_v4 + p.withdrawn_v6;
        states += p.state_changes;
        four_byte_peers += p.as > 0xffff;
        v6_peers += p.ip.afi == Afi::ipv6;
    }
    EXPECT_GT(a4, 0u);
    EXPECT_GT(a6, 0u);
    EXPECT_GT(w, 0u);
    EXPECT_GT(states, o.peers);  // the session reset adds three
    EXPECT_GT(four_byte_peers, 0u);
    EXPECT_GT(v6_peers, 0u);
    EXPECT_GT(prepended, 0u);
    EXPECT_FALSE(path_hooks.big_as.empty());
    // Interning works: far fewer attribute sets than routes.
    EXPECT_LT(r.rib->attribute_sets * 4, r.rib->routes);
}

// Memory target: ≤ 128 heap bytes per route, everything included (RIB
// entry, prefix, interned attributes, the route's pool holding its metric).
// Measured here on 100,000 prefixes from 10 peers; set
// MEMPOOL_BGP_MEMORY_PREFIXES=1000000 for the full-size table.
TEST(Memory, HeapBytesPerRouteWithAMetricInEveryPool) {
    SampleOptions o;
    o.peers = 10;
    o.prefixes = 100000;
    if (const char* env = std::getenv("MEMPOOL_BGP_MEMORY_PREFIXES")) o.prefixes = static_cast<std::uint32_t>(std::atol(env));
    o.updates = 0;
    const auto stream = sample_stream(o);
    struct MetricHooks : InsertionPoints {
        void route_received(const RouteEvent& e) override {
            (void)e.pool.set<std::uint64_t>(1, route_metric(e.path_length, e.origin));
        }
    } hooks;
    // In-use heap: small chunks plus the blocks malloc mapped on its own;
    // the RIB's own mappings are added below (Rib::mapped_bytes).
    const auto heap_in_use = [] {
        const struct mallinfo2 m = mallinfo2();
        return m.uordblks + m.hblkhd;
    };
    malloc_trim(0);
    const std::size_t before = heap_in_use();
    std::uint64_t routes = 0, records = 0;
    std::size_t after = 0;
    double seconds = 0;
    {
        ReplayOptions opts;
        opts.hooks = &hooks;
        Replay r(opts);
        const auto t0 = std::chrono::steady_clock::now();
        r.replay_source(memory_byte_source(stream.data(), stream.size()), "synth");
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        routes = r.rib().route_count();
        records = r.records();
        after = heap_in_use() + r.rib().mapped_bytes();
    }
    ASSERT_EQ(routes, std::uint64_t{o.prefixes} * o.peers);
    const double per_route = static_cast<double>(after - before) / static_cast<double>(routes);
    RecordProperty("heap_bytes_per_route", std::to_string(per_route));
    std::printf("%llu routes: %.1f heap bytes per route; replay %.0f messages/s, %.0f routes/s\n",
                static_cast<unsigned long long>(routes), per_route, static_cast<double>(records) / seconds,
                static_cast<double>(routes) / seconds);
    EXPECT_LE(per_route, 128.0);
}

}  // namespace
}  // namespace mempool::bgp::test
