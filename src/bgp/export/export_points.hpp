// export_points.hpp: where plugins come in on the sending side, with the
// names of xBGP's insertion points. The exporter calls them for each
// (best route, neighbour) pair that gets that far; the defaults do nothing,
// and `active()` false lets the exporter skip the calls and share attribute
// work between neighbours of one class. The plugin runtime plugs in with
// xbgp::SendPoints (src/bgp/xbgp/send_points.hpp), as XbgpPoints does for
// the receiving side.
//
// | point                   | when                                        | may                                   |
// | bgp_pre_outbound_filter | first, before the RFC rules, per neighbour  | reject; accept (skips the iBGP rule,  |
// |                         |                                             | as libxbgp's route reflector does)   |
// | bgp_outbound_filter     | after the rules and the attribute changes   | reject                                |
// | bgp_encode_attr         | once per attribute plugins stored on the    | write attributes (plugin_attributes)  |
// |                         | route (or on its copy for this neighbour)   |                                       |
// | bgp_encode_custom_attr  | once, after bgp_encode_attr                 | write attributes (plugin_attributes)  |
//
// Split horizon, the loop rules and the RFC 1997 communities apply even
// after an accept. What plugins write is merged into the host's attributes
// (merge_plugin_attributes, update_encoder.hpp): an attribute a plugin
// writes replaces the host's attribute of that code.
#pragma once

#include <cstdint>
#include <vector>

#include <mempool/pool.hpp>

#include "export_policy.hpp"
#include "update_encoder.hpp"

namespace mempool::bgp {

enum class OutboundVerdict : std::uint8_t { unknown, accept, reject };

// The route being exported: the best route of its prefix.
struct OutboundRoute {
    const Prefix& prefix;
    std::uint32_t source_peer;          // the replay's peer index
    const PeerIdentity& source_identity;  // its address and AS
    const PeerRole& source;
    const RouteFacts& facts;
    Bytes canonical;                    // the route's attributes, canonical form (path_attributes.hpp)
    mempool::Pool& pool;                // the route's plugin pool (Route::pool)
};

class ExportPoints {
public:
    virtual ~ExportPoints() = default;
    [[nodiscard]] virtual bool active() const { return false; }
    // Called first for every (route, neighbour) pair: whatever the later
    // calls for the pair share (a plugin's changes to the route for this
    // neighbour) starts here.
    virtual OutboundVerdict bgp_pre_outbound_filter(const OutboundRoute&, const Neighbour&, std::uint32_t /*to*/) {
        return OutboundVerdict::unknown;
    }
    virtual OutboundVerdict bgp_outbound_filter(const OutboundRoute&, const Neighbour&, std::uint32_t /*to*/,
                                                const OutgoingAttributes&) {
        return OutboundVerdict::unknown;
    }
    // The attributes plugins write for the pair (bgp_encode_attr, then
    // bgp_encode_custom_attr), appended to `out` as whole attributes
    // (flags, code, length, value), each well formed.
    virtual void plugin_attributes(const OutboundRoute&, const Neighbour&, std::uint32_t /*to*/,
                                   const OutgoingAttributes&, std::vector<std::uint8_t>& /*out*/) {}
};

}  // namespace mempool::bgp
