/* Pointer + pointer: args + args is a host address the validator may still
 * call "a pointer into the argument". Refused by our check. */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/ptr_add_ptr"), used))
uint64_t ptr_add_ptr(bpf_full_args_t *args) {
  asm volatile("r2 = r1\n\t"
               "r1 += r2\n\t"
               "r0 = *(u64 *)(r1 + 0)\n\t"
               "exit");
}
