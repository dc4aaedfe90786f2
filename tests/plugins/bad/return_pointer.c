/* Returns the address of its stack: the host's stack address leaks into the
 * return value. librte_bpf accepts it; our check refuses "returns a pointer". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/return_pointer"), used))
uint64_t return_pointer(bpf_full_args_t *args) {
  asm volatile("r0 = r10\n\t"
               "exit");
}
