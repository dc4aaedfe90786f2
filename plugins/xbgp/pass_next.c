/* pass_next.c: an xBGP plugin that does nothing but hand over: `return
 * next();`. Attached as the replace plugin of every receiving-side point
 * (pass_next.plugin), it measures what the anchors cost a replay when the
 * host's own behaviour decides everything (docs/benchmarks.md). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t pass_next(args_t *args UNUSED);

uint64_t pass_next(args_t *args UNUSED) { return next(); }
