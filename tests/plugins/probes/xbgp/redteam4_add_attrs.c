/* redteam4_add_attrs.c (fourth red-team pass): a bgp_pre_outbound_filter
 * replace plugin that gives the neighbour's copy of the route two plugin
 * attributes, code 201 (64 bytes of 0xa5) and code 202 (64 bytes of 0x5a),
 * so that bgp_encode_attr runs once for each. It decides nothing. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_add_attrs(args_t *args UNUSED);

uint64_t redteam4_add_attrs(args_t *args UNUSED) {
    uint8_t value[64];
    __builtin_memset(value, 0xa5, sizeof value);
    (void)add_attr(201, ATTR_OPTIONAL | ATTR_TRANSITIVE, sizeof value, value);
    __builtin_memset(value, 0x5a, sizeof value);
    (void)add_attr(202, ATTR_OPTIONAL | ATTR_TRANSITIVE, sizeof value, value);
    return next();
}
