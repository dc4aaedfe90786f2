// call_context.hpp: what an xBGP helper may ask about during one run of an
// insertion point — the attribute being decoded, the route being filtered,
// the two routes a decision step compares, the peers, the replay's clock.
//
// The insertion points (plugin_points.cpp) fill one CallContext before they
// run a point and hand it to the runtime as CallScope::user; the BGP helpers
// (bgp_helpers.cpp) find it with mempool::current_call(). Everything in it
// is borrowed for the run only; nothing in it is ever shown to a plugin
// except as a copy in the plugin's heap.
//
//   CallContext ctx;
//   ctx.route = &route;                  // bgp_pre_inbound_filter, bgp_inbound_filter
//   ctx.source_peer = route.peer;
//   mempool::CallScope scope; scope.user = &ctx;
//   rt.run(point, args, scope);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <mempool/pool.hpp>

#include "address.hpp"
#include "byte_reader.hpp"
#include "heap_objects.hpp"
#include "route_attributes.hpp"

namespace mempool::bgp::xbgp {

struct JobRun;  // jobs.hpp

// One route a helper can read (and, when `pool` is given, add attributes to).
struct RouteRef {
    const Prefix* prefix = nullptr;
    std::uint32_t peer = 0;          // index into CallContext::peers
    Bytes path_attributes;           // canonical form (path_attributes.hpp)
    mempool::Pool* pool = nullptr;   // the route's pool (Route::pool); nullptr: read-only
    std::int64_t uptime = 0;         // seconds of replay clock since it was received (0: unknown)
};

// The path attribute bgp_decode_attr is about, as received.
struct AttributeRef {
    std::uint8_t code = 0;
    std::uint8_t flags = 0;
    Bytes value;
};

struct CallContext {
    const AttributeRef* attribute = nullptr;  // bgp_decode_attr
    const RouteRef* route = nullptr;          // filters, route_received: the route processed
    const RouteRef* new_route = nullptr;      // decision steps: the challenger ...
    const RouteRef* old_route = nullptr;      // ... and the best route so far
    // bgp_decode_attr: where add_attr/set_attr put attributes; the host
    // copies them into the pool of every route the UPDATE announces.
    mempool::Pool* message_pool = nullptr;
    // bgp_decode_attr: where the replace chain's add_attr/set_attr go until
    // its result is known (dropped if a plugin failed: EXIT_FAILURE, a
    // run-time check; the host's own decoding then stands alone).
    mempool::Pool* decoded_pool = nullptr;
    std::span<const PeerData> peers;          // by peer index
    const PeerData* local = nullptr;          // the local speaker (the collector)
    std::uint32_t source_peer = UINT32_MAX;   // the peer the message or route came from
    std::int64_t time_seconds = 0;            // the replay's clock: MRT timestamp ...
    std::uint32_t time_microseconds = 0;      // ... and its microseconds (BGP4MP_ET)
    RouteAttributes* scratch = nullptr;       // reused buffers for attribute lookups
    JobRun* job = nullptr;                    // a job plugin's run (jobs.hpp): its RIB iterators
    // Sending points (send_points.hpp): the neighbour the route is sent to,
    // which get_peer_info() describes, and where write_to_buffer() appends
    // (bgp_encode_attr, bgp_encode_custom_attr). Null elsewhere.
    const PeerData* destination = nullptr;
    std::vector<std::uint8_t>* write_buffer = nullptr;

    // The route a "current route" helper means: the route processed, else a
    // decision step's new route.
    [[nodiscard]] const RouteRef* current_route() const noexcept { return route ? route : new_route; }
    [[nodiscard]] const PeerData* peer(std::uint32_t index) const noexcept {
        return index < peers.size() ? &peers[index] : nullptr;
    }
};

}  // namespace mempool::bgp::xbgp
