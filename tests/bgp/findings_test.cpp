// The findings of issue 9, one suite each, from tiny synthetic records built
// here (no data file): each test failed on the code before the fix.
//   Finding2  peers with only OPEN/KEEPALIVE/NOTIFICATION are listed
//   As4Merge  RFC 6793 §4.2.3, one test per sentence of the section
//   Finding4  MP_REACH/MP_UNREACH of other families are counted, not parsed
//   Finding5  the deprecated MRT type BGP (5) is replayed; zebra-era and
//             other unsupported records are counted by name, not errors
// (Finding 1, `updates` with plugin A, is in plugin_test.cpp: it needs the
// plugin runtime.)
#include <gtest/gtest.h>

#include <algorithm>

#include "mrt_writer.hpp"
#include "path_attributes.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

const PeerKey kPeer{parse_ip("192.0.2.1"), 65001};
const PeerKey kLocal{parse_ip("192.0.2.254"), 12654};

std::vector<std::uint8_t> header_and(std::uint8_t type, const std::vector<std::uint8_t>& body) {
    ByteWriter w;
    for (int i = 0; i < 16; ++i) w.u8(0xff);
    w.u16(static_cast<std::uint32_t>(19 + body.size()));
    w.u8(type);
    w.bytes(Bytes(body));
    return w.buf;
}

std::vector<std::uint8_t> update_body(const std::vector<std::uint8_t>& withdrawn, const std::vector<std::uint8_t>& attrs,
                                      const std::vector<std::uint8_t>& nlri) {
    ByteWriter w;
    w.u16(static_cast<std::uint32_t>(withdrawn.size()));
    w.bytes(Bytes(withdrawn));
    w.u16(static_cast<std::uint32_t>(attrs.size()));
    w.bytes(Bytes(attrs));
    w.bytes(Bytes(nlri));
    return w.buf;
}

void add_record(std::vector<std::uint8_t>& s, const std::vector<std::uint8_t>& rec) { s.insert(s.end(), rec.begin(), rec.end()); }

std::vector<std::uint8_t> bgp4mp(const std::vector<std::uint8_t>& message, const PeerKey& peer = kPeer) {
    std::vector<std::uint8_t> rec;
    encode_bgp4mp_message(1700000000, peer, kLocal, true, Bytes(message), rec);
    return rec;
}

std::vector<std::uint8_t> mrt(std::uint16_t type, std::uint16_t subtype, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    encode_mrt(1700000000, type, subtype, Bytes(body), out);
    return out;
}

std::vector<std::uint8_t> attribute(std::uint8_t flags, std::uint8_t code, const std::vector<std::uint8_t>& value) {
    // Sized first: GCC 12 warns (-Warray-bounds) on an insert that grows a
    // vector it saw built with exactly three bytes.
    std::vector<std::uint8_t> a(3 + value.size());
    a[0] = flags;
    a[1] = code;
    a[2] = static_cast<std::uint8_t>(value.size());
    std::copy(value.begin(), value.end(), a.begin() + 3);
    return a;
}

// ORIGIN IGP, AS_PATH (4-byte) 65001, NEXT_HOP 192.0.2.1.
std::vector<std::uint8_t> base_attrs() {
    return {0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, 0x40, 3, 4, 192, 0, 2, 1};
}

// --- Finding 2 ---------------------------------------------------------------

TEST(Finding2, PeerWithOnlyOpenKeepaliveOrStateChangesIsListed) {
    std::vector<std::uint8_t> s;
    const std::vector<std::uint8_t> open_body = {4, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1, 0};
    add_record(s, bgp4mp(header_and(1, open_body)));
    add_record(s, bgp4mp(header_and(4, {})));
    add_record(s, bgp4mp(header_and(4, {})));
    const PeerKey other{parse_ip("192.0.2.2"), 65002};
    std::vector<std::uint8_t> st;
    encode_bgp4mp_state_change(1700000000, other, kLocal, true, 1, 2, st);
    add_record(s, st);
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u);
    ASSERT_EQ(r.peers.size(), 2u);
    const PeerFigures* p = r.find_peer("192.0.2.1", 65001);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::open)], 1u);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::keepalive)], 2u);
    ASSERT_NE(r.find_peer("192.0.2.2", 65002), nullptr);
    EXPECT_EQ(r.find_peer("192.0.2.2", 65002)->state_changes, 1u);
    const nlohmann::json j = to_json(r);
    EXPECT_EQ(j["peers"][0]["messages"]["keepalive"], 2);
}

