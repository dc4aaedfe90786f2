// export_test.cpp: the sending side of mempool-bgp (src/bgp/export,
// issue 11). Unit tests of the configuration, of each export rule and of
// the UPDATE encoder; then replays of small streams made here (BGP4MP
// records built byte by byte) through the Exporter, one test per RFC rule;
// then round trips: replaying the UPDATEs written reconstructs each
// neighbour's Adj-RIB-Out, on the synthetic streams and on the real update
// files of MEMPOOL_MRT_DATA, and bgpdump decodes every record written.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config.hpp"
#include "export_policy.hpp"
#include "exporter.hpp"
#include "mrt_writer.hpp"
#include "neighbour.hpp"
#include "test_util.hpp"
#include "update_encoder.hpp"
#include "updates_writer.hpp"

namespace mempool::bgp {
namespace {

using test::mrt_data_dir;

// ---------------------------------------------------------------- generator

struct Attr {
    std::uint8_t flags;
    std::uint8_t code;
    std::vector<std::uint8_t> value;
};

std::vector<std::uint8_t> be32(std::initializer_list<std::uint32_t> vs) {
    ByteWriter w;
    for (auto v : vs) w.u32(v);
    return w.buf;
}
std::uint32_t id_of(const char* dotted) {
    std::uint32_t v = 0;
    EXPECT_TRUE(parse_router_id(dotted, v));
    return v;
}
Attr origin(std::uint8_t o) { return {0x40, attr::kOrigin, {o}}; }
Attr as_path(const std::vector<std::uint32_t>& asns) {
    ByteWriter w;
    if (!asns.empty()) {
        w.u8(kAsSequence);
        w.u8(static_cast<std::uint32_t>(asns.size()));
        for (auto a : asns) w.u32(a);
    }
    return {0x40, attr::kAsPath, w.buf};
}
Attr next_hop(const char* ip) {
    const IpAddress a = parse_ip(ip);
    return {0x40, attr::kNextHop, std::vector<std::uint8_t>(a.bytes.begin(), a.bytes.begin() + 4)};
}
Attr med(std::uint32_t v) { return {0x80, attr::kMed, be32({v})}; }
Attr local_pref(std::uint32_t v) { return {0x40, attr::kLocalPref, be32({v})}; }
Attr originator(const char* id) { return {0x80, attr::kOriginatorId, be32({id_of(id)})}; }
Attr cluster_list(std::initializer_list<const char*> ids) {
    std::vector<std::uint8_t> v;
    for (const char* id : ids) {
        auto b = be32({id_of(id)});
        v.insert(v.end(), b.begin(), b.end());
    }
    return {0x80, attr::kClusterList, v};
}
Attr communities(std::initializer_list<std::uint32_t> cs) { return {0xc0, attr::kCommunities, be32(cs)}; }
Attr mp_reach_v6(const char* nh, const std::vector<std::string>& prefixes) {
    ByteWriter w;
    w.u16(kAfiIpv6);
    w.u8(kSafiUnicast);
    w.u8(16);
    w.ip(parse_ip(nh));
    w.u8(0);
    for (const auto& p : prefixes) w.prefix(parse_prefix(p));
    return {0x90, attr::kMpReach, w.buf};
}
Attr mp_unreach_v6(const std::vector<std::string>& prefixes) {
    ByteWriter w;
    w.u16(kAfiIpv6);
    w.u8(kSafiUnicast);
    for (const auto& p : prefixes) w.prefix(parse_prefix(p));
    return {0x90, attr::kMpUnreach, w.buf};
}

// One UPDATE message, header included.
std::vector<std::uint8_t> update(const std::vector<Attr>& attrs, const std::vector<std::string>& nlri,
                                 const std::vector<std::string>& withdrawn = {}) {
    ByteWriter w;
    for (int i = 0; i < 16; ++i) w.u8(0xff);
    w.u16(0);
    w.u8(2);
    const std::size_t wpos = w.size();
    w.u16(0);
    for (const auto& p : withdrawn) w.prefix(parse_prefix(p));
    w.patch16(wpos, static_cast<std::uint32_t>(w.size() - wpos - 2));
    const std::size_t apos = w.size();
    w.u16(0);
    for (const auto& a : attrs) {
        const bool ext = a.value.size() > 255 || (a.flags & attr::kFlagExtendedLength);
        w.u8(ext ? a.flags | attr::kFlagExtendedLength : a.flags);
        w.u8(a.code);
        if (ext) w.u16(static_cast<std::uint32_t>(a.value.size()));
        else w.u8(static_cast<std::uint32_t>(a.value.size()));
        w.bytes(Bytes(a.value));
    }
    w.patch16(apos, static_cast<std::uint32_t>(w.size() - apos - 2));
    for (const auto& p : nlri) w.prefix(parse_prefix(p));
    w.patch16(16, static_cast<std::uint32_t>(w.size()));
    return w.buf;
}

// A BGP4MP_MESSAGE_AS4 stream as a collector would record it.
struct Stream {
    std::vector<std::uint8_t> bytes;
    std::uint32_t time = 1000;
    void add(const char* peer_ip, std::uint32_t peer_as, const std::vector<std::uint8_t>& message) {
        std::vector<std::uint8_t> rec;
        encode_bgp4mp_message(time++, PeerKey{parse_ip(peer_ip), peer_as}, PeerKey{parse_ip("192.0.2.250"), 12654},
                              true, Bytes(message), rec);
        bytes.insert(bytes.end(), rec.begin(), rec.end());
    }
};

// ---------------------------------------------------------------- the speaker of most tests

// Local AS 65000, reflector with cluster 192.0.2.1. Sources of the streams:
// 10.0.0.1 (client, also neighbour 1), 10.0.0.3 (non-client, neighbour 3),
// 203.0.113.9 (eBGP, AS 64999, not a neighbour), 198.51.100.1 (neighbour 0).
const char* kConfig = R"({
  "local": {"as": 65000, "router_id": "192.0.2.1", "addresses": ["192.0.2.1", "2001:db8::1"]},
  "neighbours": [
    {"name": "ebgp", "address": "198.51.100.1", "as": 64500},
    {"name": "client1", "address": "10.0.0.1", "as": 65000, "rr_client": true},
    {"name": "client2", "address": "10.0.0.2", "as": 65000},
    {"name": "nonclient3", "address": "10.0.0.3", "as": 65000},
    {"name": "nonclient4", "address": "10.0.0.4", "as": 65000},
    {"name": "old", "address": "198.51.100.7", "as": 64501, "four_byte_as": false}
  ],
  "rr_clients": {"type_arg": "list", "arg": [{"type_arg": "ipv4", "arg": "10.0.0.2"}]}
})";
enum { kEbgp = 0, kClient1 = 1, kClient2 = 2, kNonClient3 = 3, kNonClient4 = 4, kOld = 5 };

