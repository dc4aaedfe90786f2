/* redteam4_stack.c (fourth red-team pass): stack bytes that a helper is
 * declared to fill (an out buffer of run-time size, mem_out_rt) but leaves
 * as they were. The verifier counts the whole buffer as written after the
 * call (its size is a constant), so the plugin then reads it; in a program
 * that calls no helper following pointers or reading strings, frames are
 * not zeroed: the bytes are whatever the host's stack (JIT) or an earlier
 * run left there. Each section is one plugin; test_mode(id) tells it its
 * parameters. A "secret" is 0x5e. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_mode(uint64_t id);

#define SEC(name) __attribute__((section(name), used))
#define SECRET 0x5e5e5e5e5e5e5e5eull

/* Leaves the secret in a 256-byte stack buffer (read by a helper so that
 * the stores stay). */
SEC("r4/stack_fill") uint64_t stack_fill(args_t *args UNUSED) {
  uint64_t buf[32];
  for (int i = 0; i < 32; i++) ((volatile uint64_t *)buf)[i] = SECRET;
  return ebpf_memcmp(buf, buf, sizeof buf) == 0 && buf[0] == SECRET;
}

/* get_extra_info_value with a handle that names nothing (-1): nothing is
 * written, yet the 256 bytes count as written. Returns how many of its 32
 * words are not 0 (0: the helper zeroed what it did not fill). */
SEC("r4/stale_extra_value") uint64_t stale_extra_value(args_t *args UNUSED) {
  uint64_t buf[32];
  struct global_info info;
  uint64_t nonzero = 0;
  __builtin_memset(&info, 0, sizeof info);
  info.hidden_ptr = (void *)(uintptr_t)test_mode(1);
  (void)get_extra_info_value(&info, buf, sizeof buf);
  for (int i = 0; i < 32; i++) nonzero += buf[i] != 0;
  return nonzero;
}

/* ebpf_bvsnprintf with a format that is a pointer the plugin spilled on its
 * stack (the slot's own address): the text written back would be the
 * pointer's bytes up to its first 0. Returns the first 8 bytes written to
 * buf as a number (0 when the helper wrote nothing of them). */
SEC("r4/format_is_a_pointer") uint64_t format_is_a_pointer(args_t *args UNUSED) {
  uint8_t *slot[2];
  char out[32];
  uint64_t words[1] = {0};
  uint64_t seen = 0;
  __builtin_memset(out, 0, sizeof out);
  slot[0] = (uint8_t *)slot;
  slot[1] = 0;
  (void)ebpf_bvsnprintf(out, sizeof out, (const char *)slot, words);
  __builtin_memcpy(&seen, out, 8);
  return seen;
}

/* The same with ebpf_print: the format is the pointer's bytes (the log gets
 * them); returns what ebpf_print_intern returns (the text's length, -1 if
 * refused). */
SEC("r4/print_format_is_a_pointer") uint64_t print_format_is_a_pointer(args_t *args UNUSED) {
  uint8_t *slot[2];
  slot[0] = (uint8_t *)slot;
  slot[1] = 0;
  return (uint64_t)(int64_t)ebpf_print((const char *)slot);
}
