// BGP4MP_ENTRY records (subtype 2, OpenBGPD's `dump table-mp`; the layout is
// in mrt_record.hpp) replayed as RIB entries, from tiny files written here:
//   - the routes of two peers, IPv4 and IPv6, written once as ENTRY records
//     and once as the TABLE_DUMP_V2 table holding the same routes: our RIB
//     dump of the ENTRY file is the lines `bgpdump -m` prints for the
//     TABLE_DUMP_V2 one (bgpdump 1.6.2 does not read ENTRY records at all:
//     it prints nothing for them, which the test checks too);
//   - the report's figures: rib_entries per peer, other families counted
//     (multicast, VPN, an unknown SAFI), nothing counted as not replayed;
//   - malformed records reported with their code and skipped, the replay
//     going on; every truncation of a valid record reported, never a crash.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mrt_writer.hpp"
#include "path_attributes.hpp"
#include "rib_dump.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kTime = 1700000000;
constexpr std::uint16_t kBgp4mp = 16, kBgp4mpEt = 17, kEntry = 2;

// A BGP session as the entry's header names it (OpenBGPD writes the local
// side first); the peer's address family is the session's.
struct Session {
    PeerKey peer;
    PeerKey local;
};
const Session kA{{parse_ip("192.0.2.1"), 65001}, {parse_ip("192.0.2.254"), 64512}};
const Session kB{{parse_ip("2001:db8::2"), 65002}, {parse_ip("2001:db8::fe"), 64512}};

// One route, written as a BGP4MP_ENTRY record and as a TABLE_DUMP_V2 entry.
struct RouteSpec {
    const Session* session = &kA;
    std::string prefix;
    std::vector<std::string> next_hop;  // the entry's next hop field: none, one address, or global + link-local
    std::vector<std::uint32_t> as_path;  // ASes above 65535 go to the ENTRY's AS_PATH as AS_TRANS, with AS4_PATH
    std::uint8_t origin = 0;
    std::optional<std::uint32_t> med;
    std::vector<std::uint32_t> communities;
    std::string attribute_next_hop;  // a NEXT_HOP attribute in the entry's attributes too (IPv4)
    // AGGREGATOR, 8 bytes (a 4-byte AS) in both files: OpenBGPD dumps it so
    // beside its 2-byte AS_PATH.
    std::optional<std::pair<std::uint32_t, std::string>> aggregator;
    std::uint16_t afi = 0;           // the route's AFI on the wire (0: the prefix's)
    std::uint8_t safi = kSafiUnicast;
};

void add(std::vector<std::uint8_t>& to, const std::vector<std::uint8_t>& what) { to.insert(to.end(), what.begin(), what.end()); }

std::vector<std::uint8_t> attribute(std::uint8_t flags, std::uint8_t code, const std::vector<std::uint8_t>& value) {
    std::vector<std::uint8_t> a = {flags, code, static_cast<std::uint8_t>(value.size())};
    add(a, value);
    return a;
}

std::vector<std::uint8_t> address_bytes(const std::string& text) {
    const IpAddress a = parse_ip(text);
    return {a.bytes.begin(), a.bytes.begin() + address_size(a.afi)};
}

std::vector<std::uint8_t> as_sequence(const std::vector<std::uint32_t>& asns, bool four, bool trans) {
    ByteWriter v;
    v.u8(kAsSequence);
    v.u8(static_cast<std::uint32_t>(asns.size()));
    for (const std::uint32_t as : asns) {
        if (four) v.u32(as);
        else v.u16(trans && as > 0xffff ? kAsTrans : as);
    }
    return v.buf;
}

