/* A static variable lives in .bss/.data, which the loader cannot place.
 * Expected: "global variable". */
#include <mempool/plugin_sdk.h>

static uint64_t calls;

MEMPOOL_PLUGIN("plugin/global_var")
uint64_t global_var(bpf_full_args_t *args) {
  (void)args;
  calls++;
  return calls;
}