// --- Finding 3: RFC 6793 §4.2.3 ----------------------------------------------
//
// Every test decodes the attributes of an UPDATE from an OLD speaker
// (2-byte AS_PATH) and checks the path the route is stored with.

struct Seg {
    std::uint8_t type;
    std::vector<std::uint32_t> asns;
};

std::vector<std::uint8_t> path_attr(std::uint8_t code, bool four, const std::vector<Seg>& segs) {
    ByteWriter v;
    for (const auto& s : segs) {
        v.u8(s.type);
        v.u8(static_cast<std::uint32_t>(s.asns.size()));
        for (auto a : s.asns) four ? v.u32(a) : v.u16(a);
    }
    return attribute(code == attr::kAs4Path ? 0xc0 : 0x40, code, v.buf);
}
std::vector<std::uint8_t> aggregator2(std::uint16_t as) { return attribute(0xc0, attr::kAggregator, {std::uint8_t(as >> 8), std::uint8_t(as), 10, 0, 0, 1}); }
std::vector<std::uint8_t> as4_aggregator(std::uint32_t as) {
    return attribute(0xc0, attr::kAs4Aggregator,
                     {std::uint8_t(as >> 24), std::uint8_t(as >> 16), std::uint8_t(as >> 8), std::uint8_t(as), 10, 0, 0, 2});
}

PathAttributes decode_old(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> field;
    for (const auto& p : parts) field.insert(field.end(), p.begin(), p.end());
    AttributeDecoder dec;
    PathAttributes a;
    Diagnostics d;
    EXPECT_TRUE(dec.decode(Bytes(field), AttributeContext{false, false, false}, a, d));
    EXPECT_EQ(d.count(), 0u);
    return a;
}

std::vector<Seg> segments_of(const AsPath& p) {
    std::vector<Seg> out;
    std::size_t i = 0;
    for (const auto& s : p.segments) {
        out.push_back({s.type, std::vector<std::uint32_t>(p.asns.begin() + static_cast<std::ptrdiff_t>(i),
                                                          p.asns.begin() + static_cast<std::ptrdiff_t>(i + s.count))});
        i += s.count;
    }
    return out;
}
bool operator==(const Seg& a, const Seg& b) { return a.type == b.type && a.asns == b.asns; }
void PrintTo(const Seg& s, std::ostream* os) {
    *os << int(s.type) << ":[";
    for (auto a : s.asns) *os << a << ' ';
    *os << ']';
}

constexpr std::uint32_t kBig1 = 4200000001u, kBig2 = 4200000002u, kBig9 = 4200000009u;

// "When both of the attributes are received, if the AS number in the
// AGGREGATOR attribute is not AS_TRANS, then: the AS4_AGGREGATOR attribute
// and the AS4_PATH attribute SHALL be ignored, the AGGREGATOR attribute SHALL
// be taken as the information about the aggregating node, and the AS_PATH
// attribute SHALL be taken as the AS path information."
TEST(As4Merge, Sentence1_AggregatorNotAsTrans_As4PathAndAs4AggregatorIgnored) {
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456, 300}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, 300}}}),
                                         aggregator2(100), as4_aggregator(kBig9)});
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsSequence, {100, 23456, 300}}}));
    ASSERT_TRUE(a.aggregator.present);
    EXPECT_EQ(a.aggregator.as, 100u);
    EXPECT_EQ(selection_path_length(a.as_path), 3u);
}

