/* Writes below the 512-byte stack. clang refuses a C array that large, so the
 * store is written in assembly. Expected: "stack". */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/stack_overflow")
uint64_t stack_overflow(bpf_full_args_t *args) {
  (void)args;
  asm volatile("r1 = 42\n\t*(u64 *)(r10 - 1024) = r1" ::: "r1");
  return 0;
}
