// Decoder tests with hand-made byte strings, malformed ones included. Each
// malformed record must be reported with its byte offset, record number and
// a reason, and the records after it must still be replayed.
#include <gtest/gtest.h>

#include <bzlib.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "bgp_message.hpp"
#include "compressed_files.hpp"
#include "mrt_writer.hpp"
#include "path_attributes.hpp"
#include "sample.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

const PeerKey kPeerA{parse_ip("192.0.2.1"), 65001};
const PeerKey kPeerB{parse_ip("192.0.2.2"), 4200000002u};
const PeerKey kLocal{parse_ip("192.0.2.254"), 12654};
// Offset of the BGP message in a BGP4MP_MESSAGE_AS4 record of an IPv4 peer:
// MRT header 12, peer AS 4, local AS 4, ifindex 2, AFI 2, two addresses 8.
constexpr std::size_t kBgpAt = 12 + 20;
// Offset of the UPDATE body (after the 19-byte BGP header).
constexpr std::size_t kBodyAt = kBgpAt + 19;

struct Stream {
    std::vector<std::uint8_t> bytes;
    std::size_t add(const std::vector<std::uint8_t>& rec) {
        const std::size_t at = bytes.size();
        bytes.insert(bytes.end(), rec.begin(), rec.end());
        return at;
    }
};

std::vector<std::uint8_t> record_of(const std::vector<std::uint8_t>& msg, const PeerKey& peer = kPeerA) {
    std::vector<std::uint8_t> rec;
    encode_bgp4mp_message(1700000000, peer, kLocal, true, Bytes(msg), rec);
    return rec;
}

std::vector<std::uint8_t> raw_update(const std::vector<std::uint8_t>& withdrawn, const std::vector<std::uint8_t>& attrs,
                                     const std::vector<std::uint8_t>& nlri) {
    ByteWriter w;
    for (int i = 0; i < 16; ++i) w.u8(0xff);
    w.u16(0);
    w.u8(2);
    w.u16(static_cast<std::uint32_t>(withdrawn.size()));
    w.bytes(Bytes(withdrawn));
    w.u16(static_cast<std::uint32_t>(attrs.size()));
    w.bytes(Bytes(attrs));
    w.bytes(Bytes(nlri));
    w.patch16(16, static_cast<std::uint32_t>(w.size()));
    return w.buf;
}

// ORIGIN IGP, AS_PATH (4-byte) 65001 65002, NEXT_HOP 192.0.2.1: 4 + 13 + 7 = 24 bytes.
std::vector<std::uint8_t> good_attrs() {
    return {0x40, 1, 1, 0,                                           //
            0x40, 2, 10, 2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea,  //
            0x40, 3, 4, 192, 0, 2, 1};
}

// A well-formed UPDATE announcing 10.<n>.0.0/16 from `peer`.
std::vector<std::uint8_t> good_record(std::uint8_t n, const PeerKey& peer = kPeerB) {
    return record_of(raw_update({}, good_attrs(), {16, 10, n}), peer);
}

ReplayReport replay(const Stream& s) { return replay_bytes(s.bytes); }

// The stream: good record (peer B), the bad one (peer A), good record (peer B).
// Checks that one error is reported at `offset` (from the bad record's start)
// with `reason_part`, and that both good records were replayed.
void expect_reported_and_skipped(const std::vector<std::uint8_t>& bad, std::size_t offset, DiagCode code,
                                 DiagAction action, const std::string& reason_part, std::uint64_t errors = 1) {
    Stream s;
    s.add(good_record(1));
    const std::size_t at = s.add(bad);
    s.add(good_record(2));
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, errors);
    EXPECT_EQ(r.errors[0].file, "mem");
    EXPECT_EQ(r.errors[0].record, 2u);
    EXPECT_EQ(r.errors[0].offset, at + offset) << r.errors[0].reason;
    EXPECT_EQ(r.errors[0].code, code) << diag_code_name(r.errors[0].code);
    EXPECT_EQ(r.errors[0].action, action) << diag_action_name(r.errors[0].action);
    EXPECT_NE(r.errors[0].reason.find(reason_part), std::string::npos) << r.errors[0].reason;
    EXPECT_EQ(r.records, 3u);
    const PeerFigures* b = r.find_peer("192.0.2.2", 4200000002u);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->announced_v4, 2u);  // records before and after the bad one replayed
    EXPECT_EQ(*b->routes, 2u);
}

TEST(Malformed, TruncatedMrtHeader) {
    Stream s;
    s.add(good_record(1));
    const std::size_t at = s.add({0x65, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00});
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].offset, at);
    EXPECT_EQ(r.errors[0].record, 2u);
    EXPECT_NE(r.errors[0].reason.find("truncated MRT header"), std::string::npos);
    EXPECT_EQ(r.records, 1u);
    EXPECT_EQ(r.find_peer("192.0.2.2", 4200000002u)->announced_v4, 1u);
}

