/* strings_and_copies.c: what logging and attribute rewriting look like in
 * the collection: a string built on the stack by a helper and logged by
 * pointer (a pointer inside struct vtype, inside struct vargs), a copy of a
 * length known only at run time (ebpf_memcpy with attr->length), and an
 * attribute built in the heap and handed back (set_attr: the host reads the
 * header, then `length` more bytes). */
#include "../xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t prepend_community(args_t *args UNUSED);

uint64_t prepend_community(args_t *args UNUSED) {
    char peer_text[52];
    struct ubpf_peer_info *peer = get_src_peer_info();
    if (peer == NULL) return next();
    if (ebpf_inet_ntop((uint8_t *)&peer->addr.addr, peer->addr.af, peer_text, sizeof(peer_text)) != 0)
        return next();
    log_msg(L_INFO "route from %s\n", LOG_STR(peer_text));

    struct path_attribute *communities = get_attr_from_code(COMMUNITY_ATTR_ID);
    unsigned int old_length = communities == NULL ? 0 : communities->length;
    struct path_attribute *updated = ctx_malloc(sizeof(*updated) + old_length + 4);
    if (updated == NULL) return next();
    updated->code = COMMUNITY_ATTR_ID;
    updated->flags = ATTR_OPTIONAL | ATTR_TRANSITIVE;
    updated->length = old_length + 4;
    *(uint32_t *)updated->data = ebpf_htonl(65000u << 16 | 42u);
    if (communities != NULL) ebpf_memcpy(updated->data + 4, communities->data, old_length);
    if (set_attr(updated) != 0) ebpf_print("set_attr failed\n");
    return next();
}
