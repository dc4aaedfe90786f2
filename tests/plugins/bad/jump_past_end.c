/* Raw bytecode whose first instruction jumps past the end of the program.
 * Expected: "jump past the end". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/jump_past_end"), used))
uint64_t jump_past_end(bpf_full_args_t *args) {
  asm volatile("goto +5\n\t"
               "r0 = 0\n\t"
               "exit");
}
