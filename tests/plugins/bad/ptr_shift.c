/* Pointer shifted left then right: clears the top bit of the address, a
 * different address that is still "the argument" to a naive validator.
 * Refused ("pointer arithmetic"). */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/ptr_shift"), used))
uint64_t ptr_shift(bpf_full_args_t *args) {
  asm volatile("r1 <<= 1\n\t"
               "r1 >>= 1\n\t"
               "r0 = *(u64 *)(r1 + 0)\n\t"
               "exit");
}