ExportConfig config_of(const char* text) {
    ExportConfig c;
    std::string why;
    EXPECT_TRUE(parse_export_config(text, c, why)) << why;
    return c;
}

// A replay of `stream` with an exporter; the UPDATEs sent go to `updates`.
struct ExportRun {
    std::unique_ptr<Replay> replay;
    std::unique_ptr<UpdatesWriter> writer;
    std::unique_ptr<Exporter> exporter;
    std::string updates_path;
    ReplayReport report;

    ExportRun(const ExportConfig& config, const std::vector<std::uint8_t>& stream, const char* suffix = ".mrt") {
        static int counter = 0;
        updates_path = (std::filesystem::temp_directory_path() /
                        ("mempool_export_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix))
                           .string();
        replay = std::make_unique<Replay>();
        writer = std::make_unique<UpdatesWriter>();
        std::string why;
        EXPECT_TRUE(writer->open(updates_path, why)) << why;
        exporter = std::make_unique<Exporter>(config, *replay, nullptr, nullptr, writer.get());
        replay->replay_source(memory_byte_source(stream.data(), stream.size()), "mem");
        exporter->finish();
        EXPECT_TRUE(writer->close(why)) << why;
        report = replay->finish();
        exporter->add_to(report);
    }
    ~ExportRun() { std::filesystem::remove(updates_path); }

    // What neighbour `n` holds for `prefix` (the sent form read back), or null.
    struct Seen {
        std::vector<std::uint8_t> canonical;
        RouteFacts facts;
        bool has_as4_path = false;
    };
    std::unique_ptr<Seen> sent(std::size_t n, const char* prefix) const {
        const std::uint32_t index = replay->rib().index_of(parse_prefix(prefix));
        if (index == Rib::npos) return nullptr;
        const AttrId id = exporter->adj_rib_out(n).get(index);
        if (id == AdjRibOut::kNoRoute) return nullptr;
        const Bytes form = exporter->sent_form(id);
        AttributeDecoder d;
        PathAttributes a;
        Diagnostics diag;
        const bool four = exporter->neighbours()[n].config.four_byte_as;
        EXPECT_TRUE(d.decode(form.subspan(1 + form[0]), AttributeContext{four, false, false}, a, diag));
        EXPECT_EQ(diag.count(), 0u);
        const Afi family = parse_prefix(prefix).afi;
        if (family == Afi::ipv6) {
            a.mp_reach.present = true;
            a.mp_reach.afi = kAfiIpv6;
            a.mp_reach.safi = kSafiUnicast;
            a.mp_reach.next_hop_len = form[0];
            std::copy(form.begin() + 1, form.begin() + 1 + form[0], a.mp_reach.next_hop.begin());
        }
        auto s = std::make_unique<Seen>();
        s->has_as4_path = a.has_as4_path;
        canonical_attributes(a, family, s->canonical);
        EXPECT_TRUE(read_route_facts(Bytes(s->canonical), s->facts));
        return s;
    }
    const NeighbourFigures& figures(std::size_t n) const { return (*report.neighbours)[n]; }
    std::uint64_t refused(std::size_t n, const char* why) const {
        for (const auto& [k, v] : figures(n).refused)
            if (k == why) return v;
        return 0;
    }
};

std::vector<std::uint32_t> path_of(const RouteFacts& f) { return f.view.as_path.asns; }
std::string next_hop_of(const RouteFacts& f) {
    IpAddress a;
    a.afi = f.view.next_hop_len == 4 ? Afi::ipv4 : Afi::ipv6;
    std::copy(f.view.next_hop, f.view.next_hop + std::min<int>(f.view.next_hop_len, 16), a.bytes.begin());
    return to_string(a);
}

// ---------------------------------------------------------------- configuration

TEST(ExportConfig, ReadsTheExampleAndLibxbgpsRrClients) {
    const ExportConfig c = config_of(kConfig);
    EXPECT_EQ(c.local.as, 65000u);
    EXPECT_EQ(c.local.router_id, id_of("192.0.2.1"));
    EXPECT_EQ(c.local.cluster_id, id_of("192.0.2.1"));  // the router id unless given
    ASSERT_EQ(c.neighbours.size(), 6u);
    ASSERT_EQ(c.rr_client_ids.size(), 1u);
    EXPECT_EQ(c.rr_client_ids[0], id_of("10.0.0.2"));
    const Neighbours n(c);
    EXPECT_TRUE(n[kEbgp].ebgp);
    EXPECT_TRUE(n[kClient1].rr_client);
    EXPECT_TRUE(n[kClient2].rr_client);  // through rr_clients
    EXPECT_FALSE(n[kNonClient3].rr_client);
    EXPECT_TRUE(n.reflector());
    EXPECT_FALSE(n[kOld].config.four_byte_as);
    // iBGP without next_hop_self share a class; eBGP 4-byte and 2-byte differ.
    EXPECT_EQ(n[kClient1].attribute_class, n[kNonClient4].attribute_class);
    EXPECT_NE(n[kEbgp].attribute_class, n[kOld].attribute_class);
    EXPECT_NE(n[kEbgp].attribute_class, n[kClient1].attribute_class);
    // MRT peers: by address and AS.
    const PeerRole r = n.role_of(PeerIdentity{parse_ip("10.0.0.3"), 65000});
    EXPECT_EQ(r.neighbour, static_cast<std::uint32_t>(kNonClient3));
    EXPECT_TRUE(r.ibgp);
    const PeerRole e = n.role_of(PeerIdentity{parse_ip("203.0.113.9"), 64999});
    EXPECT_EQ(e.neighbour, kNotANeighbour);
    EXPECT_FALSE(e.ibgp);
    EXPECT_EQ(e.router_id, id_of("203.0.113.9"));
}

TEST(ExportConfig, PlainArrayOfRrClients) {
    const ExportConfig c = config_of(R"({"local": {"as": 1, "router_id": "1.1.1.1", "cluster_id": 7,
        "addresses": ["1.1.1.1"]}, "neighbours": [], "rr_clients": ["10.21.42.2", "10.21.42.5"]})");
    EXPECT_EQ(c.local.cluster_id, 7u);
    EXPECT_EQ(c.rr_client_ids.size(), 2u);
}