TEST(Malformed, RecordLengthPastEndOfFile) {
    Stream s;
    s.add(good_record(1));
    std::vector<std::uint8_t> rec = good_record(2);
    rec.resize(rec.size() - 5);  // the header still claims the full length
    const std::size_t at = s.add(rec);
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].offset, at + 8);  // the length field
    EXPECT_NE(r.errors[0].reason.find("runs past the end of the stream"), std::string::npos) << r.errors[0].reason;
    EXPECT_EQ(r.records, 1u);
}

TEST(Malformed, NextFileStillReplayedAfterATruncatedOne) {
    Stream bad, good;
    bad.add(good_record(1));
    bad.add({0x65, 0x00, 0x00});
    good.add(good_record(2));
    Replay r;
    r.replay_source(memory_byte_source(bad.bytes.data(), bad.bytes.size()), "first");
    r.replay_source(memory_byte_source(good.bytes.data(), good.bytes.size()), "second");
    const ReplayReport rep = r.finish();
    ASSERT_EQ(rep.error_count, 1u);
    EXPECT_EQ(rep.errors[0].file, "first");
    EXPECT_EQ(rep.errors[0].offset, bad.bytes.size() - 3);
    EXPECT_EQ(rep.records, 2u);
    EXPECT_EQ(*rep.find_peer("192.0.2.2", 4200000002u)->routes, 2u);
}

TEST(Malformed, ZeroLengthRecord) {
    ByteWriter w;
    w.u32(1700000000);
    w.u16(16);
    w.u16(4);
    w.u32(0);
    expect_reported_and_skipped(w.buf, 12, DiagCode::record_truncated, DiagAction::skip_record, "truncated in its peer header");
}

TEST(Malformed, BadMarker) {
    auto msg = raw_update({}, good_attrs(), {16, 10, 9});
    msg[5] = 0xfe;
    expect_reported_and_skipped(record_of(msg), kBgpAt + 5, DiagCode::message_bad_marker, DiagAction::skip_message, "marker");
}

TEST(Malformed, BgpLengthLongerThanRecord) {
    auto msg = raw_update({}, good_attrs(), {16, 10, 9});
    msg[16] = 0x01;  // 256 + original length
    expect_reported_and_skipped(record_of(msg), kBgpAt + 16, DiagCode::message_bad_length, DiagAction::skip_message, "does not fit");
}

// RFC 7606 §4: the message's routes are withdrawn, an earlier route of the
// peer for its prefix included; the records around it are replayed.
TEST(Malformed, AttributeLengthOverflowWithdrawsTheRoutes) {
    auto attrs = good_attrs();
    attrs.insert(attrs.end(), {0xc0, 8, 200, 0, 0, 0, 1});  // COMMUNITIES claims 200 bytes, 4 there
    Stream s;
    s.add(good_record(1));
    s.add(record_of(raw_update({}, good_attrs(), {16, 10, 9})));
    const std::size_t at = s.add(record_of(raw_update({}, attrs, {16, 10, 9})));
    s.add(good_record(2));
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].record, 3u);
    EXPECT_EQ(r.errors[0].offset, at + kBodyAt + 4 + 24) << r.errors[0].reason;
    EXPECT_EQ(r.errors[0].code, DiagCode::attribute_overrun);
    EXPECT_EQ(r.errors[0].action, DiagAction::treat_as_withdraw);
    EXPECT_NE(r.errors[0].reason.find("COMMUNITIES length 200 overflows"), std::string::npos) << r.errors[0].reason;
    const PeerFigures* a = r.find_peer("192.0.2.1", 65001);
    const PeerFigures* b = r.find_peer("192.0.2.2", 4200000002u);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->announced_v4, 2u);  // the faulty message's prefix counted as announced, then withdrawn
    EXPECT_EQ(*a->routes, 0u);       // with it, the peer's earlier route for 10.9.0.0/16
    EXPECT_EQ(b->announced_v4, 2u);
    EXPECT_EQ(*b->routes, 2u);
}

TEST(Malformed, AttributeFieldLengthPastMessage) {
    auto msg = raw_update({}, good_attrs(), {16, 10, 9});
    msg[19 + 3] = 200;  // attribute field length low byte
    expect_reported_and_skipped(record_of(msg), kBodyAt + 2, DiagCode::update_field_overrun, DiagAction::skip_message,
                                "path attributes length");
}

