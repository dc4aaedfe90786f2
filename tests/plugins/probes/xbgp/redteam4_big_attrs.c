/* redteam4_big_attrs.c (fourth red-team pass): a bgp_pre_inbound_filter
 * replace plugin that stores 16 attributes of 65,535 bytes (codes 100 to
 * 115, bytes from its heap) on every route it filters, 1 MiB a route, and
 * logs how many add_attr calls succeeded: "redteam4-big: added N". It
 * decides nothing. Pool growth by a plugin is bounded per run
 * (PluginLimits::object_pool_bytes, 64 KiB by default) for the pool
 * helpers; a plugin's path attributes must be too. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_big_attrs(args_t *args UNUSED);

uint64_t redteam4_big_attrs(args_t *args UNUSED) {
    uint8_t *value = ctx_calloc(1, 65535);
    int added = 0;
    if (value == NULL) return PLUGIN_FILTER_UNKNOWN;
    for (int code = 100; code < 116; code++)
        if (add_attr(code, ATTR_OPTIONAL | ATTR_TRANSITIVE, 65535, value) == 0) added++;
    ebpf_print("redteam4-big: added %d\n", LOG_INT(added));
    return PLUGIN_FILTER_UNKNOWN;
}
