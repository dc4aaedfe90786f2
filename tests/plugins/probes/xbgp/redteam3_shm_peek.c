/* probes/xbgp/redteam3_shm_peek.c: one xBGP code that looks for key 7 in
 * its group's shared memory (tests/plugins/redteam3_test.cpp): traces 21
 * with 0 (no block), 1 (a block without the secret) or 2 (the secret). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

uint64_t shm_peek(args_t *args UNUSED) {
  uint64_t *b = ctx_shmget(7);
  uint64_t what = b == NULL ? 0 : b[0] == 0x5e5e5e5e5e5e5e5eull ? 2 : 1;
  test_trace(21, what);
  return what;
}
