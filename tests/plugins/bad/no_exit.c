/* A program whose last instruction is not `exit` (written in assembly in a
 * naked function; clang never emits one). librte_bpf 22.11's validator
 * corrupts its own heap on it: in a release build the validating child
 * aborts ("validator crashed"), under ASan's allocator it reports
 * "unreachable instructions". Either way the plugin is refused and the host
 * is untouched, which is what validating in a child is for. */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/no_exit"), used))
uint64_t no_exit(bpf_full_args_t *args) {
  asm volatile("r0 = 0\n\t"
               "if r1 == 0 goto +1\n\t"
               "r0 = 1\n\t");
}
