/* The same range bug as regreg_read.c on the taken side of `if i <= j`
 * (and its signed twin), used to write 8 bytes at args + i, up to 65535
 * bytes past the struct. librte_bpf accepts it; our check refuses the
 * store. */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/regreg_write"), used))
uint64_t regreg_write(bpf_full_args_t *args) {
  asm volatile("r2 = *(u32 *)(r1 + 16)\n\t"
               "r3 = *(u32 *)(r1 + 8)\n\t"
               "r3 &= 65535\n\t"
               "r0 = 0\n\t"
               "if r2 <= r3 goto +1\n\t"
               "exit\n\t"
               "if r2 s<= r3 goto +1\n\t"
               "exit\n\t"
               "r1 += r2\n\t"
               "r4 = 42\n\t"
               "*(u64 *)(r1 + 0) = r4\n\t"
               "exit");
}
