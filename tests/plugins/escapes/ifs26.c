/* 26 sequential data-dependent ifs: librte_bpf enumerated 2^26 paths (about
 * 6 s, or refused by the time limit); the verifier joins states where the
 * paths meet. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/ifs26")
uint64_t ifs26(bpf_full_args_t *args) {
  uint64_t x = bpf_arg_u64(0, args);
  uint64_t acc = 1;
  if (x & (1ull << 0)) acc = acc * 3 + 0;
  if (x & (1ull << 1)) acc = acc * 3 + 1;
  if (x & (1ull << 2)) acc = acc * 3 + 2;
  if (x & (1ull << 3)) acc = acc * 3 + 3;
  if (x & (1ull << 4)) acc = acc * 3 + 4;
  if (x & (1ull << 5)) acc = acc * 3 + 5;
  if (x & (1ull << 6)) acc = acc * 3 + 6;
  if (x & (1ull << 7)) acc = acc * 3 + 7;
  if (x & (1ull << 8)) acc = acc * 3 + 8;
  if (x & (1ull << 9)) acc = acc * 3 + 9;
  if (x & (1ull << 10)) acc = acc * 3 + 10;
  if (x & (1ull << 11)) acc = acc * 3 + 11;
  if (x & (1ull << 12)) acc = acc * 3 + 12;
  if (x & (1ull << 13)) acc = acc * 3 + 13;
  if (x & (1ull << 14)) acc = acc * 3 + 14;
  if (x & (1ull << 15)) acc = acc * 3 + 15;
  if (x & (1ull << 16)) acc = acc * 3 + 16;
  if (x & (1ull << 17)) acc = acc * 3 + 17;
  if (x & (1ull << 18)) acc = acc * 3 + 18;
  if (x & (1ull << 19)) acc = acc * 3 + 19;
  if (x & (1ull << 20)) acc = acc * 3 + 20;
  if (x & (1ull << 21)) acc = acc * 3 + 21;
  if (x & (1ull << 22)) acc = acc * 3 + 22;
  if (x & (1ull << 23)) acc = acc * 3 + 23;
  if (x & (1ull << 24)) acc = acc * 3 + 24;
  if (x & (1ull << 25)) acc = acc * 3 + 25;
  return acc;
}
