// path_attributes.cpp: the descriptor table and the value decoders.
#include "path_attributes.hpp"

#include <string>

namespace mempool::bgp {

std::size_t AsPath::rfc_length() const noexcept {
    std::size_t n = 0;
    for (const auto& s : segments) {
        if (s.type == kAsSequence) n += s.count;
        else if (s.type == kAsSet) n += 1;
    }
    return n;
}

std::uint32_t AsPath::metric_length() const noexcept {
    std::uint32_t n = 0;
    bool prev_is_as = false;
    std::uint32_t prev = 0;
    std::size_t i = 0;
    for (const auto& s : segments) {
        if (s.type == kAsSequence) {
            for (std::size_t k = 0; k < s.count; ++k) {
                const std::uint32_t as = asns[i + k];
                if (!(prev_is_as && as == prev)) ++n;
                prev = as;
                prev_is_as = true;
            }
        } else if (s.type == kAsSet) {
            ++n;
            prev_is_as = false;
        }
        // confederation segments count 0 and do not break a run
        i += s.count;
    }
    return n;
}

void PathAttributes::clear() noexcept {
    has_origin = false;
    origin = 2;
    as_path.clear();
    as4_path.clear();
    has_as_path = has_as4_path = has_next_hop = false;
    next_hop = {};
    mp_reach.present = false;
    mp_unreach.present = false;
    treat_as_withdraw = false;
    others.clear();
    seen = {};
}

namespace {

const char* decode_origin(ByteReader v, const AttributeContext&, PathAttributes& out, const std::uint8_t*& where) {
    std::uint8_t o = 0;
    where = v.here();
    if (v.remaining() != 1 || !v.u8(o)) return "ORIGIN must be 1 byte";
    if (o > 2) return "ORIGIN value is not IGP, EGP or INCOMPLETE";
    out.origin = o;
    out.has_origin = true;
    return nullptr;
}

const char* parse_as_path(ByteReader v, bool four, AsPath& path, const std::uint8_t*& where) {
    path.clear();
    const std::size_t as_size = four ? 4 : 2;
    while (!v.empty()) {
        where = v.here();
        std::uint8_t type = 0, count = 0;
        if (!v.u8(type) || !v.u8(count)) return "AS path segment header truncated";
        if (type < kAsSet || type > kAsConfedSet) return "unknown AS path segment type";
        if (count == 0) return "AS path segment of length 0";
        if (v.remaining() < count * as_size) return "AS path segment overruns the attribute";
        path.segments.push_back(AsSegment{type, count});
        for (unsigned k = 0; k < count; ++k) {
            std::uint32_t as = 0;
            (void)v.asn(as, four);
            path.asns.push_back(as);
        }
    }
    return nullptr;
}

const char* decode_as_path(ByteReader v, const AttributeContext& ctx, PathAttributes& out, const std::uint8_t*& where) {
    const char* err = parse_as_path(v, ctx.four_byte_as, out.as_path, where);
    if (err) {
        out.as_path.clear();
        return err;
    }
    out.has_as_path = true;
    return nullptr;
}

const char* decode_as4_path(ByteReader v, const AttributeContext&, PathAttributes& out, const std::uint8_t*& where) {
    const char* err = parse_as_path(v, true, out.as4_path, where);
    if (err) {
        out.as4_path.clear();
        return err;
    }
    out.has_as4_path = true;
    return nullptr;
}

const char* decode_next_hop(ByteReader v, const AttributeContext&, PathAttributes& out, const std::uint8_t*& where) {
    where = v.here();
    if (v.remaining() != 4) return "NEXT_HOP must be 4 bytes";
    out.next_hop = {};
    out.next_hop.afi = Afi::ipv4;
    (void)v.copy(out.next_hop.bytes.data(), 4);
    out.has_next_hop = true;
    return nullptr;
}

const char* fixed_length(ByteReader v, std::size_t n, const char* reason, const std::uint8_t*& where) {
    where = v.here();
    return v.remaining() == n ? nullptr : reason;
}
const char* decode_u32(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return fixed_length(v, 4, "attribute must be 4 bytes", where);
}
const char* decode_empty(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return fixed_length(v, 0, "ATOMIC_AGGREGATE must be empty", where);
}
const char* decode_aggregator(ByteReader v, const AttributeContext& ctx, PathAttributes&, const std::uint8_t*& where) {
    return fixed_length(v, ctx.four_byte_as ? 8 : 6, "AGGREGATOR has the wrong length", where);
}
const char* decode_as4_aggregator(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return fixed_length(v, 8, "AS4_AGGREGATOR must be 8 bytes", where);
}
const char* multiple_of(ByteReader v, std::size_t n, const char* reason, const std::uint8_t*& where) {
    where = v.here();
    return v.remaining() % n == 0 ? nullptr : reason;
}
const char* decode_communities(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return multiple_of(v, 4, "COMMUNITIES length is not a multiple of 4", where);
}
const char* decode_cluster_list(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return multiple_of(v, 4, "CLUSTER_LIST length is not a multiple of 4", where);
}
const char* decode_ext_communities(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return multiple_of(v, 8, "EXTENDED_COMMUNITIES length is not a multiple of 8", where);
}
const char* decode_large_communities(ByteReader v, const AttributeContext&, PathAttributes&, const std::uint8_t*& where) {
    return multiple_of(v, 12, "LARGE_COMMUNITIES length is not a multiple of 12", where);
}

// Next hop lengths RFC 4760 / RFC 8950 allow for unicast and multicast.
bool next_hop_length_ok(std::uint16_t afi, std::uint8_t safi, std::uint8_t len) {
    if (safi != kSafiUnicast && safi != kSafiMulticast) return len <= 32;  // not interpreted
    if (afi == kAfiIpv4) return len == 4 || len == 16 || len == 32;
    if (afi == kAfiIpv6) return len == 16 || len == 32;
    return len <= 32;
}

const char* decode_mp_reach(ByteReader v, const AttributeContext& ctx, PathAttributes& out, const std::uint8_t*& where) {
    MpReach& m = out.mp_reach;
    m = MpReach{};
    where = v.here();
    // TABLE_DUMP_V2 (RFC 6396 §4.3.4) keeps only next hop length and next hop.
    if (ctx.rib_dump && v.remaining() >= 1 && std::size_t{v.rest()[0]} + 1 == v.remaining()) {
        std::uint8_t nlen = 0;
        (void)v.u8(nlen);
        if (nlen > 32) return "MP_REACH_NLRI next hop longer than 32 bytes";
        m.next_hop_len = nlen;
        (void)v.copy(m.next_hop.data(), nlen);
        m.afi = nlen == 4 ? kAfiIpv4 : kAfiIpv6;
        m.safi = kSafiUnicast;
        m.present = true;
        return nullptr;
    }
    std::uint8_t nlen = 0, reserved = 0;
    if (!v.u16(m.afi) || !v.u8(m.safi) || !v.u8(nlen)) return "MP_REACH_NLRI truncated";
    where = v.here() - 1;
    if (!next_hop_length_ok(m.afi, m.safi, nlen)) return "MP_REACH_NLRI next hop length is invalid for its AFI/SAFI";
    if (!v.copy(m.next_hop.data(), nlen)) return "MP_REACH_NLRI next hop runs past the attribute";
    m.next_hop_len = nlen;
    where = v.here();
    if (!v.u8(reserved)) return "MP_REACH_NLRI truncated before its reserved byte";
    m.nlri = v.rest();
    m.present = true;
    return nullptr;
}

const char* decode_mp_unreach(ByteReader v, const AttributeContext&, PathAttributes& out, const std::uint8_t*& where) {
    MpUnreach& m = out.mp_unreach;
    m = MpUnreach{};
    where = v.here();
    if (!v.u16(m.afi) || !v.u8(m.safi)) return "MP_UNREACH_NLRI truncated";
    m.withdrawn = v.rest();
    m.present = true;
    return nullptr;
}

using E = AttributeError;
// The one table of path attributes this host knows.
constexpr AttributeDescriptor kDescriptors[] = {
    {attr::kOrigin, "ORIGIN", decode_origin, E::treat_as_withdraw, false},
    {attr::kAsPath, "AS_PATH", decode_as_path, E::treat_as_withdraw, false},
    {attr::kNextHop, "NEXT_HOP", decode_next_hop, E::treat_as_withdraw, false},
    {attr::kMed, "MULTI_EXIT_DISC", decode_u32, E::treat_as_withdraw, true},
    {attr::kLocalPref, "LOCAL_PREF", decode_u32, E::treat_as_withdraw, true},
    {attr::kAtomicAggregate, "ATOMIC_AGGREGATE", decode_empty, E::discard, true},
    {attr::kAggregator, "AGGREGATOR", decode_aggregator, E::discard, true},
    {attr::kCommunities, "COMMUNITIES", decode_communities, E::treat_as_withdraw, true},
    {attr::kOriginatorId, "ORIGINATOR_ID", decode_u32, E::treat_as_withdraw, true},
    {attr::kClusterList, "CLUSTER_LIST", decode_cluster_list, E::treat_as_withdraw, true},
    {attr::kMpReach, "MP_REACH_NLRI", decode_mp_reach, E::skip_message, false},
    {attr::kMpUnreach, "MP_UNREACH_NLRI", decode_mp_unreach, E::skip_message, false},
    {attr::kExtCommunities, "EXTENDED_COMMUNITIES", decode_ext_communities, E::treat_as_withdraw, true},
    {attr::kAs4Path, "AS4_PATH", decode_as4_path, E::discard, false},
    {attr::kAs4Aggregator, "AS4_AGGREGATOR", decode_as4_aggregator, E::discard, true},
    {attr::kLargeCommunities, "LARGE_COMMUNITIES", decode_large_communities, E::treat_as_withdraw, true},
};

struct DescriptorIndex {
    std::array<const AttributeDescriptor*, 256> by_code{};
    constexpr DescriptorIndex() {
        for (const auto& d : kDescriptors) by_code[d.code] = &d;
    }
};
constexpr DescriptorIndex kIndex{};

// RFC 6793 §4.2.3: rebuild the path from the leading part of AS_PATH and the
// whole AS4_PATH, unless AS4_PATH claims more ASes than AS_PATH holds.
// Works in the attributes' own buffers: no allocation once they have grown.
void merge_as4_path(PathAttributes& a) {
    // Confederation segments in AS4_PATH are ignored: drop them in place.
    AsPath& as4 = a.as4_path;
    std::size_t in = 0, out_seg = 0, out_as = 0;
    for (const AsSegment s : as4.segments) {
        if (s.type == kAsSet || s.type == kAsSequence) {
            for (std::size_t k = 0; k < s.count; ++k) as4.asns[out_as + k] = as4.asns[in + k];
            as4.segments[out_seg++] = s;
            out_as += s.count;
        }
        in += s.count;
    }
    as4.segments.resize(out_seg);
    as4.asns.resize(out_as);
    const std::size_t n2 = a.as_path.rfc_length();
    const std::size_t n4 = as4.rfc_length();
    if (n4 > n2) return;  // AS4_PATH ignored
    std::size_t need = n2 - n4;
    AsPath& merged = a.merge_scratch;
    merged.clear();
    std::size_t idx = 0;
    for (const auto& s : a.as_path.segments) {
        if (need == 0) break;
        const auto first = a.as_path.asns.begin() + static_cast<std::ptrdiff_t>(idx);
        if (s.type == kAsSequence) {
            const std::size_t take = std::min<std::size_t>(s.count, need);
            merged.segments.push_back(AsSegment{kAsSequence, static_cast<std::uint16_t>(take)});
            merged.asns.insert(merged.asns.end(), first, first + static_cast<std::ptrdiff_t>(take));
            need -= take;
        } else {
            merged.segments.push_back(s);
            merged.asns.insert(merged.asns.end(), first, first + s.count);
            if (s.type == kAsSet) --need;
        }
        idx += s.count;
    }
    merged.segments.insert(merged.segments.end(), as4.segments.begin(), as4.segments.end());
    merged.asns.insert(merged.asns.end(), as4.asns.begin(), as4.asns.end());
    std::swap(a.as_path, merged);
}

void put16(std::vector<std::uint8_t>& o, std::uint32_t v) {
    o.push_back(static_cast<std::uint8_t>(v >> 8));
    o.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& o, std::uint32_t v) {
    put16(o, v >> 16);
    put16(o, v & 0xffff);
}

}  // namespace

const AttributeDescriptor* attribute_descriptor(std::uint8_t code) noexcept { return kIndex.by_code[code]; }

bool AttributeDecoder::decode(Bytes field, const AttributeContext& ctx, PathAttributes& out, Diagnostics& diag) {
    out.clear();
    ByteReader r(field);
    while (!r.empty()) {
        const std::uint8_t* start = r.here();
        std::uint8_t flags = 0, code = 0;
        std::uint16_t len = 0;
        if (!r.u8(flags) || !r.u8(code)) {
            diag.report(start, "path attribute header truncated");
            return false;
        }
        bool ok_len;
        if (flags & attr::kFlagExtendedLength) {
            ok_len = r.u16(len);
        } else {
            std::uint8_t l8 = 0;
            ok_len = r.u8(l8);
            len = l8;
        }
        if (!ok_len) {
            diag.report(start, "path attribute length truncated");
            return false;
        }
        const AttributeDescriptor* d = attribute_descriptor(code);
        ByteReader value;
        if (!r.sub(len, value)) {
            diag.report(start, std::string(d ? d->name : "attribute ") + (d ? "" : std::to_string(code)) + " length " +
                                   std::to_string(len) + " overflows the attribute field (" +
                                   std::to_string(r.remaining()) + " bytes left)");
            return false;
        }
        const std::uint64_t bit = std::uint64_t{1} << (code % 64);
        if (out.seen[code / 64] & bit) {
            if (code == attr::kMpReach || code == attr::kMpUnreach) {
                diag.report(start, std::string(d->name) + " appears twice");
                return false;
            }
            diag.report(start, "attribute " + std::to_string(code) + " repeated; repeat discarded");
            continue;
        }
        out.seen[code / 64] |= bit;
        bool keep = d == nullptr || d->keep_raw;
        if (d != nullptr && d->decode != nullptr) {
            const std::uint8_t* where = value.here();
            if (const char* why = d->decode(value, ctx, out, where); why != nullptr) {
                keep = false;
                switch (d->on_error) {
                case AttributeError::discard:
                    diag.report(where, std::string(d->name) + ": " + why + "; attribute discarded");
                    break;
                case AttributeError::treat_as_withdraw:
                    diag.report(where, std::string(d->name) + ": " + why + "; routes treated as withdrawn");
                    out.treat_as_withdraw = true;
                    break;
                case AttributeError::skip_message:
                    diag.report(where, std::string(d->name) + ": " + why + "; message skipped");
                    return false;
                }
            }
        }
        if (keep) {
            const auto raw = Bytes(start, static_cast<std::size_t>(value.here() + value.remaining() - start));
            out.others.insert(out.others.end(), raw.begin(), raw.end());
        }
    }
    if (out.has_as4_path && !ctx.four_byte_as && out.has_as_path) merge_as4_path(out);
    return true;
}

void canonical_attributes(const PathAttributes& a, Afi family, std::vector<std::uint8_t>& out) {
    out.clear();
    out.push_back(a.has_origin ? a.origin : 0xff);
    // next hop of the family
    if (family == Afi::ipv4 && a.has_next_hop && !(a.mp_reach.present && a.mp_reach.afi == kAfiIpv4)) {
        out.push_back(4);
        out.insert(out.end(), a.next_hop.bytes.begin(), a.next_hop.bytes.begin() + 4);
    } else if (a.mp_reach.present) {
        out.push_back(a.mp_reach.next_hop_len);
        out.insert(out.end(), a.mp_reach.next_hop.begin(), a.mp_reach.next_hop.begin() + a.mp_reach.next_hop_len);
    } else {
        out.push_back(0);
    }
    put16(out, static_cast<std::uint32_t>(a.as_path.segments.size()));
    std::size_t idx = 0;
    for (const auto& s : a.as_path.segments) {
        out.push_back(s.type);
        put16(out, s.count);
        for (std::size_t k = 0; k < s.count; ++k) put32(out, a.as_path.asns[idx + k]);
        idx += s.count;
    }
    out.insert(out.end(), a.others.begin(), a.others.end());
}

}  // namespace mempool::bgp
