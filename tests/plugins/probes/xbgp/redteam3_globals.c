/* probes/xbgp/redteam3_globals.c: a plugin with a writable global
 * (tests/plugins/redteam3_test.cpp): which loads, programs and runtimes
 * share it. Apart from redteam3.c so that those plugins have no globals. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

#define SEC(name) __attribute__((section(name), used))

/* A counter kept across runs of one loaded program. */
static volatile uint64_t runs;
SEC("r3/count_runs") uint64_t count_runs(args_t *args UNUSED) {
  runs += 1;
  test_trace(30, runs);
  return runs;
}

