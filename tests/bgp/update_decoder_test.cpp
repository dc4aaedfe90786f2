// UpdateDecoder on its own: synthetic UPDATE bodies (after the 19-byte
// header) in, withdrawals, announcements and attributes out, with no MRT
// record, RIB or Replay around it. Malformed bodies must give the typed
// diagnostic (code and action) and hand out only what RFC 7606 and the
// decoder's contract allow.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mrt_writer.hpp"
#include "update_decoder.hpp"

namespace mempool::bgp::test {
namespace {

using Buf = std::vector<std::uint8_t>;

// u16 withdrawn length, withdrawn, u16 attribute length, attributes, NLRI.
Buf update_body(const Buf& withdrawn, const Buf& attrs, const Buf& nlri) {
    ByteWriter w;
    w.u16(static_cast<std::uint32_t>(withdrawn.size()));
    w.bytes(Bytes(withdrawn));
    w.u16(static_cast<std::uint32_t>(attrs.size()));
    w.bytes(Bytes(attrs));
    w.bytes(Bytes(nlri));
    return w.buf;
}

Buf concat(std::initializer_list<Buf> parts) {
    Buf out;
    for (const Buf& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// One attribute (extended length when the value needs it).
Buf attribute(std::uint8_t flags, std::uint8_t code, const Buf& value) {
    ByteWriter w;
    if (value.size() > 255) flags |= attr::kFlagExtendedLength;
    w.u8(flags);
    w.u8(code);
    if (flags & attr::kFlagExtendedLength) w.u16(static_cast<std::uint32_t>(value.size()));
    else w.u8(static_cast<std::uint32_t>(value.size()));
    w.bytes(Bytes(value));
    return w.buf;
}

Buf origin(std::uint8_t o) { return attribute(0x40, attr::kOrigin, {o}); }
// An AS_PATH of one AS_SEQUENCE, 4-byte or 2-byte ASes.
Buf as_sequence(std::uint8_t code, const std::vector<std::uint32_t>& asns, bool four) {
    ByteWriter v;
    v.u8(kAsSequence);
    v.u8(static_cast<std::uint32_t>(asns.size()));
    for (const std::uint32_t as : asns) four ? v.u32(as) : v.u16(as);
    return attribute(code == attr::kAs4Path ? 0xc0 : 0x40, code, v.buf);
}
Buf next_hop(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return attribute(0x40, attr::kNextHop, {a, b, c, d});
}
// The attributes of a plain IPv4 announcement: ORIGIN IGP, AS_PATH 65001 65002, NEXT_HOP 192.0.2.1.
Buf basic_attrs() { return concat({origin(0), as_sequence(attr::kAsPath, {65001, 65002}, true), next_hop(192, 0, 2, 1)}); }

// Prefixes as BGP encodes them, "10.1.0.0/16" or "2001:db8::/32", each with
// a path id when `path_ids` is given.
Buf prefixes(const std::vector<std::string>& texts, const std::vector<std::uint32_t>& path_ids = {}) {
    ByteWriter w;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (path_ids.empty()) w.prefix(parse_prefix(texts[i]));
        else w.prefix(parse_prefix(texts[i]), path_ids[i]);
    }
    return w.buf;
}

Buf mp_reach_v6(const std::string& nh, const Buf& nlri, std::uint8_t safi = kSafiUnicast) {
    ByteWriter v;
    v.u16(kAfiIpv6);
    v.u8(safi);
    v.u8(16);
    v.ip(parse_ip(nh));
    v.u8(0);  // reserved
    v.bytes(Bytes(nlri));
    return attribute(0x80, attr::kMpReach, v.buf);
}
Buf mp_unreach(std::uint16_t afi, std::uint8_t safi, const Buf& withdrawn) {
    ByteWriter v;
    v.u16(afi);
    v.u8(safi);
    v.bytes(Bytes(withdrawn));
    return attribute(0x80, attr::kMpUnreach, v.buf);
}

struct Route {
    std::string prefix;
    std::uint32_t path_id;
    friend bool operator==(const Route&, const Route&) = default;
};
std::ostream& operator<<(std::ostream& os, const Route& r) { return os << r.prefix << " id " << r.path_id; }

std::vector<Route> withdrawals(UpdateDecoder& d) {
    std::vector<Route> out;
    for (RoutePrefix p; d.next_withdrawal(p);) out.push_back({to_string(p.prefix), p.path_id});
    return out;
}
std::vector<Route> announcements(UpdateDecoder& d) {
    std::vector<Route> out;
    for (RoutePrefix p; d.next_announcement(p);) out.push_back({to_string(p.prefix), p.path_id});
    return out;
}

// A decoder over one body, with the Diagnostics pointed at it.
struct Decoding {
    Diagnostics diag;
    UpdateDecoder decoder{diag};
    Buf body;
    bool ok = false;

    Decoding(Buf b, bool four_byte_as = true, bool add_path = false) : body(std::move(b)) {
        diag.set_record(body.data(), 0, 1);
        ok = decoder.decode_update(Bytes(body), four_byte_as, add_path);
    }
    [[nodiscard]] std::string errors() const {
        std::string s;
        for (const auto& e : diag.errors()) s += std::string(diag_code_name(e.code)) + ": " + e.reason + "\n";
        return s;
    }
};

TEST(UpdateDecoder, WithdrawalsOnly) {
    Decoding t(update_body(prefixes({"10.1.0.0/16", "192.0.2.0/24"}), {}, {}));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_FALSE(t.decoder.has_announcements());
    EXPECT_EQ(withdrawals(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}, {"192.0.2.0/24", 0}}));
    EXPECT_TRUE(announcements(t.decoder).empty());
    EXPECT_EQ(t.diag.count(), 0u);
}

TEST(UpdateDecoder, Ipv4AnnouncementsWithTheirAttributes) {
    Decoding t(update_body({}, basic_attrs(), prefixes({"10.1.0.0/16", "10.2.0.0/16"})));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_TRUE(t.decoder.has_announcements());
    EXPECT_TRUE(withdrawals(t.decoder).empty());
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}, {"10.2.0.0/16", 0}}));
    const PathAttributes& a = t.decoder.attributes();
    EXPECT_EQ(a.origin, 0);
    EXPECT_EQ(a.as_path.asns, (std::vector<std::uint32_t>{65001, 65002}));
    EXPECT_EQ(t.decoder.path_length(), 2u);
    EXPECT_EQ(to_string(t.decoder.next_hop(Afi::ipv4)), "192.0.2.1");
    EXPECT_FALSE(t.decoder.treat_as_withdraw());
    EXPECT_EQ(t.decoder.other_families(), 0u);
    // The attribute field as received, for steps that want the raw bytes.
    const Buf attrs = basic_attrs();
    EXPECT_TRUE(std::equal(t.decoder.attribute_field().begin(), t.decoder.attribute_field().end(), attrs.begin(),
                           attrs.end()));
}

