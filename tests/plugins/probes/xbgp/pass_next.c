/* probes/xbgp/pass_next.c: an xBGP code (entry in .text, as the collection
 * builds them) that records its run and hands over with next(). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

uint64_t pass_next(args_t *args UNUSED) {
  test_trace(7, 0);
  return next();
}
