// config.cpp: the JSON form of ExportConfig (docs/export.md).
#include "config.hpp"

#include "../../plugins/read_file.hpp"  // relative: this library has no src/plugins on its path

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

namespace mempool::bgp {
namespace {

using nlohmann::json;

// Reads an AS number (0 < as < 2^32) at `key`.
bool read_as(const json& o, const char* key, const std::string& where, std::uint32_t& out, std::string& why) {
    if (!o.contains(key) || !o[key].is_number_unsigned() || o[key].get<std::uint64_t>() == 0 ||
        o[key].get<std::uint64_t>() > 0xffffffffull) {
        why = where + "." + key + ": an AS number (1 to 4294967295) is required";
        return false;
    }
    out = o[key].get<std::uint32_t>();
    return true;
}

bool read_id(const json& o, const char* key, const std::string& where, std::optional<std::uint32_t>& out,
             std::string& why) {
    if (!o.contains(key)) return true;
    std::uint32_t v = 0;
    if (o[key].is_number_unsigned() && o[key].get<std::uint64_t>() <= 0xffffffffull) {
        v = o[key].get<std::uint32_t>();
    } else if (!o[key].is_string() || !parse_router_id(o[key].get<std::string>(), v)) {
        why = where + "." + key + ": a BGP identifier (dotted IPv4 text or a number) is expected";
        return false;
    }
    out = v;
    return true;
}

bool read_bool(const json& o, const char* key, const std::string& where, bool& out, std::string& why) {
    if (!o.contains(key)) return true;
    if (!o[key].is_boolean()) {
        why = where + "." + key + ": true or false is expected";
        return false;
    }
    out = o[key].get<bool>();
    return true;
}

bool read_address(const json& o, const char* key, const std::string& where, IpAddress& out, std::string& why) {
    if (!o.contains(key) || !o[key].is_string() || !parse_address(o[key].get<std::string>(), out)) {
        why = where + "." + key + ": an IPv4 or IPv6 address is expected";
        return false;
    }
    return true;
}

// libxbgp's extra configuration: {"type_arg": "list", "arg": [{"type_arg": "ipv4", "arg": "a.b.c.d"}]}
bool read_rr_clients(const json& v, std::vector<std::uint32_t>& out, std::string& why) {
    const json* list = &v;
    if (v.is_object()) {
        if (v.value("type_arg", "") != "list" || !v.contains("arg") || !v["arg"].is_array()) {
            why = "rr_clients: expected an array or libxbgp's {\"type_arg\": \"list\", \"arg\": [...]}";
            return false;
        }
        list = &v["arg"];
    }
    if (!list->is_array()) {
        why = "rr_clients: expected an array of BGP identifiers";
        return false;
    }
    for (const auto& e : *list) {
        const json* item = &e;
        if (e.is_object()) {
            if (e.value("type_arg", "") != "ipv4" || !e.contains("arg")) {
                why = "rr_clients: an element of libxbgp's form must be {\"type_arg\": \"ipv4\", \"arg\": ...}";
                return false;
            }
            item = &e["arg"];
        }
        std::uint32_t id = 0;
        if (!item->is_string() || !parse_router_id(item->get<std::string>(), id)) {
            why = "rr_clients: each element must be a BGP identifier in dotted IPv4 text";
            return false;
        }
        out.push_back(id);
    }
    return true;
}

}  // namespace

bool parse_router_id(const std::string& text, std::uint32_t& out) {
    std::uint8_t b[4];
    if (inet_pton(AF_INET, text.c_str(), b) != 1) return false;
    out = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
    return true;
}

bool parse_export_config(const std::string& json_text, ExportConfig& out, std::string& why) {
    out = ExportConfig{};
    const json doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        why = "not a JSON object";
        return false;
    }
    if (!doc.contains("local") || !doc["local"].is_object()) {
        why = "local: an object describing the local speaker is required";
        return false;
    }
    const json& l = doc["local"];
    LocalSpeakerConfig& local = out.local;
    if (!read_as(l, "as", "local", local.as, why)) return false;
    std::optional<std::uint32_t> id, cluster;
    if (!read_id(l, "router_id", "local", id, why) || !read_id(l, "cluster_id", "local", cluster, why)) return false;
    if (!id) {
        why = "local.router_id: the local BGP identifier is required";
        return false;
    }
    local.router_id = *id;
    local.cluster_id = cluster.value_or(*id);
    if (l.contains("addresses")) {
        if (!l["addresses"].is_array()) {
            why = "local.addresses: an array of at most one IPv4 and one IPv6 address is expected";
            return false;
        }
        for (const auto& a : l["addresses"]) {
            IpAddress ip;
            if (!a.is_string() || !parse_address(a.get<std::string>(), ip)) {
                why = "local.addresses: each element must be an IPv4 or IPv6 address";
                return false;
            }
            auto& slot = ip.afi == Afi::ipv4 ? local.address_v4 : local.address_v6;
            if (slot) {
                why = "local.addresses: one address per family";
                return false;
            }
            slot = ip;
        }
    }
    if (l.contains("local_pref")) {
        if (!l["local_pref"].is_number_unsigned() || l["local_pref"].get<std::uint64_t>() > 0xffffffffull) {
            why = "local.local_pref: a 32-bit unsigned number is expected";
            return false;
        }
        local.local_pref = l["local_pref"].get<std::uint32_t>();
    }
    if (doc.contains("rr_clients") && !read_rr_clients(doc["rr_clients"], out.rr_client_ids, why)) return false;
    if (!doc.contains("neighbours") || !doc["neighbours"].is_array()) {
        why = "neighbours: an array of neighbours is required";
        return false;
    }
    for (std::size_t i = 0; i < doc["neighbours"].size(); ++i) {
        const json& n = doc["neighbours"][i];
        const std::string where = "neighbours[" + std::to_string(i) + "]";
        if (!n.is_object()) {
            why = where + ": an object is expected";
            return false;
        }
        NeighbourConfig c;
        if (!read_address(n, "address", where, c.address, why) || !read_as(n, "as", where, c.as, why) ||
            !read_id(n, "router_id", where, c.router_id, why) || !read_bool(n, "rr_client", where, c.rr_client, why) ||
            !read_bool(n, "four_byte_as", where, c.four_byte_as, why) ||
            !read_bool(n, "next_hop_self", where, c.next_hop_self, why))
            return false;
        if (n.contains("name")) {
            if (!n["name"].is_string()) {
                why = where + ".name: a string is expected";
                return false;
            }
            c.name = n["name"].get<std::string>();
        }
        if (c.name.empty()) c.name = to_string(c.address);
        if (n.contains("local_address")) {
            IpAddress a;
            if (!read_address(n, "local_address", where, a, why)) return false;
            if (a.afi != c.address.afi) {
                why = where + ".local_address: must be of the neighbour address's family";
                return false;
            }
            c.local_address = a;
        }
        // Families: those the local speaker has an address for, unless listed.
        c.ipv4 = local.address_v4.has_value();
        c.ipv6 = local.address_v6.has_value();
        if (n.contains("families")) {
            c.ipv4 = c.ipv6 = false;
            if (!n["families"].is_array()) {
                why = where + ".families: an array of \"ipv4\" and \"ipv6\" is expected";
                return false;
            }
            for (const auto& f : n["families"]) {
                if (f == "ipv4") c.ipv4 = true;
                else if (f == "ipv6") c.ipv6 = true;
                else {
                    why = where + ".families: only \"ipv4\" and \"ipv6\" (unicast) are known";
                    return false;
                }
            }
        }
        const bool ebgp = c.as != local.as;
        if (c.rr_client && ebgp) {
            why = where + ".rr_client: only an iBGP neighbour (AS " + std::to_string(local.as) +
                  ") can be a route-reflector client";
            return false;
        }
        // Whatever NEXT_HOP = local address needs, and the MRT record's local address.
        const bool self = ebgp || c.next_hop_self;
        if ((c.ipv4 && self && !local.address_v4) || (c.ipv6 && self && !local.address_v6)) {
            why = where + ": NEXT_HOP would be the local address, but local.addresses has none of that family";
            return false;
        }
        const auto& session_local = c.address.afi == Afi::ipv4 ? local.address_v4 : local.address_v6;
        if (!c.local_address && !session_local) {
            why = where + ": no local address of the neighbour's family (local.addresses or local_address)";
            return false;
        }
        for (const auto& other : out.neighbours)
            if (other.address == c.address) {
                why = where + ".address: " + to_string(c.address) + " is listed twice";
                return false;
            }
        out.neighbours.push_back(std::move(c));
    }
    return true;
}

bool load_export_config(const std::string& path, ExportConfig& out, std::string& why) {
    // With the runtime's bounded reader: a path naming a device that never
    // ends (/dev/zero) or a FIFO nobody writes is refused, not read until
    // memory runs out or waited on for ever.
    std::string text;
    if (!mempool::detail::read_file_bounded(path, text, mempool::detail::max_text_file_bytes, why)) {
        why += ", not an export configuration";
        return false;
    }
    if (!parse_export_config(text, out, why)) {
        why = path + ": " + why;
        return false;
    }
    return true;
}

}  // namespace mempool::bgp