// L is selection_path_length() of the merged path: prepends count once.
TEST(UpdateDecoder, PathLengthIsTheSelectionRulesL) {
    Decoding t(update_body({}, concat({origin(0), as_sequence(attr::kAsPath, {100, 100, 200, 200, 300}, true),
                                       next_hop(192, 0, 2, 1)}),
                           prefixes({"10.1.0.0/16"})));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(t.decoder.path_length(), 3u);
    EXPECT_EQ(t.decoder.path_length(), selection_path_length(t.decoder.attributes().as_path));
}

// MP_UNREACH after the withdrawn-routes field, MP_REACH after the NLRI
// field; each route's family is its prefix's.
TEST(UpdateDecoder, MultiprotocolReachAndUnreach) {
    const Buf attrs = concat({basic_attrs(), mp_reach_v6("2001:db8::1", prefixes({"2001:db8:1::/48", "2001:db8:2::/48"})),
                              mp_unreach(kAfiIpv6, kSafiUnicast, prefixes({"2001:db8:9::/48"}))});
    Decoding t(update_body(prefixes({"10.9.0.0/16"}), attrs, prefixes({"10.1.0.0/16"})));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(withdrawals(t.decoder), (std::vector<Route>{{"10.9.0.0/16", 0}, {"2001:db8:9::/48", 0}}));
    RoutePrefix p;
    ASSERT_TRUE(t.decoder.next_announcement(p));
    EXPECT_EQ(p.prefix.afi, Afi::ipv4);
    ASSERT_TRUE(t.decoder.next_announcement(p));
    EXPECT_EQ(p.prefix.afi, Afi::ipv6);
    EXPECT_EQ(to_string(p.prefix), "2001:db8:1::/48");
    ASSERT_TRUE(t.decoder.next_announcement(p));
    EXPECT_EQ(to_string(p.prefix), "2001:db8:2::/48");
    EXPECT_FALSE(t.decoder.next_announcement(p));
    EXPECT_FALSE(t.decoder.next_announcement(p));  // stays exhausted
    // Next hop per family: NEXT_HOP for IPv4, MP_REACH's for IPv6.
    EXPECT_EQ(to_string(t.decoder.next_hop(Afi::ipv4)), "192.0.2.1");
    EXPECT_EQ(to_string(t.decoder.next_hop(Afi::ipv6)), "2001:db8::1");
    EXPECT_EQ(t.diag.count(), 0u);
}