TEST(ExportConfig, RefusesWhatCannotWork) {
    ExportConfig c;
    std::string why;
    EXPECT_FALSE(parse_export_config("[]", c, why));
    EXPECT_FALSE(parse_export_config(R"({"local": {"router_id": "1.1.1.1"}, "neighbours": []})", c, why));
    EXPECT_NE(why.find("local.as"), std::string::npos);
    // eBGP needs a local address of the family for NEXT_HOP.
    EXPECT_FALSE(parse_export_config(R"({"local": {"as": 1, "router_id": "1.1.1.1", "addresses": ["1.1.1.1"]},
        "neighbours": [{"address": "2.2.2.2", "as": 2, "families": ["ipv6"]}]})", c, why));
    EXPECT_NE(why.find("NEXT_HOP"), std::string::npos);
    // A client must be iBGP.
    EXPECT_FALSE(parse_export_config(R"({"local": {"as": 1, "router_id": "1.1.1.1", "addresses": ["1.1.1.1"]},
        "neighbours": [{"address": "2.2.2.2", "as": 2, "rr_client": true}]})", c, why));
    EXPECT_NE(why.find("rr_client"), std::string::npos);
}

// ---------------------------------------------------------------- one rule at a time

struct Facts {
    std::vector<std::uint8_t> canonical;
    RouteFacts f;
};
// The facts of a route with these attributes (as the RIB keeps them).
std::unique_ptr<Facts> facts_of(const std::vector<Attr>& attrs) {
    const auto msg = update(attrs, {"10.0.0.0/8"});
    UpdateParts parts;
    Diagnostics diag;
    EXPECT_TRUE(split_update(Bytes(msg).subspan(19), parts, diag));
    AttributeDecoder d;
    PathAttributes a;
    EXPECT_TRUE(d.decode(parts.attributes, AttributeContext{true, false, false}, a, diag));
    auto out = std::make_unique<Facts>();
    canonical_attributes(a, Afi::ipv4, out->canonical);
    EXPECT_TRUE(read_route_facts(Bytes(out->canonical), out->f));
    return out;
}

class Rules : public ::testing::Test {
protected:
    Neighbours n{config_of(kConfig)};
    const LocalSpeakerConfig& local = n.local();
    PeerRole ebgp_source = n.role_of(PeerIdentity{parse_ip("203.0.113.9"), 64999});
    PeerRole client_source = n.role_of(PeerIdentity{parse_ip("10.0.0.1"), 65000});
    PeerRole nonclient_source = n.role_of(PeerIdentity{parse_ip("10.0.0.3"), 65000});
};

TEST_F(Rules, LoopsTheLocalSpeakerIgnores) {
    EXPECT_TRUE(usable_by_local_speaker(facts_of({origin(0), as_path({64999})})->f, local));
    const auto loop = facts_of({origin(0), as_path({64999, 65000, 3})});
    EXPECT_TRUE(as_path_has_local_as(loop->f, local));
    EXPECT_FALSE(usable_by_local_speaker(loop->f, local));
    const auto own = facts_of({origin(0), as_path({}), originator("192.0.2.1")});
    EXPECT_TRUE(originator_is_local(own->f, local));
    const auto cluster = facts_of({origin(0), as_path({}), cluster_list({"10.9.9.9", "192.0.2.1"})});
    EXPECT_TRUE(cluster_list_has_local(cluster->f, local));
    for (const auto* x : {loop.get(), own.get(), cluster.get()}) {
        EXPECT_FALSE(usable_by_local_speaker(x->f, local));
        EXPECT_FALSE(usable_by_local_speaker(Bytes(x->canonical), local));  // the fast form agrees
    }
    EXPECT_TRUE(usable_by_local_speaker(Bytes(facts_of({origin(0), as_path({1, 2})})->canonical), local));
}

TEST_F(Rules, SplitHorizon) {
    EXPECT_EQ(split_horizon(client_source, kClient1), Refusal::split_horizon);
    EXPECT_EQ(split_horizon(client_source, kClient2), Refusal::none);
    EXPECT_EQ(split_horizon(ebgp_source, kEbgp), Refusal::none);
}

TEST_F(Rules, IbgpToIbgpOnlyWhenReflecting) {
    // eBGP-learned: to everyone.
    for (std::size_t i = 0; i < n.size(); ++i) EXPECT_EQ(ibgp_rule(ebgp_source, n[i]), Refusal::none);
    // From a client: to clients and non-clients.
    EXPECT_EQ(ibgp_rule(client_source, n[kClient2]), Refusal::none);
    EXPECT_EQ(ibgp_rule(client_source, n[kNonClient4]), Refusal::none);
    // From a non-client: to clients only.
    EXPECT_EQ(ibgp_rule(nonclient_source, n[kClient2]), Refusal::none);
    EXPECT_EQ(ibgp_rule(nonclient_source, n[kNonClient4]), Refusal::ibgp_to_ibgp);
    // iBGP-learned to eBGP: always.
    EXPECT_EQ(ibgp_rule(nonclient_source, n[kEbgp]), Refusal::none);
    EXPECT_TRUE(reflects(client_source, n[kClient2]));
    EXPECT_FALSE(reflects(client_source, n[kEbgp]));
}

TEST_F(Rules, NotToTheOriginatorNorToAnAsInThePath) {
    const auto f = facts_of({origin(0), as_path({}), originator("10.0.0.2")});
    EXPECT_EQ(originator_rule(f->f, client_source, n[kClient2]), Refusal::originator_is_neighbour);
    EXPECT_EQ(originator_rule(f->f, client_source, n[kNonClient4]), Refusal::none);
    // Without ORIGINATOR_ID the source is the originator: not back to it.
    const auto g = facts_of({origin(0), as_path({})});
    EXPECT_EQ(originator_rule(g->f, nonclient_source, n[kNonClient3]), Refusal::originator_is_neighbour);
    const auto p = facts_of({origin(0), as_path({64999, 64500, 1})});
    EXPECT_EQ(neighbour_as_rule(p->f, n[kEbgp]), Refusal::neighbour_as_in_path);
    EXPECT_EQ(neighbour_as_rule(p->f, n[kOld]), Refusal::none);
}

