/*
 * Plugins for the runtime's own tests: argument copying, ordering, host
 * helpers. Each section is one entry point.
 */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("probe/ret1")
uint64_t ret1(bpf_full_args_t *args) { (void)args; return 1; }

MEMPOOL_PLUGIN("probe/ret2")
uint64_t ret2(bpf_full_args_t *args) { (void)args; return 2; }

MEMPOOL_PLUGIN("probe/ret3")
uint64_t ret3(bpf_full_args_t *args) { (void)args; return 3; }

MEMPOOL_PLUGIN("probe/count")
uint64_t count(bpf_full_args_t *args) { return args->count; }

/* Slot 0 as a number, its length and type packed: value | len << 40 | type << 56. */
MEMPOOL_PLUGIN("probe/arg0")
uint64_t arg0(bpf_full_args_t *args) {
  return (bpf_arg_u64(0, args) & 0xffffffffffull) | ((uint64_t)bpf_arg_len(0, args) << 40) |
         ((uint64_t)args->slot[0].type << 56);
}

MEMPOOL_PLUGIN("probe/arg1")
uint64_t arg1(bpf_full_args_t *args) { return bpf_arg_u64(1, args); }

/* Slot 0 as bytes: its length, first two bytes and last byte, packed as
 * len << 32 | d[0] << 16 | d[1] << 8 | d[len - 1]. */
MEMPOOL_PLUGIN("probe/bytes")
uint64_t bytes(bpf_full_args_t *args) {
  const uint8_t *d = bpf_get_arg(0, args);
  uint32_t len = bpf_arg_len(0, args);
  if (len < 2) return 0;
  return ((uint64_t)len << 32) | ((uint64_t)d[0] << 16) | ((uint64_t)d[1] << 8) | d[(len - 1) & (MEMPOOL_ARG_SIZE - 1)];
}

/* Overwrites every argument slot, header included: must not leak into the
 * next plugin's copy. */
MEMPOOL_PLUGIN("probe/scribble")
uint64_t scribble(bpf_full_args_t *args) {
  args->count = 0;
#pragma unroll
  for (int i = 0; i < MEMPOOL_MAX_ARGS; i++) {
    args->slot[i].len = 0xffff;
    args->slot[i].type = 0xff;
    __builtin_memset(args->slot[i].data, 0xee, MEMPOOL_ARG_SIZE);
  }
  return 0;
}

/* Host helpers registered by the tests. */
uint64_t host_add(uint64_t a, uint64_t b);
uint64_t host_format_double(uint64_t milli);
uint64_t host_user_tag(void);
uint64_t host_fill(void *buf, uint64_t len);
uint64_t host_nested(void);

MEMPOOL_PLUGIN("probe/host_add")
uint64_t call_host_add(bpf_full_args_t *args) { return host_add(bpf_arg_u64(0, args), bpf_arg_u64(1, args)); }

MEMPOOL_PLUGIN("probe/host_format_double")
uint64_t call_host_format_double(bpf_full_args_t *args) { return host_format_double(bpf_arg_u64(0, args)); }

MEMPOOL_PLUGIN("probe/host_user_tag")
uint64_t call_host_user_tag(bpf_full_args_t *args) { (void)args; return host_user_tag(); }

/* host_fill writes into a buffer; the plugin returns the sum of its bytes. */
MEMPOOL_PLUGIN("probe/host_fill")
uint64_t call_host_fill(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  __builtin_memset(buf, 0, sizeof buf);
  uint64_t n = host_fill(buf, bpf_arg_u64(0, args));
  uint64_t sum = 0;
#pragma unroll
  for (int i = 0; i < MEMPOOL_BUF_SIZE; i++) sum += buf[i];
  return (n << 32) | sum;
}

/* Calls a helper that runs another point; its own argument must survive:
 * returns host_nested() << 32 | argument 0. */
MEMPOOL_PLUGIN("probe/nested")
uint64_t call_host_nested(bpf_full_args_t *args) {
  uint64_t inner = host_nested();
  return (inner << 32) | (bpf_arg_u64(0, args) & 0xffffffffu);
}
