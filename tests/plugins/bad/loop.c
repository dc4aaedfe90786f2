/* A loop whose trip count comes from the argument: clang cannot unroll it,
 * and librte_bpf 22.11 rejects every backward jump. Expected: "loop". */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/loop")
uint64_t loop(bpf_full_args_t *args) {
  uint64_t n = bpf_arg_u64(0, args);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i++) sum += get_state_u64((uint32_t)i);
  return sum;
}
