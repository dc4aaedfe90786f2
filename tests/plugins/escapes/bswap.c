/* Byte swaps, as every big-endian BGP field needs (librte_bpf refused them):
 * returns bswap64(a) ^ bswap32(b) ^ bswap16(c) of its three arguments. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/bswap")
uint64_t bswap(bpf_full_args_t *args) {
  uint64_t a = bpf_arg_u64(0, args);
  uint32_t b = (uint32_t)bpf_arg_u64(1, args);
  uint16_t c = (uint16_t)bpf_arg_u64(2, args);
  return __builtin_bswap64(a) ^ __builtin_bswap32(b) ^ __builtin_bswap16(c);
}
