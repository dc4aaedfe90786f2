/* Reads past the end of the argument struct. Expected: "out-of-bounds". */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/oob_arg")
uint64_t oob_arg(bpf_full_args_t *args) {
  const uint64_t *last = (const uint64_t *)bpf_get_arg(MEMPOOL_MAX_ARGS - 1, args);
  return last[MEMPOOL_ARG_SIZE / 8 + 4];
}