TEST(Malformed, Ipv4PrefixLengthOver32) {
    // 10.9/16 is fine, then a /33: the fault is reported at the /33 length
    // byte; the /16 before it still counts (see the nlri file test).
    const auto msg = raw_update({}, good_attrs(), {33, 1, 2, 3, 4, 5});
    Stream s;
    s.add(good_record(1));
    const std::size_t at = s.add(record_of(msg));
    s.add(good_record(2));
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].offset, at + kBodyAt + 4 + 24);
    EXPECT_NE(r.errors[0].reason.find("prefix length 33 exceeds 32"), std::string::npos) << r.errors[0].reason;
    EXPECT_EQ(r.find_peer("192.0.2.2", 4200000002u)->announced_v4, 2u);
    EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->announced_v4, 0u);
}

std::vector<std::uint8_t> mp_reach_attr(std::uint8_t nh_len, const std::vector<std::uint8_t>& nlri) {
    std::vector<std::uint8_t> v = {0x00, 0x02, 0x01, nh_len};
    for (int i = 0; i < nh_len; ++i) v.push_back(static_cast<std::uint8_t>(i == 0 ? 0x20 : 1));
    v.push_back(0);
    v.insert(v.end(), nlri.begin(), nlri.end());
    std::vector<std::uint8_t> a = {0x80, 14, static_cast<std::uint8_t>(v.size())};
    a.insert(a.end(), v.begin(), v.end());
    return a;
}

TEST(Malformed, Ipv6PrefixLengthOver128) {
    auto attrs = good_attrs();
    const std::size_t mp_at = attrs.size();
    const auto mp = mp_reach_attr(16, {129, 0x20, 0x01});
    attrs.insert(attrs.end(), mp.begin(), mp.end());
    // attribute header 3 + afi/safi/len 4 + next hop 16 + reserved 1
    expect_reported_and_skipped(record_of(raw_update({}, attrs, {})), kBodyAt + 4 + mp_at + 3 + 4 + 16 + 1,
                                DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "prefix length 129 exceeds 128");
}

TEST(Malformed, BadMpReachNextHopLength) {
    auto attrs = good_attrs();
    const std::size_t mp_at = attrs.size();
    const auto mp = mp_reach_attr(5, {48, 0x20, 0x01, 0x0d, 0xb8, 0, 1});
    attrs.insert(attrs.end(), mp.begin(), mp.end());
    expect_reported_and_skipped(record_of(raw_update({}, attrs, {})), kBodyAt + 4 + mp_at + 3 + 3,
                                DiagCode::attribute_malformed, DiagAction::skip_message, "next hop length is invalid");
}

TEST(Malformed, AsPathSegmentOverrun) {
    // AS_SEQUENCE of 5 ASes with 2 present: RFC 7606 treat-as-withdraw.
    std::vector<std::uint8_t> attrs = {0x40, 1, 1, 0, 0x40, 2, 10, 2, 5, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea,
                                       0x40, 3, 4, 192, 0, 2, 1};
    Stream s;
    s.add(good_record(1));
    s.add(record_of(raw_update({}, good_attrs(), {16, 10, 7}), kPeerA));  // A announces 10.7/16
    const std::size_t at = s.add(record_of(raw_update({}, attrs, {16, 10, 7}), kPeerA));
    s.add(good_record(2));
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].offset, at + kBodyAt + 4 + 4 + 3);  // the segment header
    EXPECT_EQ(r.errors[0].record, 3u);
    EXPECT_NE(r.errors[0].reason.find("AS path segment overruns"), std::string::npos) << r.errors[0].reason;
    const PeerFigures* a = r.find_peer("192.0.2.1", 65001);
    EXPECT_EQ(a->announced_v4, 2u);
    EXPECT_EQ(*a->routes, 0u);  // the malformed announcement withdrew the earlier route
    EXPECT_EQ(r.find_peer("192.0.2.2", 4200000002u)->announced_v4, 2u);
}

TEST(Malformed, UnknownBgp4mpSubtypeAndStateChangeTruncated) {
    ByteWriter w;
    w.u32(1700000000);
    w.u16(16);
    w.u16(99);
    w.u32(0);
    expect_reported_and_skipped(w.buf, 6, DiagCode::record_bad_subtype, DiagAction::skip_record, "unknown BGP4MP subtype 99");
    std::vector<std::uint8_t> sc;
    encode_bgp4mp_state_change(1, kPeerA, kLocal, true, 6, 1, sc);
    sc.resize(sc.size() - 2);
    sc[11] -= 2;
    expect_reported_and_skipped(sc, 12 + 20 + 2, DiagCode::record_truncated, DiagAction::skip_record, "STATE_CHANGE truncated");
}

