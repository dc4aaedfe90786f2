// heap_objects.hpp: xBGP's structures built in a plugin's heap from the BGP
// host's data (layouts.hpp gives the layouts).
//
// Every getter helper of the xBGP API returns a pointer to a copy made in
// the calling plugin's heap, never a host address: the plugin may read and
// write the copy freely, and it disappears when the run ends. These
// functions make those copies. Allocation goes through a HeapAlloc, which in
// a run is the runtime's ctx_malloc (bgp_helpers.cpp) and in tests a plain
// buffer; every function returns nullptr when the heap is exhausted.
//
//   PeerData src{.as = 3333, .ip = peer_ip, .router_id = 0x0a000001};
//   PeerInfo* p = write_peer_info(alloc, src, &local);   // p->local_bgp_session -> a copy of local
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "address.hpp"
#include "byte_reader.hpp"
#include "selection.hpp"  // PeerIdentity
#include "layouts.hpp"
#include "route_attributes.hpp"

namespace mempool::bgp::xbgp {

// Returns `size` writable bytes, 8-byte aligned, in the plugin's heap, or
// nullptr; and says how a pointer to such bytes is written INSIDE an object
// the plugin can read (bgp_route.attr, .peer_info, local_bgp_session): in a
// run, as the VM's heap address (a fixed base plus the offset in the arena,
// which reveals nothing of the host's layout and which the executors
// translate back when the plugin dereferences it); without `address`, as
// the pointer itself (tests).
struct HeapAlloc {
    void* (*fn)(void* state, std::size_t size) = nullptr;
    void* state = nullptr;
    std::uint64_t (*address)(void* state, const void* p) = nullptr;
    [[nodiscard]] std::uint8_t* operator()(std::size_t size) const noexcept {
        return static_cast<std::uint8_t*>(fn(state, size));
    }
    [[nodiscard]] std::uint64_t stored(const void* p) const noexcept {
        return address != nullptr ? address(state, p) : reinterpret_cast<std::uint64_t>(p);
    }
};

// What the host knows of a BGP speaker (a peer, or the local one).
struct PeerData {
    std::uint32_t as = 0;
    IpAddress ip;
    std::uint32_t router_id = 0;  // BGP identifier, host byte order
    std::uint8_t peer_type = kEbgpSession;
};

// A peer of the replay as xBGP shows it: the BGP identifier is in OPEN
// messages, which update dumps rarely hold, so an IPv4 peer's address
// stands in for it (0 for IPv6); a peer of `local_as` is an iBGP session.
[[nodiscard]] inline PeerData peer_data_of(const PeerIdentity& id, std::uint32_t local_as) noexcept {
    PeerData d;
    d.as = id.as;
    d.ip = id.ip;
    d.router_id = id.ip.afi == Afi::ipv4 ? load_be32(id.ip.bytes.data()) : 0;
    d.peer_type = id.as == local_as ? kIbgpSession : kEbgpSession;
    return d;
}

// struct path_attribute followed by the value.
PathAttributeHeader* write_attribute(const HeapAlloc& heap, std::uint8_t code, std::uint8_t flags, Bytes value) noexcept;

// struct ubpf_peer_info of `peer`; if `local` is given, local_bgp_session
// points to a second ubpf_peer_info for it (whose own link is NULL).
PeerInfo* write_peer_info(const HeapAlloc& heap, const PeerData& peer, const PeerData* local) noexcept;

// struct ubpf_prefix (SAFI unicast). Inline: the inbound filters fill one
// for every route received.
UbpfPrefix* write_prefix(const HeapAlloc& heap, const Prefix& prefix) noexcept;
inline void fill_prefix(UbpfPrefix& out, const Prefix& prefix) noexcept {
    std::memset(&out, 0, sizeof out);
    out.safi = kSafiUnicast;
    out.prefixlen = prefix.len;
    // Each length a constant, so that both copies are a load and a store.
    if (prefix.afi == Afi::ipv4) {
        out.afi = kAfiIpv4;
        std::memcpy(out.u, prefix.addr.data(), 4);
    } else {
        out.afi = kAfiIpv6;
        std::memcpy(out.u, prefix.addr.data(), 16);
    }
}

// What a replay knows of how a route's next hop is reached. It has no IGP
// and no routing table, only what the peer sent: a next hop that is the
// peer's own address is the directly connected neighbour (route type
// connected, IGP metric 0, as BIRD gives a direct gateway); any other (a
// third-party next hop, an IPv6 route over an IPv4 session) cannot be
// resolved (route type kNexthopUnresolved, as xbgp_frr's -1, metric
// kIgpMetricUnknown).
struct NexthopData {
    std::uint8_t route_type = kNexthopUnresolved;
    std::uint64_t igp_metric = kIgpMetricUnknown;
};
// `next_hop`: RouteAttributes::next_hop() (4, 16 or 32 bytes; the first
// address is compared); `peer`: the address of the peer the route came from.
[[nodiscard]] NexthopData resolve_nexthop(Bytes next_hop, const IpAddress& peer) noexcept;

// struct ubpf_nexthop.
UbpfNexthop* write_nexthop(const HeapAlloc& heap, const NexthopData& nexthop) noexcept;

// struct bgp_rte_info: uptime in seconds of the replay clock, type BGP
// (kRouteSourceBgp: every route mempool-bgp holds came from a BGP peer),
// selection reason (kSelectionNone for a route not yet ranked).
RteInfo* write_route_info(const HeapAlloc& heap, std::int64_t uptime, std::uint32_t reason) noexcept;

// struct bgp_route with its attribute array (attr_nb pointers to
// path_attribute copies) and its peer (with the local speaker linked).
BgpRoute* write_bgp_route(const HeapAlloc& heap, const Prefix& prefix, std::span<const WireAttribute> attributes,
                          const PeerData& peer, const PeerData* local, std::int64_t uptime) noexcept;

}  // namespace mempool::bgp::xbgp
