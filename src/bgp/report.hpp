// report.hpp: the figures of a replay, per peer, and their two renderings
// (a table for people, one JSON object for programs).
//
// Counting rules (issue 4 item 6), so that figures compare with other tools:
//   records        every MRT record read, a PEER_INDEX_TABLE too
//   peer           its IP and AS as written in the MRT record
//   updates        UPDATE messages, each once, empty ones included, as the
//                  plugin A wrote it into the pool; absent without a plugin
//                  at bgp_message (plugin A's point), 0 for a peer it never
//                  counted (update_messages is the host's own count)
//   announced_*    unicast prefixes over NLRI and MP_REACH_NLRI, per family
//   withdrawn_*    unicast prefixes over withdrawn routes and MP_UNREACH_NLRI
//   other_families MP_REACH_NLRI and MP_UNREACH_NLRI attributes of a family
//                  the RIB does not keep (rib_keeps_family(): any SAFI but
//                  unicast), and RIB entries of such families: recognised
//                  by AFI/SAFI, skipped, never parsed as prefixes
//   state_changes  STATE_CHANGE records
//   rib_entries    RIB dump entries (TABLE_DUMP, TABLE_DUMP_V2, BGP4MP_ENTRY)
//   messages       BGP messages received, by type (OPEN, UPDATE, ...)
//   routes         Adj-RIB-In size at the end           (absent with --no-rib)
//   best_routes    prefixes where the peer's route is best (absent with --no-rib)
// A peer is listed when one of its figures is not zero: a peer that only
// sent OPEN or KEEPALIVE messages is listed, so message totals add up.
//
// MRT records this host does not replay (deprecated or zebra-era types such
// as BGP4MP/SNAPSHOT, BGP/PREF_UPDATE, other protocols) are counted by their
// RFC 6396 name in `records_not_replayed`, never dropped silently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "address.hpp"
#include "diagnostics.hpp"

namespace mempool::bgp {

struct PeerFigures {
    IpAddress ip;
    std::uint32_t as = 0;
    std::optional<std::uint64_t> updates;  // from plugin A, through the pool
    std::uint64_t update_messages = 0;     // the host's own count of UPDATEs
    std::uint64_t announced_v4 = 0;
    std::uint64_t withdrawn_v4 = 0;
    std::uint64_t announced_v6 = 0;
    std::uint64_t withdrawn_v6 = 0;
    std::uint64_t other_families = 0;
    std::uint64_t state_changes = 0;
    std::uint64_t rib_entries = 0;
    std::optional<std::uint64_t> routes;
    std::optional<std::uint64_t> best_routes;
    std::array<std::uint64_t, 6> messages{};  // by BGP message type 1..5 (index 0 unused)
    std::vector<std::pair<std::string, std::uint64_t>> extra;  // plugin figures (plugin B): counts

    [[nodiscard]] bool any_nonzero() const noexcept;
};

// What the local speaker sent one neighbour (`--export-to`, src/bgp/export).
struct NeighbourFigures {
    std::string name;
    IpAddress ip;
    std::uint32_t as = 0;
    bool ebgp = false;
    bool rr_client = false;
    std::uint64_t updates = 0;      // UPDATE messages sent
    std::uint64_t announced = 0;    // prefixes announced (each time one is sent)
    std::uint64_t withdrawn = 0;    // prefixes withdrawn
    std::uint64_t adj_rib_out = 0;  // Adj-RIB-Out size at the end
    std::vector<std::pair<std::string, std::uint64_t>> refused;  // best routes not sent, by rule (non-zero ones)
};

// One plugin's failures over the replay (--plugins), for the report: runs
// whose result was not used, and helper calls that failed, by kind
// (mempool::HelperFailure). A plugin attached at several points is listed
// once, with each point.
struct PluginFigures {
    std::string name;                 // "plugin/code" (xBGP) or the plugin's name
    std::vector<std::string> points;  // "point (anchor)"
    std::uint64_t failed_runs = 0;    // Program::failures(): results not used
    std::uint64_t aborts = 0;         // runs stopped by a run-time check
    std::uint64_t bad_argument = 0;   // failed helper calls, by kind
    std::uint64_t refused = 0;
    std::uint64_t heap_exhausted = 0;
    [[nodiscard]] std::uint64_t failed_helper_calls() const noexcept { return bad_argument + refused + heap_exhausted; }
};

struct RibSummary {
    std::uint64_t prefixes_v4 = 0;
    std::uint64_t prefixes_v6 = 0;
    std::uint64_t routes = 0;
    std::uint64_t best_routes = 0;
    std::uint64_t attribute_sets = 0;
    std::uint64_t heap_bytes = 0;  // RIB structures and interned attributes
};

struct ReplayReport {
    std::vector<std::string> files;
    bool builtin_sample = false;
    std::uint64_t records = 0;
    std::vector<ParseError> errors;  // the first Diagnostics::kKeep
    std::uint64_t error_count = 0;
    std::vector<std::pair<std::string, std::uint64_t>> records_not_replayed;  // by mrt_type_name(), sorted
    std::vector<PeerFigures> peers;  // listed peers, sorted by address then AS
    std::optional<RibSummary> rib;   // absent with --no-rib
    std::vector<std::string> plugins;
    std::vector<PluginFigures> plugin_figures;  // with --plugins: every attached plugin
    // With --export-to only: the local speaker and what each neighbour was sent.
    std::optional<std::vector<NeighbourFigures>> neighbours;
    std::uint32_t local_as = 0;
    std::uint64_t updates_written = 0;  // MRT records written (--updates-out)

    // The peer with this address and AS, or null.
    [[nodiscard]] const PeerFigures* find_peer(const std::string& ip, std::uint32_t as) const;
};

[[nodiscard]] nlohmann::json to_json(const ReplayReport& r);
// Peers sorted by UPDATE count, largest first.
[[nodiscard]] std::string to_table(const ReplayReport& r);

}  // namespace mempool::bgp