// "Otherwise, the AGGREGATOR attribute SHALL be ignored, the AS4_AGGREGATOR
// attribute SHALL be taken as the information about the aggregating node,
// and the AS path information would need to be constructed, as in all other
// cases."
TEST(As4Merge, Sentence1_AggregatorAsTrans_As4AggregatorTakenAndPathConstructed) {
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456, 300}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, 300}}}),
                                         aggregator2(23456), as4_aggregator(kBig9)});
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsSequence, {100}}, {kAsSequence, {kBig1, 300}}}));
    ASSERT_TRUE(a.aggregator.present);
    EXPECT_EQ(a.aggregator.as, kBig9);
}

// "In order to construct the AS path information, it is necessary to first
// calculate the number of AS numbers in the AS_PATH and AS4_PATH attributes
// using the method specified in Section 9.1.2.2 of [RFC4271] and in [RFC5065]
// for route selection": an AS_SET counts 1 ...
TEST(As4Merge, Sentence2_AnAsSetCountsOne) {
    // AS4_PATH counts 2 (a sequence of 1 and a set), not 4: it is used.
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456, 23456}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1}}, {kAsSet, {7, 8, 9}}})});
    EXPECT_EQ(segments_of(a.as_path),
              (std::vector<Seg>{{kAsSequence, {100}}, {kAsSequence, {kBig1}}, {kAsSet, {7, 8, 9}}}));
}

// ... and confederation segments count 0 (RFC 5065).
TEST(As4Merge, Sentence2_ConfederationSegmentsCountZero) {
    // AS_PATH counts 2, not 5: exactly AS4_PATH's 2, nothing of the sequence is taken.
    const PathAttributes a = decode_old(
        {path_attr(attr::kAsPath, false, {{kAsConfedSequence, {65010, 65011, 65012}}, {kAsSequence, {23456, 23456}}}),
         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, kBig2}}})});
    EXPECT_EQ(segments_of(a.as_path),
              (std::vector<Seg>{{kAsConfedSequence, {65010, 65011, 65012}}, {kAsSequence, {kBig1, kBig2}}}));
}

// "If the number of AS numbers in the AS_PATH attribute is less than the
// number of AS numbers in the AS4_PATH attribute, then the AS4_PATH attribute
// SHALL be ignored, and the AS_PATH attribute SHALL be taken as the AS path
// information."
TEST(As4Merge, Sentence3_As4PathLongerThanAsPathIsIgnored) {
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {1, 2, 3}}})});
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsSequence, {100, 23456}}}));
}

// "If the number of AS numbers in the AS_PATH attribute is larger than or
// equal to the number of AS numbers in the AS4_PATH attribute, then the AS
// path information SHALL be constructed by taking as many AS numbers and path
// segments as necessary from the leading part of the AS_PATH attribute, and
// then prepending them to the AS4_PATH attribute so that the AS path
// information has a number of AS numbers identical to that of the AS_PATH
// attribute."
TEST(As4Merge, Sentence4_LeadingPartOfAsPathPrependedToAs4Path) {
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 200, 23456, 23456, 300}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, kBig2, 300}}})});
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsSequence, {100, 200}}, {kAsSequence, {kBig1, kBig2, 300}}}));
    EXPECT_EQ(a.as_path.rfc_as_count(), 5u);  // identical to AS_PATH's
}

// L is counted on the constructed path: AS_PATH alone would give 2 (AS_TRANS
// repeated counts once), the path the route carries gives 3.
TEST(As4Merge, Sentence4_LIsCountedOnTheConstructedPath) {
    const PathAttributes a = decode_old({path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456, 23456}}}),
                                         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, kBig2}}})});
    EXPECT_EQ(selection_path_length(a.as_path), 3u);
    // And it is the L the insertion points and the selection see.
    std::vector<std::uint8_t> attrs = {0x40, 1, 1, 0};
    const auto p2 = path_attr(attr::kAsPath, false, {{kAsSequence, {100, 23456, 23456}}});
    const auto p4 = path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1, kBig2}}});
    attrs.insert(attrs.end(), p2.begin(), p2.end());
    attrs.insert(attrs.end(), p4.begin(), p4.end());
    for (std::uint8_t b : {0x40, 3, 4, 192, 0, 2, 1}) attrs.push_back(b);
    std::vector<std::uint8_t> rec;
    encode_bgp4mp_message(1700000000, kPeer, kLocal, false, Bytes(header_and(2, update_body({}, attrs, {16, 10, 1}))), rec);
    struct Hooks : InsertionPoints {
        std::uint32_t length = 0;
        void route_received(const RouteEvent& e) override { length = e.path_length; }
    } hooks;
    ReplayOptions o;
    o.hooks = &hooks;
    const ReplayReport r = replay_bytes(rec, o);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(hooks.length, 3u);
}

