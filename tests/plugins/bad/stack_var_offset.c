/* Writes the stack at an offset taken from the argument (masked to 0..1023,
 * but the frame is 512 bytes). Expected: "out-of-bounds access of the stack". */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/stack_var_offset")
uint64_t stack_var_offset(bpf_full_args_t *args) {
  volatile uint8_t buf[64];
  uint64_t i = bpf_arg_u64(0, args) & 1023;
  buf[0] = 1;
  buf[i] = 7;
  return buf[0];
}
