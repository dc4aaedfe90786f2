/* 24 sequential data-dependent branches: librte_bpf's validator explores
 * every path (2^24), which takes tens of seconds. Expected: the validation
 * time limit ("timed out"). */
#include <mempool/plugin_sdk.h>

#define STEP(n) if (bpf_arg_u64(0, args) & (1ull << n)) acc += get_state_u64(n); else acc ^= n;

MEMPOOL_PLUGIN("plugin/slow_validation")
uint64_t slow_validation(bpf_full_args_t *args) {
  uint64_t acc = 0;
  STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
  STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
  STEP(16) STEP(17) STEP(18) STEP(19) STEP(20) STEP(21) STEP(22) STEP(23)
  return acc;
}
