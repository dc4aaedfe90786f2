/*
 * Plugin D, prefer_metric, at "route_compare": prefers the route with the
 * lower metric stored by plugin C. Returns ROUTE_PREFER_FIRST,
 * ROUTE_PREFER_SECOND, or ROUTE_PREFER_NONE on a tie or when a route has no
 * metric (the host then applies its tie-breaks).
 */
#include <mempool/plugin_sdk.h>

#include "bgp_plugins.h"

MEMPOOL_PLUGIN("plugin/prefer_metric")
uint64_t prefer_metric(bpf_full_args_t *args) {
  (void)args;
  if (get_attr_len(MEMPOOL_OBJ_FIRST, ROUTE_ATTR_METRIC) == 0 ||
      get_attr_len(MEMPOOL_OBJ_SECOND, ROUTE_ATTR_METRIC) == 0)
    return ROUTE_PREFER_NONE;
  uint64_t first = get_attr_u64(MEMPOOL_OBJ_FIRST, ROUTE_ATTR_METRIC);
  uint64_t second = get_attr_u64(MEMPOOL_OBJ_SECOND, ROUTE_ATTR_METRIC);
  if (first < second) return ROUTE_PREFER_FIRST;
  if (second < first) return ROUTE_PREFER_SECOND;
  return ROUTE_PREFER_NONE;
}
