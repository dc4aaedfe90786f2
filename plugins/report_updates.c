/*
 * Plugin B, report_updates, at "peer_report": reads plugin A's counters only
 * through get_state_u64 and stores the peer's share of all UPDATE messages,
 * in per-mille (rounded down), for the host's report.
 */
#include <mempool/plugin_sdk.h>

#include "bgp_plugins.h"

MEMPOOL_PLUGIN("plugin/report_updates")
uint64_t report_updates(bpf_full_args_t *args) {
  if (bpf_arg_len(PEER_REPORT_ARG_PEER, args) < 4) return EXIT_FAILURE;
  uint32_t peer = *(uint32_t *)bpf_get_arg(PEER_REPORT_ARG_PEER, args);
  if (peer > BGP_PEER_MASK) return EXIT_FAILURE;

  uint64_t mine = get_state_u64(BGP_KEY(BGP_COUNTER_UPDATES, peer));
  uint64_t all = get_state_u64(UPDATE_MSG_KEY);
  uint64_t share = all == 0 ? 0 : mine * 1000 / all;

  return set_state(BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, peer), share) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