// "Note that a valid AS_CONFED_SEQUENCE or AS_CONFED_SET path segment SHALL
// be prepended if it is either the leading path segment or is adjacent to a
// path segment that is prepended."
TEST(As4Merge, Sentence5_LeadingConfederationSegmentIsPrepended) {
    const PathAttributes a = decode_old(
        {path_attr(attr::kAsPath, false, {{kAsConfedSequence, {65010}}, {kAsSequence, {100, 23456}}}),
         path_attr(attr::kAs4Path, true, {{kAsSequence, {100, kBig1}}})});
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsConfedSequence, {65010}}, {kAsSequence, {100, kBig1}}}));
}

TEST(As4Merge, Sentence5_ConfederationSegmentAdjacentToAPrependedOneIsPrepended) {
    const PathAttributes a = decode_old(
        {path_attr(attr::kAsPath, false, {{kAsSequence, {100}}, {kAsConfedSet, {65010, 65011}}, {kAsSequence, {23456}}}),
         path_attr(attr::kAs4Path, true, {{kAsSequence, {kBig1}}})});
    EXPECT_EQ(segments_of(a.as_path),
              (std::vector<Seg>{{kAsSequence, {100}}, {kAsConfedSet, {65010, 65011}}, {kAsSequence, {kBig1}}}));
}

// Not §4.2.3 but its premise: from a NEW speaker (4-byte AS_PATH) AS4_PATH
// and AS4_AGGREGATOR mean nothing and are not used.
TEST(As4Merge, FourByteSessionsIgnoreAs4Attributes) {
    std::vector<std::uint8_t> field = path_attr(attr::kAsPath, true, {{kAsSequence, {100, 23456}}});
    for (const auto& p : {path_attr(attr::kAs4Path, true, {{kAsSequence, {7}}}), as4_aggregator(kBig9)})
        field.insert(field.end(), p.begin(), p.end());
    const auto agg = attribute(0xc0, attr::kAggregator, {0, 0, 0x5b, 0xa0, 10, 0, 0, 1});  // AS_TRANS, 4-byte
    field.insert(field.end(), agg.begin(), agg.end());
    AttributeDecoder dec;
    PathAttributes a;
    Diagnostics d;
    ASSERT_TRUE(dec.decode(Bytes(field), AttributeContext{true, false, false}, a, d));
    EXPECT_EQ(segments_of(a.as_path), (std::vector<Seg>{{kAsSequence, {100, 23456}}}));
    EXPECT_EQ(a.aggregator.as, 23456u);
}

// --- Finding 4 ---------------------------------------------------------------

std::vector<std::uint8_t> mp_reach(std::uint16_t afi, std::uint8_t safi, const std::vector<std::uint8_t>& next_hop,
                                   const std::vector<std::uint8_t>& nlri) {
    std::vector<std::uint8_t> v = {std::uint8_t(afi >> 8), std::uint8_t(afi), safi, std::uint8_t(next_hop.size())};
    v.insert(v.end(), next_hop.begin(), next_hop.end());
    v.push_back(0);
    v.insert(v.end(), nlri.begin(), nlri.end());
    return attribute(0x80, attr::kMpReach, v);
}
std::vector<std::uint8_t> mp_unreach(std::uint16_t afi, std::uint8_t safi, const std::vector<std::uint8_t>& nlri) {
    std::vector<std::uint8_t> v = {std::uint8_t(afi >> 8), std::uint8_t(afi), safi};
    v.insert(v.end(), nlri.begin(), nlri.end());
    return attribute(0x80, attr::kMpUnreach, v);
}

