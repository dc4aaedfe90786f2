/* Raw bytecode whose first instruction jumps backwards (to itself).
 * Expected: "loop". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/jump_back_first"), used))
uint64_t jump_back_first(bpf_full_args_t *args) {
  asm volatile("goto -1\n\t"
               "r0 = 0\n\t"
               "exit");
}
