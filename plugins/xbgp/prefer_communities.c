/* prefer_communities.c: a decision step (bgp_local_pref_decision, replace)
 * that prefers the route carrying more communities; on a tie it hands over
 * with next() (in the end, the host's own steps: path length, origin, peer
 * address). The new route's communities are found by walking the attribute
 * array of get_bgp_route(); the old route's with
 * get_attr_from_code_by_route(), so both ways are exercised. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t prefer_communities(args_t *args UNUSED);

uint64_t prefer_communities(args_t *args UNUSED) {
    struct bgp_route *new_route = get_bgp_route(BGP_ROUTE_TYPE_NEW);
    struct path_attribute *old_comm;
    unsigned int new_count = 0, old_count = 0;
    uint64_t i, n;
    if (new_route == NULL) return BGP_ROUTE_TYPE_FAIL;
    /* Counting up to a clamped bound, as tag_communities does: written
     * `i < attr_nb && i < 64`, the loop was compiled into a count-down from
     * min(attr_nb, 64) to 0 whose end our verifier cannot prove (the
     * plugin was refused at load). */
    n = new_route->attr_nb < 0 ? 0 : (uint64_t)new_route->attr_nb;
    if (n > 64) n = 64;
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
    for (i = 0; i < n; ++i) {
        /* i stays the counter the loop compares with n: clang would
         * otherwise count down from n to 0, which the verifier cannot
         * bound. */
        __asm__ volatile("" : "+r"(i));
        if (new_route->attr[i]->code == COMMUNITY_ATTR_ID) break;
    }
    if (i < n) new_count = new_route->attr[i]->length / 4;
    old_comm = get_attr_from_code_by_route(COMMUNITY_ATTR_ID, BGP_ROUTE_TYPE_OLD);
    if (old_comm != NULL) old_count = old_comm->length / 4;
    if (new_count > old_count) return BGP_ROUTE_TYPE_NEW;
    if (new_count < old_count) return BGP_ROUTE_TYPE_OLD;
    return next();
}
