/* source_as_med.c: a pre-outbound filter (bgp_pre_outbound_filter, replace,
 * after refuse_odd_24) that gives every route sent to an eBGP neighbour a
 * MULTI_EXIT_DISC holding the AS of the peer the route was learned from
 * (get_src_peer_info), with add_attr. The attribute goes on this
 * neighbour's copy of the route only; the host does not send a plugin's
 * attribute by itself: encode_med_attr writes it at bgp_encode_attr (the
 * host never sends MED to eBGP, RFC 4271 §5.1.4: this is what the plugins
 * add). It decides nothing: next() passes the route on. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t source_as_med(args_t *args UNUSED);

uint64_t source_as_med(args_t *args UNUSED) {
    int nb_peers = 0;
    struct ubpf_peer_info *to = get_peer_info(&nb_peers);
    struct ubpf_peer_info *from;
    uint32_t med;
    if (to == NULL || to->peer_type != EBGP_SESSION) return next();
    from = get_src_peer_info();
    if (from == NULL) return next();
    med = ebpf_htonl(from->as);
    if (add_attr(MULTI_EXIT_DISC_ATTR_ID, ATTR_OPTIONAL, sizeof(med), (uint8_t *)&med) != 0)
        ebpf_print("source_as_med: add_attr failed\n");
    return next();
}
