/* The xBGP API headers, seen from a host: every structure a helper fills or
 * reads has the size and field offsets of the public xBGP API (the values
 * below were measured on the public headers), and every constant its value.
 * A mismatch here would make a compiled xBGP plugin and our helpers disagree
 * on memory, so it fails the build, not a run. */
#include <stddef.h>
#include <stdio.h>

#include "mempool/xbgp_compliant_api/xbgp_plugin_api.h"

#define SAME(actual, expected) _Static_assert((actual) == (expected), #actual " must be " #expected)

/* Structures (LP64). */
SAME(sizeof(struct bgp_message), 24);
SAME(offsetof(struct bgp_message, buf_len), 8);
SAME(offsetof(struct bgp_message, buf), 16);
SAME(sizeof(struct path_attribute), 8);
SAME(offsetof(struct path_attribute, flags), 1);
SAME(offsetof(struct path_attribute, length), 4);
SAME(offsetof(struct path_attribute, data), 8);
SAME(sizeof(struct ubpf_peer_info), 64);
SAME(offsetof(struct ubpf_peer_info, peer_type), 12);
SAME(offsetof(struct ubpf_peer_info, nexthop), 16);
SAME(offsetof(struct ubpf_peer_info, addr), 36);
SAME(offsetof(struct ubpf_peer_info, local_bgp_session), 56);
SAME(sizeof(struct ubpf_prefix), 26);
SAME(offsetof(struct ubpf_prefix, prefixlen), 4);
SAME(offsetof(struct ubpf_prefix, u), 6);
SAME(sizeof(struct bgp_rte_info), 16);
SAME(offsetof(struct bgp_rte_info, reason), 12);
SAME(sizeof(struct bgp_route), 64);
SAME(offsetof(struct bgp_route, attr_nb), 28);
SAME(offsetof(struct bgp_route, attr), 32);
SAME(offsetof(struct bgp_route, peer_info), 40);
SAME(offsetof(struct bgp_route, route_info), 48);
SAME(sizeof(struct ubpf_nexthop), 16);
SAME(offsetof(struct ubpf_nexthop, igp_metric), 8);
SAME(sizeof(struct vrf_info), 16);
SAME(offsetof(struct vrf_info, name), 16);
SAME(sizeof(struct vtype), 32);
SAME(offsetof(struct vtype, val), 16);
SAME(sizeof(struct vargs), 16);
SAME(sizeof(struct global_info), 16);
SAME(sizeof(exec_info_t), 24);
SAME(sizeof(args_t), 16);

/* Constants a plugin and the host exchange. */
SAME(BGP_DECODE_ATTR, 12);
SAME(BGP_PRE_INBOUND_FILTER, 15);
SAME(BGP_INITIAL_RTE_DECISION, 20);
SAME(ARG_BGP_MESSAGE, 15);
SAME(ARG_MAX_OPAQUE, 16);
SAME(BGP_ROUTE_TYPE_NEW, 257);
SAME(BGP_ROUTE_TYPE_FAIL, 260);
SAME(PLUGIN_FILTER_REJECT, 256);
SAME(PLUGIN_FILTER_ACCEPT, 257);
SAME(PLUGIN_FILTER_UNKNOWN, 258);
SAME(bgp_selection_default, 14);
SAME(BPF_SUCCESS, 3);
SAME(VT_SLLONG, 21);
SAME(PLUGIN_SOCKET_MAX, 4);
SAME(LOCAL_SESSION, 2);
SAME(LARGE_COMMUNITY_ATTR_ID, 32);
SAME(ATTR_SET_ATTR_ID, 128);
SAME(HELPER_ATTR_MASK, 7);
SAME(NUMARGS_LOGMSG(), 0);
SAME(NUMARGS_LOGMSG(LOG_INT(1)), 1);
SAME(NUMARGS_SPRINTF__(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17), 17);

int main(void) {
  /* What the macros build at run time. */
  int failures = 0;
  struct vtype v = LOG_UINT(65001u);
  failures += v.type != VT_UINT || v.val.uint != 65001u;
  struct vtype s = LOG_STR("text");
  failures += s.type != VT_POINTER || s.val.pvalue == NULL;
  failures += iana_afi_to_af(XBGP_AFI_IPV4) != AF_INET;
  failures += iana_afi_to_af(XBGP_AFI_IPV6) != AF_INET6;
  failures += iana_afi_to_af(7) != -1;
  failures += ebpf_ntohl(ebpf_htonl(0x01020304u)) != 0x01020304u;
  const unsigned char wire[4] = {0x01, 0x02, 0x03, 0x04};
  unsigned int host;
  memcpy(&host, wire, sizeof host);
  failures += ebpf_ntohl(host) != 0x01020304u;
  failures += ebpf_ntohs(ebpf_htons(0xabcd)) != 0xabcd;
  failures += ebpf_ntohll(ebpf_htonll(0x0102030405060708ull)) != 0x0102030405060708ull;
  if (failures != 0) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures != 0;
}
