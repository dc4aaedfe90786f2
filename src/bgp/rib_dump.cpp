// rib_dump.cpp: bgpdump lines and JSON objects for the routes of the RIB.
#include "rib_dump.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "xbgp/route_attributes.hpp"

namespace mempool::bgp {
namespace {

const char* origin_text(std::uint8_t origin) {
    // bgpdump writes an absent ORIGIN as INCOMPLETE.
    return origin == 0 ? "IGP" : origin == 1 ? "EGP" : "INCOMPLETE";
}

std::string ipv4_text(const std::uint8_t* p) {
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, p, buf, sizeof buf) ? buf : "?";
}
std::string ipv6_text(const std::uint8_t* p) {
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, p, buf, sizeof buf) ? buf : "?";
}

// The next hop of the canonical form: 4 bytes IPv4, 16 or 32 bytes IPv6
// (the global address first); empty when there is none.
std::string next_hop_text(const CanonicalView& v) {
    if (v.next_hop_len == 4) return ipv4_text(v.next_hop);
    if (v.next_hop_len >= 16) return ipv6_text(v.next_hop);
    return {};
}

// The attributes kept as received, one at a time.
struct RawAttribute {
    std::uint8_t flags = 0, code = 0;
    Bytes value;
};
bool next_raw(ByteReader& r, RawAttribute& out) {
    return read_raw_attribute(r, out.flags, out.code, out.value);
}

std::string community_text(std::uint32_t c) {
    // The names bgpdump gives the well-known communities (RFC 1997).
    if (c == 0xFFFFFF01u) return "no-export";
    if (c == 0xFFFFFF02u) return "no-advertise";
    if (c == 0xFFFFFF03u) return "local-AS";
    return std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff);
}

std::string hex(Bytes b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (std::uint8_t x : b) {
        s.push_back(kDigits[x >> 4]);
        s.push_back(kDigits[x & 15]);
    }
    return s;
}

// What the bgpdump line needs from the raw attributes.
struct LineFields {
    std::uint32_t local_pref = 0, med = 0;
    bool atomic_aggregate = false;
    std::string communities;
};
LineFields line_fields(Bytes others) {
    LineFields f;
    ByteReader r(others);
    RawAttribute a;
    while (next_raw(r, a)) {
        ByteReader v(a.value);
        switch (a.code) {
        case attr::kMed: (void)v.u32(f.med); break;
        case attr::kLocalPref: (void)v.u32(f.local_pref); break;
        case attr::kAtomicAggregate: f.atomic_aggregate = true; break;
        case attr::kCommunities:
            for (std::uint32_t c = 0; v.u32(c);) {
                if (!f.communities.empty()) f.communities.push_back(' ');
                f.communities += community_text(c);
            }
            break;
        default: break;
        }
    }
    return f;
}

const char* segment_name(std::uint8_t type) {
    switch (type) {
    case kAsSet: return "AS_SET";
    case kAsSequence: return "AS_SEQUENCE";
    case kAsConfedSequence: return "AS_CONFED_SEQUENCE";
    case kAsConfedSet: return "AS_CONFED_SET";
    default: return "?";
    }
}

}  // namespace

std::string as_path_text(const AsPath& path) {
    std::string s;
    std::size_t idx = 0;
    for (const AsSegment& seg : path.segments) {
        if (!s.empty()) s.push_back(' ');
        const bool set = seg.type == kAsSet || seg.type == kAsConfedSet;
        const char open = seg.type == kAsSet ? '{' : seg.type == kAsConfedSet ? '[' : seg.type == kAsConfedSequence ? '(' : 0;
        const char close = seg.type == kAsSet ? '}' : seg.type == kAsConfedSet ? ']' : seg.type == kAsConfedSequence ? ')' : 0;
        if (open) s.push_back(open);
        for (std::size_t k = 0; k < seg.count; ++k) {
            if (k) s.push_back(set ? ',' : ' ');
            s += std::to_string(path.asns[idx + k]);
        }
        if (close) s.push_back(close);
        idx += seg.count;
    }
    return s;
}