TEST(UpdateDecoder, MpReachOnlyHasNoIpv4NextHopButItsOwn) {
    const Buf attrs = concat({origin(0), as_sequence(attr::kAsPath, {65001}, true),
                              mp_reach_v6("2001:db8::1", prefixes({"2001:db8:1::/48"}))});
    Decoding t(update_body({}, attrs, {}));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_TRUE(t.decoder.has_announcements());
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"2001:db8:1::/48", 0}}));
    EXPECT_EQ(to_string(t.decoder.next_hop(Afi::ipv6)), "2001:db8::1");
}

TEST(UpdateDecoder, AddPathIdsOnEveryField) {
    const Buf attrs = concat({basic_attrs(), mp_reach_v6("2001:db8::1", prefixes({"2001:db8:1::/48"}, {7})),
                              mp_unreach(kAfiIpv6, kSafiUnicast, prefixes({"2001:db8:9::/48"}, {8}))});
    Decoding t(update_body(prefixes({"10.9.0.0/16"}, {5}), attrs, prefixes({"10.1.0.0/16", "10.1.0.0/16"}, {1, 2})),
               true, true);
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(withdrawals(t.decoder), (std::vector<Route>{{"10.9.0.0/16", 5}, {"2001:db8:9::/48", 8}}));
    EXPECT_EQ(announcements(t.decoder),
              (std::vector<Route>{{"10.1.0.0/16", 1}, {"10.1.0.0/16", 2}, {"2001:db8:1::/48", 7}}));
}

// RFC 6793 §4.2.3 from an OLD speaker: AS_PATH 2-byte with AS_TRANS, AS4_PATH
// with the real AS: the merged path replaces AS_TRANS, and L counts it.
TEST(UpdateDecoder, As4PathMergedForTwoByteSessions) {
    const Buf attrs = concat({origin(0), as_sequence(attr::kAsPath, {3356, kAsTrans, kAsTrans}, false),
                              as_sequence(attr::kAs4Path, {4200000001u, 4200000002u}, true), next_hop(192, 0, 2, 1)});
    Decoding t(update_body({}, attrs, prefixes({"10.1.0.0/16"})), /*four_byte_as=*/false);
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(t.decoder.attributes().as_path.asns, (std::vector<std::uint32_t>{3356, 4200000001u, 4200000002u}));
    EXPECT_EQ(t.decoder.path_length(), 3u);
    // The same bytes on a 4-byte session: AS4_PATH is ignored (and here the
    // AS_PATH is not even 4-byte, so it is malformed: treat-as-withdraw).
    Decoding four(update_body({}, attrs, prefixes({"10.1.0.0/16"})), /*four_byte_as=*/true);
    ASSERT_TRUE(four.ok);
    EXPECT_TRUE(four.decoder.treat_as_withdraw());
}

