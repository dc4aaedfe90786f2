/* reject_as_path.c: an inbound filter (bgp_inbound_filter, replace) that
 * rejects every route whose AS_PATH holds AS 3356 anywhere (a sequence or a
 * set), and hands the others to the next filter (in the end, the host,
 * which accepts them).
 *
 * It walks the AS_PATH attribute the host gives (segments of 4-byte ASes:
 * type, count, ASes), counts its rejections in shared memory (a block that
 * outlives each run) and says so on standard error the first time, with
 * the route's peer. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define REJECTED_AS 3356
#define SHM_REJECTIONS 1

uint64_t reject_as_path(args_t *args UNUSED);

/* One pass over the segments (type, count, count 4-byte ASes): each step
 * reads a segment header or one AS, at most 2048 steps. */
static __always_inline int path_holds(const uint8_t *p, unsigned int len, uint32_t as) {
    unsigned int at = 0, left = 0;
    for (int step = 0; step < 2048; ++step) {
        if (left == 0) {
            if (at + 2 > len) return 0;
            left = p[at + 1];
            at += 2;
            continue;
        }
        if (at + 4 > len) return 0;
        if ((((uint32_t)p[at] << 24) | ((uint32_t)p[at + 1] << 16) | ((uint32_t)p[at + 2] << 8) | p[at + 3]) == as)
            return 1;
        at += 4;
        --left;
    }
    return 0;
}

uint64_t reject_as_path(args_t *args UNUSED) {
    struct path_attribute *path = get_attr_from_code(AS_PATH_ATTR_ID);
    uint64_t *rejections;
    if (path == NULL) return next();
    if (!path_holds(path->data, path->length, REJECTED_AS)) return next();

    rejections = ctx_shmget(SHM_REJECTIONS);
    if (rejections == NULL) {
        struct ubpf_peer_info *peer = get_src_peer_info();
        rejections = ctx_shmnew(SHM_REJECTIONS, sizeof(*rejections));
        if (rejections != NULL && peer != NULL)
            ebpf_print("reject_as_path: first route through AS%d rejected (from peer AS%d)\n",
                       LOG_INT(REJECTED_AS), LOG_UINT(peer->as));
    }
    if (rejections != NULL) *rejections += 1;
    return PLUGIN_FILTER_REJECT;
}