TEST(Malformed, NothingCrashesOnAnyTruncation) {
    // Every prefix of a stream with all record kinds is replayed without a
    // crash; each shorter stream reports its cut.
    std::vector<std::uint8_t> stream = sample_stream(SampleOptions{3, 60, 40, 5});
    const std::vector<std::uint8_t> full = stream;
    for (std::size_t cut = 1; cut < 2000 && cut < full.size(); cut += 7) {
        std::vector<std::uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
        (void)replay_bytes(part);
    }
    // And corrupting single bytes.
    for (std::size_t at = 0; at < 3000 && at < full.size(); at += 3) {
        std::vector<std::uint8_t> bad = full;
        bad[at] ^= 0x5a;
        (void)replay_bytes(bad);
    }
}

// --- Record kinds beyond plain BGP4MP -------------------------------------

TEST(RecordKinds, Bgp4mpAddPathMessagesKeepOneRoutePerPathId) {
    auto rec = record_of(raw_update({}, good_attrs(), {0, 0, 0, 1, 16, 10, 1, 0, 0, 0, 2, 16, 10, 1}));
    rec[7] = 9;  // BGP4MP_MESSAGE_AS4_ADDPATH
    auto wd = record_of(raw_update({0, 0, 0, 1, 16, 10, 1}, {}, {}));
    wd[7] = 9;
    Stream s;
    s.add(rec);
    ReplayReport r = replay(s);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(*r.find_peer("192.0.2.1", 65001)->routes, 2u);
    EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->announced_v4, 2u);
    s.add(wd);
    r = replay(s);
    EXPECT_EQ(*r.find_peer("192.0.2.1", 65001)->routes, 1u);
    EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->withdrawn_v4, 1u);
}

// An OPEN whose capability 69 (RFC 7911) offers IPv4 unicast path ids with
// `send_receive` (1 receive, 2 send, 3 both).
std::vector<std::uint8_t> open_with_add_path(std::uint8_t send_receive) {
    ByteWriter w;
    for (int i = 0; i < 16; ++i) w.u8(0xff);
    w.u16(0);
    w.u8(1);
    w.u8(4);
    w.u16(65001);
    w.u16(180);
    w.u32(0xc0000201);
    w.u8(8);
    w.u8(2);  // capabilities parameter
    w.u8(6);
    w.u8(69);
    w.u8(4);
    w.u16(1);  // IPv4
    w.u8(1);   // unicast
    w.u8(send_receive);
    w.patch16(16, static_cast<std::uint32_t>(w.size()));
    return w.buf;
}

// BIRD's mrtdump (before RFC 8050) records the UPDATEs of a session that
// negotiated ADD-PATH under the plain subtypes. From a peer whose OPEN
// offered to send path ids, prefixes that parse only with path ids are read
// with them (and reported); prefixes that parse plainly are read plainly;
// without such an OPEN nothing is read with path ids.
TEST(RecordKinds, PathIdsUnderAPlainSubtypeAreReadWithThem) {
    // path id 2, 172.17.0.0/24; path id 1, 172.17.0.0/24: read plainly, the
    // leading zero bytes are 0.0.0.0/0 three times, then a /2, then a /172.
    const std::vector<std::uint8_t> with_ids = {0, 0, 0, 2, 24, 172, 17, 0, 0, 0, 0, 1, 24, 172, 17, 0};
    Stream s;
    s.add(record_of(open_with_add_path(3)));
    s.add(record_of(raw_update({}, good_attrs(), with_ids)));
    ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].code, DiagCode::prefix_path_ids_unflagged);
    EXPECT_EQ(r.errors[0].action, DiagAction::read_with_path_ids);
    const PeerFigures* p = r.find_peer("192.0.2.1", 65001);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->announced_v4, 2u);
    EXPECT_EQ(*p->routes, 2u);  // one route per path id
    // The withdrawal of path id 2 alone, also under the plain subtype.
    s.add(record_of(raw_update({0, 0, 0, 2, 24, 172, 17, 0}, {}, {})));
    r = replay(s);
    EXPECT_EQ(r.error_count, 2u);
    EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->withdrawn_v4, 1u);
    EXPECT_EQ(*r.find_peer("192.0.2.1", 65001)->routes, 1u);

    // Bytes that parse both ways (0.0.0.0/0 five times, or path id 0 with
    // 0.0.0.0/0 once) are read plainly.
    Stream both;
    both.add(record_of(open_with_add_path(3)));
    both.add(record_of(raw_update({}, good_attrs(), {0, 0, 0, 0, 0})));
    r = replay(both);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->announced_v4, 5u);

    // A peer that did not offer to send path ids (no OPEN, or one that only
    // receives them): the plain reading and its report stand.
    for (const bool with_open : {false, true}) {
        Stream plain;
        if (with_open) plain.add(record_of(open_with_add_path(1)));
        plain.add(record_of(raw_update({}, good_attrs(), with_ids)));
        r = replay(plain);
        ASSERT_EQ(r.error_count, 1u);
        EXPECT_EQ(r.errors[0].code, DiagCode::prefix_malformed);
        EXPECT_EQ(r.find_peer("192.0.2.1", 65001)->announced_v4, 4u);
    }
}

