// insertion_points.hpp: where the replay engine lets plugins in.
//
// The engine calls these virtual functions and nothing else; the default
// implementations do nothing (and accept every route), so a replay without
// plugins pays one indirect call per event. The plugin runtime plugs in by deriving from
// InsertionPoints (an adapter that copies the arguments into the plugin's
// argument struct and points the attribute helpers at the right pool);
// the engine does not change.
//
// | point          | when                                   | arguments                                      |
// | bgp_message    | every BGP message of a peer            | message type, peer index, timestamp            |
// | route_received | every announced route, after decoding   | prefix, peer, AS path, origin, next hop, pool  |
// |                | (AS path and next hop empty unless      |                                                |
// |                | uses().reads_decoded_routes)            |                                                |
// | route_compare  | selection compares two routes           | the two candidates (their pools, peer, path id) |
// | peer_report    | end of replay, once per listed peer     | peer index; may supply figures                  |
//
// and, for xBGP's receiving-side points (src/bgp/xbgp/xbgp_points.hpp):
//
// | attributes_received | the path attribute field of an UPDATE or a RIB entry, | peer, field as received, MRT time |
// |                     | after it decoded, before its routes (only when         |                                   |
// |                     | uses().decodes_attributes)                             |                                   |
// | accept_route        | every announced route, once in the Adj-RIB-In, before  | as route_received, plus the       |
// |                     | route_received (only when uses().filters_routes):      | route's canonical attributes      |
// |                     | false withdraws it again                               |                                   |
//
// Pools are handed by reference for the duration of the call only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <mempool/pool.hpp>

#include "address.hpp"
#include "bgp_message.hpp"
#include "byte_reader.hpp"

namespace mempool::bgp {

struct MessageEvent {
    MessageType type;
    std::uint32_t peer;          // index into the report's peer list (Replay::peers())
    std::uint32_t timestamp;     // MRT header seconds
    std::uint32_t microseconds;  // BGP4MP_ET only, else 0
};

struct AttributesEvent {
    std::uint32_t peer;
    Bytes field;                 // the path attribute field, as received
    std::uint32_t timestamp;     // MRT header seconds
    std::uint32_t microseconds;  // BGP4MP_ET only, else 0
};

struct RouteEvent {
    const Prefix& prefix;
    std::uint32_t peer;
    std::uint32_t path_id;
    std::span<const std::uint32_t> as_path;  // merged with AS4_PATH, segments flattened
    std::uint32_t path_length;               // L of the built-in rule (see selection.hpp)
    std::uint8_t origin;                     // 0 IGP, 1 EGP, 2 INCOMPLETE
    const IpAddress& next_hop;
    mempool::Pool& pool;                     // this route's plugin pool (Route::pool)
    Bytes path_attributes{};                 // its interned attributes, canonical form (path_attributes.hpp)
};

struct RouteCandidate {
    const Prefix& prefix;
    std::uint32_t peer;
    std::uint32_t path_id;
    std::uint32_t path_length;
    std::uint8_t origin;
    const IpAddress& peer_ip;
    std::uint32_t peer_as;
    mempool::Pool& pool;  // the route's plugin pool (Route::pool)
    Bytes path_attributes{};  // its interned attributes, canonical form (path_attributes.hpp)
};

enum class Preference : std::uint8_t { first, second, no_opinion };

// Figures a plugin may supply at peer_report; absent ones are omitted from
// the report.
struct PeerReportFigures {
    std::optional<std::uint64_t> updates;                 // plugin A's count
    std::vector<std::pair<std::string, std::uint64_t>> extra;  // e.g. plugin B's share of updates, in permille
};

class InsertionPoints {
public:
    virtual ~InsertionPoints() = default;
    virtual void bgp_message(const MessageEvent&) {}
    virtual void route_received(const RouteEvent&) {}
    // What the hooks read and run, asked once per record (an UPDATE, a RIB
    // record) rather than once per route: a hook's answers must hold while
    // one record is replayed. PluginInsertionPoints' change only when
    // plugins are attached or detached, which no plugin run (and so no
    // event of the record) can do.
    struct Uses {
        // xBGP's bgp_decode_attr: attributes_received is called.
        bool decodes_attributes = false;
        // xBGP's inbound filters: accept_route is called (false rejects the route).
        bool filters_routes = false;
        // Whether route_received and accept_route read a RouteEvent's
        // as_path and next_hop. When not, an event has them empty, and a
        // RIB entry whose attribute set the replay finds by the field's
        // bytes (entry_set_cache.hpp) is not decoded again.
        bool reads_decoded_routes = true;
    };
    [[nodiscard]] virtual Uses uses() const { return {}; }
    virtual void attributes_received(const AttributesEvent&) {}
    [[nodiscard]] virtual bool accept_route(const RouteEvent&) { return true; }
    // Whether route_compare has anything to say (saves the calls when not).
    [[nodiscard]] virtual bool compares_routes() const { return false; }
    virtual Preference route_compare(const RouteCandidate&, const RouteCandidate&) { return Preference::no_opinion; }
    virtual void peer_report(std::uint32_t /*peer*/, PeerReportFigures& /*out*/) {}
    // Names of the loaded plugins, for the report.
    [[nodiscard]] virtual std::vector<std::string> plugin_names() const { return {}; }
};

}  // namespace mempool::bgp
