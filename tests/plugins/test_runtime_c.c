/* The C API (mempool/runtime.h) from a C11 program: a C daemon's view.
 * Loads plugins A and B, feeds messages, checks the counts in a C pool. */
#include <mempool/runtime.h>

#include "bgp_plugins.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                    \
    }                                                                \
  } while (0)

__attribute__((force_align_arg_pointer)) static uint64_t twice(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                                                               uint64_t e) {
  (void)b, (void)c, (void)d, (void)e;
  return 2 * a;
}

static int run_with(int use_jit) {
  char err[512];
  mem_pool *global = new_mempool();
  mem_pool *route = new_mempool();
  mempool_runtime *rt = mempool_runtime_new(use_jit);
  CHECK(rt != NULL && global != NULL && route != NULL);
  mempool_runtime_set_global_pool(rt, global);

  CHECK(mempool_runtime_register_helper(rt, "twice", twice, 1, 0) == 0);
  CHECK(mempool_runtime_register_helper(rt, "twice", twice, 1, 0) == -1);
  CHECK(mempool_runtime_register_helper(rt, "x", twice, 6, 0) == -1);
  CHECK(mempool_runtime_register_helper(NULL, "x", twice, 1, 0) == -1);
  {
    struct mempool_helper_signature sig = {3, {MEMPOOL_HELPER_ARG_NUMBER, MEMPOOL_HELPER_ARG_IN_BYTES,
                                               MEMPOOL_HELPER_ARG_SIZE}, MEMPOOL_HELPER_RET_NUMBER, 0, -1};
    CHECK(mempool_runtime_register_helper_signature(rt, "twice_sig", twice, &sig) == 0);
    sig.args[2] = MEMPOOL_HELPER_ARG_NUMBER; /* in_bytes without its size */
    CHECK(mempool_runtime_register_helper_signature(rt, "bad_sig", twice, &sig) == -1);
    struct mempool_helper_signature alloc = {1, {MEMPOOL_HELPER_ARG_NUMBER}, MEMPOOL_HELPER_RET_HEAP_OR_NULL, 0, 0};
    CHECK(mempool_runtime_register_helper_signature(rt, "alloc_sig", twice, &alloc) == 0);
    CHECK(mempool_runtime_register_helper_signature(rt, "x", twice, NULL) == -1);
  }

  int msg = mempool_runtime_point(rt, "bgp_message");
  int rep = mempool_runtime_point(rt, "peer_report");
  int recv = mempool_runtime_point(rt, "route_received");
  CHECK(msg >= 0 && rep >= 0 && recv >= 0 && msg != rep);
  CHECK(mempool_runtime_point(rt, NULL) == -1);

  CHECK(mempool_runtime_load(rt, MEMPOOL_PLUGINS_DIR "/count_updates.o", "plugin/count_updates", "A", msg, 0,
                             err, sizeof err) == 0);
  CHECK(mempool_runtime_load(rt, MEMPOOL_PLUGINS_DIR "/report_updates.o", "plugin/report_updates", NULL, rep, 0,
                             err, sizeof err) == 0);
  CHECK(mempool_runtime_load(rt, MEMPOOL_PLUGINS_DIR "/path_metric.o", "plugin/path_metric", NULL, recv, 0, err,
                             sizeof err) == 0);
  {
    struct mempool_plugin_limits limits = mempool_plugin_limits_default();
    limits.heap = 4096;
    limits.global_pool_bytes = 100;
    CHECK(mempool_runtime_load_with_limits(rt, MEMPOOL_PLUGINS_DIR "/count_updates.o", "plugin/count_updates",
                                           "limited", mempool_runtime_point(rt, "limited"), 0, &limits, err,
                                           sizeof err) == 0);
    limits.heap = (uint64_t)1 << 40;
    CHECK(mempool_runtime_load_with_limits(rt, MEMPOOL_PLUGINS_DIR "/count_updates.o", "plugin/count_updates",
                                           "too_big", msg, 0, &limits, err, sizeof err) == -1);
  }
  /* A refusal comes back as one line. */
  CHECK(mempool_runtime_load(rt, MEMPOOL_TEST_BAD_DIR "/loop.o", "plugin/loop", "spin", msg, 0, err, sizeof err) ==
        -1);
  CHECK(strstr(err, "plugin 'spin' rejected: pc ") != NULL && strstr(err, "bound the loop") != NULL);
  char tiny[8];
  CHECK(mempool_runtime_load(rt, MEMPOOL_TEST_BAD_DIR "/loop.o", "plugin/loop", "spin", msg, 0, tiny, sizeof tiny) ==
        -1);
  CHECK(strlen(tiny) == sizeof tiny - 1);
  CHECK(mempool_runtime_load(rt, NULL, "x", NULL, msg, 0, err, sizeof err) == -1);

  unsigned ran = 99;
  for (uint32_t i = 0; i < 30; i++) {
    struct mempool_arg args[3] = {mempool_arg_number(MEMPOOL_ARG_U8, i % 3 == 0 ? BGP_MSG_UPDATE : BGP_MSG_KEEPALIVE),
                                  mempool_arg_number(MEMPOOL_ARG_U32, i % 2),
                                  mempool_arg_number(MEMPOOL_ARG_U64, 1000 + i)};
    CHECK(mempool_runtime_run(rt, msg, args, 3, NULL, NULL, &ran) == EXIT_SUCCESS);
    CHECK(ran == 1);
  }
  /* i % 3 == 0 for i in 0..29: 10 updates, peers 0 (i even: 0,6,...,24 -> 5) and 1 (5). */
  CHECK(get_mempool_u64(global, UPDATE_MSG_KEY) == 10);
  CHECK(get_mempool_u64(global, BGP_KEY(BGP_COUNTER_UPDATES, 0)) == 5);
  CHECK(get_mempool_u64(global, BGP_KEY(BGP_COUNTER_UPDATES, 1)) == 5);

  struct mempool_arg peer = mempool_arg_number(MEMPOOL_ARG_U32, 1);
  CHECK(mempool_runtime_run(rt, rep, &peer, 1, NULL, NULL, &ran) == EXIT_SUCCESS && ran == 1);
  CHECK(get_mempool_u64(global, BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, 1)) == 500);

  struct mempool_arg route_args[2] = {mempool_arg_number(MEMPOOL_ARG_U32, 3), mempool_arg_number(MEMPOOL_ARG_U8, 1)};
  CHECK(mempool_runtime_run(rt, recv, route_args, 2, route, NULL, &ran) == EXIT_SUCCESS && ran == 1);
  CHECK(get_mempool_u64(route, ROUTE_ATTR_METRIC) == 13);
  /* No route pool given: C's set_attr_u64 fails, the plugin says so. */
  CHECK(mempool_runtime_run(rt, recv, route_args, 2, NULL, NULL, &ran) == EXIT_FAILURE);

  CHECK(mempool_runtime_run(rt, 42, NULL, 0, NULL, NULL, &ran) == 0 && ran == 0);
  CHECK(mempool_runtime_run(NULL, msg, NULL, 0, NULL, NULL, &ran) == 0 && ran == 0);

  mempool_runtime *rt2 = mempool_runtime_new(use_jit);
  CHECK(rt2 != NULL);
  CHECK(mempool_runtime_load_manifest(rt2, MEMPOOL_PLUGINS_DIR "/plugins.json", err, sizeof err) == 4);
  CHECK(strstr(err, "unknown insertion point") != NULL); /* rt2 declared no point */
  mempool_runtime_point(rt2, "bgp_message");
  mempool_runtime_point(rt2, "peer_report");
  mempool_runtime_point(rt2, "route_received");
  mempool_runtime_point(rt2, "route_compare");
  CHECK(mempool_runtime_load_manifest(rt2, MEMPOOL_PLUGINS_DIR "/plugins.json", err, sizeof err) == 0);
  CHECK(mempool_runtime_load_manifest(rt2, NULL, err, sizeof err) == -1);
  mempool_runtime_delete(rt2);

  /* A batch: validated in one child, attached all or nothing. */
  mempool_runtime *rt3 = mempool_runtime_new(use_jit);
  CHECK(rt3 != NULL);
  mem_pool *global3 = new_mempool();
  mempool_runtime_set_global_pool(rt3, global3);
  int msg3 = mempool_runtime_point(rt3, "bgp_message");
  int rep3 = mempool_runtime_point(rt3, "peer_report");
  struct mempool_plugin_spec mixed[4] = {
      {MEMPOOL_PLUGINS_DIR "/count_updates.o", "plugin/count_updates", "A", msg3, 0},
      {MEMPOOL_TEST_BAD_DIR "/loop.o", "plugin/loop", "spin", msg3, 0},
      {MEMPOOL_PLUGINS_DIR "/report_updates.o", "plugin/report_updates", NULL, rep3, 0},
      {MEMPOOL_PLUGINS_DIR "/report_updates.o", "plugin/report_updates", "nowhere", 99, 0},
  };
  CHECK(mempool_runtime_load_batch(rt3, mixed, 4, err, sizeof err) == 2);
  CHECK(strstr(err, "plugin 'spin' rejected: pc ") != NULL && strstr(err, "bound the loop") != NULL);
  CHECK(strstr(err, "plugin 'nowhere' rejected: invalid argument") != NULL);
  CHECK(strstr(err, "spin") < strstr(err, "nowhere")); /* in spec order */
  struct mempool_arg update[3] = {mempool_arg_number(MEMPOOL_ARG_U8, BGP_MSG_UPDATE),
                                  mempool_arg_number(MEMPOOL_ARG_U32, 1), mempool_arg_number(MEMPOOL_ARG_U64, 0)};
  CHECK(mempool_runtime_run(rt3, msg3, update, 3, NULL, NULL, &ran) == 0 && ran == 0); /* nothing attached */
  CHECK(mempool_runtime_load_batch(rt3, mixed, 1, err, sizeof err) == 0);
  CHECK(err[0] == '\0');
  CHECK(mempool_runtime_load_batch(rt3, mixed + 2, 1, err, sizeof err) == 0);
  CHECK(mempool_runtime_run(rt3, msg3, update, 3, NULL, NULL, &ran) == EXIT_SUCCESS && ran == 1);
  CHECK(get_mempool_u64(global3, UPDATE_MSG_KEY) == 1);
  CHECK(mempool_runtime_load_batch(rt3, NULL, 0, err, sizeof err) == 0);
  CHECK(mempool_runtime_load_batch(rt3, NULL, 1, err, sizeof err) == -1);
  CHECK(mempool_runtime_load_batch(NULL, mixed, 1, err, sizeof err) == -1);
  mempool_runtime_delete(rt3);
  delete_mempool(global3);

  mempool_runtime_delete(rt);
  mempool_runtime_delete(NULL);
  delete_mempool(route);
  delete_mempool(global);
  return 0;
}

int main(void) {
  run_with(1);
  run_with(0);
  if (failures == 0) printf("runtime C API: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