TEST(RecordKinds, Bgp4mpEtCarriesMicroseconds) {
    auto rec = record_of(raw_update({}, good_attrs(), {16, 10, 1}));
    rec[5] = 17;  // BGP4MP_ET
    const std::uint8_t usec[4] = {0, 0x01, 0xe2, 0x40};  // 123456
    rec.insert(rec.begin() + 12, usec, usec + 4);
    rec[11] = static_cast<std::uint8_t>(rec[11] + 4);
    struct Hooks : InsertionPoints {
        std::uint32_t usec = 0;
        void bgp_message(const MessageEvent& e) override { usec = e.microseconds; }
    } hooks;
    Stream s;
    s.add(rec);
    ReplayOptions o;
    o.hooks = &hooks;
    const ReplayReport r = replay_bytes(s.bytes, o);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(hooks.usec, 123456u);
    EXPECT_EQ(*r.find_peer("192.0.2.1", 65001)->routes, 1u);
}

std::vector<std::uint8_t> mrt(std::uint16_t type, std::uint16_t subtype, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    encode_mrt(1700000000, type, subtype, Bytes(body), out);
    return out;
}

TEST(RecordKinds, TableDumpV2PeerIndexRibAndGeneric) {
    ByteWriter pit;
    pit.u32(0x0a000001);
    pit.u16(4);
    for (char c : std::string("test")) pit.u8(static_cast<std::uint8_t>(c));
    pit.u16(2);
    pit.u8(0);  // IPv4, 2-byte AS
    pit.u32(1);
    pit.ip(parse_ip("192.0.2.1"));
    pit.u16(65001);
    pit.u8(3);  // IPv6, 4-byte AS
    pit.u32(2);
    pit.ip(parse_ip("2001:db8::2"));
    pit.u32(4200000002u);

    const auto attrs = good_attrs();
    ByteWriter rib;
    rib.u32(1);
    rib.prefix(parse_prefix("198.51.100.0/24"));
    rib.u16(3);
    for (std::uint16_t idx : {0, 1, 7}) {
        rib.u16(idx);
        rib.u32(1700000000);
        rib.u16(static_cast<std::uint32_t>(attrs.size()));
        rib.bytes(Bytes(attrs));
    }
    ByteWriter generic;  // RIB_GENERIC, IPv6 unicast, abbreviated MP_REACH (next hop only)
    generic.u32(2);
    generic.u16(2);
    generic.u8(1);
    generic.prefix(parse_prefix("2001:db8:77::/48"));
    generic.u16(1);
    generic.u16(1);
    generic.u32(1700000000);
    std::vector<std::uint8_t> a6(attrs.begin(), attrs.begin() + 17);  // ORIGIN + AS_PATH
    const std::vector<std::uint8_t> mp = {0x80, 14, 17, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    a6.insert(a6.end(), mp.begin(), mp.end());
    generic.u16(static_cast<std::uint32_t>(a6.size()));
    generic.bytes(Bytes(a6));

    Stream s;
    s.add(mrt(13, 2, rib.buf));  // before any peer table: reported
    s.add(mrt(13, 1, pit.buf));
    s.add(mrt(13, 2, rib.buf));
    s.add(mrt(13, 6, generic.buf));
    const ReplayReport r = replay(s);
    EXPECT_EQ(r.records, 4u);
    ASSERT_EQ(r.error_count, 2u);
    EXPECT_EQ(r.errors[0].record, 1u);
    EXPECT_NE(r.errors[0].reason.find("before any PEER_INDEX_TABLE"), std::string::npos);
    EXPECT_EQ(r.errors[1].record, 3u);
    EXPECT_NE(r.errors[1].reason.find("peer index 7 not in the PEER_INDEX_TABLE"), std::string::npos);
    const PeerFigures* a = r.find_peer("192.0.2.1", 65001);
    const PeerFigures* b = r.find_peer("2001:db8::2", 4200000002u);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->rib_entries, 1u);
    EXPECT_EQ(b->rib_entries, 2u);
    EXPECT_EQ(*b->routes, 2u);
    EXPECT_EQ(r.rib->prefixes_v6, 1u);
    EXPECT_EQ(*a->best_routes, 1u);  // same metric: the IPv4 peer wins 198.51.100/24
}