// VPNv4 (SAFI 128) and multicast (SAFI 2): recognised, counted, their NLRI never read.
TEST(UpdateDecoder, OtherFamiliesAreCountedAndSkipped) {
    ByteWriter vpn;
    vpn.u16(kAfiIpv4);
    vpn.u8(128);
    vpn.u8(12);
    for (int i = 0; i < 12; ++i) vpn.u8(0);
    vpn.u8(0);
    vpn.bytes(Bytes(Buf{104, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 10, 1, 2}));  // label, RD, 10.1.2/24
    const Buf attrs = concat({basic_attrs(), attribute(0x80, attr::kMpReach, vpn.buf),
                              mp_unreach(kAfiIpv4, 2, prefixes({"224.1.0.0/16"}))});
    Decoding t(update_body({}, attrs, prefixes({"10.1.0.0/16"})));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(t.decoder.other_families(), 2u);
    EXPECT_TRUE(withdrawals(t.decoder).empty());
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}}));
    EXPECT_EQ(t.diag.count(), 0u) << t.errors();
}

TEST(UpdateDecoder, WithdrawnLengthOverrunSkipsTheMessage) {
    Buf body = update_body(prefixes({"10.9.0.0/16"}), basic_attrs(), prefixes({"10.1.0.0/16"}));
    body[1] = 200;  // withdrawn routes length past the body
    Decoding t(body);
    EXPECT_FALSE(t.ok);
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].code, DiagCode::update_field_overrun);
    EXPECT_EQ(t.diag.errors()[0].action, DiagAction::skip_message);
    EXPECT_EQ(t.diag.errors()[0].offset, 0u);
    EXPECT_FALSE(t.decoder.has_announcements());
    EXPECT_TRUE(withdrawals(t.decoder).empty());
    EXPECT_TRUE(announcements(t.decoder).empty());
}

// RFC 7606 §4: an attribute that runs past the attribute field makes the
// message's routes withdrawn; the field's length still finds the NLRI.
TEST(UpdateDecoder, AttributeOverrunTreatsTheRoutesAsWithdrawn) {
    const Buf bad = concat({origin(0), Buf{0x40, 2, 200, 2, 1}});  // AS_PATH of 200 bytes in a 9-byte field
    Decoding t(update_body(prefixes({"10.9.0.0/16"}), bad, prefixes({"10.1.0.0/16"})));
    EXPECT_TRUE(t.ok);
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].code, DiagCode::attribute_overrun);
    EXPECT_EQ(t.diag.errors()[0].action, DiagAction::treat_as_withdraw);
    EXPECT_EQ(t.diag.errors()[0].attribute, attr::kAsPath);
    EXPECT_TRUE(t.decoder.treat_as_withdraw());
    EXPECT_EQ(withdrawals(t.decoder), (std::vector<Route>{{"10.9.0.0/16", 0}}));
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}}));
}

// ... but MP_REACH_NLRI cut short hides its prefixes: the message is skipped.
TEST(UpdateDecoder, MpReachOverrunSkipsTheMessage) {
    const Buf bad = concat({origin(0), Buf{0x80, 14, 200, 0, 2, 1}});
    Decoding t(update_body(prefixes({"10.9.0.0/16"}), bad, {}));
    EXPECT_FALSE(t.ok);
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].action, DiagAction::skip_message);
    EXPECT_TRUE(withdrawals(t.decoder).empty());
}

TEST(UpdateDecoder, MpReachTwiceSkipsTheMessage) {
    const Buf reach = mp_reach_v6("2001:db8::1", prefixes({"2001:db8:1::/48"}));
    Decoding t(update_body({}, concat({basic_attrs(), reach, reach}), {}));
    EXPECT_FALSE(t.ok);
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].code, DiagCode::attribute_repeated);
    EXPECT_EQ(t.diag.errors()[0].action, DiagAction::skip_message);
    EXPECT_TRUE(announcements(t.decoder).empty());
}

// RFC 7606 treat-as-withdraw: the routes are still handed out, flagged.
TEST(UpdateDecoder, MalformedOriginTreatsAsWithdraw) {
    const Buf attrs = concat({origin(7), as_sequence(attr::kAsPath, {65001}, true), next_hop(192, 0, 2, 1)});
    Decoding t(update_body({}, attrs, prefixes({"10.1.0.0/16"})));
    ASSERT_TRUE(t.ok);
    EXPECT_TRUE(t.decoder.treat_as_withdraw());
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}}));
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].code, DiagCode::attribute_malformed);
    EXPECT_EQ(t.diag.errors()[0].action, DiagAction::treat_as_withdraw);
    EXPECT_EQ(t.diag.errors()[0].attribute, attr::kOrigin);
}

