/* vrf.c: a bgp_pre_inbound_filter replace plugin for
 * tests/bgp/xbgp_points_test.cpp that asks get_vrf() twice, with a
 * vrf_info on its stack (as the collection's alternate_old_new does) and
 * in its heap, each with room for a name that is marked beforehand. It
 * accepts the route when both answers are the replay's default VRF (0, id
 * 0, str_len 0) and the name bytes are untouched, and rejects it otherwise. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define MARK 0x55

uint64_t vrf(args_t *args UNUSED);

/* Inlined: a helper reaches only the calling function's own stack frame. */
static __attribute__((always_inline)) int default_vrf(struct vrf_info *info, int room) {
    int i;
    if (get_vrf(info) != 0) return 0;
    if (info->vrf_id != 0 || info->str_len != 0) return 0;
    for (i = 0; i < room; i++)
        if ((unsigned char)info->name[i] != MARK) return 0;
    return 1;
}

uint64_t vrf(args_t *args UNUSED) {
    uint8_t buf[sizeof(struct vrf_info) + 16];
    struct vrf_info *on_stack = (struct vrf_info *)buf;
    struct vrf_info *in_heap;
    memset(buf, MARK, sizeof(buf));
    on_stack->vrf_id = 7;
    on_stack->str_len = 16;
    if (!default_vrf(on_stack, 16)) return PLUGIN_FILTER_REJECT;
    in_heap = ctx_malloc(sizeof(struct vrf_info) + 16);
    if (in_heap == NULL) return PLUGIN_FILTER_REJECT;
    memset(in_heap, MARK, sizeof(struct vrf_info) + 16);
    in_heap->vrf_id = 7;
    in_heap->str_len = 16;
    if (!default_vrf(in_heap, 16)) return PLUGIN_FILTER_REJECT;
    return PLUGIN_FILTER_ACCEPT;
}
