// mrt_record.cpp: record bodies of BGP4MP, TABLE_DUMP and TABLE_DUMP_V2.
#include "mrt_record.hpp"

#include <algorithm>

#include "path_attributes.hpp"

namespace mempool::bgp {
namespace {

bool read_ip(ByteReader& r, Afi afi, IpAddress& out) {
    out = IpAddress{};
    out.afi = afi;
    return r.copy(out.bytes.data(), address_size(afi));
}

bool afi_from_wire(std::uint16_t v, Afi& out) {
    if (v == kAfiIpv4) out = Afi::ipv4;
    else if (v == kAfiIpv6) out = Afi::ipv6;
    else return false;
    return true;
}

}  // namespace

std::string mrt_type_name(std::uint16_t type, std::uint16_t subtype) {
    // RFC 6396 §4 and Appendix B (deprecated types), RFC 8050 (add-path subtypes).
    if (!mrt::defined_type(type)) return "type " + std::to_string(type) + "/" + std::to_string(subtype);
    static constexpr const char* kTypes[] = {
        "NULL", "START", "DIE", "I_AM_DEAD", "PEER_DOWN", "BGP", "RIP", "IDRP", "RIPNG", "BGP4PLUS",
        "BGP4PLUS_01", "OSPFv2", "TABLE_DUMP", "TABLE_DUMP_V2", nullptr, nullptr, "BGP4MP", "BGP4MP_ET"};
    static constexpr const char* kBgp[] = {"NULL", "UPDATE", "PREF_UPDATE", "STATE_CHANGE", "SYNC", "OPEN",
                                           "NOTIFY", "KEEPALIVE"};
    static constexpr const char* kBgp4mp[] = {
        "STATE_CHANGE", "MESSAGE", "ENTRY", "SNAPSHOT", "MESSAGE_AS4", "STATE_CHANGE_AS4",
        "MESSAGE_LOCAL", "MESSAGE_AS4_LOCAL", "MESSAGE_ADDPATH", "MESSAGE_AS4_ADDPATH", "MESSAGE_LOCAL_ADDPATH",
        "MESSAGE_AS4_LOCAL_ADDPATH"};
    static constexpr const char* kTableDumpV2[] = {
        nullptr, "PEER_INDEX_TABLE", "RIB_IPV4_UNICAST", "RIB_IPV4_MULTICAST", "RIB_IPV6_UNICAST",
        "RIB_IPV6_MULTICAST", "RIB_GENERIC", "GEO_PEER_TABLE", "RIB_IPV4_UNICAST_ADDPATH",
        "RIB_IPV4_MULTICAST_ADDPATH", "RIB_IPV6_UNICAST_ADDPATH", "RIB_IPV6_MULTICAST_ADDPATH",
        "RIB_GENERIC_ADDPATH"};
    const auto pick = [](const auto& table, std::uint16_t i) -> const char* {
        return i < std::size(table) ? table[i] : nullptr;
    };
    const char* t = pick(kTypes, type);
    if (type == 32) t = "ISIS";
    else if (type == 33) t = "ISIS_ET";
    else if (type == 48) t = "OSPFv3";
    else if (type == 49) t = "OSPFv3_ET";
    const char* sub = nullptr;
    if (type == mrt::kBgp || type == 9 || type == 10) sub = pick(kBgp, subtype);
    else if (type == mrt::kBgp4mp || type == mrt::kBgp4mpEt) sub = pick(kBgp4mp, subtype);
    else if (type == mrt::kTableDumpV2) sub = pick(kTableDumpV2, subtype);
    else if (type == mrt::kTableDump) sub = subtype == 1 ? "AFI_IPv4" : subtype == 2 ? "AFI_IPv6" : nullptr;
    else return t;  // types whose subtypes RFC 6396 does not name
    return std::string(t) + "/" + (sub ? std::string(sub) : std::to_string(subtype));
}

bool bgp_subtype_replayed(std::uint16_t subtype) noexcept {
    return subtype == 1 || subtype == 3 || subtype == 5 || subtype == 6 || subtype == 7;
}

bool parse_mrt_bgp(const MrtRecord& rec, MrtBgpRecord& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    std::uint16_t peer_as = 0;
    out.peer = PeerKey{};
    if (!r.u16(peer_as) || !read_ip(r, Afi::ipv4, out.peer.ip)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP record truncated in its peer header");
        return false;
    }
    out.peer.as = peer_as;
    if (rec.subtype == 3) {
        out.kind = Bgp4mpKind::state_change;
        if (!r.u16(out.old_state) || !r.u16(out.new_state)) {
            diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP STATE_CHANGE truncated");
            return false;
        }
        return true;
    }
    std::uint16_t local_as = 0;
    IpAddress local;
    if (!r.u16(local_as) || !read_ip(r, Afi::ipv4, local)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP record truncated in its local header");
        return false;
    }
    out.kind = Bgp4mpKind::message;
    switch (rec.subtype) {
    case 1: out.message_type = 2; break;
    case 5: out.message_type = 1; break;
    case 6: out.message_type = 3; break;
    case 7: out.message_type = 4; break;
    default:
        diag.report(rec.start + 6, DiagCode::record_bad_subtype, DiagAction::skip_record, "BGP subtype " + std::to_string(rec.subtype) + " is not a message");
        return false;
    }
    out.message = r.rest();
    return true;
}

namespace {

// The two shapes of mrt_record.hpp's "Zebra wrote by mistake", `r` standing
// after the two ASes: filled in (peer and local address 0.0.0.0) and true,
// or false with `r` unmoved.
bool zebra_shape(std::uint16_t subtype, ByteReader& r, Bgp4mpRecord& out) {
    out.peer.ip = IpAddress{};
    out.local_ip = IpAddress{};
    ByteReader probe = r;
    if (subtype == 0 && r.remaining() == 4) {
        return r.u16(out.old_state) && r.u16(out.new_state);
    }
    std::uint16_t ifindex = 0, afi_wire = 0;
    if (out.kind == Bgp4mpKind::message && probe.u16(ifindex) && probe.u16(afi_wire) && ifindex == 0xffff &&
        afi_wire == 0xffff) {
        out.message = r.rest();
        return true;
    }
    return false;
}

}  // namespace

bool parse_bgp4mp(const MrtRecord& rec, Bgp4mpRecord& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    out.microseconds = 0;
    if (rec.type == mrt::kBgp4mpEt && !r.u32(out.microseconds)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP_ET record too short for its microseconds field");
        return false;
    }
    bool four = false;
    const std::uint16_t st = rec.subtype;
    switch (st) {
    case 0: out.kind = Bgp4mpKind::state_change; break;
    case 5: out.kind = Bgp4mpKind::state_change; four = true; break;
    case 1: case 6: case 8: case 10: out.kind = Bgp4mpKind::message; break;
    case 4: case 7: case 9: case 11: out.kind = Bgp4mpKind::message; four = true; break;
    default:
        diag.report(rec.start + 6, DiagCode::record_bad_subtype, DiagAction::skip_record, "unknown BGP4MP subtype " + std::to_string(st));
        return false;
    }
    out.four_byte_as = four;
    out.add_path = st >= 8 && st <= 11;
    out.local = st == 6 || st == 7 || st == 10 || st == 11;
    std::uint16_t ifindex = 0, afi_wire = 0;
    if (!r.asn(out.peer.as, four) || !r.asn(out.local_as, four)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP record truncated in its peer header");
        return false;
    }
    if (zebra_shape(st, r, out)) return true;
    if (!r.u16(ifindex) || !r.u16(afi_wire)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP record truncated in its peer header");
        return false;
    }
    Afi afi;
    if (!afi_from_wire(afi_wire, afi)) {
        diag.report(r.here() - 2, DiagCode::record_bad_family, DiagAction::skip_record, "BGP4MP address family " + std::to_string(afi_wire) + " is not IPv4 or IPv6");
        return false;
    }
    if (!read_ip(r, afi, out.peer.ip) || !read_ip(r, afi, out.local_ip)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP record truncated in its peer addresses");
        return false;
    }
    if (out.kind == Bgp4mpKind::state_change) {
        if (!r.u16(out.old_state) || !r.u16(out.new_state)) {
            diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP STATE_CHANGE truncated");
            return false;
        }
        return true;
    }
    out.message = r.rest();
    if (out.message.empty()) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "BGP4MP MESSAGE record holds no BGP message");
        return false;
    }
    return true;
}

