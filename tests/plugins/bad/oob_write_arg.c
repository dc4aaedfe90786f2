/* Writes past the end of the argument struct (constant offset).
 * Expected: "out-of-bounds". */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/oob_write_arg")
uint64_t oob_write_arg(bpf_full_args_t *args) {
  uint64_t *last = (uint64_t *)bpf_get_arg(MEMPOOL_MAX_ARGS - 1, args);
  last[MEMPOOL_ARG_SIZE / 8 + 2] = 0xdead;
  return 0;
}
