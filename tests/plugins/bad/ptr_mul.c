/* Pointer * 2, then a read through it. Refused ("pointer arithmetic"). */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/ptr_mul"), used))
uint64_t ptr_mul(bpf_full_args_t *args) {
  asm volatile("r1 *= 2\n\t"
               "r0 = *(u64 *)(r1 + 0)\n\t"
               "exit");
}
