/* heap_pointers.c: pointers the host stored inside heap objects: the
 * attribute array of a bgp_route (an array of pointers to path_attribute,
 * each with its flexible data[]), the route's peer and that peer's
 * local_bgp_session. The plugin loads them from memory and dereferences
 * them; the verifier cannot know where they point, the executors check. */
#include "../xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t compare_routes(args_t *args UNUSED);

static uint32_t med_of(struct bgp_route *route) {
    uint32_t med = 0;
    unsigned int n = route->attr_nb < 0 ? 0 : (unsigned int)route->attr_nb;
    if (n > 64) n = 64;
    for (unsigned int i = 0; i < n; i++) {
        struct path_attribute *attr = route->attr[i];
        if (attr != NULL && attr->code == MULTI_EXIT_DISC_ATTR_ID && attr->length == 4)
            med = ebpf_ntohl(*(uint32_t *)attr->data);
    }
    return med;
}

uint64_t compare_routes(args_t *args UNUSED) {
    struct bgp_route *new_route = get_bgp_route(BGP_ROUTE_TYPE_NEW);
    struct bgp_route *old_route = get_bgp_route(BGP_ROUTE_TYPE_OLD);
    if (new_route == NULL || old_route == NULL) return next();
    struct ubpf_peer_info *peer = new_route->peer_info;
    if (peer != NULL && peer->local_bgp_session != NULL && peer->local_bgp_session->as == peer->as)
        return BGP_ROUTE_TYPE_NEW;  /* iBGP-learnt: prefer it */
    return med_of(new_route) < med_of(old_route) ? BGP_ROUTE_TYPE_NEW : BGP_ROUTE_TYPE_OLD;
}
