// export_points.hpp: where plugins will come in on the sending side, with
// the names of xBGP's insertion points. The exporter calls them; the
// defaults do nothing (and `active()` false lets the exporter skip the
// calls and share attribute work between neighbours of one class). The
// plugin runtime will plug in by deriving from ExportPoints, as
// PluginInsertionPoints does for the receiving side.
//
// | point                   | when                                        | may                                  |
// | bgp_pre_outbound_filter | before the RFC rules, per neighbour         | reject; accept (skips the iBGP rule, |
// |                         |                                             | as libxbgp's route reflector does)  |
// | bgp_outbound_filter     | after the rules and the attribute changes   | reject; change the attributes        |
// | bgp_encode_attr         | before the host writes each attribute       | write it instead (whole attribute)   |
// | bgp_encode_custom_attr  | after the last attribute                    | append attributes                    |
//
// Split horizon, the loop rules and the RFC 1997 communities apply even
// after an accept.
#pragma once

#include <cstdint>

#include <mempool/pool.hpp>

#include "export_policy.hpp"
#include "update_encoder.hpp"

namespace mempool::bgp {

enum class OutboundVerdict : std::uint8_t { unknown, accept, reject };

// The route being exported: the best route of its prefix.
struct OutboundRoute {
    const Prefix& prefix;
    std::uint32_t source_peer;  // the replay's peer index
    const PeerRole& source;
    const RouteFacts& facts;
    mempool::Pool& pool;        // the route's plugin pool (Route::pool)
};

class ExportPoints {
public:
    virtual ~ExportPoints() = default;
    [[nodiscard]] virtual bool active() const { return false; }
    virtual OutboundVerdict bgp_pre_outbound_filter(const OutboundRoute&, const Neighbour&, std::uint32_t /*to*/) {
        return OutboundVerdict::unknown;
    }
    virtual OutboundVerdict bgp_outbound_filter(const OutboundRoute&, const Neighbour&, std::uint32_t /*to*/,
                                                OutgoingAttributes&) {
        return OutboundVerdict::unknown;
    }
    virtual bool bgp_encode_attr(std::uint8_t /*code*/, const OutgoingAttributes&, const Neighbour&,
                                 std::vector<std::uint8_t>& /*out*/) {
        return false;
    }
    virtual void bgp_encode_custom_attr(const OutgoingAttributes&, const Neighbour&, std::vector<std::uint8_t>& /*out*/) {}
};

}  // namespace mempool::bgp
