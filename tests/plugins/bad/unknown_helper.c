/* Calls a function the host never registered. Expected: "unknown helper". */
#include <mempool/plugin_sdk.h>

uint64_t launch_missiles(uint64_t target);

MEMPOOL_PLUGIN("plugin/unknown_helper")
uint64_t unknown_helper(bpf_full_args_t *args) {
  return launch_missiles(bpf_arg_u64(0, args));
}
