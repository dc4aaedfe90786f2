/* 5000 instructions: over our limit of 4096. Expected: "program too long". */
#include <mempool/plugin_sdk.h>

__attribute__((naked, section("plugin/too_long"), used))
uint64_t too_long(bpf_full_args_t *args) {
  asm volatile("r0 = 0\n\t"
               ".rept 4998\n\t"
               "r0 += 1\n\t"
               ".endr\n\t"
               "exit");
}