TEST(Finding4, OtherFamiliesAreCountedAndNeverParsedAsPrefixes) {
    // VPNv4 (SAFI 128): label (3 bytes), RD (8 bytes), 10.1.0/24: length 112,
    // which read as an IPv4 prefix is "prefix length 112 exceeds 32".
    const std::vector<std::uint8_t> vpn_nlri = {112, 0, 0x01, 0x01, 0, 0, 0xfd, 0xe9, 0, 0, 0, 1, 10, 1, 0};
    const std::vector<std::uint8_t> rd_next_hop = {0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1};
    struct Case {
        const char* name;
        std::uint16_t afi;
        std::uint8_t safi;
        std::vector<std::uint8_t> next_hop, nlri;
    };
    const std::vector<Case> cases = {
        {"VPNv4", 1, 128, rd_next_hop, vpn_nlri},
        {"multicast", 1, 2, {192, 0, 2, 1}, {16, 10, 9}},
        {"labeled unicast", 1, 4, {192, 0, 2, 1}, {40, 0, 0x01, 0x01, 10, 9}},
        {"flowspec", 1, 133, {}, {5, 1, 24, 10, 9, 0}},
        {"EVPN", 25, 70, {192, 0, 2, 1}, {2, 33, 0, 0, 0, 0, 0, 0, 0, 1}},
        {"VPNv6", 2, 128, std::vector<std::uint8_t>(24, 0), {120, 0, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<std::uint8_t> s;
        auto attrs = base_attrs();
        const auto reach = mp_reach(c.afi, c.safi, c.next_hop, c.nlri);
        attrs.insert(attrs.end(), reach.begin(), reach.end());
        add_record(s, bgp4mp(header_and(2, update_body({}, attrs, {}))));
        const auto unreach = mp_unreach(c.afi, c.safi, c.nlri);
        add_record(s, bgp4mp(header_and(2, update_body({}, unreach, {}))));
        const ReplayReport r = replay_bytes(s);
        EXPECT_EQ(r.error_count, 0u) << (r.errors.empty() ? "" : r.errors[0].reason);
        const PeerFigures* p = r.find_peer("192.0.2.1", 65001);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->other_families, 2u);
        EXPECT_EQ(p->announced_v4 + p->announced_v6 + p->withdrawn_v4 + p->withdrawn_v6, 0u);
        EXPECT_EQ(*p->routes, 0u);
        EXPECT_EQ(to_json(r)["peers"][0]["other_families"], 2);
    }
}

TEST(Finding4, UnicastBesideAnotherFamilyInOneUpdateIsKept) {
    std::vector<std::uint8_t> s;
    auto attrs = base_attrs();
    const auto reach = mp_reach(1, 128, std::vector<std::uint8_t>(12, 0), {112, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 10, 1, 0});
    attrs.insert(attrs.end(), reach.begin(), reach.end());
    add_record(s, bgp4mp(header_and(2, update_body({}, attrs, {16, 10, 2}))));
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u);
    const PeerFigures* p = r.find_peer("192.0.2.1", 65001);
    EXPECT_EQ(p->announced_v4, 1u);
    EXPECT_EQ(p->other_families, 1u);
    EXPECT_EQ(*p->routes, 1u);
}

// --- Finding 5 ---------------------------------------------------------------

// The body of a deprecated BGP (type 5) record: peer AS, peer IP[, local AS, local IP].
std::vector<std::uint8_t> bgp5_body(bool with_local, const std::vector<std::uint8_t>& rest) {
    std::vector<std::uint8_t> b = {0x02, 0xbd, 193, 0, 0, 9};  // AS 701, 193.0.0.9
    if (with_local) b.insert(b.end(), {0x31, 0x6e, 193, 0, 0, 1});  // AS 12654, 193.0.0.1
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
}