namespace {

// Next hop lengths of an IPv4/IPv6 unicast or multicast route: an IPv4
// address (IPv4 routes only), an IPv6 one, an IPv6 one and its link-local
// address (RFC 2545), or none.
bool entry_next_hop_length_ok(Afi family, std::size_t len) {
    return len == 0 || len == 16 || len == 32 || (family == Afi::ipv4 && len == 4);
}

}  // namespace

bool parse_bgp4mp_entry(const MrtRecord& rec, Bgp4mpEntry& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    out = Bgp4mpEntry{};
    const auto truncated = [&](const char* where) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record,
                    std::string("BGP4MP_ENTRY record truncated ") + where);
        return false;
    };
    if (rec.type == mrt::kBgp4mpEt && !r.u32(out.microseconds)) return truncated("in its microseconds field");
    std::uint16_t local_as = 0, peer_as = 0, ifindex = 0, session_afi = 0;
    if (!r.u16(local_as) || !r.u16(peer_as) || !r.u16(ifindex) || !r.u16(session_afi))
        return truncated("in its peer header");
    out.local_as = local_as;
    out.peer.as = peer_as;
    Afi session;
    if (!afi_from_wire(session_afi, session)) {
        diag.report(r.here() - 2, DiagCode::record_bad_family, DiagAction::skip_record,
                    "BGP4MP_ENTRY session address family " + std::to_string(session_afi) + " is not IPv4 or IPv6");
        return false;
    }
    // The local side first (mrt_record.hpp).
    if (!read_ip(r, session, out.local_ip) || !read_ip(r, session, out.peer.ip))
        return truncated("in its peer addresses");
    std::uint16_t view = 0, status = 0;
    std::uint8_t next_hop_len = 0;
    if (!r.u16(view) || !r.u16(status) || !r.u32(out.originated) || !r.u16(out.afi) || !r.u8(out.safi) ||
        !r.u8(next_hop_len))
        return truncated("before its next hop");
    if (!r.bytes(next_hop_len, out.next_hop)) {
        diag.report(r.here() - 1, DiagCode::record_truncated, DiagAction::skip_record,
                    "BGP4MP_ENTRY next hop length " + std::to_string(next_hop_len) + " runs past the record (" +
                        std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    Afi family;
    if (!afi_from_wire(out.afi, family)) return true;  // another family: nothing more to frame
    const std::uint8_t safi = out.safi;
    const std::uint8_t* const prefix_at = r.here();
    if (safi == kSafiUnicast || safi == kSafiMulticast) {
        if (!entry_next_hop_length_ok(family, next_hop_len)) {
            diag.report(out.next_hop.data() - 1, DiagCode::attribute_malformed, DiagAction::skip_record,
                        "BGP4MP_ENTRY next hop length " + std::to_string(next_hop_len) + " is not one of an " +
                            (family == Afi::ipv4 ? "IPv4" : "IPv6") + " route (0, " +
                            (family == Afi::ipv4 ? "4, " : "") + "16 or 32)",
                        attr::kNextHop);
            return false;
        }
        std::uint8_t len = 0;
        if (!r.u8(len)) return truncated("before its prefix");
        if (len > max_prefix_len(family)) {
            diag.report(prefix_at, DiagCode::record_bad_prefix, DiagAction::skip_record,
                        "BGP4MP_ENTRY prefix length " + std::to_string(len) + " exceeds " +
                            std::to_string(max_prefix_len(family)));
            return false;
        }
        out.prefix.afi = family;
        out.prefix.len = len;
        if (!r.copy(out.prefix.addr.data(), (len + 7u) / 8u)) return truncated("in its prefix");
        mask_prefix(out.prefix);
    } else if (safi == kSafiLabeled || safi == kSafiVpn || safi == kSafiVpnMulticast) {
        // Their NLRI's length in bits counts the labels and the route
        // distinguisher too (RFC 8277, RFC 4364): the attributes are found.
        std::uint8_t bits = 0;
        if (!r.u8(bits) || !r.skip((bits + 7u) / 8u)) return truncated("in its NLRI");
    } else {
        return true;  // flowspec, EVPN, ...: an NLRI this reader does not frame
    }
    std::uint16_t attr_len = 0;
    if (!r.u16(attr_len)) return truncated("before its attribute length");
    if (!r.bytes(attr_len, out.attributes)) {
        diag.report(r.here() - 2, DiagCode::record_attribute_overrun, DiagAction::skip_record,
                    "BGP4MP_ENTRY attribute length " + std::to_string(attr_len) + " runs past the record (" +
                        std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    out.framed = true;
    if (!r.empty())
        diag.report(r.here(), DiagCode::record_trailing_bytes, DiagAction::skip_record,
                    std::to_string(r.remaining()) + " bytes after the attributes of a BGP4MP_ENTRY record");
    return true;
}

namespace {

// Appends an attribute of at most 255 bytes (flags, code, one-byte length, value).
void put_attribute(std::vector<std::uint8_t>& out, std::uint8_t flags, std::uint8_t code, Bytes value) {
    out.insert(out.end(), {static_cast<std::uint8_t>(flags & ~attr::kFlagExtendedLength), code,
                           static_cast<std::uint8_t>(value.size())});
    out.insert(out.end(), value.begin(), value.end());
}

// The attribute field of a RIB entry dumped with a 2-byte AS_PATH, as the
// decoder reads it: its 8-byte AGGREGATORs narrowed, and `nh` (the entry's
// own next hop field; empty: none) appended when the field has no next hop
// for family afi/safi (see bgp4mp_entry_attributes).
Bytes two_byte_rib_attributes(Bytes field, Bytes nh, std::uint16_t afi, std::uint8_t safi,
                              std::vector<std::uint8_t>& scratch) {
    bool has_next_hop = false, has_mp_reach = false, wide_aggregator = false, has_as4_aggregator = false;
    ByteReader r(field);
    std::uint8_t flags = 0, code = 0;
    Bytes value;
    while (read_raw_attribute(r, flags, code, value)) {
        has_next_hop |= code == attr::kNextHop;
        has_mp_reach |= code == attr::kMpReach;
        wide_aggregator |= code == attr::kAggregator && value.size() == 8;
        has_as4_aggregator |= code == attr::kAs4Aggregator;
    }
    // A field cut short stays as it is: bytes appended could complete its
    // last attribute and hide the fault.
    if (!r.empty()) return field;
    const bool add_next_hop = !nh.empty() && !has_mp_reach && !(afi == kAfiIpv4 && has_next_hop);
    if (!add_next_hop && !wide_aggregator) return field;
    scratch.clear();
    r = ByteReader(field);
    for (const std::uint8_t* at = r.here(); read_raw_attribute(r, flags, code, value); at = r.here()) {
        if (code != attr::kAggregator || value.size() != 8) {
            scratch.insert(scratch.end(), at, r.here());
            continue;
        }
        // OpenBGPD keeps AGGREGATOR with a 4-byte AS whatever the session
        // and dumps it so beside its 2-byte AS_PATH (mrt_record.hpp): the
        // RFC 6793 form of a 2-byte field, AGGREGATOR with AS_TRANS when
        // the AS needs 4 bytes, and the AS in AS4_AGGREGATOR.
        const std::uint32_t as = load_be32(value.data());
        const std::uint8_t two[6] = {static_cast<std::uint8_t>((as > 0xffff ? kAsTrans : as) >> 8),
                                     static_cast<std::uint8_t>(as > 0xffff ? kAsTrans : as),
                                     value[4], value[5], value[6], value[7]};
        put_attribute(scratch, flags, attr::kAggregator, Bytes(two, sizeof two));
        if (as > 0xffff && !has_as4_aggregator) put_attribute(scratch, flags, attr::kAs4Aggregator, value);
    }
    if (add_next_hop) {
        const auto nh_len = static_cast<std::uint8_t>(nh.size());
        if (afi == kAfiIpv4 && nh_len == 4) {
            put_attribute(scratch, attr::kFlagTransitive, attr::kNextHop, nh);
        } else {
            // RFC 4760: AFI, SAFI, next hop length, next hop, reserved; no NLRI.
            std::uint8_t reach[5 + 32] = {static_cast<std::uint8_t>(afi >> 8), static_cast<std::uint8_t>(afi), safi,
                                          nh_len};
            std::copy(nh.begin(), nh.end(), reach + 4);
            reach[4 + nh_len] = 0;
            put_attribute(scratch, attr::kFlagOptional, attr::kMpReach, Bytes(reach, 5u + nh_len));
        }
    }
    return Bytes(scratch.data(), scratch.size());
}

}  // namespace

Bytes bgp4mp_entry_attributes(const Bgp4mpEntry& entry, std::vector<std::uint8_t>& scratch) {
    const bool ip = entry.afi == kAfiIpv4 || entry.afi == kAfiIpv6;
    if (!entry.framed || !ip || (entry.safi != kSafiUnicast && entry.safi != kSafiMulticast)) return entry.attributes;
    // The next hop is at most 32 bytes for these families (parse_bgp4mp_entry).
    return two_byte_rib_attributes(entry.attributes, entry.next_hop, entry.afi, entry.safi, scratch);
}

Bytes table_dump_attributes(Bytes field, Afi afi, std::vector<std::uint8_t>& scratch) {
    return two_byte_rib_attributes(field, Bytes(), afi == Afi::ipv4 ? kAfiIpv4 : kAfiIpv6, kSafiUnicast, scratch);
}

Bytes table_dump_attributes(const TableDumpEntry& entry, std::vector<std::uint8_t>& scratch) {
    return table_dump_attributes(entry.attributes, entry.prefix.afi, scratch);
}

bool parse_table_dump(const MrtRecord& rec, TableDumpRecord& out, Diagnostics& diag) {
    if (!afi_from_wire(rec.subtype, out.afi)) {
        diag.report(rec.start + 6, DiagCode::record_bad_subtype, DiagAction::skip_record, "TABLE_DUMP subtype " + std::to_string(rec.subtype) + " is not AFI IPv4 or IPv6");
        return false;
    }
    ByteReader r(rec.body);
    std::uint16_t view = 0, seq = 0;
    if (!r.u16(view) || !r.u16(seq)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "TABLE_DUMP record truncated");
        return false;
    }
    out.entries = r;
    return true;
}

bool next_table_dump_entry(TableDumpRecord& rec, TableDumpEntry& out, Diagnostics& diag) {
    ByteReader& r = rec.entries;
    if (r.remaining() == 0) return false;
    const Afi afi = rec.afi;
    std::uint16_t peer_as = 0, attr_len = 0;
    std::uint8_t len = 0, status = 0;
    IpAddress addr;
    if (!read_ip(r, afi, addr) || !r.u8(len) || !r.u8(status) || !r.u32(out.originated) ||
        !read_ip(r, afi, out.peer.ip) || !r.u16(peer_as) || !r.u16(attr_len)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "TABLE_DUMP record truncated");
        return false;
    }
    if (len > max_prefix_len(afi)) {
        diag.report(r.here(), DiagCode::record_bad_prefix, DiagAction::skip_record, "TABLE_DUMP prefix length " + std::to_string(len) + " too long");
        return false;
    }
    out.peer.as = peer_as;
    out.prefix = Prefix{};
    out.prefix.addr = addr.bytes;
    out.prefix.len = len;
    out.prefix.afi = afi;
    mask_prefix(out.prefix);
    if (!r.bytes(attr_len, out.attributes)) {
        diag.report(r.here() - 2, DiagCode::record_attribute_overrun, DiagAction::skip_record, "TABLE_DUMP attribute length " + std::to_string(attr_len) + " runs past the record (" +
                                      std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    return true;
}

bool parse_peer_index_table(const MrtRecord& rec, PeerIndexTable& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    std::uint16_t name_len = 0, count = 0;
    Bytes name;
    if (!r.u32(out.collector_id) || !r.u16(name_len) || !r.bytes(name_len, name) || !r.u16(count)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "PEER_INDEX_TABLE header truncated");
        return false;
    }
    out.view_name.assign(name.begin(), name.end());
    out.peers.clear();
    out.peers.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        std::uint8_t type = 0;
        std::uint32_t bgp_id = 0;
        PeerKey k;
        if (!r.u8(type) || !r.u32(bgp_id) || !read_ip(r, (type & 1) ? Afi::ipv6 : Afi::ipv4, k.ip) ||
            !r.asn(k.as, (type & 2) != 0)) {
            diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "PEER_INDEX_TABLE entry " + std::to_string(i) + " of " + std::to_string(count) +
                                      " truncated");
            return false;
        }
        out.peers.push_back(k);
    }
    return true;
}