// RIB_GENERIC of families the RIB does not keep: valid records, no error.
// A VPN (SAFI 128) NLRI starts with its length in bits (label and route
// distinguisher included), so its entries are still counted to their peers;
// an EVPN one (AFI 25, SAFI 70) has a layout of its own: the record is
// counted as not replayed.
TEST(RecordKinds, RibGenericOfOtherFamiliesIsCountedNotMisread) {
    ByteWriter pit;
    pit.u32(0x0a000001);
    pit.u16(0);
    pit.u16(1);
    pit.u8(2);  // IPv4, 4-byte AS
    pit.u32(1);
    pit.ip(parse_ip("192.0.2.1"));
    pit.u32(65001);
    const auto attrs = good_attrs();
    const auto generic = [&](std::uint16_t afi, std::uint8_t safi, const std::vector<std::uint8_t>& nlri) {
        ByteWriter g;
        g.u32(1);
        g.u16(afi);
        g.u8(safi);
        g.bytes(Bytes(nlri));
        g.u16(1);  // one entry, of peer 0
        g.u16(0);
        g.u32(1700000000);
        g.u16(static_cast<std::uint32_t>(attrs.size()));
        g.bytes(Bytes(attrs));
        return g.buf;
    };
    // 104 bits: label (24), RD (64), 192.168/16
    const std::vector<std::uint8_t> vpn = {104, 0, 0, 0x31, 0, 0, 0xfd, 0xe8, 0, 0, 0, 1, 192, 168};
    const std::vector<std::uint8_t> evpn = {2, 33, 0, 1};  // route type 2, its own length
    Stream s;
    s.add(mrt(13, 1, pit.buf));
    s.add(mrt(13, 6, generic(1, 128, vpn)));
    s.add(mrt(13, 6, generic(25, 70, evpn)));
    s.add(mrt(13, 6, {0, 0, 0, 1, 0, 1, 128, 104, 0, 0}));  // the record ends inside its NLRI: reported
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_EQ(r.errors[0].code, DiagCode::record_truncated);
    EXPECT_EQ(r.errors[0].record, 4u);
    const PeerFigures* p = r.find_peer("192.0.2.1", 65001);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->rib_entries, 1u);
    EXPECT_EQ(p->other_families, 1u);
    EXPECT_EQ(*p->routes, 0u);
    ASSERT_EQ(r.records_not_replayed.size(), 1u);
    EXPECT_EQ(r.records_not_replayed[0].first, "TABLE_DUMP_V2/RIB_GENERIC");
    EXPECT_EQ(r.records_not_replayed[0].second, 1u);
}

TEST(RecordKinds, TableDumpV1Ipv6) {
    ByteWriter b;
    b.u16(0);
    b.u16(1);
    b.ip(parse_ip("2001:db8:5::"));
    b.u8(48);
    b.u8(1);
    b.u32(1700000000);
    b.ip(parse_ip("2001:db8::9"));
    b.u16(65009);
    std::vector<std::uint8_t> attrs = {0x40, 1, 1, 2, 0x40, 2, 6, 2, 2, 0xfd, 0xf1, 0x0d, 0x1c};  // 2-byte AS_PATH
    b.u16(static_cast<std::uint32_t>(attrs.size()));
    b.bytes(Bytes(attrs));
    Stream s;
    s.add(mrt(12, 2, b.buf));
    const ReplayReport r = replay(s);
    EXPECT_EQ(r.error_count, 0u);
    const PeerFigures* p = r.find_peer("2001:db8::9", 65009);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->rib_entries, 1u);
    EXPECT_EQ(*p->routes, 1u);
}

// --- Units ----------------------------------------------------------------

