/* probes/xbgp/print.c: ebpf_print, log_msg and ubpf_sprintf as xBGP plugins
 * write them: LOG_* values and the args array on the stack, strings in
 * .rodata and on the stack (tests/plugins/xbgp_print_test.cpp). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

#define SEC(name) __attribute__((section(name), used))

/* ebpf_print and log_msg with strings from .rodata and the stack. */
SEC("xbgp/print") uint64_t probe_print(args_t *args UNUSED) {
  char word[8] = {'s', 't', 'a', 'c', 'k', 0};
  /* k is 0, but only at run time: the vtype arrays are built on the stack,
   * not as constant tables of pointers in .rodata */
  uint64_t k = test_trace(60, 0);
  int n = ebpf_print("u=%u d=%d x=%x s=%s t=%s %%\n", LOG_UINT(42 + k), LOG_INT(-7), LOG_U32(255), LOG_STR("ro"),
                     LOG_STR(word));
  log_msg(L_WARN "peer AS%u %s\n", LOG_UINT(65001 + k), LOG_STR("down"));
  log_msg(L_DEBUG "debug %d\n", LOG_INT(1 + k));
  return (uint64_t)n;
}

/* ubpf_sprintf into a stack buffer; the text goes back through test_trace. */
SEC("xbgp/sprintf") uint64_t probe_sprintf(args_t *args UNUSED) {
  char buf[32];
  uint64_t k = test_trace(61, 0); /* 0 at run time: the args array is built on the stack */
  int n = ubpf_sprintf(buf, sizeof buf, "%d-%05u|%s", -3 + (int)k, 42u, (uintptr_t) "ok");
  uint64_t first8 = 0;
  __builtin_memcpy(&first8, buf, 8);
  test_trace(10, first8);
  char small[4];
  int m = ubpf_sprintf(small, sizeof small, "%d", 123456 + (int)k);
  test_trace(11, (uint64_t)(int64_t)m);
  test_trace(12, (uint64_t)(uint8_t)small[3]);
  return (uint64_t)(int64_t)n;
}


/* A %s whose value is a number (an address the plugin made up): the helper
 * prints "(invalid)" instead of reading it; a %s into the heap is fine. */
SEC("xbgp/forged") uint64_t probe_forged(args_t *args UNUSED) {
  uint64_t k = test_trace(62, 0);
  char *h = ctx_malloc(8);
  if (h == NULL) return 1;
  h[0] = 'h', h[1] = 'p', h[2] = 0;
  return (uint64_t)ebpf_print("[%s][%s][%p]\n", LOG_PTR(0x7fff0000 + k), LOG_STR(h), LOG_PTR(h));
}

/* ubpf_sprintf's %s with a stack string: refused (the text would go back to
 * the plugin, and the stack may hold address bytes), printed "(invalid)". */
SEC("xbgp/sprintf_stack") uint64_t probe_sprintf_stack(args_t *args UNUSED) {
  char word[8] = {'s', 't', 'a', 'c', 'k', 0};
  char buf[32];
  uint64_t k = test_trace(63, 0);
  int n = ubpf_sprintf(buf, sizeof buf, "%s%d", (uintptr_t)word, (int)k);
  uint64_t first8 = 0;
  __builtin_memcpy(&first8, buf, 8);
  test_trace(14, first8);
  return (uint64_t)(int64_t)n;
}