TEST_F(Rules, WellKnownCommunities) {
    const auto ne = facts_of({origin(0), as_path({1}), communities({0xFFFFFF01u, 0x00010002u})});
    EXPECT_EQ(community_rule(ne->f, n[kEbgp]), Refusal::no_export);
    EXPECT_EQ(community_rule(ne->f, n[kClient2]), Refusal::none);
    const auto sub = facts_of({origin(0), as_path({1}), communities({0xFFFFFF03u})});
    EXPECT_EQ(community_rule(sub->f, n[kEbgp]), Refusal::no_export);
    const auto na = facts_of({origin(0), as_path({1}), communities({0xFFFFFF02u})});
    EXPECT_EQ(community_rule(na->f, n[kClient2]), Refusal::no_advertise);
}

TEST_F(Rules, EbgpPrependsAndSetsNextHopDropsMedAndLocalPref) {
    const auto f = facts_of({origin(1), as_path({64999, 3356}), next_hop("203.0.113.9"), med(50), local_pref(300)});
    OutgoingAttributes out;
    export_attributes(f->f, ebgp_source, n[kEbgp], local, Afi::ipv4, out);
    EXPECT_EQ(out.as_path.asns, (std::vector<std::uint32_t>{65000, 64999, 3356}));
    ASSERT_EQ(out.as_path.segments.size(), 1u);
    EXPECT_EQ(out.next_hop_len, 4);
    EXPECT_EQ(out.next_hop[0], 192);
    EXPECT_FALSE(out.med);
    EXPECT_FALSE(out.local_pref);
    EXPECT_EQ(out.origin, 1);
    // To iBGP: unchanged path and next hop, MED kept, LOCAL_PREF the default for an eBGP-learned route.
    export_attributes(f->f, ebgp_source, n[kClient2], local, Afi::ipv4, out);
    EXPECT_EQ(out.as_path.asns, (std::vector<std::uint32_t>{64999, 3356}));
    EXPECT_EQ(out.next_hop[0], 203);
    EXPECT_EQ(out.med, 50u);
    EXPECT_EQ(out.local_pref, 100u);
    EXPECT_FALSE(out.originator_id);
    EXPECT_TRUE(out.cluster_list.empty());
}

TEST_F(Rules, PrependStartsANewSegmentBeforeASetAndDropsConfederations) {
    AsPath p;
    p.segments = {AsSegment{kAsConfedSequence, 1}, AsSegment{kAsSet, 2}};
    p.asns = {65530, 1, 2};
    prepend_local_as(p, 7);
    ASSERT_EQ(p.segments.size(), 2u);
    EXPECT_EQ(p.segments[0].type, kAsSequence);
    EXPECT_EQ(p.asns, (std::vector<std::uint32_t>{7, 1, 2}));
}

TEST_F(Rules, ReflectionSetsOriginatorAndPrependsTheClusterId) {
    const auto f = facts_of({origin(0), as_path({}), next_hop("10.0.0.1"), local_pref(200), cluster_list({"10.9.9.9"})});
    OutgoingAttributes out;
    export_attributes(f->f, client_source, n[kNonClient4], local, Afi::ipv4, out);
    EXPECT_EQ(out.originator_id, id_of("10.0.0.1"));
    EXPECT_EQ(out.cluster_list, (std::vector<std::uint32_t>{id_of("192.0.2.1"), id_of("10.9.9.9")}));
    EXPECT_EQ(out.local_pref, 200u);  // iBGP-learned: kept
    // An existing ORIGINATOR_ID is kept (RFC 4456 §8: not created again).
    const auto g = facts_of({origin(0), as_path({}), originator("10.7.7.7")});
    export_attributes(g->f, client_source, n[kNonClient4], local, Afi::ipv4, out);
    EXPECT_EQ(out.originator_id, id_of("10.7.7.7"));
    // Neither goes to eBGP.
    export_attributes(f->f, client_source, n[kEbgp], local, Afi::ipv4, out);
    EXPECT_FALSE(out.originator_id);
    EXPECT_TRUE(out.cluster_list.empty());
}

TEST_F(Rules, UnrecognisedAttributes) {
    const auto f = facts_of({origin(0), as_path({1}), Attr{0xc0, 99, {1, 2}}, Attr{0x80, 98, {3}},
                             Attr{0xc0, attr::kLargeCommunities, std::vector<std::uint8_t>(12, 1)}});
    OutgoingAttributes out;
    export_attributes(f->f, ebgp_source, n[kEbgp], local, Afi::ipv4, out);
    ASSERT_EQ(out.passed.size(), 2u);  // 32 and 99; 98 (optional non-transitive) dropped
    EXPECT_EQ(out.passed[0].code, attr::kLargeCommunities);
    EXPECT_EQ(out.passed[0].flags, 0xc0);
    EXPECT_EQ(out.passed[1].code, 99);
    EXPECT_EQ(out.passed[1].flags, 0xe0);  // Partial bit set
}

// ---------------------------------------------------------------- encoder

TEST(UpdateEncoder, TwoByteSessionsGetAsTransAndAs4Path) {
    OutgoingAttributes a;
    a.origin = 0;
    a.as_path.segments = {AsSegment{kAsSequence, 3}};
    a.as_path.asns = {65000, 4200000001u, 64999};
    a.next_hop_len = 4;
    a.aggregator = Aggregator{true, 4200000002u, {1, 2, 3, 4}};
    std::vector<std::uint8_t> sent;
    encode_path_attributes(a, false, Afi::ipv4, sent);
    AttributeDecoder d;
    PathAttributes back;
    Diagnostics diag;
    ASSERT_TRUE(d.decode(Bytes(sent).subspan(1), AttributeContext{false, false, false}, back, diag));
    EXPECT_TRUE(back.has_as4_path);
    EXPECT_EQ(back.as_path.asns, a.as_path.asns);  // merged back (RFC 6793 §4.2.3)
    EXPECT_EQ(back.aggregator.as, 4200000002u);
    // All 2-byte: no AS4_PATH (§4.2.2: SHOULD NOT send it).
    a.as_path.asns = {65000, 1, 2};
    a.aggregator.present = false;
    encode_path_attributes(a, false, Afi::ipv4, sent);
    ASSERT_TRUE(d.decode(Bytes(sent).subspan(1), AttributeContext{false, false, false}, back, diag));
    EXPECT_FALSE(back.has_as4_path);
    EXPECT_EQ(diag.count(), 0u);
}