// A bad prefix drops the rest of its field only: the MP field still follows.
TEST(UpdateDecoder, BadPrefixDropsTheRestOfItsField) {
    const Buf withdrawn = concat({prefixes({"10.9.0.0/16"}), Buf{33, 1, 2, 3, 4, 5}, prefixes({"10.8.0.0/16"})});
    const Buf attrs = concat({basic_attrs(), mp_unreach(kAfiIpv6, kSafiUnicast, prefixes({"2001:db8:9::/48"}))});
    const Buf nlri = concat({prefixes({"10.1.0.0/16"}), Buf{24, 10, 2}});  // the /24 needs 3 bytes, has 2
    Decoding t(update_body(withdrawn, attrs, nlri));
    ASSERT_TRUE(t.ok) << t.errors();
    EXPECT_EQ(withdrawals(t.decoder), (std::vector<Route>{{"10.9.0.0/16", 0}, {"2001:db8:9::/48", 0}}));
    EXPECT_EQ(announcements(t.decoder), (std::vector<Route>{{"10.1.0.0/16", 0}}));
    ASSERT_EQ(t.diag.count(), 2u) << t.errors();
    for (const ParseError& e : t.diag.errors()) {
        EXPECT_EQ(e.code, DiagCode::prefix_malformed);
        EXPECT_EQ(e.action, DiagAction::prefix_tail_dropped);
    }
    EXPECT_EQ(t.diag.errors()[0].offset, 2u + 3u);  // the /33, after the length field and 10.9/16
    EXPECT_LT(t.diag.errors()[0].offset, t.diag.errors()[1].offset);  // wire order
}

TEST(UpdateDecoder, AddPathIdTruncated) {
    Decoding t(update_body(Buf{0, 0, 1}, {}, {}), true, true);
    ASSERT_TRUE(t.ok);
    EXPECT_TRUE(withdrawals(t.decoder).empty());
    ASSERT_EQ(t.diag.count(), 1u);
    EXPECT_EQ(t.diag.errors()[0].code, DiagCode::prefix_malformed);
}

// Every decode starts from nothing: no route or attribute of the message
// before survives, whether the new one decodes or not.
TEST(UpdateDecoder, StateIsResetForEveryMessage) {
    Diagnostics diag;
    UpdateDecoder d(diag);
    const Buf first = update_body(prefixes({"10.9.0.0/16"}), basic_attrs(), prefixes({"10.1.0.0/16", "10.2.0.0/16"}));
    diag.set_record(first.data(), 0, 1);
    ASSERT_TRUE(d.decode_update(Bytes(first), true, false));
    const std::uint64_t n1 = d.attributes_number();
    EXPECT_NE(n1, 0u);
    RoutePrefix p;
    ASSERT_TRUE(d.next_announcement(p));  // one of two read, one left unread

    const Buf second = update_body({}, concat({origin(1), as_sequence(attr::kAsPath, {7}, true), next_hop(10, 0, 0, 1)}),
                                   prefixes({"10.3.0.0/16"}));
    diag.set_record(second.data(), 0, 2);
    ASSERT_TRUE(d.decode_update(Bytes(second), true, false));
    EXPECT_NE(d.attributes_number(), n1);
    EXPECT_TRUE(withdrawals(d).empty());
    EXPECT_EQ(announcements(d), (std::vector<Route>{{"10.3.0.0/16", 0}}));
    EXPECT_EQ(d.attributes().origin, 1);
    EXPECT_EQ(d.path_length(), 1u);
    EXPECT_EQ(to_string(d.next_hop(Afi::ipv4)), "10.0.0.1");

    Buf broken = second;
    broken[1] = 100;
    diag.set_record(broken.data(), 0, 3);
    EXPECT_FALSE(d.decode_update(Bytes(broken), true, false));
    EXPECT_TRUE(withdrawals(d).empty());
    EXPECT_TRUE(announcements(d).empty());
    EXPECT_FALSE(d.attributes().has_as_path);
    EXPECT_EQ(d.other_families(), 0u);
    EXPECT_TRUE(d.attribute_field().empty());
}

