/*
 * Plugins of the mempool ABI that write or read their argument struct past
 * the bytes the host fills (ctx_isolation_test.cpp): what one writes there,
 * or what an earlier run's bytes argument left, must never reach another.
 */
#include <mempool/plugin_sdk.h>

#define MARK 0x5ec2e75ec2e75ec2ull

/* An unused slot (7), the tail of slot 0 past a number (bytes 8..16) and
 * far into slot 0 (bytes 64..72): all three marked. */
MEMPOOL_PLUGIN("ctx/scribble")
uint64_t scribble(bpf_full_args_t *args) {
  *(uint64_t *)&args->slot[7].data[0] = MARK;
  *(uint64_t *)&args->slot[0].data[8] = MARK;
  *(uint64_t *)&args->slot[0].data[64] = MARK;
  return 0;
}

/* The same three places, OR-ed: 0 when nothing was left there. */
MEMPOOL_PLUGIN("ctx/peek")
uint64_t peek(bpf_full_args_t *args) {
  return *(volatile uint64_t *)&args->slot[7].data[0] | *(volatile uint64_t *)&args->slot[0].data[8] |
         *(volatile uint64_t *)&args->slot[0].data[64];
}

/* Reads only: a plugin the runtime need not clean after. */
MEMPOOL_PLUGIN("ctx/ret7")
uint64_t ret7(bpf_full_args_t *args) {
  (void)args;
  return 7;
}
