// config.hpp: the export configuration of mempool-bgp: who the local
// speaker is and which (virtual) neighbours it sends routes to. Read from
// JSON (docs/export.md has every key):
//
//   {"local": {"as": 65000, "router_id": "192.0.2.1", "cluster_id": "192.0.2.1",
//              "addresses": ["192.0.2.1", "2001:db8::1"]},
//    "neighbours": [
//      {"name": "transit", "address": "198.51.100.1", "as": 64500},
//      {"name": "rr-client", "address": "10.0.0.2", "as": 65000, "rr_client": true},
//      {"name": "old-ibgp", "address": "10.0.0.3", "as": 65000, "four_byte_as": false}],
//    "rr_clients": ["10.21.42.2"]}
//
// A neighbour is iBGP when its AS is the local AS, eBGP otherwise. A
// neighbour whose address is the address of an MRT peer of the replay is
// also where that peer's routes come from (split horizon, client or not).
// "rr_clients" lists route-reflector clients by BGP identifier, as
// libxbgp's route reflector extra configuration does (a plain array of
// strings, or its typed {"type_arg": "list", "arg": [{"type_arg": "ipv4",
// "arg": "..."}]} form).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "address.hpp"

namespace mempool::bgp {

struct LocalSpeakerConfig {
    std::uint32_t as = 0;
    std::uint32_t router_id = 0;   // BGP identifier, host order
    std::uint32_t cluster_id = 0;  // CLUSTER_ID (RFC 4456 §7); the router id unless given
    std::optional<IpAddress> address_v4;  // NEXT_HOP on eBGP, MRT local address
    std::optional<IpAddress> address_v6;
    std::uint32_t local_pref = 100;  // LOCAL_PREF given to eBGP-learned routes sent over iBGP
};

struct NeighbourConfig {
    std::string name;  // for the report; the address when not given
    IpAddress address;
    std::uint32_t as = 0;
    std::optional<std::uint32_t> router_id;  // default: see neighbour.hpp
    bool rr_client = false;
    bool four_byte_as = true;     // RFC 6793 session; false: 2-byte AS_PATH, AS4_PATH
    bool next_hop_self = false;   // iBGP: NEXT_HOP = local address too
    bool ipv4 = true, ipv6 = true;  // families sent (default: those with a local address)
    std::optional<IpAddress> local_address;  // this session's local address (MRT, next hop)
};

struct ExportConfig {
    LocalSpeakerConfig local;
    std::vector<NeighbourConfig> neighbours;
    std::vector<std::uint32_t> rr_client_ids;  // "rr_clients": BGP identifiers
};

// Parses the JSON text. Returns false and says why (key and reason) when
// the configuration is malformed or incomplete.
[[nodiscard]] bool parse_export_config(const std::string& json_text, ExportConfig& out, std::string& why);
[[nodiscard]] bool load_export_config(const std::string& path, ExportConfig& out, std::string& why);

// "192.0.2.1" as a host-order u32; false if not an IPv4 address.
[[nodiscard]] bool parse_router_id(const std::string& text, std::uint32_t& out);

}  // namespace mempool::bgp
