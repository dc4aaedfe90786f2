/* tag_destination.c: a custom encoder (bgp_encode_custom_attr, replace)
 * that appends to every route it sends the community LOCAL_AS:NEIGHBOUR_AS
 * (each the low 16 bits; the local AS from get_peer_info()->local_bgp_session,
 * the neighbour's from get_peer_info()): it writes a COMMUNITIES attribute
 * made of the route's own communities (get_attr_from_code) and that one,
 * which replaces the host's COMMUNITIES. Routes with more than 1000
 * communities are left alone (nothing written). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define MAX_COMMUNITIES 1000

uint64_t tag_destination(args_t *args UNUSED);

uint64_t tag_destination(args_t *args UNUSED) {
    int nb_peers = 0;
    struct ubpf_peer_info *to = get_peer_info(&nb_peers);
    struct path_attribute *own;
    uint8_t *buf;
    uint32_t tag;
    unsigned int len = 0, at = 0;
    if (to == NULL || to->local_bgp_session == NULL) return 0;
    own = get_attr_from_code(COMMUNITY_ATTR_ID);
    if (own != NULL) {
        if (own->length > 4 * MAX_COMMUNITIES || own->length % 4 != 0) return 0;
        len = own->length;
    }
    buf = ctx_malloc(4 + len + 4);
    if (buf == NULL) return 0;
    buf[at++] = ATTR_OPTIONAL | ATTR_TRANSITIVE | (len + 4 > 255 ? ATTR_EXT_LEN : 0);
    buf[at++] = COMMUNITY_ATTR_ID;
    if (len + 4 > 255) buf[at++] = (uint8_t)((len + 4) >> 8);
    buf[at++] = (uint8_t)(len + 4);
    if (len != 0) ebpf_memcpy(buf + at, own->data, len);
    at += len;
    tag = ebpf_htonl(((to->local_bgp_session->as & 0xffff) << 16) | (to->as & 0xffff));
    __builtin_memcpy(buf + at, &tag, 4);
    at += 4;
    if (write_to_buffer(buf, at) != 0) return 0;
    return at;
}