// The attribute field: the ENTRY's (2-byte AS_PATH, no next hop but
// `attribute_next_hop`), or its TABLE_DUMP_V2 twin's (4-byte AS_PATH, the
// next hop the route has: NEXT_HOP for IPv4, next-hop-only MP_REACH_NLRI for
// IPv6, RFC 6396 §4.3.4).
std::vector<std::uint8_t> attributes_of(const RouteSpec& r, bool twin) {
    std::vector<std::uint8_t> f;
    add(f, attribute(attr::kFlagTransitive, attr::kOrigin, {r.origin}));
    add(f, attribute(attr::kFlagTransitive, attr::kAsPath, as_sequence(r.as_path, twin, true)));
    const bool ipv4 = parse_prefix(r.prefix).afi == Afi::ipv4;
    if (!r.attribute_next_hop.empty())
        add(f, attribute(attr::kFlagTransitive, attr::kNextHop, address_bytes(r.attribute_next_hop)));
    else if (twin && ipv4 && !r.next_hop.empty())
        add(f, attribute(attr::kFlagTransitive, attr::kNextHop, address_bytes(r.next_hop[0])));
    if (r.med) {
        ByteWriter v;
        v.u32(*r.med);
        add(f, attribute(attr::kFlagOptional, attr::kMed, v.buf));
    }
    if (!r.communities.empty()) {
        ByteWriter v;
        for (const std::uint32_t c : r.communities) v.u32(c);
        add(f, attribute(attr::kFlagOptional | attr::kFlagTransitive, attr::kCommunities, v.buf));
    }
    if (r.aggregator) {
        ByteWriter v;
        v.u32(r.aggregator->first);
        v.ip(parse_ip(r.aggregator->second));
        add(f, attribute(attr::kFlagOptional | attr::kFlagTransitive, attr::kAggregator, v.buf));
    }
    if (twin && !ipv4 && !r.next_hop.empty()) {
        std::vector<std::uint8_t> nh;
        for (const auto& a : r.next_hop) add(nh, address_bytes(a));
        std::vector<std::uint8_t> value = {static_cast<std::uint8_t>(nh.size())};
        add(value, nh);
        add(f, attribute(attr::kFlagOptional, attr::kMpReach, value));
    }
    const bool wide = std::any_of(r.as_path.begin(), r.as_path.end(), [](std::uint32_t a) { return a > 0xffff; });
    if (!twin && wide)
        add(f, attribute(attr::kFlagOptional | attr::kFlagTransitive, attr::kAs4Path, as_sequence(r.as_path, true, false)));
    return f;
}

// The body of a BGP4MP_ENTRY record as OpenBGPD writes it (mrt.c,
// mrt_dump_entry_mp); with `microseconds`, a BGP4MP_ET one.
std::vector<std::uint8_t> entry_body(const RouteSpec& r, std::optional<std::uint32_t> microseconds = std::nullopt) {
    const Prefix p = parse_prefix(r.prefix);
    ByteWriter w;
    if (microseconds) w.u32(*microseconds);
    w.u16(r.session->local.as);
    w.u16(r.session->peer.as);
    w.u16(0);  // ifindex
    w.u16(r.session->peer.ip.afi == Afi::ipv4 ? kAfiIpv4 : kAfiIpv6);
    w.ip(r.session->local.ip);
    w.ip(r.session->peer.ip);
    w.u16(0);  // view
    w.u16(1);  // status
    w.u32(kTime - 100);
    w.u16(r.afi != 0 ? r.afi : p.afi == Afi::ipv4 ? kAfiIpv4 : kAfiIpv6);
    w.u8(r.safi);
    std::vector<std::uint8_t> nh;
    for (const auto& a : r.next_hop) add(nh, address_bytes(a));
    w.u8(static_cast<std::uint32_t>(nh.size()));
    w.bytes(Bytes(nh));
    w.prefix(p);
    const std::vector<std::uint8_t> attrs = attributes_of(r, false);
    w.u16(static_cast<std::uint32_t>(attrs.size()));
    w.bytes(Bytes(attrs));
    return w.buf;
}

std::vector<std::uint8_t> mrt(std::uint16_t type, std::uint16_t subtype, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    encode_mrt(kTime, type, subtype, Bytes(body), out);
    return out;
}

std::vector<std::uint8_t> entry_record(const RouteSpec& r) { return mrt(kBgp4mp, kEntry, entry_body(r)); }

