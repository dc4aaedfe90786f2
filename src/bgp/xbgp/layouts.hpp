// layouts.hpp: the structures of the xBGP plugin API as the host writes them
// into a plugin's heap, mirrored in C++.
//
// The plugin sees them through include/mempool/xbgp_compliant_api/xbgp_defs.h
// (a C header that C++ cannot include cleanly: zero-length arrays, anonymous
// unions, its own memcpy declaration). These mirrors have the same sizes and
// offsets, asserted below and checked against the C header itself by
// tests/bgp/xbgp_layout_probe.c. Changing either side breaks compiled
// plugins, so the asserts are the contract.
//
//   path_attribute   { u8 code; u8 flags; u32 length @4; u8 data[] @8 }
//   ubpf_peer_info   { u32 as; u32 router_id; u32 capability; u8 peer_type;
//                      nexthop { u8 type; addr[16] } @16; addr { u8 af; addr[16] } @36;
//                      ubpf_peer_info* local_bgp_session @56 }          // 64 bytes
//   ubpf_prefix      { u16 afi; u8 safi; u8 pad; u16 prefixlen; u8 u[20] }  // 26 bytes
//   ubpf_nexthop     { u8 route_type; u64 igp_metric @8 }                // 16 bytes
//   bgp_rte_info     { i64 uptime; u32 type @8; u32 reason @12 }         // 16 bytes
//   bgp_route        { ubpf_prefix pfx; i32 attr_nb @28; path_attribute** attr @32;
//                      ubpf_peer_info* peer_info @40; bgp_rte_info route_info @48 }  // 64 bytes
#pragma once

#include <cstddef>
#include <cstdint>

namespace mempool::bgp::xbgp {

struct PathAttributeHeader {  // struct path_attribute, then `length` bytes
    std::uint8_t code;
    std::uint8_t flags;
    std::uint32_t length;
};
static_assert(sizeof(PathAttributeHeader) == 8);
static_assert(offsetof(PathAttributeHeader, length) == 4);

struct PeerInfo {  // struct ubpf_peer_info
    std::uint32_t as;
    std::uint32_t router_id;  // network byte order
    std::uint32_t capability;
    std::uint8_t peer_type;   // kEbgpSession, kIbgpSession, kLocalSession
    struct {
        std::uint8_t type;
        alignas(4) std::uint8_t addr[16];  // the C union of in6_addr / in_addr (4-aligned)
    } nexthop;
    struct {
        std::uint8_t af;  // AF_INET or AF_INET6
        alignas(4) std::uint8_t addr[16];
    } addr;
    PeerInfo* local_bgp_session;  // NULL for the local speaker itself
};
static_assert(sizeof(PeerInfo) == 64);
static_assert(offsetof(PeerInfo, peer_type) == 12 && offsetof(PeerInfo, nexthop) == 16 &&
              offsetof(PeerInfo, addr) == 36 && offsetof(PeerInfo, local_bgp_session) == 56);

struct UbpfPrefix {  // struct ubpf_prefix
    std::uint16_t afi;  // 1 IPv4, 2 IPv6
    std::uint8_t safi;
    std::uint8_t padding;
    std::uint16_t prefixlen;
    std::uint8_t u[20];
};
static_assert(sizeof(UbpfPrefix) == 26);
static_assert(offsetof(UbpfPrefix, prefixlen) == 4 && offsetof(UbpfPrefix, u) == 6);

struct UbpfNexthop {  // struct ubpf_nexthop
    std::uint8_t route_type;
    std::uint64_t igp_metric;
};
static_assert(sizeof(UbpfNexthop) == 16 && offsetof(UbpfNexthop, igp_metric) == 8);

struct RteInfo {  // struct bgp_rte_info
    std::int64_t uptime;
    std::uint32_t type;
    std::uint32_t reason;  // enum bgp_selection_reason
};
static_assert(sizeof(RteInfo) == 16 && offsetof(RteInfo, type) == 8 && offsetof(RteInfo, reason) == 12);

struct BgpRoute {  // struct bgp_route
    UbpfPrefix pfx;
    std::int32_t attr_nb;
    PathAttributeHeader** attr;
    PeerInfo* peer_info;
    RteInfo route_info;
};
static_assert(sizeof(BgpRoute) == 64);
static_assert(offsetof(BgpRoute, attr_nb) == 28 && offsetof(BgpRoute, attr) == 32 &&
              offsetof(BgpRoute, peer_info) == 40 && offsetof(BgpRoute, route_info) == 48);

// Values of the API (xbgp_defs.h, xbgp_common.h) the host uses.
inline constexpr std::uint8_t kEbgpSession = 0;
inline constexpr std::uint8_t kIbgpSession = 1;
inline constexpr std::uint8_t kLocalSession = 2;

// bgp_rte_info.type and ubpf_nexthop.route_type: xbgp_defs.h names no
// values ("connected, static, IGP or BGP"); xbgp_frr passes FRR's zebra
// route types through (bgp_path_info.type), so these are those numbers.
inline constexpr std::uint32_t kRouteSourceConnected = 2;  // ZEBRA_ROUTE_CONNECT
inline constexpr std::uint32_t kRouteSourceBgp = 9;        // ZEBRA_ROUTE_BGP
// ubpf_nexthop.route_type when the host cannot resolve the next hop:
// xbgp_frr writes -1 into the u8 field.
inline constexpr std::uint8_t kNexthopUnresolved = 0xff;
// ubpf_nexthop.igp_metric when no IGP gives one: BIRD's IGP_METRIC_UNKNOWN.
inline constexpr std::uint64_t kIgpMetricUnknown = 0x80000000u;
// enum bgp_selection_reason: a route the decision process has not ranked.
inline constexpr std::uint32_t kSelectionNone = 0;

inline constexpr std::uint64_t kHiReservedReturn = 255;
inline constexpr std::uint64_t kFilterReject = kHiReservedReturn + 1;
inline constexpr std::uint64_t kFilterAccept = kHiReservedReturn + 2;
inline constexpr std::uint64_t kFilterUnknown = kHiReservedReturn + 3;
// A filter point's ResultCheck (ResultCheck's signature): one of the three.
inline bool is_filter_value(std::uint64_t v, void*) noexcept {
    return v == kFilterReject || v == kFilterAccept || v == kFilterUnknown;
}

inline constexpr std::uint64_t kRouteTypeUndef = kHiReservedReturn + 1;
inline constexpr std::uint64_t kRouteTypeNew = kHiReservedReturn + 2;
inline constexpr std::uint64_t kRouteTypeOld = kHiReservedReturn + 3;
inline constexpr std::uint64_t kRouteTypeUnknown = kHiReservedReturn + 4;
inline constexpr std::uint64_t kRouteTypeFail = kHiReservedReturn + 5;

// enum ubpf_arg_type
inline constexpr unsigned kArgCode = 1;
inline constexpr unsigned kArgType = 2;
inline constexpr unsigned kArgLength = 3;
inline constexpr unsigned kArgFlags = 4;
inline constexpr unsigned kArgData = 5;
inline constexpr unsigned kArgBgpRoute = 6;
inline constexpr unsigned kArgBgpRouteNew = 7;
inline constexpr unsigned kArgBgpRouteOld = 8;
inline constexpr unsigned kArgBgpPrefix = 13;

}  // namespace mempool::bgp::xbgp
