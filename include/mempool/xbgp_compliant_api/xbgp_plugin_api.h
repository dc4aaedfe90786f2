/* xbgp_compliant_api/xbgp_plugin_api.h: the header an xBGP plugin includes,
 * in mempool's rendering. It declares the BGP helpers (attributes of the
 * route being processed, peers, prefixes, next hops, RIB walks, messages to
 * send) and pulls in the rest of the API: xbgp_defs.h (BGP constants and
 * structures) and xbgp_common_vm.h (memory, logging, time, next()).
 *
 * An xBGP plugin is a C function compiled to eBPF, attached by a manifest to
 * an insertion point of the BGP host (bgp_decode_attr, bgp_pre_inbound_filter,
 * a decision step...) with a pre, replace or post anchor. It reaches the
 * host only through these helpers; each one that returns a pointer returns a
 * copy made in the plugin's heap, valid until the run ends.
 *
 * A plugin tree written for xBGP compiles unchanged when its own
 * xbgp_compliant_api/ folder is replaced by this one, the way its Makefiles
 * build it:
 *
 *     clang -O2 -fno-stack-protector -emit-llvm -c plugin.c -o plugin.bc
 *     llc -O2 -march=bpf -mcpu=v2 -filetype=obj plugin.bc -o plugin.o
 *
 * (the system's libc headers are used: Debian's libc6-dev has them all).
 *
 * Example: an inbound filter rejecting routes whose MED is 42.
 *
 *     #include "../xbgp_compliant_api/xbgp_plugin_api.h"
 *
 *     uint64_t reject_med_42(args_t *args UNUSED) {
 *         struct path_attribute *med = get_attr_from_code(MULTI_EXIT_DISC_ATTR_ID);
 *         if (med != NULL && med->length == 4 &&
 *             ebpf_ntohl(*(uint32_t *)med->data) == 42)
 *             return PLUGIN_FILTER_REJECT;
 *         return next();
 *     }
 */
#ifndef MEMPOOL_XBGP_PLUGIN_API_H
#define MEMPOOL_XBGP_PLUGIN_API_H

#include <time.h>
#include <stdint.h>
#include <stddef.h>

#include "xbgp_defs.h"
#include "xbgp_common_vm.h"

/* ---- Attributes of the route being processed ----------------------------------- */

/* Adds attribute `code` with `length` bytes of value (network order) to the
 * current route. flags: ATTR_OPTIONAL, ATTR_TRANSITIVE, ATTR_PARTIAL, and
 * ATTR_EXT_LEN when length exceeds 255. 0 if stored, -1 if not. */
extern int add_attr(uint8_t code, uint8_t flags, uint16_t length, uint8_t *decoded_attr);

/* Adds or replaces the attribute attr->code of the current route (or of the
 * route `rte`, a BGP_ROUTE_TYPE, for set_attr_to_route). 0 if stored, -1 if
 * not. */
extern int set_attr(struct path_attribute *attr);
extern int set_attr_to_route(struct path_attribute *attr, int rte);

/* The attribute the insertion point is about (bgp_decode_attr,
 * bgp_encode_attr), or NULL. */
extern struct path_attribute *get_attr(void);

/* Appends len bytes at ptr to the message the host is encoding. 0 on
 * success, -1 if nothing was written. */
extern int write_to_buffer(uint8_t *ptr, size_t len);

/* The attribute `code` of the current route (or of route `rte`), or NULL
 * when the route has none or the heap is short. */
extern struct path_attribute *get_attr_from_code(uint8_t code);
extern struct path_attribute *get_attr_from_code_by_route(uint8_t code, int rte);

/* Hands a decoded prefix to the host (while decoding an UPDATE). 1 if taken,
 * 0 if not. */
extern int announce_nrli(struct ubpf_prefix *pfx);

/* ---- Peers --------------------------------------------------------------------------- */

/* The peer a message is being sent to (outbound points), or NULL; nb_peers
 * may receive a count. */
extern struct ubpf_peer_info *get_peer_info(int *nb_peers);

/* The peer the route or message being processed came from, or NULL. */
extern struct ubpf_peer_info *get_src_peer_info(void);

/* Changes what the host keeps about peer router_id under `key`. 0 or -1. */
extern int set_peer_info(uint32_t router_id, int key, void *value, int len);

/* ---- Prefixes, next hops, routes, RIBs ------------------------------------------------- */

/* The prefix being processed, or NULL. */
extern struct ubpf_prefix *get_prefix(void);

/* The next hop of the route to pfx in the Loc-RIB, or of the route being
 * processed when pfx is NULL; NULL if unknown. */
extern struct ubpf_nexthop *get_nexthop(struct ubpf_prefix *pfx);

/* RIB entries by prefix; NULL when there is none. struct ubpf_rib_entry is
 * never defined: plugins only pass the pointer along. */
extern struct ubpf_rib_entry *get_rib_in_entry(uint8_t af_family, struct ubpf_prefix *pfx);
extern struct bgp_route *get_rib_out_entry(uint8_t af_family, struct ubpf_prefix *pfx,
                                           struct ubpf_peer_info *pinfo);
extern struct ubpf_rib_entry *get_loc_rib_entry(uint8_t af_family, struct ubpf_prefix *pfx);

/* The route of the given BGP_ROUTE_TYPE at this insertion point (a decision
 * step has a new and an old one), with its attributes and peer, or NULL. */
extern struct bgp_route *get_bgp_route(enum BGP_ROUTE_TYPE type);

/* Walking a RIB: new_rib_iterator gives an id (negative on failure),
 * next_rib_route the next route while rib_has_route says there is one. */
extern int new_rib_iterator(int afi, int safi);
extern struct bgp_route *next_rib_route(unsigned int iterator_id);
extern int rib_has_route(unsigned int iterator_id);
extern void rib_iterator_clean(unsigned int iterator_id);

extern int remove_route_from_rib(struct ubpf_prefix *pfx, struct ubpf_peer_info *peer_info);

/* Fills vrf_info (with room for the name after it). 0 on success. */
extern int get_vrf(struct vrf_info *vrf_info);

/* Queues a BGP message for the peer whose address is peer_ip (text). */
extern int schedule_bgp_message(int type, struct bgp_message *message, const char *peer_ip);

extern int peer_session_reset(const char *peer_ip);

/* Uptime, type and selection reason of the route being processed, or NULL. */
extern struct bgp_rte_info *get_route_info(void);

extern struct bgp_route *get_route_sent_to_peer(struct ubpf_prefix *pfx, struct ubpf_peer_info *peer);

#endif /* MEMPOOL_XBGP_PLUGIN_API_H */
