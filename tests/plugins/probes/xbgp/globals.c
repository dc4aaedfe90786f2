/* probes/xbgp/globals.c: an xBGP code with a writable global (.bss), as
 * three objects of the collection have: it counts its runs. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

static uint64_t calls;

uint64_t count_calls(args_t *args UNUSED) { return ++calls; }