TEST(UpdateEncoder, PacksIntoMessagesOf4096BytesAtMost) {
    OutgoingAttributes a;
    a.as_path.segments = {AsSegment{kAsSequence, 1}};
    a.as_path.asns = {65000};
    a.next_hop_len = 16;
    a.next_hop[0] = 0x20;
    std::vector<std::uint8_t> sent;
    encode_path_attributes(a, true, Afi::ipv6, sent);
    std::vector<Prefix> many;
    for (unsigned i = 0; i < 2000; ++i) {
        Prefix p;
        p.afi = Afi::ipv6;
        p.len = 48;
        p.addr[0] = 0x20;
        p.addr[1] = 0x01;
        p.addr[4] = static_cast<std::uint8_t>(i >> 8);
        p.addr[5] = static_cast<std::uint8_t>(i);
        many.push_back(p);
    }
    std::size_t messages = 0, prefixes = 0;
    UpdatePacker pack([&](Bytes m) {
        ++messages;
        EXPECT_LE(m.size(), kMaxUpdateSize);
        BgpMessage msg;
        Diagnostics diag;
        ASSERT_TRUE(decode_message(m, msg, diag));
        UpdateParts parts;
        ASSERT_TRUE(split_update(msg.body, parts, diag));
        AttributeDecoder d;
        PathAttributes back;
        ASSERT_TRUE(d.decode(parts.attributes, AttributeContext{true, false, false}, back, diag));
        ASSERT_TRUE(back.mp_reach.present);
        prefixes += back.mp_reach.nlri.size() / 7;  // 1 + 6 bytes per /48
        EXPECT_EQ(diag.count(), 0u);
    });
    EXPECT_EQ(pack.announce(Bytes(sent), Afi::ipv6, many), messages);
    EXPECT_GT(messages, 3u);
    EXPECT_EQ(prefixes, 2000u);
    std::size_t withdrawals = 0;
    UpdatePacker counting([&](Bytes m) { ++withdrawals; EXPECT_LE(m.size(), kMaxUpdateSize); });
    EXPECT_EQ(counting.withdraw(Afi::ipv6, many), withdrawals);
    EXPECT_GT(withdrawals, 2u);
    // Attributes that cannot fit one UPDATE are refused.
    OutgoingAttributes big = a;
    big.cluster_list.assign(1100, 7);
    encode_path_attributes(big, true, Afi::ipv6, sent);
    EXPECT_FALSE(fits_one_update(Bytes(sent), Afi::ipv6));
}

// ---------------------------------------------------------------- the rules on replayed streams

