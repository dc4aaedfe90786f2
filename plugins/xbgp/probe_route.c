/* probe_route.c: a pre plugin of bgp_pre_inbound_filter that asks the host
 * everything it knows about the route being received and writes it on the
 * route, for a test to compare with the MRT data:
 *
 *   attribute 253 (set_attr), 12 bytes:
 *     u32 source peer AS, u8 prefix length, u8 peers counted by get_peer_info,
 *     u8 1 if the local speaker is linked as local_bgp_session,
 *     u8 1 if write_to_buffer refused (nothing is encoded on this side),
 *     u32 get_time() seconds (the MRT timestamp of the UPDATE)
 *   attribute 254 (set_attr_to_route on the new route): ORIGIN, copied
 *   attribute 252 (add_attr), 18 bytes, what get_nexthop(NULL) and
 *   get_route_info() say:
 *     u8 ubpf_nexthop.route_type (2: the next hop is the peer itself,
 *     0xff: unresolved), u64 igp_metric (0, or 0x80000000 unknown),
 *     u32 bgp_rte_info.type (9: BGP), u32 uptime (0: being received),
 *     u8 reason (0: not ranked yet); integers in network byte order */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define PROBE_ATTR_ID 253
#define ORIGIN_COPY_ATTR_ID 254
#define NEXTHOP_ATTR_ID 252

uint64_t probe_route(args_t *args UNUSED);

uint64_t probe_route(args_t *args UNUSED) {
    int nb_peers = 0;
    struct ubpf_peer_info *src = get_src_peer_info();
    struct ubpf_peer_info *peer = get_peer_info(&nb_peers);
    struct ubpf_prefix *pfx = get_prefix();
    struct ubpf_nexthop *nh = get_nexthop(NULL);
    struct bgp_rte_info *info = get_route_info();
    struct path_attribute *origin = get_attr_from_code_by_route(ORIGIN_ATTR_ID, BGP_ROUTE_TYPE_NEW);
    struct path_attribute *probe;
    struct timespec now;
    uint8_t byte = 0;
    uint8_t route[18];
    uint32_t v;
    uint64_t v64;

    if (src == NULL || peer == NULL || pfx == NULL || nh == NULL || info == NULL) return BPF_FAILURE;
    if (get_time(&now) != 0) return BPF_FAILURE;
    probe = ctx_malloc(sizeof(struct path_attribute) + 12);
    if (probe == NULL) return BPF_FAILURE;
    probe->code = PROBE_ATTR_ID;
    probe->flags = ATTR_OPTIONAL;
    probe->length = 12;
    v = ebpf_htonl(src->as);
    __builtin_memcpy(probe->data, &v, 4);
    probe->data[4] = (uint8_t)pfx->prefixlen;
    probe->data[5] = (uint8_t)nb_peers;
    probe->data[6] = src->local_bgp_session != NULL;
    probe->data[7] = write_to_buffer(&byte, 1) == -1;
    v = ebpf_htonl((uint32_t)now.tv_sec);
    __builtin_memcpy(probe->data + 8, &v, 4);
    if (set_attr(probe) != 0) return BPF_FAILURE;

    route[0] = nh->route_type;
    v64 = ebpf_htonll(nh->igp_metric);
    __builtin_memcpy(route + 1, &v64, 8);
    v = ebpf_htonl(info->type);
    __builtin_memcpy(route + 9, &v, 4);
    v = ebpf_htonl((uint32_t)info->uptime);
    __builtin_memcpy(route + 13, &v, 4);
    route[17] = (uint8_t)info->reason;
    if (add_attr(NEXTHOP_ATTR_ID, ATTR_OPTIONAL, sizeof(route), route) != 0) return BPF_FAILURE;

    if (origin != NULL) {
        origin->code = ORIGIN_COPY_ATTR_ID;
        origin->flags = ATTR_OPTIONAL;
        if (set_attr_to_route(origin, BGP_ROUTE_TYPE_NEW) != 0) return BPF_FAILURE;
    }
    return BPF_CONTINUE;
}
