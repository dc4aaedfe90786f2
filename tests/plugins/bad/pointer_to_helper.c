/* Passes a stack address where a helper takes a number: the host's stack
 * address would be stored in the pool, readable by every plugin. librte_bpf
 * accepts it (the argument is declared RAW); our check refuses it. */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/pointer_to_helper"), used))
uint64_t pointer_to_helper(bpf_full_args_t *args) {
  asm volatile("r2 = r10\n\t"
               "r1 = 7\n\t"
               "call set_state_u64\n\t"
               "r0 = 0\n\t"
               "exit");
}
