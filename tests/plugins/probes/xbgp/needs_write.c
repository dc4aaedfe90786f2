/* probes/xbgp/needs_write.c: an xBGP code calling a helper the host marks as
 * needing the "write" permission (the manifest tests grant it or not). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_write(uint64_t value);

uint64_t needs_write(args_t *args UNUSED) { return test_write(1); }
