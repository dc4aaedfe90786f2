/* A plugin written against the xBGP API the way the public collection writes
 * them (same includes, same macros), used by api_check.sh to prove that our
 * headers compile such code in both build modes and that what the object
 * calls is exactly the helpers it should: byte order is inline, logging
 * goes through ebpf_print_intern / super_log / ebpf_bvsnprintf. */
#include <stdint.h>
#include <string.h>

#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t api_check(args_t *args UNUSED);

uint64_t api_check(args_t *args UNUSED) {
  uint8_t *code = get_arg(ARG_CODE);
  struct path_attribute *path = get_attr_from_code(AS_PATH_ATTR_ID);
  struct ubpf_peer_info *peer = get_src_peer_info();
  char text[32];

  if (code == NULL || path == NULL || peer == NULL) {
    ebpf_print("missing argument\n");  /* no value after the format */
    return next();
  }
  /* Walk the AS_PATH segments: a loop the VM must accept. */
  unsigned int hops = 0, offset = 0;
  while (offset + 2 <= path->length) {
    uint8_t segment_length = path->data[offset + 1];
    if (path->data[offset] == AS_PATH_SEGMENT_SEQUENCE) hops += segment_length;
    offset += 2 + 4u * segment_length;
  }
  uint32_t router_id = ebpf_ntohl(peer->router_id);
  ubpf_sprintf(text, sizeof text, "%d", hops);
  log_msg(L_INFO "peer AS%u, router id %u: %s hops (%s)\n", LOG_UINT(peer->as),
          LOG_UINT(router_id), LOG_STR(text), LOG_INT(iana_afi_to_af(XBGP_AFI_IPV6)));
  if (ebpf_htons(*(uint16_t *)path->data) == 0) return PLUGIN_FILTER_REJECT;
  return hops % 2 == 1 ? PLUGIN_FILTER_REJECT : PLUGIN_FILTER_ACCEPT;
}