std::string bgpdump_line(const PrefixRoutes& prefix, const Route& route, const PeerIdentity& peer,
                         const AttrSet& attributes, std::uint32_t time) {
    CanonicalView v;
    if (!decode_canonical(attributes.key(), v)) return {};
    const LineFields f = line_fields(v.others);
    std::string line = route.add_path ? "TABLE_DUMP2_AP|" : "TABLE_DUMP2|";
    line += std::to_string(time);
    line += "|B|";
    line += to_string(peer.ip);
    line += '|';
    line += std::to_string(peer.as);
    line += '|';
    line += to_string(prefix.prefix);
    line += '|';
    if (route.add_path) {
        line += std::to_string(route.path_id);
        line += '|';
    }
    line += as_path_text(v.as_path);
    line += '|';
    line += origin_text(v.origin);
    line += '|';
    // bgpdump writes a missing next hop as the INADDR_NONE it starts from.
    const std::string nh = next_hop_text(v);
    line += nh.empty() ? "255.255.255.255" : nh;
    line += '|';
    line += std::to_string(f.local_pref);
    line += '|';
    line += std::to_string(f.med);
    line += '|';
    line += f.communities;
    line += '|';
    line += f.atomic_aggregate ? "AG" : "NAG";
    line += '|';
    if (v.aggregator.present) {
        line += std::to_string(v.aggregator.as);
        line += ' ';
        line += ipv4_text(v.aggregator.ip.data());
    }
    line += '|';
    return line;
}

