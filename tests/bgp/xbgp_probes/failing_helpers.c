/* failing_helpers.c: a bgp_pre_inbound_filter pre plugin for
 * tests/bgp/xbgp_points_test.cpp whose helper calls fail, one kind per
 * route: the route's prefix length picks which.
 *   /8   bad argument: ctx_malloc(0), and set_attr_to_route with a route
 *        type that does not exist (2 calls)
 *   /16  refused: get_attr() (bgp_decode_attr only) and
 *        get_attr_from_code_by_route(.., BGP_ROUTE_TYPE_OLD) (no old route
 *        at a filter) (2 calls)
 *   /24  heap exhausted: ctx_malloc of more than extra_mem (1 call)
 * Other lengths: nothing fails. It returns PLUGIN_FILTER_UNKNOWN
 * whatever the helpers said, as a plugin that ignores their values. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t failing_helpers(args_t *args UNUSED);

uint64_t failing_helpers(args_t *args UNUSED) {
    struct ubpf_prefix *pfx = get_prefix();
    struct path_attribute *attr;
    if (pfx == NULL) return PLUGIN_FILTER_UNKNOWN;
    if (pfx->prefixlen == 8) {
        attr = ctx_malloc(0);
        attr = ctx_malloc(sizeof(*attr) + 1);
        if (attr != NULL) {
            attr->code = 210;
            attr->flags = ATTR_OPTIONAL;
            attr->length = 1;
            attr->data[0] = 1;
            (void)set_attr_to_route(attr, 12345);
        }
    } else if (pfx->prefixlen == 16) {
        attr = get_attr();
        attr = get_attr_from_code_by_route(ORIGIN_ATTR_ID, BGP_ROUTE_TYPE_OLD);
    } else if (pfx->prefixlen == 24) {
        attr = ctx_malloc(100000);
    }
    return PLUGIN_FILTER_UNKNOWN;
}
