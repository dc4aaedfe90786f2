/* A 64-bit load of an external symbol (a "map" or host variable): librte_bpf
 * would resolve it against its symbol table. Expected: "global variable". */
#include <mempool/plugin_sdk.h>

extern uint64_t host_secret[4];

MEMPOOL_PLUGIN("plugin/extern_var")
uint64_t extern_var(bpf_full_args_t *args) {
  return host_secret[bpf_arg_u64(0, args) & 3];
}
