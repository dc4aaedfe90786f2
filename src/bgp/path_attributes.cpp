// path_attributes.cpp: the descriptor table and the value decoders.
#include "path_attributes.hpp"

#include <cstring>

#include <string>

namespace mempool::bgp {

std::size_t AsPath::rfc_as_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : segments) {
        if (s.type == kAsSequence) n += s.count;
        else if (s.type == kAsSet) n += 1;
    }
    return n;
}

std::uint32_t selection_path_length(const AsPath& path) noexcept {
    std::uint32_t n = 0;
    bool prev_is_as = false;
    std::uint32_t prev = 0;
    std::size_t i = 0;
    const auto& asns = path.asns;
    for (const auto& s : path.segments) {
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
    aggregator.present = false;
    as4_aggregator.present = false;
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
const char* decode_aggregator(ByteReader v, const AttributeContext& ctx, PathAttributes& out, const std::uint8_t*& where) {
    where = v.here();
    if (v.remaining() != (ctx.four_byte_as ? 8u : 6u)) return "AGGREGATOR has the wrong length";
    (void)v.asn(out.aggregator.as, ctx.four_byte_as);
    (void)v.copy(out.aggregator.ip.data(), 4);
    out.aggregator.present = true;
    return nullptr;
}
const char* decode_as4_aggregator(ByteReader v, const AttributeContext&, PathAttributes& out, const std::uint8_t*& where) {
    where = v.here();
    if (v.remaining() != 8) return "AS4_AGGREGATOR must be 8 bytes";
    (void)v.u32(out.as4_aggregator.as);
    (void)v.copy(out.as4_aggregator.ip.data(), 4);
    out.as4_aggregator.present = true;
    return nullptr;
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

// Next hop lengths RFC 4760 / RFC 8950 allow for the families the RIB keeps;
// other families' next hops (with route distinguishers, ...) are not read.
bool next_hop_length_ok(std::uint16_t afi, std::uint8_t safi, std::uint8_t len) {
    if (!rib_keeps_family(afi, safi)) return true;
    if (afi == kAfiIpv4) return len == 4 || len == 16 || len == 32;
    return len == 16 || len == 32;
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
    if (!v.u16(m.afi) || !v.u8(m.safi)) return "MP_REACH_NLRI truncated";
    if (!rib_keeps_family(m.afi, m.safi)) {
        // Another family: recognised, not interpreted (its NLRI are not plain prefixes).
        m.nlri = v.rest();
        m.present = true;
        return nullptr;
    }
    if (!v.u8(nlen)) return "MP_REACH_NLRI truncated";
    where = v.here() - 1;
    if (!next_hop_length_ok(m.afi, m.safi, nlen)) return "MP_REACH_NLRI next hop length is invalid for its AFI/SAFI";
    if (nlen > m.next_hop.size()) return "MP_REACH_NLRI next hop longer than 32 bytes";
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
    {attr::kAggregator, "AGGREGATOR", decode_aggregator, E::discard, false},
    {attr::kCommunities, "COMMUNITIES", decode_communities, E::treat_as_withdraw, true},
    {attr::kOriginatorId, "ORIGINATOR_ID", decode_u32, E::treat_as_withdraw, true},
    {attr::kClusterList, "CLUSTER_LIST", decode_cluster_list, E::treat_as_withdraw, true},
    {attr::kMpReach, "MP_REACH_NLRI", decode_mp_reach, E::skip_message, false},
    {attr::kMpUnreach, "MP_UNREACH_NLRI", decode_mp_unreach, E::skip_message, false},
    {attr::kExtCommunities, "EXTENDED_COMMUNITIES", decode_ext_communities, E::treat_as_withdraw, true},
    {attr::kAs4Path, "AS4_PATH", decode_as4_path, E::discard, false},
    {attr::kAs4Aggregator, "AS4_AGGREGATOR", decode_as4_aggregator, E::discard, false},
    {attr::kLargeCommunities, "LARGE_COMMUNITIES", decode_large_communities, E::treat_as_withdraw, true},
};

struct DescriptorIndex {
    std::array<const AttributeDescriptor*, 256> by_code{};
    constexpr DescriptorIndex() {
        for (const auto& d : kDescriptors) by_code[d.code] = &d;
    }
};
constexpr DescriptorIndex kIndex{};

// RFC 6793 §4.2.3, on a message from an OLD speaker (2-byte AS_PATH). Each
// sentence of the section is one step below; tests/bgp/decoder_test.cpp
// holds one test per sentence (As4Merge.*).
//
//  1. AGGREGATOR and AS4_AGGREGATOR both received, AGGREGATOR's AS not
//     AS_TRANS: AS4_AGGREGATOR and AS4_PATH are ignored; AGGREGATOR and
//     AS_PATH are the information. Otherwise (AS_TRANS) AS4_AGGREGATOR
//     replaces AGGREGATOR and the path is constructed as in all other cases.
//  2. The AS numbers of AS_PATH and AS4_PATH are counted as RFC 4271
//     §9.1.2.2 and RFC 5065 count them (AsPath::rfc_as_count()).
//  3. AS_PATH counts fewer than AS4_PATH: AS4_PATH is ignored.
//  4. Otherwise: as many AS numbers and segments as needed are taken from
//     the leading part of AS_PATH and prepended to AS4_PATH, so that the
//     result counts as many AS numbers as AS_PATH.
//  5. A confederation segment of AS_PATH is prepended too if it leads
//     AS_PATH or is adjacent to a prepended segment.
//  (Confederation segments in AS4_PATH itself are dropped first: RFC 6793
//  §6 forbids them there, and they count 0 anyway.)
// Works in the attributes' own buffers: no allocation once they have grown.
void apply_rfc6793(PathAttributes& a) {
    const bool both_aggregators = a.aggregator.present && a.as4_aggregator.present;
    if (both_aggregators && a.aggregator.as != kAsTrans) return;  // sentence 1: AS4_* ignored
    if (both_aggregators) a.aggregator = a.as4_aggregator;
    if (!a.has_as4_path || !a.has_as_path) return;
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
    const std::size_t n2 = a.as_path.rfc_as_count();
    const std::size_t n4 = as4.rfc_as_count();
    if (n2 < n4) return;  // sentence 3: AS4_PATH ignored
    std::size_t need = n2 - n4;
    AsPath& merged = a.merge_scratch;
    merged.clear();
    std::size_t idx = 0;
    bool previous_prepended = true;  // the leading segment counts as adjacent
    for (const auto& s : a.as_path.segments) {
        const auto first = a.as_path.asns.begin() + static_cast<std::ptrdiff_t>(idx);
        idx += s.count;
        const bool confed = s.type == kAsConfedSequence || s.type == kAsConfedSet;
        if (confed) {
            // sentence 5: leading, or adjacent to a prepended segment
            if (!previous_prepended) break;
            merged.segments.push_back(s);
            merged.asns.insert(merged.asns.end(), first, first + s.count);
            continue;
        }
        if (need == 0) break;
        if (s.type == kAsSequence) {
            const std::size_t take = std::min<std::size_t>(s.count, need);
            merged.segments.push_back(AsSegment{kAsSequence, static_cast<std::uint16_t>(take)});
            merged.asns.insert(merged.asns.end(), first, first + static_cast<std::ptrdiff_t>(take));
            need -= take;
            previous_prepended = take == s.count;
        } else {  // AS_SET
            merged.segments.push_back(s);
            merged.asns.insert(merged.asns.end(), first, first + s.count);
            --need;
            previous_prepended = true;
        }
    }
    merged.segments.insert(merged.segments.end(), as4.segments.begin(), as4.segments.end());
    merged.asns.insert(merged.asns.end(), as4.asns.begin(), as4.asns.end());
    std::swap(a.as_path, merged);
}

std::uint8_t* put16(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
    return p + 2;
}
std::uint8_t* put32(std::uint8_t* p, std::uint32_t v) noexcept {
    return put16(put16(p, v >> 16), v & 0xffff);  // one byte-swapped store, compiled
}

}  // namespace

const AttributeDescriptor* attribute_descriptor(std::uint8_t code) noexcept { return kIndex.by_code[code]; }

bool AttributeDecoder::decode(Bytes field, const AttributeContext& ctx, PathAttributes& out, Diagnostics& diag) {
    out.clear();
    ByteReader r(field);
    // RFC 7606 §4: an attribute field whose last attribute runs past its
    // end, or ends with too few bytes for an attribute header, is treated
    // as withdrawn (the field's own length still finds the NLRI); the
    // attributes before the fault stand. Unless the attribute cut short is
    // MP_REACH/MP_UNREACH: its prefixes are unknown, so the message is
    // skipped, as for any malformed one (RFC 7606 §7.3, §5.3).
    const auto framing_fault = [&](const std::uint8_t* start, DiagCode why, std::uint8_t code, std::string what) {
        const bool mp = code == attr::kMpReach || code == attr::kMpUnreach;
        diag.report(start, why, mp ? DiagAction::skip_message : DiagAction::treat_as_withdraw,
                    what + (mp ? "; message skipped" : "; routes treated as withdrawn"), code);
        out.treat_as_withdraw = !mp;
        return !mp;
    };
    while (!r.empty()) {
        const std::uint8_t* start = r.here();
        std::uint8_t flags = 0, code = 0;
        std::uint16_t len = 0;
        if (!r.u8(flags) || !r.u8(code))
            return framing_fault(start, DiagCode::attribute_header_truncated, 0, "path attribute header truncated");
        bool ok_len;
        if (flags & attr::kFlagExtendedLength) {
            ok_len = r.u16(len);
        } else {
            std::uint8_t l8 = 0;
            ok_len = r.u8(l8);
            len = l8;
        }
        if (!ok_len) return framing_fault(start, DiagCode::attribute_header_truncated, code, "path attribute length truncated");
        const AttributeDescriptor* d = attribute_descriptor(code);
        ByteReader value;
        if (!r.sub(len, value))
            return framing_fault(start, DiagCode::attribute_overrun, code,
                                 std::string(d ? d->name : "attribute ") + (d ? "" : std::to_string(code)) + " length " +
                                     std::to_string(len) + " overflows the attribute field (" +
                                     std::to_string(r.remaining()) + " bytes left)");
        const std::uint64_t bit = std::uint64_t{1} << (code % 64);
        if (out.seen[code / 64] & bit) {
            if (code == attr::kMpReach || code == attr::kMpUnreach) {
                diag.report(start, DiagCode::attribute_repeated, DiagAction::skip_message, std::string(d->name) + " appears twice", code);
                return false;
            }
            diag.report(start, DiagCode::attribute_repeated, DiagAction::attribute_discard, "attribute " + std::to_string(code) + " repeated; repeat discarded", code);
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
                    diag.report(where, DiagCode::attribute_malformed, DiagAction::attribute_discard, std::string(d->name) + ": " + why + "; attribute discarded", code);
                    break;
                case AttributeError::treat_as_withdraw:
                    diag.report(where, DiagCode::attribute_malformed, DiagAction::treat_as_withdraw, std::string(d->name) + ": " + why + "; routes treated as withdrawn", code);
                    out.treat_as_withdraw = true;
                    break;
                case AttributeError::skip_message:
                    diag.report(where, DiagCode::attribute_malformed, DiagAction::skip_message, std::string(d->name) + ": " + why + "; message skipped", code);
                    return false;
                }
            }
        }
        if (keep) {
            const auto raw = Bytes(start, static_cast<std::size_t>(value.here() + value.remaining() - start));
            out.others.insert(out.others.end(), raw.begin(), raw.end());
        }
    }
    // AS4_PATH and AS4_AGGREGATOR only mean something from an OLD speaker;
    // with 4-byte AS_PATHs (BGP4MP_*_AS4, TABLE_DUMP_V2) they are ignored.
    if (!ctx.four_byte_as) apply_rfc6793(out);
    return true;
}

