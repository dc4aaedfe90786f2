// export_policy.cpp: the export rules, one function each.
#include "export_policy.hpp"

#include <algorithm>
#include <cstring>

namespace mempool::bgp {
namespace {

constexpr std::uint32_t kNoExport = 0xFFFFFF01u;
constexpr std::uint32_t kNoAdvertise = 0xFFFFFF02u;
constexpr std::uint32_t kNoExportSubconfed = 0xFFFFFF03u;

std::uint32_t be32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

bool has_community(const RouteFacts& f, std::uint32_t c) noexcept {
    for (std::size_t i = 0; i + 4 <= f.communities.size(); i += 4)
        if (be32(f.communities.data() + i) == c) return true;
    return false;
}

bool next_raw(ByteReader& r, RawAttribute& out) noexcept {
    return read_raw_attribute(r, out.flags, out.code, out.value);
}

}  // namespace

bool read_route_facts(Bytes canonical, RouteFacts& out) {
    if (!decode_canonical(canonical, out.view)) return false;
    out.med.reset();
    out.local_pref.reset();
    out.originator_id.reset();
    out.cluster_list = {};
    out.communities = {};
    ByteReader r(out.view.others);
    RawAttribute a;
    while (!r.empty()) {
        if (!next_raw(r, a)) return false;
        const bool four = a.value.size() == 4;
        switch (a.code) {
        case attr::kMed: if (four) out.med = be32(a.value.data()); break;
        case attr::kLocalPref: if (four) out.local_pref = be32(a.value.data()); break;
        case attr::kOriginatorId: if (four) out.originator_id = be32(a.value.data()); break;
        case attr::kClusterList: out.cluster_list = a.value; break;
        case attr::kCommunities: out.communities = a.value; break;
        default: break;
        }
    }
    return true;
}

const char* refusal_name(Refusal r) noexcept {
    switch (r) {
    case Refusal::none: return "none";
    case Refusal::split_horizon: return "split_horizon";
    case Refusal::ibgp_to_ibgp: return "ibgp_to_ibgp";
    case Refusal::originator_is_neighbour: return "originator_is_neighbour";
    case Refusal::neighbour_as_in_path: return "neighbour_as_in_path";
    case Refusal::no_advertise: return "no_advertise";
    case Refusal::no_export: return "no_export";
    case Refusal::family: return "family";
    case Refusal::too_large: return "too_large";
    case Refusal::outbound_filter: return "outbound_filter";
    }
    return "?";
}

bool as_path_has_local_as(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept {
    const auto& asns = f.view.as_path.asns;
    return std::find(asns.begin(), asns.end(), local.as) != asns.end();
}

bool originator_is_local(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept {
    return f.originator_id && *f.originator_id == local.router_id;
}

bool cluster_list_has_local(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept {
    for (std::size_t i = 0; i + 4 <= f.cluster_list.size(); i += 4)
        if (be32(f.cluster_list.data() + i) == local.cluster_id) return true;
    return false;
}

bool usable_by_local_speaker(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept {
    return !as_path_has_local_as(f, local) && !originator_is_local(f, local) && !cluster_list_has_local(f, local);
}

bool usable_by_local_speaker(Bytes canonical, const LocalSpeakerConfig& local) noexcept {
    ByteReader r(canonical);
    std::uint8_t origin = 0, nh_len = 0;
    std::uint16_t segments = 0;
    if (!r.u8(origin) || !r.u8(nh_len) || !r.skip(nh_len) || !r.u16(segments)) return false;
    for (unsigned i = 0; i < segments; ++i) {
        std::uint8_t type = 0;
        std::uint16_t count = 0;
        if (!r.u8(type) || !r.u16(count)) return false;
        for (unsigned k = 0; k < count; ++k) {
            std::uint32_t as = 0;
            if (!r.u32(as)) return false;
            if (as == local.as) return false;
        }
    }
    std::uint8_t aggregator = 0;
    if (!r.u8(aggregator) || (aggregator && !r.skip(8))) return false;
    RawAttribute a;
    while (!r.empty()) {
        if (!next_raw(r, a)) return false;
        if (a.code == attr::kOriginatorId && a.value.size() == 4 && be32(a.value.data()) == local.router_id)
            return false;
        if (a.code == attr::kClusterList)
            for (std::size_t i = 0; i + 4 <= a.value.size(); i += 4)
                if (be32(a.value.data() + i) == local.cluster_id) return false;
    }
    return true;
}

Refusal split_horizon(const PeerRole& source, std::uint32_t neighbour_index) noexcept {
    return source.neighbour == neighbour_index ? Refusal::split_horizon : Refusal::none;
}

bool reflects(const PeerRole& source, const Neighbour& to) noexcept { return source.ibgp && !to.ebgp; }

Refusal ibgp_rule(const PeerRole& source, const Neighbour& to) noexcept {
    if (!reflects(source, to)) return Refusal::none;  // eBGP on one side at least
    if (source.rr_client) return Refusal::none;       // client: to clients and non-clients
    return to.rr_client ? Refusal::none : Refusal::ibgp_to_ibgp;  // non-client: to clients only
}

Refusal originator_rule(const RouteFacts& f, const PeerRole& source, const Neighbour& to) noexcept {
    if (to.ebgp) return Refusal::none;  // ORIGINATOR_ID does not leave the AS
    const std::uint32_t originator = f.originator_id.value_or(source.router_id);
    return source.ibgp && originator == to.router_id ? Refusal::originator_is_neighbour : Refusal::none;
}

Refusal neighbour_as_rule(const RouteFacts& f, const Neighbour& to) noexcept {
    if (!to.ebgp) return Refusal::none;
    const auto& asns = f.view.as_path.asns;
    return std::find(asns.begin(), asns.end(), to.config.as) != asns.end() ? Refusal::neighbour_as_in_path
                                                                          : Refusal::none;
}

Refusal community_rule(const RouteFacts& f, const Neighbour& to) noexcept {
    if (f.communities.empty()) return Refusal::none;
    if (has_community(f, kNoAdvertise)) return Refusal::no_advertise;
    if (to.ebgp && (has_community(f, kNoExport) || has_community(f, kNoExportSubconfed))) return Refusal::no_export;
    return Refusal::none;
}

Refusal family_rule(Afi family, const Neighbour& to) noexcept {
    return (family == Afi::ipv4 ? to.config.ipv4 : to.config.ipv6) ? Refusal::none : Refusal::family;
}

Refusal decide_export(const RouteFacts& f, const PeerRole& source, std::uint32_t neighbour_index,
                      const Neighbour& to, Afi family) noexcept {
    Refusal r = family_rule(family, to);
    if (r == Refusal::none) r = split_horizon(source, neighbour_index);
    if (r == Refusal::none) r = ibgp_rule(source, to);
    if (r == Refusal::none) r = originator_rule(f, source, to);
    if (r == Refusal::none) r = neighbour_as_rule(f, to);
    if (r == Refusal::none) r = community_rule(f, to);
    return r;
}

void OutgoingAttributes::clear() noexcept {
    origin = 2;
    as_path.clear();
    next_hop_len = 0;
    med.reset();
    local_pref.reset();
    atomic_aggregate = false;
    aggregator = Aggregator{};
    originator_id.reset();
    cluster_list.clear();
    passed.clear();
}

void prepend_local_as(AsPath& path, std::uint32_t local_as) {
    // Drop confederation segments first.
    std::size_t in = 0, out_seg = 0, out_as = 0;
    for (const AsSegment s : path.segments) {
        if (s.type == kAsSequence || s.type == kAsSet) {
            for (std::size_t k = 0; k < s.count; ++k) path.asns[out_as + k] = path.asns[in + k];
            path.segments[out_seg++] = s;
            out_as += s.count;
        }
        in += s.count;
    }
    path.segments.resize(out_seg);
    path.asns.resize(out_as);
    path.asns.insert(path.asns.begin(), local_as);
    if (!path.segments.empty() && path.segments.front().type == kAsSequence && path.segments.front().count < 255)
        ++path.segments.front().count;
    else
        path.segments.insert(path.segments.begin(), AsSegment{kAsSequence, 1});
}

void choose_next_hop(const RouteFacts& f, const Neighbour& to, Afi family, OutgoingAttributes& out) {
    const bool self = to.ebgp || to.config.next_hop_self;
    const std::uint8_t own_len = f.view.next_hop_len;
    const bool own_fits = family == Afi::ipv4 ? own_len == 4 : own_len == 16 || own_len == 32;
    if (!self && own_fits) {
        out.next_hop_len = own_len;
        std::memcpy(out.next_hop.data(), f.view.next_hop, own_len);
        return;
    }
    const IpAddress& local = family == Afi::ipv4 ? to.next_hop_v4 : to.next_hop_v6;
    out.next_hop_len = static_cast<std::uint8_t>(address_size(family));
    std::memcpy(out.next_hop.data(), local.bytes.data(), out.next_hop_len);
}

std::optional<std::uint32_t> med_for(const RouteFacts& f, const Neighbour& to) noexcept {
    return to.ebgp ? std::nullopt : f.med;
}

std::optional<std::uint32_t> local_pref_for(const RouteFacts& f, const PeerRole& source, const Neighbour& to,
                                            const LocalSpeakerConfig& local) noexcept {
    if (to.ebgp) return std::nullopt;
    if (source.ibgp && f.local_pref) return f.local_pref;
    return local.local_pref;
}

void reflection_attributes(const RouteFacts& f, const PeerRole& source, const Neighbour& to,
                           const LocalSpeakerConfig& local, OutgoingAttributes& out) {
    out.originator_id.reset();
    out.cluster_list.clear();
    if (to.ebgp) return;
    out.originator_id = f.originator_id;
    for (std::size_t i = 0; i + 4 <= f.cluster_list.size(); i += 4)
        out.cluster_list.push_back(be32(f.cluster_list.data() + i));
    if (!reflects(source, to)) return;
    if (!out.originator_id) out.originator_id = source.router_id;
    out.cluster_list.insert(out.cluster_list.begin(), local.cluster_id);
}

void pass_other_attributes(const RouteFacts& f, OutgoingAttributes& out) {
    out.passed.clear();
    ByteReader r(f.view.others);
    RawAttribute a;
    while (!r.empty() && next_raw(r, a)) {
        switch (a.code) {
        case attr::kMed:
        case attr::kLocalPref:
        case attr::kOriginatorId:
        case attr::kClusterList:
            break;  // decided by their own rules
        case attr::kAtomicAggregate:
            out.atomic_aggregate = true;
            break;
        case attr::kCommunities:
        case attr::kExtCommunities:
        case attr::kLargeCommunities:
            out.passed.push_back(RawAttribute{attr::kFlagOptional | attr::kFlagTransitive, a.code, a.value});
            break;
        default:
            // Unrecognised: optional transitive passes, marked partial; the rest stays here.
            if ((a.flags & attr::kFlagOptional) && (a.flags & attr::kFlagTransitive))
                out.passed.push_back(RawAttribute{static_cast<std::uint8_t>((a.flags & 0xe0) | 0x20), a.code, a.value});
            break;
        }
    }
    std::stable_sort(out.passed.begin(), out.passed.end(),
                     [](const RawAttribute& x, const RawAttribute& y) { return x.code < y.code; });
}

void export_attributes(const RouteFacts& f, const PeerRole& source, const Neighbour& to, const LocalSpeakerConfig& local,
                       Afi family, OutgoingAttributes& out) {
    out.clear();
    out.origin = f.view.origin <= 2 ? f.view.origin : 2;  // absent: INCOMPLETE, as bgpdump reads it
    out.as_path.segments = f.view.as_path.segments;
    out.as_path.asns = f.view.as_path.asns;
    if (to.ebgp) prepend_local_as(out.as_path, local.as);
    choose_next_hop(f, to, family, out);
    out.med = med_for(f, to);
    out.local_pref = local_pref_for(f, source, to, local);
    out.aggregator = f.view.aggregator;
    reflection_attributes(f, source, to, local, out);
    pass_other_attributes(f, out);
}

}  // namespace mempool::bgp
