/* ibgp_path_limit.c: an outbound filter (bgp_outbound_filter, replace)
 * that refuses to every iBGP neighbour the routes whose AS_PATH holds more
 * than 4 ASes (the ASes of its sequences and sets), and lets every other
 * (route, neighbour) pair through (PLUGIN_FILTER_ACCEPT: the rules have
 * run already at this point).
 *
 * The AS_PATH is the route's as received (get_attr_from_code: segments of
 * 4-byte ASes, type and count first); over iBGP it is sent unchanged. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define MAX_ASES 4

uint64_t ibgp_path_limit(args_t *args UNUSED);

/* The ASes in a path: one pass over the segment headers, at most 256. */
static __always_inline unsigned int path_ases(const uint8_t *p, unsigned int len) {
    unsigned int at = 0, ases = 0;
    for (int step = 0; step < 256; ++step) {
        if (at + 2 > len) break;
        ases += p[at + 1];
        at += 2 + 4 * (unsigned int)p[at + 1];
    }
    return ases;
}

uint64_t ibgp_path_limit(args_t *args UNUSED) {
    int nb_peers = 0;
    struct ubpf_peer_info *to = get_peer_info(&nb_peers);
    struct path_attribute *path;
    if (to == NULL || to->peer_type != IBGP_SESSION) return PLUGIN_FILTER_ACCEPT;
    path = get_attr_from_code(AS_PATH_ATTR_ID);
    if (path == NULL) return PLUGIN_FILTER_ACCEPT;
    return path_ases(path->data, path->length) > MAX_ASES ? PLUGIN_FILTER_REJECT : PLUGIN_FILTER_ACCEPT;
}
