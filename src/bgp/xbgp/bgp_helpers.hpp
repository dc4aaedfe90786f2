// bgp_helpers.hpp: the BGP helpers of the xBGP API over mempool-bgp's data.
//
// | helper                                | at                       | gives (a copy in the plugin's heap, or NULL/-1) |
// | get_attr()                            | bgp_decode_attr          | the attribute as received (unknown codes too)  |
// | get_attr_from_code(code)              | filters, decision steps  | the current route's attribute `code`           |
// | get_attr_from_code_by_route(code, t)  | decision steps           | the same for route t (BGP_ROUTE_TYPE_NEW/OLD)  |
// | set_attr(attr)                        | decode, filters, decision| stores attr in the current route's pool: 0/-1  |
// | set_attr_to_route(attr, t)            | decision steps           | the same on route t                            |
// | add_attr(code, flags, len, data)      | decode, filters          | as set_attr, from its fields: 0/-1             |
// | write_to_buffer(p, n)                 | bgp_encode_attr, _custom | appends n bytes to the attributes sent: 0/-1  |
// | get_peer_info(&n)                     | everywhere               | sending points: the destination neighbour;     |
// |                                       |                          | elsewhere the source peer; n = 1               |
// | get_src_peer_info()                   | everywhere               | the peer the message/route came from, with the |
// |                                       |                          | local speaker linked as local_bgp_session      |
// | get_prefix()                          | filters, decision steps  | the current route's prefix                     |
// | get_nexthop(pfx)                      | filters, decision steps  | ubpf_nexthop of the current route: its next hop|
// |                                       |                          | is the peer itself: route_type 2 (connected),  |
// |                                       |                          | igp_metric 0; else unresolved (no IGP in a     |
// |                                       |                          | replay): 0xff and 0x80000000 (heap_objects.hpp)|
// | get_route_info()                      | filters, decision steps  | uptime on the replay clock (0: being received),|
// |                                       |                          | type 9 (BGP), reason none (not yet ranked)     |
// | get_bgp_route(t)                      | decision steps, filters  | a bgp_route with attributes and peer           |
//
// "Current route": the route being filtered, or a decision step's new route.
// At bgp_decode_attr there is no route yet: set_attr/add_attr store in the
// message's pool, which the host copies into each route the UPDATE
// announces. Every helper finds its data through the CallContext the point
// put in CallScope::user (call_context.hpp); outside a BGP point they return
// NULL or -1. Failed calls are counted (mempool::note_helper_failure): a bad
// argument (a pointer outside the plugin's heap, an unknown route type), a
// refusal (what the point does not have: get_attr outside bgp_decode_attr,
// BGP_ROUTE_TYPE_OLD at a filter, a write to a read-only route), or a full
// heap or pool; the host's report shows them per plugin.
#pragma once

#include <span>
#include <string_view>

#include <mempool/runtime.hpp>

namespace mempool::bgp::xbgp {

// A helper of the xBGP API and our implementation of it: its signature and
// permissions are the runtime's xBGP helper table's (mempool::xbgp_helper_spec).
struct HelperImplementation {
    std::string_view name;
    mempool::HelperFn fn = nullptr;
};

// The helper table, to register on a Runtime (register_xbgp_helpers).
[[nodiscard]] std::span<const HelperImplementation> bgp_helpers() noexcept;

// Registers each of `helpers` on `rt` with its xBGP signature and
// permissions (a name registered already is left as it is).
void register_xbgp_helpers(mempool::Runtime& rt, std::span<const HelperImplementation> helpers) noexcept;

}  // namespace mempool::bgp::xbgp
