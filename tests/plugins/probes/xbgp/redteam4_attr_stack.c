/* redteam4_attr_stack.c (fourth red-team pass): a bgp_pre_inbound_filter
 * replace plugin that builds a struct path_attribute on its stack whose
 * 8-byte value is a pointer it spilled there (the attribute's own address,
 * a host stack address under the JIT), stores it with set_attr (code 250),
 * then reads it back with get_attr_from_code: a number in its heap. It logs
 * "redteam4-attr: <set_attr's value> <the value read back>". The helper
 * must not take a plugin's stack bytes that may hold a pointer as an
 * attribute's value. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_attr_stack(args_t *args UNUSED);

uint64_t redteam4_attr_stack(args_t *args UNUSED) {
    struct {
        struct path_attribute h;
        uint8_t *self;
    } a;
    struct path_attribute *back;
    uint64_t seen = 0;
    int r;
    __builtin_memset(&a.h, 0, sizeof a.h);
    a.h.code = 250;
    a.h.flags = ATTR_OPTIONAL | ATTR_TRANSITIVE;
    a.h.length = 8;
    a.self = (uint8_t *)&a;
    r = set_attr(&a.h);
    back = get_attr_from_code(250);
    if (back != NULL && back->length == 8) __builtin_memcpy(&seen, back->data, 8);
    ebpf_print("redteam4-attr: %d %lx\n", LOG_INT(r), LOG_U64(seen));
    return PLUGIN_FILTER_UNKNOWN;
}
