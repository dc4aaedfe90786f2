/* Spills the argument pointer to the stack, reloads it and reads through
 * it: a program that can store pointers could forge one (write a number over
 * the spilled slot). Refused by our check: "stores a pointer". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/store_pointer"), used))
uint64_t store_pointer(bpf_full_args_t *args) {
  asm volatile("*(u64 *)(r10 - 8) = r1\n\t"
               "r2 = *(u64 *)(r10 - 8)\n\t"
               "r0 = *(u64 *)(r2 + 0)\n\t"
               "exit");
}
