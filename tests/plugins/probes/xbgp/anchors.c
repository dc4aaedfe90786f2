/* probes/xbgp/anchors.c: plugins written against our xBGP API headers for
 * the anchor tests (tests/plugins/xbgp_anchors_test.cpp). Each function is
 * one plugin, in a section of its own; what it does is decided by the host
 * through two test helpers, so that one object covers every case:
 *
 *   test_mode(id)        what plugin `id` does this run (MODE_* below)
 *   test_trace(id, v)    records "plugin id ran" (and a value) for the test
 *   test_fail()          a helper that fails the calling plugin
 *
 * Post plugins trace what exec_info_t (R1, as in libxbgp) says of the
 * replace result.
 */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_mode(uint64_t id);
extern uint64_t test_trace(uint64_t id, uint64_t value);
extern uint64_t test_fail(void);

enum {
  MODE_RETURN = 0,      /* returns 1000 + id */
  MODE_NEXT = 1,        /* return next(); traces what next() gave */
  MODE_NEXT_THEN_OWN,   /* next(), then returns 7777 (ignored: it handed over) */
  MODE_ABORT,           /* reads its heap block out of bounds: stopped by a run-time check */
  MODE_FAIL,            /* calls test_fail(), then returns 1000 + id */
  MODE_BAD_VALUE,       /* returns 5 (the tests' check refuses values below 1000) */
  MODE_NEXT_TWICE,      /* calls next() twice, returns the second */
};

static __always_inline uint64_t act(uint64_t id) {
  uint64_t mode = test_mode(id);
  test_trace(id, 0);
  switch (mode) {
  case MODE_NEXT: {
    int r = next();
    test_trace(id, (uint64_t)(int64_t)r);
    return (uint64_t)(int64_t)r;
  }
  case MODE_NEXT_THEN_OWN:
    next();
    return 7777;
  case MODE_ABORT: {
    uint8_t *p = ctx_malloc(8);
    if (p == NULL) return 1;
    uint64_t far = test_mode(100); /* the host says: far past the arena */
    if (far > (1u << 30)) far = 1u << 30;
    return p[far];
  }
  case MODE_FAIL:
    test_fail();
    return 1000 + id;
  case MODE_BAD_VALUE:
    return 5;
  case MODE_NEXT_TWICE: {
    next();
    int r = next();
    test_trace(id, (uint64_t)(int64_t)r);
    return (uint64_t)(int64_t)r;
  }
  default:
    return 1000 + id;
  }
}

#define PROBE(ID)                                                                 \
  __attribute__((section("xbgp/p" #ID), used)) uint64_t probe_##ID(args_t *args UNUSED) { \
    return act(ID);                                                               \
  }

PROBE(1)
PROBE(2)
PROBE(3)
PROBE(4)
PROBE(5)

/* An observer that reports what it sees of the replace result. */
__attribute__((section("xbgp/observe"), used)) uint64_t observe(exec_info_t *info) {
  test_trace(50, (uint64_t)info->return_val_set);
  test_trace(51, info->replace_return_value);
  return 0;
}
