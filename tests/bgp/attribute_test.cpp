// One test per path attribute decoder and per malformation (the
// bgpkit-parser way): each case is one attribute's bytes, decoded alone by
// AttributeDecoder, and what must come out: accepted, or the typed
// diagnostic (code, RFC 7606 action, attribute code) the descriptor table
// promises for it.
#include <gtest/gtest.h>

#include "path_attributes.hpp"

namespace mempool::bgp::test {
namespace {

struct AttributeCase {
    const char* name;
    std::vector<std::uint8_t> bytes;  // one or more whole attributes
    bool four_byte_as;
    bool decodes;                     // AttributeDecoder::decode's result
    std::optional<DiagCode> code;     // the diagnostic, if any
    DiagAction action;
    bool withdraw;                    // PathAttributes::treat_as_withdraw afterwards
};

std::ostream& operator<<(std::ostream& os, const AttributeCase& c) { return os << c.name; }

constexpr DiagAction kNone = DiagAction::skip_record;  // unused when no code is expected
using D = DiagCode;
using A = DiagAction;

const std::vector<AttributeCase> kCases = {
    // ORIGIN (RFC 4271 §5.1.1; RFC 7606 §7.1: treat-as-withdraw)
    {"OriginIgp", {0x40, 1, 1, 0}, true, true, {}, kNone, false},
    {"OriginWrongLength", {0x40, 1, 2, 0, 0}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"OriginUndefinedValue", {0x40, 1, 1, 3}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // AS_PATH (RFC 7606 §7.2)
    {"AsPathFourByte", {0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9}, true, true, {}, kNone, false},
    {"AsPathTwoByte", {0x40, 2, 4, 2, 1, 0xfd, 0xe9}, false, true, {}, kNone, false},
    {"AsPathEmpty", {0x40, 2, 0}, true, true, {}, kNone, false},
    {"AsPathUnknownSegmentType", {0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe9}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"AsPathZeroLengthSegment", {0x40, 2, 2, 2, 0}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"AsPathSegmentOverrun", {0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe9}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // NEXT_HOP (RFC 7606 §7.3)
    {"NextHop", {0x40, 3, 4, 192, 0, 2, 1}, true, true, {}, kNone, false},
    {"NextHopWrongLength", {0x40, 3, 5, 192, 0, 2, 1, 0}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // MULTI_EXIT_DISC, LOCAL_PREF (RFC 7606 §7.4, §7.5)
    {"Med", {0x80, 4, 4, 0, 0, 0, 7}, true, true, {}, kNone, false},
    {"MedWrongLength", {0x80, 4, 3, 0, 0, 7}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"LocalPref", {0x40, 5, 4, 0, 0, 0, 100}, true, true, {}, kNone, false},
    {"LocalPrefWrongLength", {0x40, 5, 2, 0, 100}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // ATOMIC_AGGREGATE, AGGREGATOR (RFC 7606 §7.6, §7.7: attribute discard)
    {"AtomicAggregate", {0x40, 6, 0}, true, true, {}, kNone, false},
    {"AtomicAggregateNotEmpty", {0x40, 6, 1, 0}, true, true, D::attribute_malformed, A::attribute_discard, false},
    {"AggregatorFourByte", {0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 10, 0, 0, 1}, true, true, {}, kNone, false},
    {"AggregatorTwoByte", {0xc0, 7, 6, 0xfd, 0xe9, 10, 0, 0, 1}, false, true, {}, kNone, false},
    {"AggregatorWrongLength", {0xc0, 7, 6, 0xfd, 0xe9, 10, 0, 0, 1}, true, true, D::attribute_malformed, A::attribute_discard, false},
    // COMMUNITIES (RFC 7606 §7.8)
    {"Communities", {0xc0, 8, 8, 0, 1, 0, 2, 0xff, 0xff, 0xff, 1}, true, true, {}, kNone, false},
    {"CommunitiesNotMultipleOf4", {0xc0, 8, 3, 0, 1, 0}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // ORIGINATOR_ID, CLUSTER_LIST (RFC 7606 §7.9, §7.10)
    {"OriginatorId", {0x80, 9, 4, 10, 0, 0, 1}, true, true, {}, kNone, false},
    {"OriginatorIdWrongLength", {0x80, 9, 3, 10, 0, 0}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"ClusterList", {0x80, 10, 8, 10, 0, 0, 1, 10, 0, 0, 2}, true, true, {}, kNone, false},
    {"ClusterListNotMultipleOf4", {0x80, 10, 5, 10, 0, 0, 1, 10}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // MP_REACH_NLRI, MP_UNREACH_NLRI (RFC 7606 §7.11: the message cannot be used)
    {"MpReachIpv6", {0x80, 14, 21, 0, 2, 1, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, true, true, {}, kNone, false},
    {"MpReachTruncated", {0x80, 14, 2, 0, 2}, true, false, D::attribute_malformed, A::skip_message, false},
    {"MpReachBadNextHopLength", {0x80, 14, 9, 0, 2, 1, 4, 10, 0, 0, 1, 0}, true, false, D::attribute_malformed, A::skip_message, false},
    {"MpReachNoReservedByte", {0x80, 14, 8, 0, 1, 1, 4, 10, 0, 0, 1}, true, false, D::attribute_malformed, A::skip_message, false},
    {"MpReachOtherFamilyNotInterpreted", {0x80, 14, 6, 0, 1, 128, 99, 1, 2}, true, true, {}, kNone, false},
    {"MpUnreach", {0x80, 15, 3, 0, 2, 1}, true, true, {}, kNone, false},
    {"MpUnreachTruncated", {0x80, 15, 2, 0, 2}, true, false, D::attribute_malformed, A::skip_message, false},
    {"MpReachTwice", {0x80, 15, 3, 0, 2, 1, 0x80, 15, 3, 0, 2, 1}, true, false, D::attribute_repeated, A::skip_message, false},
    // EXTENDED_COMMUNITIES (RFC 7606 §7.14), LARGE_COMMUNITIES (RFC 8092 §6)
    {"ExtendedCommunities", {0xc0, 16, 8, 0, 2, 0, 1, 0, 0, 0, 1}, true, true, {}, kNone, false},
    {"ExtendedCommunitiesNotMultipleOf8", {0xc0, 16, 4, 0, 2, 0, 1}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    {"LargeCommunities", {0xc0, 32, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, true, true, {}, kNone, false},
    {"LargeCommunitiesNotMultipleOf12", {0xc0, 32, 8, 0, 0, 0, 1, 0, 0, 0, 2}, true, true, D::attribute_malformed, A::treat_as_withdraw, true},
    // AS4_PATH, AS4_AGGREGATOR (RFC 6793 §6: attribute discard)
    {"As4Path", {0xc0, 17, 6, 2, 1, 0xfa, 0x56, 0xea, 0x01}, false, true, {}, kNone, false},
    {"As4PathMalformed", {0xc0, 17, 5, 2, 1, 0xfa, 0x56, 0xea}, false, true, D::attribute_malformed, A::attribute_discard, false},
    {"As4Aggregator", {0xc0, 18, 8, 0xfa, 0x56, 0xea, 0x01, 10, 0, 0, 1}, false, true, {}, kNone, false},
    {"As4AggregatorWrongLength", {0xc0, 18, 6, 0xfa, 0x56, 10, 0, 0, 1}, false, true, D::attribute_malformed, A::attribute_discard, false},
    // Framing of the attribute field itself
    {"UnknownAttributeKept", {0xc0, 250, 2, 1, 2}, true, true, {}, kNone, false},
    // (RFC 7606 §4: treat-as-withdraw; the MP attributes' prefixes are unknown: skipped)
    {"HeaderTruncated", {0x40}, true, true, D::attribute_header_truncated, A::treat_as_withdraw, true},
    {"ExtendedLengthTruncated", {0x50, 8, 0}, true, true, D::attribute_header_truncated, A::treat_as_withdraw, true},
    {"LengthOverrunsField", {0xc0, 8, 200, 0, 0, 0, 1}, true, true, D::attribute_overrun, A::treat_as_withdraw, true},
    {"MpReachOverrunsField", {0x80, 14, 200, 0, 2, 1}, true, false, D::attribute_overrun, A::skip_message, false},
    {"MpUnreachLengthTruncated", {0x90, 15, 0}, true, false, D::attribute_header_truncated, A::skip_message, false},
    {"RepeatedAttributeDiscarded", {0x40, 1, 1, 0, 0x40, 1, 1, 2}, true, true, D::attribute_repeated, A::attribute_discard, false},
};

class Attribute : public ::testing::TestWithParam<AttributeCase> {};

TEST_P(Attribute, DecodesOrReportsTheTypedDiagnostic) {
    const AttributeCase& c = GetParam();
    AttributeDecoder dec;
    PathAttributes out;
    Diagnostics diag;
    diag.set_record(c.bytes.data(), 0, 1);
    EXPECT_EQ(dec.decode(Bytes(c.bytes), AttributeContext{c.four_byte_as, false, false}, out, diag), c.decodes);
    EXPECT_EQ(out.treat_as_withdraw, c.withdraw);
    if (!c.code) {
        EXPECT_EQ(diag.count(), 0u) << (diag.errors().empty() ? "" : diag.errors()[0].reason);
        return;
    }
    ASSERT_EQ(diag.count(), 1u);
    const ParseError& e = diag.errors()[0];
    EXPECT_EQ(e.code, *c.code) << diag_code_name(e.code) << ": " << e.reason;
    EXPECT_EQ(e.action, c.action) << diag_action_name(e.action) << ": " << e.reason;
    if (e.code != DiagCode::attribute_header_truncated) {
        EXPECT_EQ(e.attribute, c.bytes.size() > 1 ? c.bytes[1] : 0);
    }
    EXPECT_LE(e.offset, c.bytes.size());  // points into the attribute (or just past a missing field)
}

INSTANTIATE_TEST_SUITE_P(OnePerAttributeAndMalformation, Attribute, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// The decoded values, for the attributes the RIB dump and the selection read.
TEST(Attribute, DecodedValues) {
    AttributeDecoder dec;
    PathAttributes a;
    Diagnostics d;
    const std::vector<std::uint8_t> f = {0x40, 1, 1, 1, 0x40, 3, 4, 192, 0, 2, 1, 0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 10, 0, 0, 1};
    ASSERT_TRUE(dec.decode(Bytes(f), AttributeContext{true, false, false}, a, d));
    EXPECT_TRUE(a.has_origin);
    EXPECT_EQ(a.origin, 1);
    EXPECT_TRUE(a.has_next_hop);
    EXPECT_EQ(to_string(a.next_hop), "192.0.2.1");
    ASSERT_TRUE(a.aggregator.present);
    EXPECT_EQ(a.aggregator.as, 65001u);
    EXPECT_EQ(a.aggregator.ip, (std::array<std::uint8_t, 4>{10, 0, 0, 1}));
}

}  // namespace
}  // namespace mempool::bgp::test