// A RIB entry's field byte for byte the one decoded just before is not
// decoded again: the attributes stay (attributes_number() too), and their
// spans point into the new field.
TEST(UpdateDecoder, RepeatedRibFieldKeepsTheAttributes) {
    Diagnostics diag;
    UpdateDecoder d(diag);
    const AttributeContext rib{true, true, false};
    const Buf attrs = concat({basic_attrs(), mp_reach_v6("2001:db8::1", prefixes({"2001:db8:1::/48"}))});
    Buf first = attrs;
    diag.set_record(first.data(), 0, 1);
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(first), rib));
    const std::uint64_t n = d.attributes_number();
    EXPECT_EQ(d.path_length(), 2u);
    const Buf second = attrs;
    diag.set_record(second.data(), 0, 2);
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(second), rib));
    EXPECT_EQ(d.attributes_number(), n);
    std::fill(first.begin(), first.end(), 0xee);  // nothing may still point there
    const Bytes nlri = d.attributes().mp_reach.nlri;
    ASSERT_EQ(nlri.size(), 7u);
    EXPECT_GE(nlri.data(), second.data());
    EXPECT_LE(nlri.data() + nlri.size(), second.data() + second.size());
    EXPECT_EQ(nlri[0], 48);
    EXPECT_EQ(d.path_length(), 2u);
    EXPECT_EQ(to_string(d.next_hop(Afi::ipv6)), "2001:db8::1");
    EXPECT_EQ(to_string(d.next_hop(Afi::ipv4)), "192.0.2.1");
    // Another context is another decode, whatever the bytes: read with
    // 2-byte ASes, this AS_PATH is malformed (and reported).
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(second), AttributeContext{false, true, false}));
    EXPECT_NE(d.attributes_number(), n);
    EXPECT_TRUE(d.treat_as_withdraw());
    ASSERT_EQ(diag.count(), 1u);
    EXPECT_EQ(diag.errors()[0].attribute, attr::kAsPath);
    // An UPDATE is always decoded, even with the same bytes.
    const std::uint64_t m = d.attributes_number();
    const Buf body = update_body({}, attrs, {});
    diag.set_record(body.data(), 0, 3);
    ASSERT_TRUE(d.decode_update(Bytes(body), true, false));
    EXPECT_NE(d.attributes_number(), m);
}

// A field whose decode reported something is decoded (and reported) again.
TEST(UpdateDecoder, RepeatedRibFieldWithAFaultIsReportedEachTime) {
    Diagnostics diag;
    UpdateDecoder d(diag);
    const Buf attrs = concat({origin(7), as_sequence(attr::kAsPath, {65001}, true), next_hop(192, 0, 2, 1)});
    diag.set_record(attrs.data(), 0, 1);
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(attrs), AttributeContext{true, true, false}));
    const std::uint64_t n = d.attributes_number();
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(attrs), AttributeContext{true, true, false}));
    EXPECT_NE(d.attributes_number(), n);
    EXPECT_TRUE(d.treat_as_withdraw());
    EXPECT_EQ(diag.count(), 2u);
}

// A RIB entry's attributes: decoded alike, no prefix handed out.
TEST(UpdateDecoder, RibEntryAttributes) {
    Diagnostics diag;
    UpdateDecoder d(diag);
    const Buf first = update_body({}, basic_attrs(), prefixes({"10.1.0.0/16"}));
    diag.set_record(first.data(), 0, 1);
    ASSERT_TRUE(d.decode_update(Bytes(first), true, false));
    const Buf attrs = concat({origin(2), as_sequence(attr::kAsPath, {65001, 65001, 65003}, true), next_hop(192, 0, 2, 9)});
    diag.set_record(attrs.data(), 0, 2);
    ASSERT_TRUE(d.decode_rib_attributes(Bytes(attrs), AttributeContext{true, true, false}));
    EXPECT_FALSE(d.has_announcements());
    EXPECT_TRUE(announcements(d).empty());
    EXPECT_EQ(d.attributes().origin, 2);
    EXPECT_EQ(d.path_length(), 2u);
    EXPECT_EQ(to_string(d.next_hop(Afi::ipv4)), "192.0.2.9");
    EXPECT_EQ(diag.count(), 0u);
}

}  // namespace
}  // namespace mempool::bgp::test
