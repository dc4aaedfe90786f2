/* xbgp_layout_probe.c: the sizes and offsets of the xBGP structures as the
 * plugin API header (include/mempool/xbgp_compliant_api/xbgp_defs.h) lays
 * them out, compiled as C, for xbgp_host_test.cpp to compare with the
 * host's mirrors (src/bgp/xbgp/layouts.hpp). */
#include <stddef.h>

#include "xbgp_compliant_api/xbgp_defs.h"

const size_t xbgp_probe_layout[] = {
    sizeof(struct path_attribute),
    offsetof(struct path_attribute, length),
    offsetof(struct path_attribute, data),
    sizeof(struct ubpf_peer_info),
    offsetof(struct ubpf_peer_info, peer_type),
    offsetof(struct ubpf_peer_info, nexthop),
    offsetof(struct ubpf_peer_info, nexthop.in6),
    offsetof(struct ubpf_peer_info, addr),
    offsetof(struct ubpf_peer_info, addr.addr),
    offsetof(struct ubpf_peer_info, local_bgp_session),
    sizeof(struct ubpf_prefix),
    offsetof(struct ubpf_prefix, prefixlen),
    offsetof(struct ubpf_prefix, u),
    sizeof(struct ubpf_nexthop),
    offsetof(struct ubpf_nexthop, igp_metric),
    sizeof(struct bgp_rte_info),
    offsetof(struct bgp_rte_info, reason),
    sizeof(struct bgp_route),
    offsetof(struct bgp_route, attr_nb),
    offsetof(struct bgp_route, attr),
    offsetof(struct bgp_route, peer_info),
    offsetof(struct bgp_route, route_info),
    /* values the host uses */
    PLUGIN_FILTER_REJECT, PLUGIN_FILTER_ACCEPT, PLUGIN_FILTER_UNKNOWN,
    BGP_ROUTE_TYPE_NEW, BGP_ROUTE_TYPE_OLD, BGP_ROUTE_TYPE_UNKNOWN, BGP_ROUTE_TYPE_FAIL,
    ARG_CODE, ARG_LENGTH, ARG_FLAGS, ARG_DATA, ARG_BGP_ROUTE_NEW, ARG_BGP_ROUTE_OLD, ARG_BGP_PREFIX,
};
const size_t xbgp_probe_layout_count = sizeof xbgp_probe_layout / sizeof xbgp_probe_layout[0];
