/* Issue 8, resources: a plugin that appends to the global pool in a loop
 * (one grew a host from 4.5 MB to 68 MB). Returns how many appends
 * succeeded, and the last error in the high 32 bits. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/append_loop")
uint64_t append_loop(bpf_full_args_t *args) {
  uint8_t chunk[64];
  __builtin_memset(chunk, 0xab, sizeof chunk);
  (void)args;
  uint64_t ok = 0, err = 0;
#pragma nounroll
  for (uint32_t i = 0; i < 10000; i++) {
    err = append_state(99, chunk, sizeof chunk);
    if (err != MEMPOOL_OK) break;
    ok++;
  }
  return ok | (err << 32);
}