// The unicast routes of `routes` as a TABLE_DUMP_V2 table: a PEER_INDEX_TABLE
// of their sessions' peers, then one RIB_IPV4/IPV6_UNICAST record per prefix.
std::vector<std::uint8_t> table_dump_v2_twin(const std::vector<RouteSpec>& routes) {
    std::vector<const Session*> sessions;
    std::map<std::string, std::vector<const RouteSpec*>> by_prefix;
    for (const auto& r : routes) {
        if (r.safi != kSafiUnicast || r.afi != 0) continue;
        if (std::find(sessions.begin(), sessions.end(), r.session) == sessions.end()) sessions.push_back(r.session);
        by_prefix[r.prefix].push_back(&r);
    }
    std::vector<std::uint8_t> out;
    ByteWriter t;
    t.u32(0xc0000201);  // collector id
    t.u16(0);           // no view name
    t.u16(static_cast<std::uint32_t>(sessions.size()));
    for (const Session* s : sessions) {
        t.u8((s->peer.ip.afi == Afi::ipv6 ? 1 : 0) | 2);  // 4-byte AS
        t.u32(s->peer.as);                                   // BGP id: any
        t.ip(s->peer.ip);
        t.u32(s->peer.as);
    }
    add(out, mrt(13, 1, t.buf));
    std::uint32_t sequence = 0;
    for (const auto& [text, entries] : by_prefix) {
        const Prefix p = parse_prefix(text);
        ByteWriter w;
        w.u32(sequence++);
        w.prefix(p);
        w.u16(static_cast<std::uint32_t>(entries.size()));
        for (const RouteSpec* r : entries) {
            w.u16(static_cast<std::uint32_t>(std::find(sessions.begin(), sessions.end(), r->session) - sessions.begin()));
            w.u32(kTime - 100);
            const std::vector<std::uint8_t> attrs = attributes_of(*r, true);
            w.u16(static_cast<std::uint32_t>(attrs.size()));
            w.bytes(Bytes(attrs));
        }
        add(out, mrt(13, p.afi == Afi::ipv4 ? 2 : 4, w.buf));
    }
    return out;
}

// Two peers, IPv4 and IPv6 routes over each session, the next hop in the
// entry (4, 16 and 32 bytes) or in a NEXT_HOP attribute (which wins), a
// 4-byte AS through AS4_PATH, MED, communities, 8-byte AGGREGATORs.
const std::vector<RouteSpec>& unicast_routes() {
    static const std::vector<RouteSpec> routes = [] {
        std::vector<RouteSpec> v(5);
        v[0].prefix = "10.1.0.0/16";
        v[0].next_hop = {"192.0.2.1"};
        v[0].as_path = {65001, 3356, 7018};
        v[0].med = 50;
        v[0].communities = {65001u << 16 | 100, 0xFFFFFF01u};
        v[0].aggregator = {{65001, "192.0.2.1"}};
        v[1].prefix = "2001:db8:100::/40";
        v[1].next_hop = {"2001:db8::1"};
        v[1].as_path = {65001, 6939};
        v[1].origin = 2;
        v[2].prefix = "198.51.100.0/24";
        v[2].next_hop = {"192.0.2.1"};
        v[2].attribute_next_hop = "192.0.2.9";
        v[2].as_path = {65001, 174};
        v[3].session = &kB;
        v[3].prefix = "10.1.0.0/16";
        v[3].next_hop = {"192.0.2.2"};
        v[3].as_path = {65002, 4200000001u, 7018};
        v[3].origin = 1;
        v[4].session = &kB;
        v[4].prefix = "2001:db8:100::/40";
        v[4].next_hop = {"2001:db8::2", "fe80::2"};
        v[4].as_path = {65002, 4200000001u, 6939};
        v[4].aggregator = {{4200000002u, "10.0.0.2"}};
        return v;
    }();
    return routes;
}

// Entries of families the Adj-RIB-In does not keep: IPv4 multicast (A), a
// VPN route (A), IPv6 with an unknown SAFI (B).
std::vector<std::vector<std::uint8_t>> other_family_records() {
    RouteSpec multicast;
    multicast.prefix = "10.9.0.0/16";
    multicast.next_hop = {"192.0.2.1"};
    multicast.as_path = {65001};
    multicast.safi = kSafiMulticast;
    // VPN-IPv4: the NLRI's length counts label and route distinguisher; the
    // next hop carries a route distinguisher (12 bytes, as OpenBGPD writes it).
    ByteWriter vpn;
    vpn.u16(kA.local.as);
    vpn.u16(kA.peer.as);
    vpn.u16(0);
    vpn.u16(kAfiIpv4);
    vpn.ip(kA.local.ip);
    vpn.ip(kA.peer.ip);
    vpn.u16(0);
    vpn.u16(1);
    vpn.u32(kTime - 100);
    vpn.u16(kAfiIpv4);
    vpn.u8(kSafiVpn);
    vpn.u8(12);
    for (int i = 0; i < 8; ++i) vpn.u8(0);
    vpn.ip(parse_ip("192.0.2.1"));
    vpn.u8(24 + 64 + 24);  // label, RD, 10.3.3.0/24
    for (const std::uint8_t b : {0x00, 0x01, 0x01, 0, 0, 0, 1, 0, 0, 0, 7, 10, 3, 3}) vpn.u8(b);
    const std::vector<std::uint8_t> attrs = attributes_of(multicast, false);
    vpn.u16(static_cast<std::uint32_t>(attrs.size()));
    vpn.bytes(Bytes(attrs));
    RouteSpec unknown;
    unknown.session = &kB;
    unknown.prefix = "2001:db8:900::/48";
    unknown.next_hop = {"2001:db8::2"};
    unknown.as_path = {65002};
    unknown.safi = 77;
    return {entry_record(multicast), mrt(kBgp4mp, kEntry, vpn.buf), entry_record(unknown)};
}

