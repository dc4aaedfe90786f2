/* xbgp_compliant_api/xbgp_defs.h: the BGP vocabulary of the xBGP plugin API,
 * as mempool renders it: path attribute codes and flags, AS_PATH segment
 * types and ORIGIN values, the numbering of insertion points and argument
 * kinds, the values filters and decision steps return, and the structures
 * helpers fill in the plugin's heap (an attribute, a peer, a prefix, a route).
 *
 * Names, values and memory layouts are those of the public xBGP API, so that
 * plugins written for xBGP compile unchanged and read what mempool's helpers
 * write. A layout here is an ABI between a plugin and the host's helpers:
 * changing one breaks compiled plugins. Layouts are the same whether a plugin
 * is compiled with `clang -emit-llvm` for the build machine and then `llc
 * -march=bpf` (the collection's Makefiles) or directly with `-target bpf`
 * (both give 8-byte pointers, `long`, `size_t` and `time_t`).
 *
 *     #include "../xbgp_compliant_api/xbgp_plugin_api.h"
 *
 *     struct path_attribute *med = get_attr_from_code(MULTI_EXIT_DISC_ATTR_ID);
 *     if (med == NULL || med->length != 4) return PLUGIN_FILTER_UNKNOWN;
 *     uint32_t value = ebpf_ntohl(*(uint32_t *)med->data);
 *     return value == 42 ? PLUGIN_FILTER_REJECT : PLUGIN_FILTER_ACCEPT;
 *
 * Like xBGP's, this header includes <time.h>, <stdint.h>, <sys/socket.h> and
 * <netinet/in.h> (plugins rely on AF_INET, struct in_addr and time_t coming
 * from here); on Debian they come with libc6-dev.
 */
#ifndef MEMPOOL_XBGP_DEFS_H
#define MEMPOOL_XBGP_DEFS_H

#include <time.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "xbgp_common.h"

#define UNUSED __attribute__((unused))

/* What helpers of the "0 means failure" kind return on failure. */
#define FAIL 0

/* ---- Path attribute type codes (IANA "BGP Path Attributes") ------------ */

#define RESERVED_ATTR_ID 0
#define ORIGIN_ATTR_ID 1
#define AS_PATH_ATTR_ID 2
#define NEXT_HOP_ATTR_ID 3
#define MULTI_EXIT_DISC_ATTR_ID 4
#define LOCAL_PREF_ATTR_ID 5
#define ATOMIC_AGGREGATE_ATTR_ID 6
#define AGGREGATOR_ATTR_ID 7
#define COMMUNITY_ATTR_ID 8
#define ORIGINATOR_ID_ATTR_ID 9
#define CLUSTER_LIST_ATTR_ID 10
#define MP_REACH_NLRI_ATTR_ID 14
#define MP_UNREACH_NLRI_ATTR_ID 15
#define EXTENDED_COMMUNITIES_ATTR_ID 16
#define AS4_PATH_ATTR_ID 17
#define AS4_AGGREGATOR_ATTR_ID 18
#define PMSI_TUNNEL_ATTR_ID 22
#define TUNNEL_ENCAPSULATION_ATTRIBUTE_ATTR_ID 23
#define TRAFFIC_ENGINEERING_ATTR_ID 24
#define IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY_ATTR_ID 25
#define AIGP_ATTR_ID 26
#define PE_DISTINGUISHER_LABELS_ATTR_ID 27
#define BGPLS_ATTRIBUTE_ATTR_ID 29
#define LARGE_COMMUNITY_ATTR_ID 32
#define BGPSEC_PATH_ATTR_ID 33
#define BGP_COMMUNITY_CONTAINER_ATTRIBUTE_TEMPORARY_REGISTERED_20170728_ATTR_ID 34
#define ONLY_TO_CUSTOMER_OTC_TEMPORARY_REGISTERED_20180329_ATTR_ID 35
#define BGP_DOMAIN_PATH_DPATH_TEMPORARY_REGISTERED_20190708_ATTR_ID 36
#define SFP_ATTRIBUTE_ATTR_ID 37
#define BGP_PREFIXSID_ATTR_ID 40
#define ATTR_SET_ATTR_ID 128

/* ---- Attribute flags (the high bits of the flags octet, RFC 4271 4.3) --- */

#define ATTR_OPTIONAL 0x80
#define ATTR_TRANSITIVE 0x40
#define ATTR_PARTIAL 0x20
#define ATTR_EXT_LEN 0x10 /* the length field is two octets */

