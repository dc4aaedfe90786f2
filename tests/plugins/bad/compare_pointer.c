/* Compares the argument's address with a number: branches on host address
 * bits. librte_bpf accepts it; our check refuses "compares a pointer". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/compare_pointer"), used))
uint64_t compare_pointer(bpf_full_args_t *args) {
  asm volatile("r0 = 0\n\t"
               "if r1 > 1048576 goto +1\n\t"
               "r0 = 1\n\t"
               "exit");
}