TEST(BgpMessage, ShortMessageReported) {
    Diagnostics d;
    const std::uint8_t bytes[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
    BgpMessage m;
    EXPECT_FALSE(decode_message(Bytes(bytes, 5), m, d));
    ASSERT_EQ(d.count(), 1u);
    EXPECT_NE(d.errors()[0].reason.find("shorter than its 19-byte header"), std::string::npos);
}

TEST(BgpMessage, OpenWithFourByteAsCapability) {
    ByteWriter w;
    w.u8(4);
    w.u16(23456);
    w.u16(180);
    w.u32(0x01020304);
    w.u8(8);
    w.u8(2);  // capabilities parameter
    w.u8(6);
    w.u8(65);
    w.u8(4);
    w.u32(4200000001u);
    OpenMessage o;
    Diagnostics d;
    ASSERT_TRUE(decode_open(Bytes(w.buf), o, d));
    EXPECT_EQ(o.my_as, 23456);
    ASSERT_TRUE(o.as4.has_value());
    EXPECT_EQ(*o.as4, 4200000001u);
    w.buf[9] = 0x30;  // parameter length now runs past
    EXPECT_FALSE(decode_open(Bytes(w.buf), o, d));
    EXPECT_EQ(d.count(), 1u);
}

TEST(BgpMessage, NotificationAndKeepaliveAreCounted) {
    std::vector<std::uint8_t> ka;
    encode_keepalive(ka);
    std::vector<std::uint8_t> note(ka);
    note[18] = 3;
    note.push_back(6);
    note.push_back(2);
    note[17] = 21;
    Stream s;
    s.add(record_of(ka));
    s.add(record_of(note));
    const ReplayReport r = replay(s);
    EXPECT_EQ(r.error_count, 0u);
    // Finding 2 of issue 9: a peer with only keepalives and notifications is
    // listed, so message totals add up.
    ASSERT_EQ(r.peers.size(), 1u);
    EXPECT_EQ(r.peers[0].messages[static_cast<int>(MessageType::keepalive)], 1u);
    EXPECT_EQ(r.peers[0].messages[static_cast<int>(MessageType::notification)], 1u);
}

AsPath path_of(std::initializer_list<std::pair<std::uint8_t, std::vector<std::uint32_t>>> segs) {
    AsPath p;
    for (const auto& [t, asns] : segs) {
        p.segments.push_back(AsSegment{t, static_cast<std::uint16_t>(asns.size())});
        p.asns.insert(p.asns.end(), asns.begin(), asns.end());
    }
    return p;
}

TEST(AsPath, SelectionLengthCountsRepeatsOnceSetsOneConfedZero) {
    EXPECT_EQ(selection_path_length(path_of({{kAsSequence, {1, 1, 2, 2, 2, 3}}})), 3u);
    EXPECT_EQ(selection_path_length(path_of({{kAsSequence, {1, 2}}, {kAsSet, {3, 4, 5}}, {kAsSequence, {6, 6}}})), 4u);
    EXPECT_EQ(selection_path_length(path_of({{kAsConfedSequence, {7, 8}}, {kAsSequence, {1, 2}}})), 2u);
    EXPECT_EQ(selection_path_length(path_of({{kAsSequence, {1}}, {kAsSequence, {1, 2}}})), 2u);  // run across segments
    EXPECT_EQ(selection_path_length(path_of({})), 0u);
    // The header's example.
    EXPECT_EQ(selection_path_length(path_of(
                  {{kAsSequence, {100, 100, 200}}, {kAsSet, {300, 400}}, {kAsConfedSequence, {65001}}, {kAsSequence, {500, 500}}})),
              4u);
    EXPECT_EQ(path_of({{kAsSequence, {1, 1, 2}}, {kAsSet, {3, 4}}, {kAsConfedSet, {9}}}).rfc_as_count(), 4u);
}

std::vector<std::uint8_t> as_path_attr(std::uint8_t code, bool four, const std::vector<std::uint32_t>& asns) {
    ByteWriter v;
    v.u8(kAsSequence);
    v.u8(static_cast<std::uint32_t>(asns.size()));
    for (auto a : asns) four ? v.u32(a) : v.u16(a);
    std::vector<std::uint8_t> out = {static_cast<std::uint8_t>(code == attr::kAs4Path ? 0xc0 : 0x40), code,
                                     static_cast<std::uint8_t>(v.size())};
    out.insert(out.end(), v.buf.begin(), v.buf.end());
    return out;
}

TEST(PathAttributes, As4PathMergedPerRfc6793) {
    auto field = as_path_attr(attr::kAsPath, false, {100, 200, 23456, 23456, 300});
    const auto as4 = as_path_attr(attr::kAs4Path, true, {4200000001u, 4200000002u, 300});
    field.insert(field.end(), as4.begin(), as4.end());
    AttributeDecoder dec;
    PathAttributes a;
    Diagnostics d;
    ASSERT_TRUE(dec.decode(Bytes(field), AttributeContext{false, false, false}, a, d));
    EXPECT_EQ(a.as_path.asns, (std::vector<std::uint32_t>{100, 200, 4200000001u, 4200000002u, 300}));
    // AS4_PATH longer than AS_PATH: ignored.
    field = as_path_attr(attr::kAsPath, false, {100, 23456});
    const auto longer = as_path_attr(attr::kAs4Path, true, {1, 2, 3});
    field.insert(field.end(), longer.begin(), longer.end());
    ASSERT_TRUE(dec.decode(Bytes(field), AttributeContext{false, false, false}, a, d));
    EXPECT_EQ(a.as_path.asns, (std::vector<std::uint32_t>{100, 23456}));
    // In a 4-byte AS context AS4_PATH is not merged.
    field = as_path_attr(attr::kAsPath, true, {100, 23456});
    const auto two = as_path_attr(attr::kAs4Path, true, {7});
    field.insert(field.end(), two.begin(), two.end());
    ASSERT_TRUE(dec.decode(Bytes(field), AttributeContext{true, false, false}, a, d));
    EXPECT_EQ(a.as_path.asns, (std::vector<std::uint32_t>{100, 23456}));
    EXPECT_EQ(d.count(), 0u);
}

TEST(PathAttributes, OneDescriptorPerKnownCode) {
    for (std::uint8_t code : {attr::kOrigin, attr::kAsPath, attr::kNextHop, attr::kMed, attr::kLocalPref,
                              attr::kAtomicAggregate, attr::kAggregator, attr::kCommunities, attr::kMpReach,
                              attr::kMpUnreach, attr::kAs4Path, attr::kAs4Aggregator, attr::kLargeCommunities}) {
        const AttributeDescriptor* d = attribute_descriptor(code);
        ASSERT_NE(d, nullptr) << int(code);
        EXPECT_EQ(d->code, code);
    }
    EXPECT_EQ(attribute_descriptor(250), nullptr);
}

TEST(PathAttributes, MalformedOptionalAttributeIsDiscardedRouteKept) {
    auto attrs = good_attrs();
    attrs.insert(attrs.end(), {0xc0, 7, 3, 1, 2, 3});  // AGGREGATOR of 3 bytes
    Stream s;
    s.add(record_of(raw_update({}, attrs, {16, 10, 3})));
    const ReplayReport r = replay(s);
    ASSERT_EQ(r.error_count, 1u);
    EXPECT_NE(r.errors[0].reason.find("attribute discarded"), std::string::npos);
    EXPECT_EQ(*r.find_peer("192.0.2.1", 65001)->routes, 1u);
}

TEST(Nlri, TrailingBitsMaskedAndAddPathIds) {
    Diagnostics d;
    const std::uint8_t bytes[] = {0, 0, 0, 7, 13, 11, 13, 0, 0, 0, 9, 0};
    ByteReader r(Bytes(bytes, sizeof bytes));
    NlriEntry e;
    ASSERT_EQ(next_nlri(r, Afi::ipv4, true, e, d), NlriStatus::ok);
    EXPECT_EQ(e.path_id, 7u);
    EXPECT_EQ(to_string(e.prefix), "11.8.0.0/13");
    ASSERT_EQ(next_nlri(r, Afi::ipv4, true, e, d), NlriStatus::ok);
    EXPECT_EQ(e.path_id, 9u);
    EXPECT_EQ(to_string(e.prefix), "0.0.0.0/0");
    EXPECT_EQ(next_nlri(r, Afi::ipv4, true, e, d), NlriStatus::end);
    EXPECT_EQ(d.count(), 0u);
}

// --- Compression, detected by magic bytes --------------------------------

TEST(Compression, PlainGzipBzip2AndConcatenatedMembersReplayAlike) {
    const auto stream = sample_stream(SampleOptions{4, 3000, 800, 3});
    const ReplayReport ref = replay_bytes(stream);
    ASSERT_EQ(ref.error_count, 0u);
    // Split in two gzip members / two bzip2 streams, as zcat and bzcat accept.
    const std::vector<std::uint8_t> first(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(stream.size() / 3));
    const std::vector<std::uint8_t> second(stream.begin() + static_cast<std::ptrdiff_t>(stream.size() / 3), stream.end());
    std::vector<std::uint8_t> gz2 = gzip_bytes(first), bz2 = bzip2_bytes(first);
    for (auto b : gzip_bytes(second)) gz2.push_back(b);
    for (auto b : bzip2_bytes(second)) bz2.push_back(b);
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> forms = {
        {".mrt", stream}, {".mrt.whatever", gzip_bytes(stream)}, {".bin", bzip2_bytes(stream)}, {".gz", gz2}, {".bz2", bz2}};
    for (const auto& [suffix, bytes] : forms) {
        SCOPED_TRACE(suffix);
        TempFile f(bytes, suffix);
        Replay r;
        ASSERT_TRUE(r.replay_file(f.str()));
        const ReplayReport rep = r.finish();
        EXPECT_EQ(rep.error_count, 0u);
        EXPECT_EQ(rep.records, ref.records);
        EXPECT_EQ(rep.rib->routes, ref.rib->routes);
        EXPECT_EQ(rep.peers.size(), ref.peers.size());
    }
}

TEST(Compression, CorruptGzipIsReportedNotFatal) {
    auto gz = gzip_bytes(sample_stream(SampleOptions{2, 500, 100, 3}));
    gz.resize(gz.size() / 2);
    TempFile f(gz, ".gz");
    Replay r;
    ASSERT_TRUE(r.replay_file(f.str()));
    const ReplayReport rep = r.finish();
    EXPECT_GE(rep.error_count, 1u);
    EXPECT_GT(rep.records, 0u);
}

TEST(Compression, MissingFileIsReported) {
    Replay r;
    EXPECT_FALSE(r.replay_file("/nonexistent/file.mrt"));
    const ReplayReport rep = r.finish();
    ASSERT_EQ(rep.error_count, 1u);
    EXPECT_NE(rep.errors[0].reason.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace mempool::bgp::test
