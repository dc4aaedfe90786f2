/* The register-register comparison range bug of librte_bpf 22.11: on the
 * side where `i <= j` holds (here: the fall-through of `if i > j`, and of
 * its signed twin), the validator sets i's maximum to j's *minimum* instead
 * of j's maximum. With j in [0, 65535], it believes i is 0 and args + i in
 * bounds, while i can be up to 65535: a read of host memory past the
 * argument struct. librte_bpf accepts it; our bytecode check keeps
 * i in [0, 65535] and refuses the read. */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/regreg_read"), used))
uint64_t regreg_read(bpf_full_args_t *args) {
  asm volatile("r2 = *(u32 *)(r1 + 16)\n\t" /* i: slot 0's data, any u32 */
               "r3 = *(u32 *)(r1 + 8)\n\t"  /* j: slot 0's len */
               "r3 &= 65535\n\t"
               "if r2 > r3 goto +4\n\t"
               "if r2 s> r3 goto +3\n\t"
               "r1 += r2\n\t"
               "r0 = *(u64 *)(r1 + 0)\n\t"
               "exit\n\t"
               "r0 = 0\n\t"
               "exit");
}
