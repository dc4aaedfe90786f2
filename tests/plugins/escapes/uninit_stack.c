/* Issue 8, escape 4: plain C that hands uninitialised stack to a helper.
 * librte_bpf copied host stack (addresses included) into the pool; the
 * verifier refuses it. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/uninit_stack")
uint64_t uninit_stack(bpf_full_args_t *args) {
  uint64_t b[8];
  b[0] = bpf_arg_u64(0, args);
  return set_state_buf(1, b, sizeof b);
}