TEST(Export, EbgpLearnedRouteGoesToEveryNeighbour) {
    Stream s;
    s.add("203.0.113.9", 64999,
          update({origin(0), as_path({64999, 3356}), next_hop("203.0.113.9"), med(50)}, {"10.1.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    const auto e = run.sent(kEbgp, "10.1.0.0/16");
    ASSERT_TRUE(e);
    EXPECT_EQ(path_of(e->facts), (std::vector<std::uint32_t>{65000, 64999, 3356}));  // prepend
    EXPECT_EQ(next_hop_of(e->facts), "192.0.2.1");                                 // NEXT_HOP = local
    EXPECT_FALSE(e->facts.med);                                                     // MED not to another AS
    EXPECT_FALSE(e->facts.local_pref);                                              // LOCAL_PREF only iBGP
    for (int n : {kClient1, kClient2, kNonClient3, kNonClient4}) {
        const auto i = run.sent(n, "10.1.0.0/16");
        ASSERT_TRUE(i) << n;
        EXPECT_EQ(path_of(i->facts), (std::vector<std::uint32_t>{64999, 3356}));
        EXPECT_EQ(next_hop_of(i->facts), "203.0.113.9");
        EXPECT_EQ(i->facts.med, 50u);
        EXPECT_EQ(i->facts.local_pref, 100u);
        EXPECT_FALSE(i->facts.originator_id);  // not reflected
        EXPECT_TRUE(i->facts.cluster_list.empty());
    }
    for (std::size_t n = 0; n < 6; ++n) {
        EXPECT_EQ(run.figures(n).announced, 1u);
        EXPECT_EQ(run.figures(n).updates, 1u);
        EXPECT_EQ(run.figures(n).adj_rib_out, 1u);
    }
}

TEST(Export, ClientRouteIsReflectedToClientsAndNonClients) {
    Stream s;
    s.add("10.0.0.1", 65000, update({origin(0), as_path({64999}), next_hop("10.0.0.1"), local_pref(200)}, {"10.2.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kClient1, "10.2.0.0/16"));  // split horizon
    EXPECT_EQ(run.refused(kClient1, "split_horizon"), 1u);
    for (int n : {kClient2, kNonClient3, kNonClient4}) {
        const auto r = run.sent(n, "10.2.0.0/16");
        ASSERT_TRUE(r) << n;
        EXPECT_EQ(r->facts.originator_id, id_of("10.0.0.1"));
        ASSERT_EQ(r->facts.cluster_list.size(), 4u);
        EXPECT_EQ(r->facts.local_pref, 200u);
        EXPECT_EQ(next_hop_of(r->facts), "10.0.0.1");
    }
    const auto e = run.sent(kEbgp, "10.2.0.0/16");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->facts.originator_id);
    EXPECT_TRUE(e->facts.cluster_list.empty());
    EXPECT_EQ(path_of(e->facts), (std::vector<std::uint32_t>{65000, 64999}));
}

TEST(Export, NonClientRouteIsReflectedToClientsOnly) {
    Stream s;
    s.add("10.0.0.3", 65000, update({origin(0), as_path({64999}), next_hop("10.0.0.3")}, {"10.3.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_TRUE(run.sent(kClient1, "10.3.0.0/16"));
    EXPECT_TRUE(run.sent(kClient2, "10.3.0.0/16"));
    EXPECT_FALSE(run.sent(kNonClient3, "10.3.0.0/16"));  // split horizon
    EXPECT_FALSE(run.sent(kNonClient4, "10.3.0.0/16"));  // iBGP non-client to non-client
    EXPECT_EQ(run.refused(kNonClient4, "ibgp_to_ibgp"), 1u);
    EXPECT_TRUE(run.sent(kEbgp, "10.3.0.0/16"));
}

TEST(Export, WithoutClientsNoIbgpRouteGoesToIbgp) {
    const ExportConfig c = config_of(R"({"local": {"as": 65000, "router_id": "192.0.2.1", "addresses": ["192.0.2.1"]},
      "neighbours": [{"address": "10.0.0.4", "as": 65000}, {"address": "198.51.100.1", "as": 64500}]})");
    Stream s;
    s.add("10.0.0.3", 65000, update({origin(0), as_path({64999}), next_hop("10.0.0.3")}, {"10.3.0.0/16"}));
    ExportRun run(c, s.bytes);
    EXPECT_FALSE(run.sent(0, "10.3.0.0/16"));
    EXPECT_TRUE(run.sent(1, "10.3.0.0/16"));
}

TEST(Export, RouteWithTheLocalOriginatorIdIsIgnored) {
    Stream s;
    // The shorter path carries our own ORIGINATOR_ID: a loop; the longer eBGP path is the best.
    s.add("10.0.0.3", 65000,
          update({origin(0), as_path({1}), next_hop("10.0.0.3"), originator("192.0.2.1")}, {"10.4.0.0/16"}));
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999, 2, 3}), next_hop("203.0.113.9")}, {"10.4.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    const auto e = run.sent(kEbgp, "10.4.0.0/16");
    ASSERT_TRUE(e);
    EXPECT_EQ(path_of(e->facts), (std::vector<std::uint32_t>{65000, 64999, 2, 3}));
    // The replay's own selection (which knows no local speaker) prefers the loop.
    const std::uint32_t p = run.replay->rib().index_of(parse_prefix("10.4.0.0/16"));
    EXPECT_NE(run.exporter->best_route(p), run.replay->best_route_of_prefix()[p]);
}

TEST(Export, RouteWithTheLocalClusterIdIsIgnored) {
    Stream s;
    s.add("10.0.0.1", 65000,
          update({origin(0), as_path({1}), next_hop("10.0.0.1"), cluster_list({"192.0.2.1"})}, {"10.5.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    for (std::size_t n = 0; n < 6; ++n) EXPECT_FALSE(run.sent(n, "10.5.0.0/16")) << n;
    for (std::size_t n = 0; n < 6; ++n) EXPECT_EQ(run.figures(n).updates, 0u);
}

TEST(Export, NotReflectedToTheOriginator) {
    Stream s;
    s.add("10.0.0.1", 65000,
          update({origin(0), as_path({1}), next_hop("10.0.0.1"), originator("10.0.0.2")}, {"10.6.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kClient2, "10.6.0.0/16"));
    EXPECT_EQ(run.refused(kClient2, "originator_is_neighbour"), 1u);
    const auto r = run.sent(kNonClient4, "10.6.0.0/16");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->facts.originator_id, id_of("10.0.0.2"));
}

TEST(Export, EbgpSplitHorizonAndNeighbourAsInPath) {
    Stream s;
    s.add("198.51.100.1", 64500, update({origin(0), as_path({64500, 7}), next_hop("198.51.100.1")}, {"10.7.0.0/16"}));
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999, 64501}), next_hop("203.0.113.9")}, {"10.8.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kEbgp, "10.7.0.0/16"));
    EXPECT_EQ(run.refused(kEbgp, "split_horizon"), 1u);
    EXPECT_TRUE(run.sent(kOld, "10.7.0.0/16"));
    EXPECT_TRUE(run.sent(kClient2, "10.7.0.0/16"));
    EXPECT_FALSE(run.sent(kOld, "10.8.0.0/16"));
    EXPECT_EQ(run.refused(kOld, "neighbour_as_in_path"), 1u);
}

TEST(Export, NoExportStaysInTheAs) {
    Stream s;
    s.add("203.0.113.9", 64999,
          update({origin(0), as_path({64999}), next_hop("203.0.113.9"), communities({0xFFFFFF01u})}, {"10.9.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kEbgp, "10.9.0.0/16"));
    EXPECT_EQ(run.refused(kEbgp, "no_export"), 1u);
    EXPECT_TRUE(run.sent(kClient2, "10.9.0.0/16"));
}

TEST(Export, WithdrawnWhenTheBestRouteGoes) {
    Stream s;
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999}), next_hop("203.0.113.9")}, {"10.10.0.0/16", "10.11.0.0/16"}));
    s.add("203.0.113.9", 64999, update({}, {}, {"10.10.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    for (std::size_t n = 0; n < 6; ++n) {
        EXPECT_FALSE(run.sent(n, "10.10.0.0/16"));
        EXPECT_TRUE(run.sent(n, "10.11.0.0/16"));
        EXPECT_EQ(run.figures(n).announced, 2u);
        EXPECT_EQ(run.figures(n).withdrawn, 1u);
        EXPECT_EQ(run.figures(n).updates, 2u);  // one announcing both, one withdrawing
        EXPECT_EQ(run.figures(n).adj_rib_out, 1u);
    }
}

TEST(Export, WithdrawnWhenTheBestRouteBecomesUnexportable) {
    Stream s;
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999, 1, 2}), next_hop("203.0.113.9")}, {"10.12.0.0/16"}));
    // A shorter path from a non-client: now best, and not for the other non-client.
    s.add("10.0.0.3", 65000, update({origin(0), as_path({1}), next_hop("10.0.0.3")}, {"10.12.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kNonClient4, "10.12.0.0/16"));
    EXPECT_EQ(run.figures(kNonClient4).withdrawn, 1u);
    EXPECT_FALSE(run.sent(kNonClient3, "10.12.0.0/16"));  // split horizon now
    EXPECT_EQ(run.figures(kNonClient3).withdrawn, 1u);
    const auto c = run.sent(kClient2, "10.12.0.0/16");
    ASSERT_TRUE(c);
    EXPECT_EQ(path_of(c->facts), (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(run.figures(kClient2).announced, 2u);  // replaced: implicit withdrawal
    EXPECT_EQ(run.figures(kClient2).withdrawn, 0u);
}

TEST(Export, SameAttributesAgainSendNothing) {
    Stream s;
    const auto m = update({origin(0), as_path({64999}), next_hop("203.0.113.9")}, {"10.13.0.0/16"});
    s.add("203.0.113.9", 64999, m);
    s.add("203.0.113.9", 64999, m);
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_EQ(run.figures(kEbgp).updates, 1u);
}

TEST(Export, Ipv6GoesInMpReachNlri) {
    Stream s;
    s.add("203.0.113.9", 64999,
          update({origin(0), as_path({64999}), mp_reach_v6("2001:db8:ffff::9", {"2001:db8:100::/48"})}, {}));
    ExportRun run(config_of(kConfig), s.bytes);
    const auto e = run.sent(kEbgp, "2001:db8:100::/48");
    ASSERT_TRUE(e);
    EXPECT_EQ(next_hop_of(e->facts), "2001:db8::1");
    const auto i = run.sent(kClient2, "2001:db8:100::/48");
    ASSERT_TRUE(i);
    EXPECT_EQ(next_hop_of(i->facts), "2001:db8:ffff::9");
    // And withdrawn through MP_UNREACH_NLRI.
    Stream t = s;
    t.add("203.0.113.9", 64999, update({mp_unreach_v6({"2001:db8:100::/48"})}, {}));
    ExportRun gone(config_of(kConfig), t.bytes);
    EXPECT_FALSE(gone.sent(kEbgp, "2001:db8:100::/48"));
    EXPECT_EQ(gone.figures(kEbgp).withdrawn, 1u);
}

TEST(Export, SessionDownWithdrawsItsRoutes) {
    Stream s;
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999}), next_hop("203.0.113.9")}, {"10.14.0.0/16"}));
    std::vector<std::uint8_t> rec;
    encode_bgp4mp_state_change(2000, PeerKey{parse_ip("203.0.113.9"), 64999}, PeerKey{parse_ip("192.0.2.250"), 12654},
                               true, 6, 1, rec);
    s.bytes.insert(s.bytes.end(), rec.begin(), rec.end());
    ExportRun run(config_of(kConfig), s.bytes);
    EXPECT_FALSE(run.sent(kEbgp, "10.14.0.0/16"));
    EXPECT_EQ(run.figures(kEbgp).withdrawn, 1u);
}

// ---------------------------------------------------------------- round trips

// The records of `path` whose peer is `neighbour`, as one stream.
std::vector<std::uint8_t> records_of(const std::string& path, const Neighbour& neighbour) {
    std::string why;
    auto src = open_byte_source(path, why);
    EXPECT_TRUE(src) << why;
    std::vector<std::uint8_t> out;
    if (!src) return out;
    Diagnostics diag;
    MrtReader reader(std::move(src), diag);
    MrtRecord rec;
    while (reader.next(rec)) {
        Bgp4mpRecord r;
        EXPECT_TRUE(parse_bgp4mp(rec, r, diag));
        const std::uint32_t as = neighbour.config.four_byte_as || neighbour.config.as <= 0xffff ? neighbour.config.as : kAsTrans;
        if (r.peer.ip == neighbour.config.address && r.peer.as == as)
            out.insert(out.end(), rec.start, rec.body.data() + rec.body.size());
    }
    EXPECT_EQ(diag.count(), 0u);
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    std::sort(v.begin(), v.end());
    return v;
}

std::string adj_rib_out_text(const Exporter& e, std::size_t n, RibDumpFormat format) {
    char* buf = nullptr;
    std::size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    EXPECT_GE(e.write_adj_rib_out(f, n, format), 0);
    std::fclose(f);
    std::string s(buf, size);
    std::free(buf);
    return s;
}

std::string rib_text(const std::vector<std::uint8_t>& stream, RibDumpFormat format) {
    Replay r;
    r.replay_source(memory_byte_source(stream.data(), stream.size()), "exported");
    r.finish();
    EXPECT_EQ(r.diagnostics().count(), 0u);
    char* buf = nullptr;
    std::size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    EXPECT_GE(write_rib_dump(r, f, RibDumpOptions{format, false}), 0);
    std::fclose(f);
    std::string s(buf, size);
    std::free(buf);
    return s;
}

// Replaying what one neighbour was sent gives exactly its Adj-RIB-Out, line for line.
void expect_round_trip(const ExportRun& run) {
    for (std::size_t n = 0; n < run.exporter->neighbours().size(); ++n) {
        const auto stream = records_of(run.updates_path, run.exporter->neighbours()[n]);
        for (const RibDumpFormat format : {RibDumpFormat::bgpdump, RibDumpFormat::jsonl}) {
            const auto expected = lines_of(adj_rib_out_text(*run.exporter, n, format));
            const auto replayed = lines_of(rib_text(stream, format));
            EXPECT_EQ(expected.size(), run.exporter->adj_rib_out(n).size());
            EXPECT_TRUE(expected == replayed) << "neighbour " << n << ": " << expected.size() << " routes kept, "
                                              << replayed.size() << " replayed";
        }
    }
}

TEST(ExportRoundTrip, SyntheticStreams) {
    Stream s;
    s.add("203.0.113.9", 64999,
          update({origin(0), as_path({64999, 4200000001u}), next_hop("203.0.113.9"), med(5),
                  Attr{0xc0, attr::kAggregator, be32({4200000001u, 0x01020304})}},
                 {"10.20.0.0/16", "10.21.0.0/16", "10.23.0.0/16"}));
    s.add("10.0.0.1", 65000, update({origin(2), as_path({7}), next_hop("10.0.0.1"), local_pref(300)}, {"10.21.0.0/16"}));
    s.add("10.0.0.3", 65000, update({origin(0), as_path({8}), next_hop("10.0.0.3")}, {"10.22.0.0/16"}));
    s.add("203.0.113.9", 64999,
          update({origin(0), as_path({64999}), mp_reach_v6("2001:db8:ffff::9", {"2001:db8:100::/48", "2001:db8:200::/40"})}, {}));
    s.add("203.0.113.9", 64999, update({}, {}, {"10.20.0.0/16"}));
    ExportRun run(config_of(kConfig), s.bytes);
    expect_round_trip(run);
    // The 2-byte session's path comes back whole through AS4_PATH.
    const auto old = run.sent(kOld, "10.23.0.0/16");
    ASSERT_TRUE(old);
    EXPECT_TRUE(old->has_as4_path);
    EXPECT_EQ(path_of(old->facts), (std::vector<std::uint32_t>{65000, 64999, 4200000001u}));
}

TEST(ExportRoundTrip, RealUpdateFilesWithThreeNeighbours) {
    const char* three = R"({"local": {"as": 65000, "router_id": "192.0.2.1", "addresses": ["192.0.2.1", "2001:db8::1"]},
      "neighbours": [{"name": "ebgp", "address": "198.51.100.1", "as": 64500},
                     {"name": "client", "address": "10.0.0.1", "as": 65000, "rr_client": true},
                     {"name": "ibgp", "address": "10.0.0.3", "as": 65000}]})";
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(mrt_data_dir())) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("updates.", 0) != 0) continue;
        ++files;
        SCOPED_TRACE(name);
        std::string why;
        auto src = open_byte_source(entry.path().string(), why);
        ASSERT_TRUE(src) << why;
        std::vector<std::uint8_t> bytes;
        std::uint8_t buf[65536];
        for (std::ptrdiff_t n; (n = src->read(buf, sizeof buf)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
        ExportRun run(config_of(three), bytes, ".mrt.gz");
        expect_round_trip(run);
        // The Loc-RIB kept as the replay went is the selection of finish(),
        // but for a prefix whose finish() best is a route the local speaker
        // ignores (a loop: real paths carry 65000, this config's AS): there
        // the Loc-RIB holds another route or none.
        const auto& best = run.replay->best_route_of_prefix();
        const auto& prefixes = run.replay->rib().prefixes();
        const LocalSpeakerConfig& local = run.exporter->neighbours().local();
        for (std::uint32_t p = 0; p < best.size(); ++p) {
            if (best[p] != kNoBestRoute &&
                !usable_by_local_speaker(
                    run.replay->rib().attribute_store()[prefixes[p].routes[best[p]].path_attributes].key(), local)) {
                ASSERT_NE(run.exporter->best_route(p), best[p]) << p;
                continue;
            }
            ASSERT_EQ(run.exporter->best_route(p), best[p]) << p;
        }
        // Every best route is eBGP-learned: the client gets them all but NO_ADVERTISE ones, the
        // eBGP neighbour fewer (NO_EXPORT, its own AS 64500 in the path).
        ASSERT_TRUE(run.report.rib);
        EXPECT_LE(run.figures(0).adj_rib_out, run.figures(1).adj_rib_out);
        EXPECT_LE(run.figures(1).adj_rib_out, run.report.rib->best_routes);
        EXPECT_EQ(run.figures(1).adj_rib_out, run.figures(2).adj_rib_out);
    }
    EXPECT_GE(files, 1u);
}

