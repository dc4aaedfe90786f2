/*
 * Plugin A, count_updates, at "bgp_message": counts UPDATE messages per peer
 * in the global pool, and in all (the specification's UPDATE_MSG_KEY).
 *
 * The body is the specification's main_plugin_A, plus the `if` on the
 * message type and the per-peer counter. set_state() overwrites the count
 * (docs/semantics.md, "Updating in place").
 */
#include <mempool/plugin_sdk.h>

#include "bgp_plugins.h"

MEMPOOL_PLUGIN("plugin/count_updates")
uint64_t count_updates(bpf_full_args_t *args) {
  int *type_message;
  uint64_t update_message_seen;

  type_message = bpf_get_arg(BGP_MESSAGE_ARG_TYPE, args);
  if (!type_message) return EXIT_FAILURE;
  if (bpf_arg_len(BGP_MESSAGE_ARG_TYPE, args) == 0 || bpf_arg_len(BGP_MESSAGE_ARG_PEER, args) < 4)
    return EXIT_FAILURE;
  if ((*type_message & 0xff) != BGP_MSG_UPDATE) return EXIT_SUCCESS;

  uint32_t peer = *(uint32_t *)bpf_get_arg(BGP_MESSAGE_ARG_PEER, args);
  if (peer > BGP_PEER_MASK) return EXIT_FAILURE;
  uint32_t key = BGP_KEY(BGP_COUNTER_UPDATES, peer);
  if (set_state(key, get_state_u64(key) + 1) != 0) return EXIT_FAILURE;

  update_message_seen = get_state_u64(UPDATE_MSG_KEY);
  update_message_seen++;

  return set_state(UPDATE_MSG_KEY, update_message_seen) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
