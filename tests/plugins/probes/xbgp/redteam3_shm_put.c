/* probes/xbgp/redteam3_shm_put.c: one xBGP code (its object's only entry,
 * as a *.plugin manifest loads it) that puts a secret in its group's
 * shared block under key 7 (tests/plugins/redteam3_test.cpp). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t shm_put(args_t *args UNUSED) {
  uint64_t *b = ctx_shmget(7);
  if (b == NULL) b = ctx_shmnew(7, 64);
  if (b == NULL) return 1;
  b[0] = 0x5e5e5e5e5e5e5e5eull;
  return 0;
}
