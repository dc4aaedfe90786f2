/* tag_communities.c: a post plugin of bgp_inbound_filter that counts the
 * communities of AS 3257 (3257:x) a route carries and, when there is at
 * least one, attaches the count to the route as a path attribute of its own
 * (code 250, optional transitive, 4 bytes in network order) with add_attr.
 * The host keeps it in the route's pool; the per-route dump shows it under
 * "plugin_attributes". */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define COMMUNITY_AS 3257
#define TAG_ATTR_ID 250

uint64_t tag_communities(args_t *args UNUSED);

uint64_t tag_communities(args_t *args UNUSED) {
    struct path_attribute *communities = get_attr_from_code(COMMUNITY_ATTR_ID);
    uint32_t count = 0, tag;
    unsigned int i, n;
    if (communities == NULL) return BPF_CONTINUE;
    n = communities->length / 4;
    if (n > 1024) n = 1024; /* at most 1024 communities are looked at */
    /* Compiled for the build machine first (the xBGP recipe), the loop would
     * be vectorised into a shape whose bound the verifier cannot see. */
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
    for (i = 0; i < n; ++i) {
        uint32_t c;
        __builtin_memcpy(&c, communities->data + 4 * i, 4);
        if ((ebpf_ntohl(c) >> 16) == COMMUNITY_AS) ++count;
    }
    if (count == 0) return BPF_CONTINUE;
    tag = ebpf_htonl(count);
    if (add_attr(TAG_ATTR_ID, ATTR_OPTIONAL | ATTR_TRANSITIVE, sizeof(tag), (uint8_t *)&tag) != 0) return BPF_FAILURE;
    return BPF_CONTINUE;
}
