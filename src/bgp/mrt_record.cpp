// mrt_record.cpp: record bodies of BGP4MP, TABLE_DUMP and TABLE_DUMP_V2.
#include "mrt_record.hpp"

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
    return std::to_string(type) + "/" + std::to_string(subtype);
}

bool parse_bgp4mp(const MrtRecord& rec, Bgp4mpRecord& out, Diagnostics& diag) {
    ByteReader r(rec.body);
    out.microseconds = 0;
    if (rec.type == mrt::kBgp4mpEt && !r.u32(out.microseconds)) {
        diag.report(r.here(), "BGP4MP_ET record too short for its microseconds field");
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
        diag.report(rec.start + 6, "unknown BGP4MP subtype " + std::to_string(st));
        return false;
    }
    out.four_byte_as = four;
    out.add_path = st >= 8 && st <= 11;
    out.local = st == 6 || st == 7 || st == 10 || st == 11;
    std::uint16_t ifindex = 0, afi_wire = 0;
    if (!r.asn(out.peer.as, four) || !r.asn(out.local_as, four) || !r.u16(ifindex) || !r.u16(afi_wire)) {
        diag.report(r.here(), "BGP4MP record truncated in its peer header");
        return false;
    }
    Afi afi;
    if (!afi_from_wire(afi_wire, afi)) {
        diag.report(r.here() - 2, "BGP4MP address family " + std::to_string(afi_wire) + " is not IPv4 or IPv6");
        return false;
    }
    if (!read_ip(r, afi, out.peer.ip) || !read_ip(r, afi, out.local_ip)) {
        diag.report(r.here(), "BGP4MP record truncated in its peer addresses");
        return false;
    }
    if (out.kind == Bgp4mpKind::state_change) {
        if (!r.u16(out.old_state) || !r.u16(out.new_state)) {
            diag.report(r.here(), "BGP4MP STATE_CHANGE truncated");
            return false;
        }
        return true;
    }
    out.message = r.rest();
    if (out.message.empty()) {
        diag.report(r.here(), "BGP4MP MESSAGE record holds no BGP message");
        return false;
    }
    return true;
}

bool parse_table_dump(const MrtRecord& rec, TableDumpEntry& out, Diagnostics& diag) {
    Afi afi;
    if (!afi_from_wire(rec.subtype, afi)) {
        diag.report(rec.start + 6, "TABLE_DUMP subtype " + std::to_string(rec.subtype) + " is not AFI IPv4 or IPv6");
        return false;
    }
    ByteReader r(rec.body);
    std::uint16_t view = 0, seq = 0, peer_as = 0, attr_len = 0;
    std::uint8_t len = 0, status = 0;
    IpAddress addr;
    if (!r.u16(view) || !r.u16(seq) || !read_ip(r, afi, addr) || !r.u8(len) || !r.u8(status) ||
        !r.u32(out.originated) || !read_ip(r, afi, out.peer.ip) || !r.u16(peer_as) || !r.u16(attr_len)) {
        diag.report(r.here(), "TABLE_DUMP record truncated");
        return false;
    }
    if (len > max_prefix_len(afi)) {
        diag.report(r.here(), "TABLE_DUMP prefix length " + std::to_string(len) + " too long");
        return false;
    }
    out.peer.as = peer_as;
    out.prefix = Prefix{};
    out.prefix.addr = addr.bytes;
    out.prefix.len = len;
    out.prefix.afi = afi;
    mask_prefix(out.prefix);
    if (!r.bytes(attr_len, out.attributes)) {
        diag.report(r.here() - 2, "TABLE_DUMP attribute length " + std::to_string(attr_len) + " runs past the record (" +
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
        diag.report(r.here(), "PEER_INDEX_TABLE header truncated");
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
            diag.report(r.here(), "PEER_INDEX_TABLE entry " + std::to_string(i) + " of " + std::to_string(count) +
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
        diag.report(r.here(), "TABLE_DUMP_V2 RIB record truncated");
        return false;
    }
    switch (base) {
    case 2: afi = Afi::ipv4; out.afi = kAfiIpv4; out.safi = kSafiUnicast; break;
    case 3: afi = Afi::ipv4; out.afi = kAfiIpv4; out.safi = kSafiMulticast; break;
    case 4: afi = Afi::ipv6; out.afi = kAfiIpv6; out.safi = kSafiUnicast; break;
    case 5: afi = Afi::ipv6; out.afi = kAfiIpv6; out.safi = kSafiMulticast; break;
    case 6: {
        if (!r.u16(out.afi) || !r.u8(out.safi)) {
            diag.report(r.here(), "RIB_GENERIC record truncated");
            return false;
        }
        if (!afi_from_wire(out.afi, afi)) {
            diag.report(r.here() - 3, "RIB_GENERIC address family " + std::to_string(out.afi) + " not supported");
            return false;
        }
        // RIB_GENERIC carries a single NLRI; with add-path, RFC 8050 keeps
        // the path id in each entry, not in the NLRI.
        break;
    }
    default:
        diag.report(rec.start + 6, "unknown TABLE_DUMP_V2 subtype " + std::to_string(st));
        return false;
    }
    if (!read_prefix(r, afi, out.prefix, diag)) return false;
    if (!r.u16(out.entry_count)) {
        diag.report(r.here(), "TABLE_DUMP_V2 RIB record truncated before its entry count");
        return false;
    }
    out.entries = ByteReader(r.rest());
    return true;
}

bool next_rib_entry(ByteReader& r, bool add_path, RibEntry& out, Diagnostics& diag) {
    std::uint16_t len = 0;
    out.path_id = 0;
    if (!r.u16(out.peer_index) || !r.u32(out.originated) || (add_path && !r.u32(out.path_id)) || !r.u16(len)) {
        diag.report(r.here(), "RIB entry header truncated");
        return false;
    }
    if (!r.bytes(len, out.attributes)) {
        diag.report(r.here() - 2, "RIB entry attribute length " + std::to_string(len) + " runs past the record (" +
                                      std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    return true;
}

}  // namespace mempool::bgp
