/* Passes a buffer smaller than MEMPOOL_BUF_SIZE to a helper that may write
 * MEMPOOL_BUF_SIZE bytes. Expected: "out-of-bounds" (helper argument). */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/wrong_buffer")
uint64_t wrong_buffer(bpf_full_args_t *args) {
  uint64_t small[2] = {0, 0};
  (void)args;
  return get_state_buf(1, (uint8_t *)small + 8, 8);
}
