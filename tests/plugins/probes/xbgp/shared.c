/* probes/xbgp/shared.c: ctx_shmnew, ctx_shmget and ctx_shmrm as xBGP
 * plugins use them (tests/plugins/xbgp_shared_memory_test.cpp). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_mode(uint64_t id);

#define SEC(name) __attribute__((section(name), used))

/* A one-byte counter under key 1 that lives across runs. */
SEC("xbgp/count") uint64_t count(args_t *args UNUSED) {
  uint8_t *c = ctx_shmget(1);
  if (c == NULL) {
    c = ctx_shmnew(1, 1);
    if (c == NULL) return 1000;
  }
  *c += 1;
  return *c;
}

/* A block of test_mode(1) bytes under key test_mode(2): 1 if made (and
 * zeroed: its first byte reads 0; then it writes 0xff there), 0 if refused. */
SEC("xbgp/alloc") uint64_t alloc(args_t *args UNUSED) {
  uint64_t size = test_mode(1);
  if (size > 4096) size = 4096;
  if (size == 0) size = 1;
  uint8_t *p = ctx_shmnew((key_t)test_mode(2), size);
  if (p == NULL) return 0;
  uint64_t was = p[0];
  p[0] = 0xff;
  return was == 0 ? 1 : 2;
}

/* Removes key test_mode(2). */
SEC("xbgp/remove") uint64_t remove_block(args_t *args UNUSED) {
  ctx_shmrm((key_t)test_mode(2));
  return 0;
}

/* An 8-byte counter under key 2, found with ctx_shmget (whose size only the
 * host knows: the access is checked at run time against the shared arena). */
SEC("xbgp/count64") uint64_t count64(args_t *args UNUSED) {
  uint64_t *c = ctx_shmget(2);
  if (c == NULL) {
    c = ctx_shmnew(2, sizeof *c);
    if (c == NULL) return 1000;
  }
  *c += 1;
  return *c;
}