void canonical_attributes(const PathAttributes& a, Afi family, std::vector<std::uint8_t>& out) {
    // Sized first, then written through a pointer: pushed byte by byte, the
    // vector's capacity test was most of a call (380 instructions a set on
    // a RIS update file, a tenth of a RIB dump's main thread).
    const bool own_next_hop = family == Afi::ipv4 && a.has_next_hop && !(a.mp_reach.present && a.mp_reach.afi == kAfiIpv4);
    const std::uint8_t* next_hop = own_next_hop ? a.next_hop.bytes.data() : a.mp_reach.next_hop.data();
    const std::uint8_t next_hop_len = own_next_hop ? 4 : a.mp_reach.present ? a.mp_reach.next_hop_len : 0;
    std::size_t asns = 0;
    for (const auto& s : a.as_path.segments) asns += s.count;
    out.resize(1 + 1 + next_hop_len + 2 + 3 * a.as_path.segments.size() + 4 * asns + 1 +
               (a.aggregator.present ? 8 : 0) + a.others.size());
    std::uint8_t* p = out.data();
    *p++ = a.has_origin ? a.origin : 0xff;
    *p++ = next_hop_len;  // the next hop of the family
    if (next_hop_len != 0) std::memcpy(p, next_hop, next_hop_len);
    p = put16(p + next_hop_len, static_cast<std::uint32_t>(a.as_path.segments.size()));
    const std::uint32_t* as = a.as_path.asns.data();
    for (const auto& s : a.as_path.segments) {
        *p++ = s.type;
        p = put16(p, s.count);
        for (std::size_t k = 0; k < s.count; ++k) p = put32(p, *as++);
    }
    *p++ = a.aggregator.present ? 1 : 0;
    if (a.aggregator.present) {
        p = put32(p, a.aggregator.as);
        std::memcpy(p, a.aggregator.ip.data(), 4);
        p += 4;
    }
    if (!a.others.empty()) std::memcpy(p, a.others.data(), a.others.size());
}

bool decode_canonical(Bytes bytes, CanonicalView& out) {
    ByteReader r(bytes);
    std::uint16_t nseg = 0;
    Bytes nh;
    if (!r.u8(out.origin) || !r.u8(out.next_hop_len) || !r.bytes(out.next_hop_len, nh) || !r.u16(nseg)) return false;
    out.next_hop = nh.data();
    out.as_path.clear();
    for (unsigned i = 0; i < nseg; ++i) {
        AsSegment s;
        if (!r.u8(s.type) || !r.u16(s.count)) return false;
        out.as_path.segments.push_back(s);
        for (unsigned k = 0; k < s.count; ++k) {
            std::uint32_t as = 0;
            if (!r.u32(as)) return false;
            out.as_path.asns.push_back(as);
        }
    }
    std::uint8_t agg = 0;
    if (!r.u8(agg)) return false;
    out.aggregator = Aggregator{};
    if (agg) {
        out.aggregator.present = true;
        if (!r.u32(out.aggregator.as) || !r.copy(out.aggregator.ip.data(), 4)) return false;
    }
    out.others = r.rest();
    return true;
}

}  // namespace mempool::bgp
