/* Pointer & mask: rounds the argument's address down to a 4 KiB page, which
 * lies before the struct. Refused ("pointer arithmetic"). */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/ptr_mask"), used))
uint64_t ptr_mask(bpf_full_args_t *args) {
  asm volatile("r1 &= -4096\n\t"
               "r0 = *(u64 *)(r1 + 0)\n\t"
               "exit");
}
