/* Divides by a value from the argument, which may be 0 (librte_bpf lets it
 * through and returns 0 or stops at run time). Refused by our check. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/div_by_reg")
uint64_t div_by_reg(bpf_full_args_t *args) {
  return 1000 / bpf_arg_u64(0, args);
}