bool parse_rib_record(const MrtRecord& rec, RibRecord& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    const std::uint16_t st = rec.subtype;
    out.add_path = st >= 8 && st <= 12;
    const std::uint16_t base = out.add_path ? static_cast<std::uint16_t>(st - 6) : st;
    Afi afi = Afi::ipv4;
    if (!r.u32(out.sequence)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "TABLE_DUMP_V2 RIB record truncated");
        return false;
    }
    switch (base) {
    case 2: afi = Afi::ipv4; out.afi = kAfiIpv4; out.safi = kSafiUnicast; break;
    case 3: afi = Afi::ipv4; out.afi = kAfiIpv4; out.safi = kSafiMulticast; break;
    case 4: afi = Afi::ipv6; out.afi = kAfiIpv6; out.safi = kSafiUnicast; break;
    case 5: afi = Afi::ipv6; out.afi = kAfiIpv6; out.safi = kSafiMulticast; break;
    case 6: {
        if (!r.u16(out.afi) || !r.u8(out.safi)) {
            diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "RIB_GENERIC record truncated");
            return false;
        }
        // RIB_GENERIC carries a single NLRI; with add-path, RFC 8050 keeps
        // the path id in each entry, not in the NLRI.
        const bool ip = afi_from_wire(out.afi, afi);
        if (ip && (out.safi == kSafiUnicast || out.safi == kSafiMulticast)) break;
        // Another family (labeled, VPN, EVPN, flowspec, ...): a valid record
        // the RIB does not keep. Labeled (RFC 8277) and VPN (RFC 4364) NLRI
        // of IPv4/IPv6 start with their length in bits, labels and route
        // distinguisher included, so the entries behind are still found.
        out.other_family = true;
        if (!ip || (out.safi != kSafiLabeled && out.safi != kSafiVpn && out.safi != kSafiVpnMulticast)) {
            out.entries_unknown = true;
            return true;
        }
        std::uint8_t bits = 0;
        Bytes nlri;
        if (!r.u8(bits) || !r.bytes((bits + 7u) / 8u, nlri)) {
            diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "RIB_GENERIC NLRI truncated");
            return false;
        }
        break;
    }
    default:
        diag.report(rec.start + 6, DiagCode::record_bad_subtype, DiagAction::skip_record, "unknown TABLE_DUMP_V2 subtype " + std::to_string(st));
        return false;
    }
    if (!out.other_family && !read_prefix(r, afi, out.prefix, diag)) return false;
    if (!r.u16(out.entry_count)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "TABLE_DUMP_V2 RIB record truncated before its entry count");
        return false;
    }
    out.entries = ByteReader(r.rest());
    return true;
}

bool next_rib_entry(ByteReader& r, bool add_path, RibEntry& out, Diagnostics& diag) {
    std::uint16_t len = 0;
    out.path_id = 0;
    if (!r.u16(out.peer_index) || !r.u32(out.originated) || (add_path && !r.u32(out.path_id)) || !r.u16(len)) {
        diag.report(r.here(), DiagCode::record_truncated, DiagAction::skip_record, "RIB entry header truncated");
        return false;
    }
    if (!r.bytes(len, out.attributes)) {
        diag.report(r.here() - 2, DiagCode::record_attribute_overrun, DiagAction::skip_record, "RIB entry attribute length " + std::to_string(len) + " runs past the record (" +
                                      std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    return true;
}

}  // namespace mempool::bgp
