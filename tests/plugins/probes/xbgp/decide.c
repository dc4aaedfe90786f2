/* probes/xbgp/decide.c: an xBGP code that records its run and accepts. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

uint64_t decide(args_t *args UNUSED) {
  test_trace(8, 0);
  return PLUGIN_FILTER_ACCEPT;
}