TEST(Finding5, DeprecatedBgpTypeIsReplayed) {
    // 2-byte AS_PATH 701 3356, ORIGIN IGP, NEXT_HOP 193.0.0.9; announces 10.5/16, 10.6/16
    const std::vector<std::uint8_t> attrs = {0x40, 1, 1, 0, 0x40, 2, 6, 2, 2, 0x02, 0xbd, 0x0d, 0x1c,
                                             0x40, 3, 4, 193, 0, 0, 9};
    std::vector<std::uint8_t> s;
    add_record(s, mrt(5, 3, bgp5_body(false, {0, 1, 0, 6})));                         // STATE_CHANGE Idle -> Established
    add_record(s, mrt(5, 5, bgp5_body(true, {4, 0x02, 0xbd, 0, 180, 193, 0, 0, 9, 0})));  // OPEN
    add_record(s, mrt(5, 1, bgp5_body(true, update_body({}, attrs, {16, 10, 5, 16, 10, 6}))));  // UPDATE
    add_record(s, mrt(5, 1, bgp5_body(true, update_body({16, 10, 6}, {}, {}))));      // UPDATE withdrawing 10.6/16
    add_record(s, mrt(5, 7, bgp5_body(true, {})));                                    // KEEPALIVE
    add_record(s, mrt(5, 6, bgp5_body(true, {6, 2})));                                // NOTIFY
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u) << (r.errors.empty() ? "" : r.errors[0].reason);
    EXPECT_TRUE(r.records_not_replayed.empty());
    const PeerFigures* p = r.find_peer("193.0.0.9", 701);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->state_changes, 1u);
    EXPECT_EQ(p->update_messages, 2u);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::open)], 1u);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::keepalive)], 1u);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::notification)], 1u);
    EXPECT_EQ(p->announced_v4, 2u);
    EXPECT_EQ(p->withdrawn_v4, 1u);
    EXPECT_EQ(*p->routes, 1u);
}

TEST(Finding5, TruncatedBgpRecordIsReported) {
    std::vector<std::uint8_t> s;
    add_record(s, mrt(5, 1, {0x02, 0xbd, 193}));
    const ReplayReport r = replay_bytes(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_NE(r.errors[0].reason.find("BGP record truncated"), std::string::npos) << r.errors[0].reason;
}

TEST(Finding5, UnsupportedRecordsAreCountedByNameNotSilentNorErrors) {
    std::vector<std::uint8_t> s;
    // (BGP4MP_ENTRY is replayed now: bgp4mp_entry_test.cpp.)
    add_record(s, mrt(16, 3, {0, 1}));        // BGP4MP_SNAPSHOT (zebra)
    add_record(s, mrt(16, 3, {}));
    add_record(s, mrt(5, 2, {1, 2}));         // BGP_PREF_UPDATE
    add_record(s, mrt(9, 1, {1}));            // BGP4PLUS
    add_record(s, mrt(11, 0, {}));            // OSPFv2
    add_record(s, mrt(99, 4, {}));            // not defined
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.records, 6u);
    const std::vector<std::pair<std::string, std::uint64_t>> expected = {
        {"BGP/PREF_UPDATE", 1}, {"BGP4PLUS/UPDATE", 1}, {"OSPFv2", 1}, {"BGP4MP/SNAPSHOT", 2}, {"type 99/4", 1}};
    EXPECT_EQ(r.records_not_replayed, expected);
    const nlohmann::json j = to_json(r);
    EXPECT_EQ(j["records_not_replayed"]["BGP4MP/SNAPSHOT"], 2);
    EXPECT_NE(to_table(r).find("2 BGP4MP/SNAPSHOT records not replayed"), std::string::npos);
}

