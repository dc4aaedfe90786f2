/*
 * Plugin C, path_metric, at "route_received": stores in the route's
 * attribute pool the metric 4 * L + origin (L: AS path length as the host
 * counts it, passed as an argument because plugins cannot loop over a path;
 * origin: 0 IGP, 1 EGP, 2 INCOMPLETE).
 */
#include <mempool/plugin_sdk.h>

#include "bgp_plugins.h"

MEMPOOL_PLUGIN("plugin/path_metric")
uint64_t path_metric(bpf_full_args_t *args) {
  if (bpf_arg_len(ROUTE_RECEIVED_ARG_PATH_LEN, args) == 0 || bpf_arg_len(ROUTE_RECEIVED_ARG_ORIGIN, args) == 0)
    return EXIT_FAILURE;
  uint64_t path_len = bpf_arg_u64(ROUTE_RECEIVED_ARG_PATH_LEN, args);
  uint64_t origin = bpf_arg_u64(ROUTE_RECEIVED_ARG_ORIGIN, args);
  if (origin > 2) return EXIT_FAILURE;
  uint64_t metric = 4 * path_len + origin;
  return set_attr_u64(MEMPOOL_OBJ_FIRST, ROUTE_ATTR_METRIC, metric) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