/* ---- AS_PATH segment types (RFC 4271, RFC 5065) -------------------------- */

#define AS_PATH_SEGMENT_SET 1
#define AS_PATH_SEGMENT_SEQUENCE 2
#define AS_PATH_SEGMENT_CONFED_SEQUENCE 3
#define AS_PATH_SEGMENT_CONFED_SET 4

/* ---- ORIGIN values -------------------------------------------------------- */

#define BGP_ORIGIN_IGP 0
#define BGP_ORIGIN_EGP 1
#define BGP_ORIGIN_INCOMPLETE 2

/* ---- Insertion points, by number -----------------------------------------
 * Manifests name points by string ("bgp_decode_attr"); these numbers are the
 * host's identifiers for the same points. */
enum ubpf_plugins {
  BGP_UNUSED = 0,
  BGP_PRE_DECISION,
  BGP_NEXTHOP_RESOLVABLE_DECISION,
  BGP_LOCAL_PREF_DECISION,
  BGP_AS_PATH_LENGTH_DECISION,
  BGP_MED_DECISION,
  BGP_USE_ORIGIN_DECISION,
  BGP_PREFER_EXTERNAL_PEER_DECISION,
  BGP_IGP_COST_DECISION,
  BGP_ROUTER_ID_DECISION,
  BGP_IPADDR_DECISION,
  BGP_POST_DECISION,
  BGP_DECODE_ATTR,
  BGP_ENCODE_ATTR,
  BGP_ENCODE_CUSTOM_ATTR,
  BGP_PRE_INBOUND_FILTER,
  BGP_PRE_OUTBOUND_FILTER,
  BGP_DECODE_MESSAGE,
  BGP_ENCODE_MESSAGE,
  BGP_OPEN_SENT,
  BGP_INITIAL_RTE_DECISION,

  INSERTION_POINT_RESERVED = 2000000000 /* keeps the enum 32 bits wide */
};

/* ---- Argument kinds, the parameter of get_arg() -------------------------- */
enum ubpf_arg_type {
  ARG_UNUSED = 0,
  ARG_CODE,           /* attribute type code (uint8_t)                   */
  ARG_TYPE,
  ARG_LENGTH,         /* attribute length                                */
  ARG_FLAGS,          /* attribute flags (uint8_t)                       */
  ARG_DATA,           /* attribute bytes as received                     */
  ARG_BGP_ROUTE,
  ARG_BGP_ROUTE_NEW,  /* the two routes a decision step compares         */
  ARG_BGP_ROUTE_OLD,
  ARG_BGP_ROUTE_RIB,
  ARG_BGP_ATTRIBUTE_LIST,
  ARG_BGP_ATTRIBUTE,
  ARG_BUFFER,
  ARG_BGP_PREFIX,
  ARG_BGP_VRF,
  ARG_BGP_MESSAGE,

  ARG_MAX_OPAQUE /* first value free for a host's own argument kinds */
};

/* ---- Kinds of BGP session (ubpf_peer_info.peer_type) --------------------- */
enum {
  EBGP_SESSION,
  IBGP_SESSION,
  LOCAL_SESSION,
};

/* ---- Which route get_bgp_route() / *_by_route() helpers designate -------- */
enum BGP_ROUTE_TYPE {
  BGP_ROUTE_TYPE_UNDEF = HI_RESERVED_RETURN_VAL + 1,
  BGP_ROUTE_TYPE_NEW,
  BGP_ROUTE_TYPE_OLD,
  BGP_ROUTE_TYPE_UNKNOWN,
  BGP_ROUTE_TYPE_FAIL
};

/* ---- What an inbound or outbound filter returns ---------------------------- */
enum BGP_PLUGIN_FILTER_DECISION {
  PLUGIN_FILTER_REJECT = HI_RESERVED_RETURN_VAL + 1,
  PLUGIN_FILTER_ACCEPT,
  PLUGIN_FILTER_UNKNOWN, /* no opinion: the next filter, or the host, decides */
};

/* ---- Why the decision process chose a route (bgp_rte_info.reason) -------- */
enum bgp_selection_reason {
  bgp_selection_none,
  bgp_selection_first,
  bgp_selection_local_pref,
  bgp_selection_local_route,
  bgp_selection_as_path,
  bgp_selection_origin,
  bgp_selection_med,
  bgp_selection_peer,
  bgp_selection_igp_metric,
  bgp_selection_older,
  bgp_selection_tie_breaker,
  bgp_selection_cluster_length,
  bgp_selection_local_configured,
  bgp_selection_other,
  bgp_selection_default,
};