// Zebra's two mistaken BGP4MP shapes (RIS rrc01, 2000-11: mrt_record.hpp),
// replayed as bgpdump reads them, for peer 0.0.0.0: an 8-byte STATE_CHANGE,
// and a MESSAGE whose BGP marker starts where the interface index would.
TEST(ZebraShapes, ShortStateChangeAndOpenWithoutAddressesAreReplayed) {
    std::vector<std::uint8_t> open = {0x00, 0x00, 0x00, 0x00};  // peer AS 0, local AS 0
    for (int i = 0; i < 16; ++i) open.push_back(0xff);
    const std::vector<std::uint8_t> rest = {0x00, 0x1d, 0x01, 0x04, 0x30, 0x66, 0x00, 0xb4, 212, 50, 161, 199, 0x00};
    open.insert(open.end(), rest.begin(), rest.end());
    std::vector<std::uint8_t> s;
    add_record(s, mrt(16, 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04}));  // Active -> OpenSent
    add_record(s, mrt(16, 1, open));
    add_record(s, mrt(16, 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01}));  // OpenSent -> Idle
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u) << (r.errors.empty() ? "" : r.errors[0].reason);
    const PeerFigures* p = r.find_peer("0.0.0.0", 0);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->state_changes, 2u);
    EXPECT_EQ(p->messages[static_cast<int>(MessageType::open)], 1u);

    // Any other short STATE_CHANGE, or a MESSAGE with one 0xFFFF field, is still an error.
    std::vector<std::uint8_t> bad;
    add_record(bad, mrt(16, 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x03}));
    add_record(bad, mrt(16, 1, {0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x01}));
    EXPECT_EQ(replay_bytes(bad).error_count, 2u);
}

// Early MRT writers (RIS bviews of 1999-2000) batched TABLE_DUMP entries in
// one record and declared it 4 bytes shorter than written: every entry is
// replayed and the next record is found where it really starts.
TEST(EarlyTableDump, BatchedEntriesAndTheLengthFourBytesShortAreRead) {
    // AS_PATH 3549 701, ORIGIN IGP, NEXT_HOP 204.152.166.29 (2-byte ASes).
    const std::vector<std::uint8_t> attrs = {0x40, 1, 1, 0, 0x40, 2, 6, 2, 2, 0x0d, 0xdd, 0x02, 0xbd,
                                             0x40, 3, 4, 204, 152, 166, 29};
    auto entry = [&](std::uint8_t a, std::uint8_t len, std::uint8_t peer_last) {
        // prefix a.0.0.0, its length, status, originated, peer 204.152.166.x, AS 3549, attribute length
        const std::uint8_t head[] = {a,    0,   0,   0,   len,       1,    0x38, 0x79, 0xc8,
                                     0xb4, 204, 152, 166, peer_last, 0x0d, 0xdd, 0,
                                     static_cast<std::uint8_t>(attrs.size())};
        std::vector<std::uint8_t> e(sizeof head + attrs.size());
        std::copy(std::begin(head), std::end(head), e.begin());
        std::copy(attrs.begin(), attrs.end(), e.begin() + sizeof head);
        return e;
    };
    std::vector<std::uint8_t> batch = {0, 0, 0, 0};  // view, sequence
    for (const auto& e : {entry(3, 8, 29), entry(3, 8, 30), entry(4, 8, 29)}) batch.insert(batch.end(), e.begin(), e.end());
    std::vector<std::uint8_t> short_by_four = mrt(12, 1, batch);
    const std::uint32_t declared = static_cast<std::uint32_t>(batch.size() - 4);
    short_by_four[8] = static_cast<std::uint8_t>(declared >> 24);
    short_by_four[9] = static_cast<std::uint8_t>(declared >> 16);
    short_by_four[10] = static_cast<std::uint8_t>(declared >> 8);
    short_by_four[11] = static_cast<std::uint8_t>(declared);

    std::vector<std::uint8_t> one = {0, 0, 0, 1};  // RFC 6396's shape: one entry, length right
    const auto e5 = entry(5, 8, 29);
    one.insert(one.end(), e5.begin(), e5.end());

    std::vector<std::uint8_t> s;
    add_record(s, short_by_four);
    add_record(s, mrt(12, 1, one));
    add_record(s, mrt(12, 1, batch));  // a batch whose length is right
    const ReplayReport r = replay_bytes(s);
    EXPECT_EQ(r.error_count, 0u) << (r.errors.empty() ? "" : r.errors[0].reason);
    EXPECT_EQ(r.records, 3u);
    const PeerFigures* a = r.find_peer("204.152.166.29", 3549);
    const PeerFigures* b = r.find_peer("204.152.166.30", 3549);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->rib_entries, 5u);  // 3.0.0.0/8 and 4.0.0.0/8 twice, 5.0.0.0/8
    EXPECT_EQ(b->rib_entries, 2u);
    EXPECT_EQ(*a->routes, 3u);
    EXPECT_EQ(*b->routes, 1u);

    // An entry cut short is an error, the entries before it kept.
    std::vector<std::uint8_t> cut(batch.begin(), batch.end() - 10);
    std::vector<std::uint8_t> t;
    add_record(t, mrt(12, 1, cut));
    const ReplayReport rc = replay_bytes(t);
    EXPECT_EQ(rc.error_count, 1u);
    ASSERT_EQ(rc.peers.size(), 2u);
    EXPECT_EQ(rc.rib->routes, 2u);
}

