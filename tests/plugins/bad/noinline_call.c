/* Calls one of its own functions that clang did not inline (a BPF-to-BPF
 * call, unsupported by librte_bpf 22.11). Expected: "non-inlined function". */
#include <mempool/plugin_sdk.h>

__attribute__((noinline)) static uint64_t twice(uint64_t x) { return get_state_u64((uint32_t)x) * 2; }

MEMPOOL_PLUGIN("plugin/noinline_call")
uint64_t noinline_call(bpf_full_args_t *args) {
  return twice(bpf_arg_u64(0, args)) + 1;
}