TEST(ExportRoundTrip, BgpdumpDecodesEveryRecord) {
    std::vector<std::uint8_t> bytes;
    for (const char* name : {"updates.20071015.1505.gz", "updates.20100722.2015.gz"}) {
        std::string why;
        auto src = open_byte_source((mrt_data_dir() / name).string(), why);
        ASSERT_TRUE(src) << why;
        std::uint8_t buf[65536];
        for (std::ptrdiff_t n; (n = src->read(buf, sizeof buf)) > 0;) bytes.insert(bytes.end(), buf, buf + n);
    }
    Stream extra;  // IPv6, a 2-byte session, reflection: every kind of message
    extra.time = 2000000000;
    extra.add("10.0.0.1", 65000, update({origin(0), as_path({7}), next_hop("10.0.0.1"), local_pref(300)}, {"10.21.0.0/16"}));
    extra.add("203.0.113.9", 64999,
              update({origin(0), as_path({64999, 4200000001u}), mp_reach_v6("2001:db8:ffff::9", {"2001:db8:100::/48"})}, {}));
    extra.add("203.0.113.9", 64999, update({mp_unreach_v6({"2001:db8:100::/48"})}, {}));
    bytes.insert(bytes.end(), extra.bytes.begin(), extra.bytes.end());
    // Compressed: several gzip members, which bgpdump (zlib's gzread) reads as one stream.
    ExportRun run(config_of(kConfig), bytes, ".mrt.gz");
    std::uint64_t records = 0;
    for (std::size_t n = 0; n < 6; ++n) records += run.figures(n).updates;
    ASSERT_GT(records, 100u);
    // More than one gzip member (one per MiB of records): bgpdump must read on past the first.
    {
        std::string why;
        auto written = open_byte_source(run.updates_path, why);
        ASSERT_TRUE(written) << why;
        std::size_t total = 0;
        std::uint8_t chunk[65536];
        for (std::ptrdiff_t n; (n = written->read(chunk, sizeof chunk)) > 0;) total += static_cast<std::size_t>(n);
        EXPECT_GT(total, std::size_t{1} << 20);
    }
    const std::string out = run.updates_path + ".bgpdump";
    const std::string err = run.updates_path + ".err";
    const std::string cmd = std::string(MEMPOOL_BGPDUMP) + " -m " + run.updates_path + " > " + out + " 2> " + err;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream o(out), e(err);
    std::stringstream os, es;
    os << o.rdbuf();
    es << e.rdbuf();
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    // Each message is one or more lines (one per prefix); none is an error.
    std::size_t lines = 0, announce = 0, withdraw = 0;
    for (const auto& l : lines_of(os.str())) {
        ++lines;
        if (l.find("|A|") != std::string::npos) ++announce;
        if (l.find("|W|") != std::string::npos) ++withdraw;
    }
    std::uint64_t announced = 0, withdrawn = 0;
    for (std::size_t n = 0; n < 6; ++n) {
        announced += run.figures(n).announced;
        withdrawn += run.figures(n).withdrawn;
    }
    EXPECT_EQ(announce, announced);
    EXPECT_EQ(withdraw, withdrawn);
    EXPECT_EQ(lines, announce + withdraw);
    // bgpdump says where it logs; anything else on stderr is a complaint.
    for (const auto& l : lines_of(es.str())) EXPECT_NE(l.find("[info] logging to syslog"), std::string::npos) << l;
}

TEST(ExportReport, WithoutExportTheReportHasNoExportKey) {
    Stream s;
    s.add("203.0.113.9", 64999, update({origin(0), as_path({64999}), next_hop("203.0.113.9")}, {"10.1.0.0/16"}));
    const ReplayReport plain = test::replay_bytes(s.bytes);
    EXPECT_FALSE(to_json(plain).contains("export"));
    EXPECT_EQ(to_table(plain).find("Export"), std::string::npos);
    ExportRun run(config_of(kConfig), s.bytes);
    const auto j = to_json(run.report);
    ASSERT_TRUE(j.contains("export"));
    EXPECT_EQ(j["export"]["neighbours"].size(), 6u);
    EXPECT_EQ(j["export"]["neighbours"][0]["adj_rib_out"], 1);
    // Apart from the export figures, the report is the one without export.
    auto without = j;
    without.erase("export");
    EXPECT_EQ(without, to_json(plain));
}

}  // namespace
}  // namespace mempool::bgp