std::vector<std::uint8_t> sample_stream() {
    std::vector<std::uint8_t> s;
    for (const auto& r : unicast_routes()) add(s, entry_record(r));
    for (const auto& r : other_family_records()) add(s, r);
    return s;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// Our RIB dump (bgpdump -m's line format, rib_dump.hpp).
std::vector<std::string> our_lines(Replay& r) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    EXPECT_NE(f, nullptr);
    if (f == nullptr) return {};
    EXPECT_GE(write_rib_dump(r, f, {}), 0);
    std::fclose(f);
    const std::string s(buf, len);
    std::free(buf);
    return split_lines(s);
}

// What `bgpdump -m` prints on its standard output. A bgpdump that cannot be
// run fails the test (the shell's 127), as in rib_dump_test.cpp.
std::vector<std::string> bgpdump_lines(const fs::path& file) {
    const std::string cmd = std::string(MEMPOOL_BGPDUMP) + " -m '" + file.string() + "' 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr) << cmd;
    if (p == nullptr) return {};
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << cmd << " (bgpdump is needed)";
    return split_lines(out);
}

fs::path write_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const fs::path dir = fs::temp_directory_path() / ("mempool_bgp4mp_entry_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path path = dir / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string first_reason(const ReplayReport& r) { return r.errors.empty() ? "" : r.errors[0].reason; }

// --- the routes, against bgpdump --------------------------------------------

TEST(Bgp4mpEntry, RoutesAreBgpdumpsLinesForTheSameTableAsTableDumpV2) {
    const fs::path entries = write_file("entries.mrt", sample_stream());
    const fs::path twin = write_file("twin.mrt", table_dump_v2_twin(unicast_routes()));
    Replay r;
    ASSERT_TRUE(r.replay_file(entries.string()));
    EXPECT_EQ(r.diagnostics().count(), 0u) << (r.diagnostics().errors().empty() ? "" : r.diagnostics().errors()[0].reason);
    (void)r.finish();
    const std::vector<std::string> ours = sorted(our_lines(r));
    const std::vector<std::string> theirs = sorted(bgpdump_lines(twin));
    ASSERT_EQ(theirs.size(), unicast_routes().size()) << "bgpdump did not read the TABLE_DUMP_V2 twin";
    EXPECT_EQ(ours, theirs);
    // Spelled out once, so that a reader sees what both print.
    EXPECT_NE(std::find(ours.begin(), ours.end(),
                        "TABLE_DUMP2|1700000000|B|2001:db8::2|65002|2001:db8:100::/40|65002 4200000001 6939|IGP|"
                        "2001:db8::2|0|0||NAG|4200000002 10.0.0.2|"),
              ours.end());
    EXPECT_NE(std::find(ours.begin(), ours.end(),
                        "TABLE_DUMP2|1700000000|B|192.0.2.1|65001|198.51.100.0/24|65001 174|IGP|192.0.2.9|0|0||NAG||"),
              ours.end());
    // bgpdump 1.6.2 does not read BGP4MP_ENTRY ("record type not
    // implemented yet"): nothing for the ENTRY file itself.
    EXPECT_TRUE(bgpdump_lines(entries).empty());
    std::error_code ignored;
    fs::remove_all(entries.parent_path(), ignored);
}

// OpenBGPD's `dump table` (TABLE_DUMP, v1) writes its entries' attributes
// as `dump table-mp` does: a 2-byte AS_PATH, the 4-byte path in AS4_PATH,
// and AGGREGATOR kept with a 4-byte AS (8 bytes). Such an AGGREGATOR is read
// as OpenBGPD writes it, not reported as malformed: the routes are bgpdump's
// lines for the same table as TABLE_DUMP_V2 (bgpdump misreads the 8-byte
// AGGREGATOR of the v1 file itself), from the peer on (bgpdump's v1 lines
// start "TABLE_DUMP" with the record's time; ours too).
TEST(Bgp4mpEntry, TableDumpV1EntriesWithOpenBgpdsAggregatorAreRead) {
    std::vector<RouteSpec> routes(3);
    routes[0].prefix = "10.1.0.0/16";
    routes[0].attribute_next_hop = "192.0.2.1";
    routes[0].as_path = {65001, 3356, 7018};
    routes[0].aggregator = {{65001, "192.0.2.1"}};
    routes[1].prefix = "10.2.0.0/16";
    routes[1].attribute_next_hop = "192.0.2.1";
    routes[1].as_path = {65001, 4200000001u, 7018};
    routes[1].aggregator = {{4200000002u, "10.0.0.2"}};
    routes[2].prefix = "198.51.100.0/24";
    routes[2].attribute_next_hop = "192.0.2.1";
    routes[2].as_path = {65001, 174};
    std::vector<std::uint8_t> v1;
    std::uint32_t sequence = 0;
    for (const RouteSpec& r : routes) {
        const Prefix p = parse_prefix(r.prefix);
        const std::vector<std::uint8_t> attrs = attributes_of(r, false);
        ByteWriter w;  // RFC 6396 4.2
        w.u16(0);      // view
        w.u16(sequence++);
        w.bytes(Bytes(p.addr.data(), 4));
        w.u8(p.len);
        w.u8(1);  // status
        w.u32(kTime - 100);
        w.ip(r.session->peer.ip);
        w.u16(r.session->peer.as);
        w.u16(static_cast<std::uint32_t>(attrs.size()));
        w.bytes(Bytes(attrs));
        add(v1, mrt(12, 1, w.buf));
    }
    const fs::path file = write_file("table_dump_v1.mrt", v1);
    const fs::path twin = write_file("table_dump_v1_twin.mrt", table_dump_v2_twin(routes));
    Replay r;
    ASSERT_TRUE(r.replay_file(file.string()));
    EXPECT_EQ(r.diagnostics().count(), 0u) << (r.diagnostics().errors().empty() ? "" : r.diagnostics().errors()[0].reason);
    (void)r.finish();
    const auto from_peer = [](std::vector<std::string> lines) {
        for (auto& l : lines) l = l.substr(l.find("|B|"));
        return sorted(lines);
    };
    const std::vector<std::string> ours = from_peer(our_lines(r));
    const std::vector<std::string> theirs = from_peer(bgpdump_lines(twin));
    ASSERT_EQ(theirs.size(), routes.size()) << "bgpdump did not read the TABLE_DUMP_V2 twin";
    EXPECT_EQ(ours, theirs);
    EXPECT_NE(std::find(ours.begin(), ours.end(),
                        "|B|192.0.2.1|65001|10.2.0.0/16|65001 4200000001 7018|IGP|192.0.2.1|0|0||NAG|4200000002 10.0.0.2|"),
              ours.end());
    std::error_code ignored;
    fs::remove_all(file.parent_path(), ignored);
}

// --- the report ---------------------------------------------------------------

TEST(Bgp4mpEntry, ReportCountsRibEntriesPerPeerAndOtherFamilies) {
    const ReplayReport rep = replay_bytes(sample_stream());
    EXPECT_EQ(rep.error_count, 0u) << first_reason(rep);
    EXPECT_EQ(rep.records, 8u);
    EXPECT_TRUE(rep.records_not_replayed.empty());
    ASSERT_TRUE(rep.rib.has_value());
    EXPECT_EQ(rep.rib->prefixes_v4, 2u);
    EXPECT_EQ(rep.rib->prefixes_v6, 1u);
    EXPECT_EQ(rep.rib->routes, 5u);
    const PeerFigures* a = rep.find_peer("192.0.2.1", 65001);
    const PeerFigures* b = rep.find_peer("2001:db8::2", 65002);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(rep.peers.size(), 2u);  // the local side is no peer
    EXPECT_EQ(a->rib_entries, 5u);   // 3 unicast, multicast, VPN
    EXPECT_EQ(a->other_families, 2u);
    EXPECT_EQ(*a->routes, 3u);
    EXPECT_EQ(b->rib_entries, 3u);  // 2 unicast, SAFI 77
    EXPECT_EQ(b->other_families, 1u);
    EXPECT_EQ(*b->routes, 2u);
    EXPECT_EQ(a->announced_v4 + a->announced_v6 + a->update_messages, 0u);  // RIB entries are not UPDATEs
    const nlohmann::json j = to_json(rep);
    EXPECT_EQ(j["peers"][0]["rib_entries"], 5);
}

TEST(Bgp4mpEntry, EtRecordIsReplayedAndSnapshotStillCountedByName) {
    std::vector<std::uint8_t> s;
    add(s, mrt(kBgp4mpEt, kEntry, entry_body(unicast_routes()[4], 123456)));
    add(s, mrt(kBgp4mp, 3, {0, 0, 'f', 0}));  // SNAPSHOT: view 0, file "f"
    const ReplayReport rep = replay_bytes(s);
    EXPECT_EQ(rep.error_count, 0u) << first_reason(rep);
    EXPECT_EQ(rep.rib->routes, 1u);
    const std::vector<std::pair<std::string, std::uint64_t>> expected = {{"BGP4MP/SNAPSHOT", 1}};
    EXPECT_EQ(rep.records_not_replayed, expected);
}

// With replay off the RIB, the entries are still counted.
TEST(Bgp4mpEntry, NoRibStillCountsEntries) {
    ReplayOptions o;
    o.keep_rib = false;
    const ReplayReport rep = replay_bytes(sample_stream(), o);
    EXPECT_EQ(rep.error_count, 0u);
    EXPECT_FALSE(rep.rib.has_value());
    ASSERT_NE(rep.find_peer("192.0.2.1", 65001), nullptr);
    EXPECT_EQ(rep.find_peer("192.0.2.1", 65001)->rib_entries, 5u);
}

// --- malformed records --------------------------------------------------------

// Byte offsets in the body of an entry of an IPv4 session (no ET field).
constexpr std::size_t kSessionAfiAt = 6, kNextHopLenAt = 27, kNextHopAt = 28;

TEST(Bgp4mpEntry, MalformedRecordsAreReportedAndSkippedTheReplayGoesOn) {
    const RouteSpec& good = unicast_routes()[0];  // IPv4 session, 4-byte next hop
    const std::vector<std::uint8_t> body = entry_body(good);
    ASSERT_EQ(body[kNextHopLenAt], 4);
    std::vector<std::uint8_t> s;
    add(s, entry_record(unicast_routes()[1]));                    // 1: fine
    std::vector<std::uint8_t> cut(body.begin(), body.end() - 3);  // 2: attributes cut short
    add(s, mrt(kBgp4mp, kEntry, cut));
    std::vector<std::uint8_t> long_prefix = body;  // 3: /33
    long_prefix[kNextHopAt + 4] = 33;
    add(s, mrt(kBgp4mp, kEntry, long_prefix));
    std::vector<std::uint8_t> long_next_hop = body;  // 4: next hop past the end
    long_next_hop[kNextHopLenAt] = 200;
    add(s, mrt(kBgp4mp, kEntry, long_next_hop));
    std::vector<std::uint8_t> bad_session = body;  // 5: session AFI 3
    bad_session[kSessionAfiAt + 1] = 3;
    add(s, mrt(kBgp4mp, kEntry, bad_session));
    std::vector<std::uint8_t> odd_next_hop = body;  // 6: a 7-byte next hop for an IPv4 route
    odd_next_hop[kNextHopLenAt] = 7;
    odd_next_hop.insert(odd_next_hop.begin() + kNextHopAt + 4, {1, 2, 3});
    add(s, mrt(kBgp4mp, kEntry, odd_next_hop));
    add(s, mrt(kBgp4mp, kEntry, {}));  // 7: empty
    std::vector<std::uint8_t> trailing = entry_body(unicast_routes()[2]);  // 8: two bytes too many: used, reported
    trailing.insert(trailing.end(), {0, 0});
    add(s, mrt(kBgp4mp, kEntry, trailing));
    add(s, entry_record(unicast_routes()[3]));  // 9: fine

    const ReplayReport rep = replay_bytes(s);
    ASSERT_EQ(rep.error_count, 7u);
    const std::vector<std::pair<DiagCode, std::uint64_t>> expected = {
        {DiagCode::record_attribute_overrun, 2}, {DiagCode::record_bad_prefix, 3}, {DiagCode::record_truncated, 4},
        {DiagCode::record_bad_family, 5},        {DiagCode::attribute_malformed, 6}, {DiagCode::record_truncated, 7},
        {DiagCode::record_trailing_bytes, 8}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(rep.errors[i].code, expected[i].first) << i << ": " << rep.errors[i].reason;
        EXPECT_EQ(rep.errors[i].record, expected[i].second) << rep.errors[i].reason;
        EXPECT_EQ(rep.errors[i].action, DiagAction::skip_record);
        EXPECT_NE(rep.errors[i].reason.find("BGP4MP_ENTRY"), std::string::npos) << rep.errors[i].reason;
    }
    EXPECT_EQ(rep.errors[4].attribute, attr::kNextHop);
    EXPECT_NE(rep.errors[2].reason.find("next hop length 200 runs past the record"), std::string::npos)
        << rep.errors[2].reason;
    // Records 1, 8 and 9 give their routes; the malformed ones nothing.
    EXPECT_EQ(rep.rib->routes, 3u);
    EXPECT_EQ(rep.find_peer("192.0.2.1", 65001)->rib_entries, 2u);
    EXPECT_EQ(rep.find_peer("2001:db8::2", 65002)->rib_entries, 1u);
    EXPECT_TRUE(rep.records_not_replayed.empty());
}

// A malformed attribute inside a well-framed entry: the decoder's RFC 7606
// rules, as for any RIB entry (counted, not installed).
TEST(Bgp4mpEntry, MalformedAttributeFollowsTheDecodersRules) {
    RouteSpec r = unicast_routes()[0];
    std::vector<std::uint8_t> body = entry_body(r);
    // ORIGIN is the first attribute, right after the attribute length: value 7.
    const std::size_t attrs_at = kNextHopAt + 4 + 1 + 2 + 2;
    ASSERT_EQ(body[attrs_at + 1], attr::kOrigin);
    body[attrs_at + 3] = 7;
    const ReplayReport rep = replay_bytes(mrt(kBgp4mp, kEntry, body));
    ASSERT_EQ(rep.error_count, 1u);
    EXPECT_EQ(rep.errors[0].code, DiagCode::attribute_malformed);
    EXPECT_EQ(rep.errors[0].action, DiagAction::treat_as_withdraw);
    EXPECT_EQ(rep.rib->routes, 0u);
    EXPECT_EQ(rep.find_peer("192.0.2.1", 65001)->rib_entries, 1u);
}

// Every prefix of a valid record, as a whole record of that length and as a
// stream that ends there: always reported, no route, never a crash (the
// ASan+UBSan build runs this too).
TEST(Bgp4mpEntry, EveryTruncationIsReportedNeverACrash) {
    struct Case {
        std::uint16_t type;
        std::vector<std::uint8_t> body;
    };
    const std::vector<Case> cases = {{kBgp4mp, entry_body(unicast_routes()[0])},
                                     {kBgp4mp, entry_body(unicast_routes()[4])},
                                     {kBgp4mpEt, entry_body(unicast_routes()[3], 7)}};
    for (const Case& c : cases) {
        const std::vector<std::uint8_t> whole = mrt(c.type, kEntry, c.body);
        ASSERT_EQ(replay_bytes(whole).rib->routes, 1u);
        for (std::size_t k = 0; k < c.body.size(); ++k) {
            const std::vector<std::uint8_t> short_body(c.body.begin(), c.body.begin() + static_cast<std::ptrdiff_t>(k));
            const ReplayReport rec = replay_bytes(mrt(c.type, kEntry, short_body));
            EXPECT_GE(rec.error_count, 1u) << "body cut at " << k << " of " << c.body.size();
            EXPECT_EQ(rec.rib->routes, 0u) << k;
        }
        for (std::size_t k = 0; k < whole.size(); ++k) {
            const std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(k));
            const ReplayReport stream = replay_bytes(cut);
            std::string reasons;
            for (const auto& e : stream.errors) reasons += "\n  " + std::string(diag_code_name(e.code)) + ": " + e.reason;
            // (The reader may also report lost framing before the cut
            // header: it looks for records inside the torn one.)
            if (k == 0) EXPECT_EQ(stream.error_count, 0u);
            else EXPECT_GE(stream.error_count, 1u) << "stream cut at " << k << reasons;
            EXPECT_EQ(stream.rib->routes, 0u) << k;
        }
    }
}

}  // namespace
}  // namespace mempool::bgp::test