// Records torn by short writes (RIS rrc00, 2000-03): after an implausible
// header the reader looks again from just after the last record's first
// byte for two headers in a row, reports each loss, and replays the rest;
// the records a torn header swallowed are replayed too.
TEST(TornRecords, FramingIsFoundAgainAndTheRestReplayed) {
    auto state_change = [](std::uint8_t peer_last, std::uint8_t from, std::uint8_t to) {
        return mrt(16, 0, {0x0d, 0x05, 0x31, 0x6e, 0, 0, 0, 1, 193, 0, 0, peer_last, 193, 0, 0, 1, 0, from, 0, to});
    };
    std::vector<std::uint8_t> s;
    add_record(s, state_change(9, 1, 2));
    // A header cut after 10 bytes: its length takes 2 bytes of the next
    // record's time (1700000000 = 0x6553f100: 25,939 bytes, past the end).
    const auto whole = state_change(9, 2, 3);
    s.insert(s.end(), whole.begin(), whole.begin() + 10);
    add_record(s, state_change(9, 3, 4));
    add_record(s, state_change(9, 4, 5));
    s.insert(s.end(), {0xcb, 0x2d, 0x13, 0x40, 0x03, 0x04, 0xcb, 0x25, 0xff, 0x7e, 0x18, 0xd1, 0xf7, 0xaa});  // orphan bytes
    add_record(s, state_change(9, 5, 6));
    add_record(s, state_change(10, 1, 2));
    add_record(s, state_change(10, 2, 3));
    const ReplayReport r = replay_bytes(s);
    ASSERT_EQ(r.error_count, 2u);
    for (const auto& e : r.errors) {
        EXPECT_EQ(e.code, DiagCode::mrt_framing_lost) << e.reason;
        EXPECT_EQ(e.action, DiagAction::bytes_skipped);
    }
    EXPECT_EQ(r.records, 6u);
    const PeerFigures* a = r.find_peer("193.0.0.9", 3333);
    const PeerFigures* b = r.find_peer("193.0.0.10", 3333);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->state_changes, 4u);
    EXPECT_EQ(b->state_changes, 2u);

    // A stream cut inside its last record has nothing to resume at: the
    // rest of the file is skipped, as before.
    std::vector<std::uint8_t> cut;
    add_record(cut, state_change(9, 1, 2));
    const auto last = state_change(9, 2, 3);
    cut.insert(cut.end(), last.begin(), last.end() - 5);
    const ReplayReport rc = replay_bytes(cut);
    ASSERT_EQ(rc.error_count, 1u);
    EXPECT_EQ(rc.errors[0].code, DiagCode::mrt_body_truncated);
    EXPECT_EQ(rc.records, 1u);
}

TEST(Finding5, MrtTypeNamesAreRfc6396s) {
    EXPECT_EQ(mrt_type_name(16, 4), "BGP4MP/MESSAGE_AS4");
    EXPECT_EQ(mrt_type_name(17, 11), "BGP4MP_ET/MESSAGE_AS4_LOCAL_ADDPATH");
    EXPECT_EQ(mrt_type_name(13, 12), "TABLE_DUMP_V2/RIB_GENERIC_ADDPATH");
    EXPECT_EQ(mrt_type_name(5, 3), "BGP/STATE_CHANGE");
    EXPECT_EQ(mrt_type_name(12, 2), "TABLE_DUMP/AFI_IPv6");
    EXPECT_EQ(mrt_type_name(48, 0), "OSPFv3");
}

}  // namespace
}  // namespace mempool::bgp::test
