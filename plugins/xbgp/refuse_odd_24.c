/* refuse_odd_24.c: a pre-outbound filter (bgp_pre_outbound_filter, replace,
 * first in the chain) that refuses to every eBGP neighbour the IPv4 /24s
 * whose third octet is odd, and hands every other (route, neighbour) pair
 * to the next plugin of the chain (in the end, the host's rules).
 *
 * On a sending point get_peer_info() describes the neighbour the route is
 * about to go to (its session type here), get_prefix() the route's prefix. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t refuse_odd_24(args_t *args UNUSED);

uint64_t refuse_odd_24(args_t *args UNUSED) {
    int nb_peers = 0;
    struct ubpf_peer_info *to = get_peer_info(&nb_peers);
    struct ubpf_prefix *pfx;
    if (to == NULL || to->peer_type != EBGP_SESSION) return next();
    pfx = get_prefix();
    if (pfx == NULL || pfx->afi != XBGP_AFI_IPV4 || pfx->prefixlen != 24) return next();
    if ((pfx->u[2] & 1) == 0) return next();
    return PLUGIN_FILTER_REJECT;
}