/* ---- Structures a plugin reads and writes ---------------------------------
 * Each is filled by a helper in the calling plugin's heap, or built by the
 * plugin and handed to a helper. Offsets are given for the 64-bit layout. */

/* A BGP message to send (schedule_bgp_message). 24 bytes. */
struct bgp_message {
  int type;       /* BGP message type: 2 for UPDATE, ...   @0  */
  size_t buf_len; /*                                        @8  */
  uint8_t *buf;   /* the message, in network byte order     @16 */
};

/* One path attribute: its header fields and `length` bytes of value in
 * network byte order, as on the wire. 8 bytes, then the value. */
struct path_attribute {
  uint8_t code;        /* @0 */
  uint8_t flags;       /* @1, ATTR_* bits */
  unsigned int length; /* @4, bytes in data */
  uint8_t data[0];     /* @8 (a zero-length array, as xBGP declares it) */
};

/* A BGP peer (or, through local_bgp_session, the local router). 64 bytes. */
struct ubpf_peer_info {
  uint32_t as;         /* @0 */
  uint32_t router_id;  /* @4, network byte order */
  uint32_t capability; /* @8 */
  uint8_t peer_type;   /* @12, EBGP_SESSION, IBGP_SESSION or LOCAL_SESSION */

  struct {             /* @16 */
    uint8_t type;
    union {
      struct in6_addr in6;
      struct in_addr in;
    };
  } nexthop;

  struct {             /* @36 */
    uint8_t af;        /* AF_INET or AF_INET6 */
    union {
      struct in6_addr in6;
      struct in_addr in;
    } addr;
  } addr;

  struct ubpf_peer_info *local_bgp_session; /* @56, NULL for the local router itself */
};

enum xbgp_afi {
  XBGP_AFI_IPV4 = 1,
  XBGP_AFI_IPV6 = 2
};

enum xbgp_safi {
  XBGP_SAFI_UNICAST = 1,
};

/* An IP prefix: the address bytes in network order in u[]. 26 bytes. */
struct ubpf_prefix {
  uint16_t afi;       /* @0, XBGP_AFI_* */
  uint8_t safi;       /* @2, XBGP_SAFI_* */
  uint8_t padding;    /* @3 */
  uint16_t prefixlen; /* @4, in bits */
  uint8_t u[20];      /* @6 */
};

/* What the host knows of a route besides its attributes. 16 bytes. */
struct bgp_rte_info {
  time_t uptime;                   /* @0 */
  uint32_t type;                   /* @8, connected, static, IGP or BGP */
  enum bgp_selection_reason reason; /* @12 */
};

/* A route: its prefix, attributes and the peer it came from. 64 bytes.
 * attr and peer_info point to further objects in the same heap. */
struct bgp_route {
  struct ubpf_prefix pfx;             /* @0  */
  int attr_nb;                        /* @28 */
  struct path_attribute **attr;       /* @32, attr_nb pointers */
  struct ubpf_peer_info *peer_info;   /* @40 */
  struct bgp_rte_info route_info;     /* @48 */
};

/* The route towards a next hop. 16 bytes. */
struct ubpf_nexthop {
  uint8_t route_type;  /* @0, connected, static, kernel */
  uint64_t igp_metric; /* @8 */
};

/* A VRF: its id and name (str_len bytes in name). 16 bytes, then the name. */
struct vrf_info {
  int vrf_id;     /* @0 */
  size_t str_len; /* @8 */
  char name[0];   /* @16 */
};

/* The address family (AF_INET, AF_INET6) of an xbgp_afi, or -1 for any
 * other value; `afi` is evaluated once. */
#define iana_afi_to_af(afi)                                           \
  ({                                                                  \
    int xbgp_afi_value_ = (int)(afi);                                 \
    xbgp_afi_value_ == XBGP_AFI_IPV4   ? AF_INET                      \
    : xbgp_afi_value_ == XBGP_AFI_IPV6 ? AF_INET6                     \
                                       : -1;                          \
  })

/* clang turns memset and memcpy with a length known at compile time into
 * plain loads and stores; for a length known only at run time use
 * ebpf_memcpy (a helper). Declared here, as in xBGP, so that plugins need not
 * include <string.h>. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dest, const void *src, size_t len);

#endif /* MEMPOOL_XBGP_DEFS_H */
