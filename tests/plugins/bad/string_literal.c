/* A string literal lives in .rodata, which the loader cannot place.
 * Expected: "global variable" (constant data). */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/string_literal")
uint64_t string_literal(bpf_full_args_t *args) {
  const char *name = "count_updates_v2_with_a_long_name";
  uint32_t i = bpf_arg_len(0, args) & 31;
  return (uint64_t)name[i];
}
