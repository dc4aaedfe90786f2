/* A loop bounded the way the verifier's hint says (if (n > 255) n = 255):
 * sums the first n bytes of argument 0 (n = argument 1). */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/bounded_loop")
uint64_t bounded_loop(bpf_full_args_t *args) {
  const uint8_t *d = bpf_get_arg(0, args);
  uint64_t n = bpf_arg_u64(1, args);
  if (n > MEMPOOL_ARG_SIZE) n = MEMPOOL_ARG_SIZE;
  uint64_t sum = 0;
#pragma nounroll
  for (uint64_t i = 0; i < n; i++) sum += d[i];
  return sum;
}
