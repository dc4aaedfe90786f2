/* redteam4_encode_replace.c (fourth red-team pass): a bgp_encode_attr
 * replace plugin that, while the host encodes attribute 201, replaces that
 * attribute with set_attr (a longer value, so the route's pool frees the
 * old bytes), adds attribute 203 of the old value's size (which the
 * allocator may place in the freed block) and then asks get_attr() again. The attribute the point is
 * about must still read as it was (64 bytes of 0xa5): anything else is
 * host memory (freed bytes) copied into the plugin's heap. It logs
 * "redteam4-encode: stale N" with the number of bytes that differ, and
 * the first 8 of them as a number. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_encode_replace(args_t *args UNUSED);

uint64_t redteam4_encode_replace(args_t *args UNUSED) {
    struct path_attribute *attr = get_attr();
    struct path_attribute *mine;
    int differ = 0;
    uint64_t first = 0;
    unsigned i;
    if (attr == NULL || attr->code != 201 || attr->length != 64) return 0;
    mine = ctx_malloc(sizeof(*mine) + 200);
    if (mine == NULL) return 0;
    mine->code = 201;
    mine->flags = ATTR_OPTIONAL | ATTR_TRANSITIVE;
    mine->length = 200;
    for (i = 0; i < 200; i++) mine->data[i] = 0x11;
    if (set_attr(mine) != 0) {
        ebpf_print("redteam4-encode: set_attr refused\n");
        return 0;
    }
    __builtin_memset(mine->data, 0x33, 64);
    (void)add_attr(203, ATTR_OPTIONAL | ATTR_TRANSITIVE, 64, mine->data);
    attr = get_attr();
    if (attr == NULL) {
        ebpf_print("redteam4-encode: no attribute after set_attr\n");
        return 0;
    }
    if (attr->length != 64) {
        ebpf_print("redteam4-encode: length %d\n", LOG_INT((int)attr->length));
        return 0;
    }
    for (i = 0; i < 64; i++)
        if (attr->data[i] != 0xa5) differ++;
    __builtin_memcpy(&first, attr->data, 8);
    ebpf_print("redteam4-encode: stale %d first %lx\n", LOG_INT(differ), LOG_U64(first));
    return 0;
}