nlohmann::json route_json(const PrefixRoutes& prefix, const Route& route, const PeerIdentity& peer,
                          const AttrSet& attributes, bool best) {
    using nlohmann::json;
    json j;
    j["prefix"] = to_string(prefix.prefix);
    j["peer_ip"] = to_string(peer.ip);
    j["peer_as"] = peer.as;
    j["path_id"] = route.path_id;
    j["add_path"] = route.add_path;
    j["best"] = best;
    CanonicalView v;
    json a = json::object();
    if (decode_canonical(attributes.key(), v)) {
        a["origin"] = v.origin <= 2 ? json(origin_text(v.origin)) : json(nullptr);
        a["as_path"] = as_path_text(v.as_path);
        json segs = json::array();
        std::size_t idx = 0;
        for (const AsSegment& s : v.as_path.segments) {
            segs.push_back({{"type", segment_name(s.type)},
                            {"asns", std::vector<std::uint32_t>(v.as_path.asns.begin() + static_cast<std::ptrdiff_t>(idx),
                                                                v.as_path.asns.begin() +
                                                                    static_cast<std::ptrdiff_t>(idx + s.count))}});
            idx += s.count;
        }
        a["as_path_segments"] = std::move(segs);
        a["path_length"] = attributes.path_length;
        const std::string nh = next_hop_text(v);
        a["next_hop"] = nh.empty() ? json(nullptr) : json(nh);
        if (v.next_hop_len == 32) a["next_hop_link_local"] = ipv6_text(v.next_hop + 16);
        if (v.aggregator.present)
            a["aggregator"] = {{"as", v.aggregator.as}, {"ip", ipv4_text(v.aggregator.ip.data())}};
        json other = json::array();
        ByteReader r(v.others);
        RawAttribute raw;
        while (next_raw(r, raw)) {
            ByteReader val(raw.value);
            std::uint32_t x = 0;
            switch (raw.code) {
            case attr::kMed:
                if (val.u32(x)) a["med"] = x;
                break;
            case attr::kLocalPref:
                if (val.u32(x)) a["local_pref"] = x;
                break;
            case attr::kAtomicAggregate: a["atomic_aggregate"] = true; break;
            case attr::kCommunities: {
                json c = json::array();
                while (val.u32(x)) c.push_back(community_text(x));
                a["communities"] = std::move(c);
                break;
            }
            case attr::kOriginatorId:
                if (raw.value.size() == 4) a["originator_id"] = ipv4_text(raw.value.data());
                break;
            case attr::kClusterList: {
                json c = json::array();
                for (std::size_t i = 0; i + 4 <= raw.value.size(); i += 4) c.push_back(ipv4_text(raw.value.data() + i));
                a["cluster_list"] = std::move(c);
                break;
            }
            case attr::kExtCommunities: {
                json c = json::array();
                for (std::size_t i = 0; i + 8 <= raw.value.size(); i += 8) c.push_back(hex(raw.value.subspan(i, 8)));
                a["extended_communities"] = std::move(c);
                break;
            }
            case attr::kLargeCommunities: {
                json c = json::array();
                std::uint32_t g = 0, l1 = 0, l2 = 0;
                while (val.u32(g) && val.u32(l1) && val.u32(l2))
                    c.push_back(std::to_string(g) + ":" + std::to_string(l1) + ":" + std::to_string(l2));
                a["large_communities"] = std::move(c);
                break;
            }
            default:
                other.push_back({{"code", raw.code}, {"flags", raw.flags}, {"value", hex(raw.value)}});
                break;
            }
        }
        if (!a.contains("atomic_aggregate")) a["atomic_aggregate"] = false;
        if (!other.empty()) a["other"] = std::move(other);
    }
    j["attributes"] = std::move(a);
    json pool = json::array();
    for (const mempool::EntryView& e : route.pool) {
        json o;
        o["key"] = e.key;
        switch (e.kind) {
        case mempool::Kind::value: {
            o["kind"] = "value";
            const Bytes b(reinterpret_cast<const std::uint8_t*>(e.bytes.data()), e.bytes.size());
            o["bytes"] = hex(b);
            if (b.size() == 8) {
                std::uint64_t u = 0;
                std::memcpy(&u, b.data(), 8);
                o["u64"] = u;
            }
            break;
        }
        case mempool::Kind::reference: o["kind"] = "reference"; break;
        case mempool::Kind::list:
            o["kind"] = "list";
            o["elements"] = e.list.size();
            o["element_size"] = e.list.element_size();
            break;
        }
        pool.push_back(std::move(o));
    }
    j["pool"] = std::move(pool);
    // Path attributes xBGP plugins set or added (set_attr, add_attr), kept in
    // the pool under xbgp::attribute_key(code): shown decoded as well.
    json plugin_attributes = json::array();
    for (const mempool::EntryView& e : route.pool) {
        xbgp::WireAttribute a;
        if (e.kind == mempool::Kind::value && xbgp::stored_attribute(e.key, e.bytes, a))
            plugin_attributes.push_back({{"code", a.code}, {"flags", a.flags}, {"value", hex(a.value)}});
    }
    if (!plugin_attributes.empty()) j["plugin_attributes"] = std::move(plugin_attributes);
    return j;
}

std::int64_t write_rib_dump(Replay& replay, std::FILE* out, const RibDumpOptions& options) {
    Rib& rib = replay.rib();
    const AttrStore& store = rib.attribute_store();
    const auto& peers = replay.peer_identities();
    const auto& best = replay.best_route_of_prefix();
    const std::uint32_t time = replay.last_timestamp();
    std::int64_t lines = 0;
    std::string text;
    for (std::size_t p = 0; p < rib.prefixes().size(); ++p) {
        const PrefixRoutes& pr = rib.prefixes()[p];
        const std::uint32_t best_index = p < best.size() ? best[p] : kNoBestRoute;
        for (std::size_t i = 0; i < pr.routes.size(); ++i) {
            const bool is_best = i == best_index;
            if (options.best_only && !is_best) continue;
            const Route& r = pr.routes[i];
            const AttrSet& set = store[r.path_attributes];
            if (options.format == RibDumpFormat::bgpdump) text = bgpdump_line(pr, r, peers[r.peer], set, time);
            else text = route_json(pr, r, peers[r.peer], set, is_best).dump();
            text.push_back('\n');
            if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) return -1;
            ++lines;
        }
    }
    return std::fflush(out) == 0 ? lines : -1;
}

}  // namespace mempool::bgp
