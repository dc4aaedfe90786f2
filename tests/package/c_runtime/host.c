/* A C host of the plugin runtime, built with one line:
 *   cc host.c $(pkg-config --cflags --libs mempool-runtime)
 * Loads the installed plugin A (count_updates.o, path in argv[1]), runs it
 * on three messages and checks its count in a C pool. */
#include <mempool/runtime.h>

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  mem_pool *global = new_mempool();
  mempool_runtime *rt = mempool_runtime_new(1);
  if (global == NULL || rt == NULL) return 1;
  mempool_runtime_set_global_pool(rt, global);
  int point = mempool_runtime_point(rt, "bgp_message");
  char err[512];
  if (mempool_runtime_load(rt, argv[1], "plugin/count_updates", "A", point, 0, err, sizeof err) != 0) {
    fprintf(stderr, "load failed: %s\n", err);
    return 1;
  }
  for (uint32_t type = 1; type <= 3; type++) {
    struct mempool_arg args[3] = {mempool_arg_number(MEMPOOL_ARG_U8, type), mempool_arg_number(MEMPOOL_ARG_U32, 7),
                                  mempool_arg_number(MEMPOOL_ARG_U64, 1000)};
    unsigned ran = 0;
    if (mempool_runtime_run(rt, point, args, 3, NULL, NULL, &ran) != 0 || ran != 1) return 1;
  }
  if (get_mempool_u64(global, 2) != 1) return 1; /* one UPDATE (type 2) */
  mempool_runtime_delete(rt);
  delete_mempool(global);
  puts("consumer (pkg-config mempool-runtime, C host running a plugin): ok");
  return 0;
}
