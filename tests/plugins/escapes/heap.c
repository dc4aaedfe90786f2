/* The plugin heap: a pointer returned by a helper, used for the size the
 * verifier was told; ctx_calloc's memory is zeroed. Returns the sum of the
 * n (argument 0, at most 64) bytes it wrote and read back, plus 1000 if the
 * calloc'ed block was zero. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/heap")
uint64_t heap(bpf_full_args_t *args) {
  uint8_t *p = ctx_malloc(64);
  if (!p) return 0xffff;
  uint64_t n = bpf_arg_u64(0, args);
  if (n > 64) n = 64;
  uint64_t sum = 0;
#pragma nounroll
  for (uint64_t i = 0; i < n; i++) p[i] = (uint8_t)i;
#pragma nounroll
  for (uint64_t i = 0; i < n; i++) sum += p[i];
  uint64_t *z = ctx_calloc(4, 8);
  if (z) {
    if (z[0] == 0 && z[3] == 0) sum += 1000;
  }
  ctx_free(z); /* NULL included, as libxbgp's ctx_free allows */
  return sum;
}
