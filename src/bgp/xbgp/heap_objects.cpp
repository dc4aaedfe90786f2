// heap_objects.cpp: xBGP structures written into a plugin's heap.
#include "heap_objects.hpp"

#include <sys/socket.h>

#include <cstring>

namespace mempool::bgp::xbgp {
namespace {

// Writes a pointer field of an object in the plugin's heap.
template <class T>
void set_pointer(T*& field, const void* p, const HeapAlloc& heap) noexcept {
    const std::uint64_t v = heap.stored(p);
    static_assert(sizeof field == sizeof v);
    std::memcpy(&field, &v, sizeof v);
}

}  // namespace

PathAttributeHeader* write_attribute(const HeapAlloc& heap, std::uint8_t code, std::uint8_t flags,
                                     Bytes value) noexcept {
    std::uint8_t* p = heap(sizeof(PathAttributeHeader) + value.size());
    if (p == nullptr) return nullptr;
    auto* a = reinterpret_cast<PathAttributeHeader*>(p);
    a->code = code;
    a->flags = flags;
    a->length = static_cast<std::uint32_t>(value.size());
    if (!value.empty()) std::memcpy(p + sizeof(PathAttributeHeader), value.data(), value.size());
    return a;
}

namespace {

void fill_peer(PeerInfo& out, const PeerData& in) noexcept {
    std::memset(&out, 0, sizeof out);
    out.as = in.as;
    const std::uint32_t id = in.router_id;
    const std::uint8_t be[4] = {static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
                                static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
    std::memcpy(&out.router_id, be, 4);  // network byte order, as xBGP keeps it
    out.peer_type = in.peer_type;
    out.addr.af = in.ip.afi == Afi::ipv4 ? AF_INET : AF_INET6;
    std::memcpy(out.addr.addr, in.ip.bytes.data(), in.ip.afi == Afi::ipv4 ? 4 : 16);
    // The next hop towards the peer is the peer itself (directly connected).
    out.nexthop.type = out.addr.af;
    std::memcpy(out.nexthop.addr, out.addr.addr, 16);
}

}  // namespace

PeerInfo* write_peer_info(const HeapAlloc& heap, const PeerData& peer, const PeerData* local) noexcept {
    auto* p = reinterpret_cast<PeerInfo*>(heap(sizeof(PeerInfo)));
    if (p == nullptr) return nullptr;
    fill_peer(*p, peer);
    if (local != nullptr) {
        auto* l = reinterpret_cast<PeerInfo*>(heap(sizeof(PeerInfo)));
        if (l == nullptr) return nullptr;
        fill_peer(*l, *local);
        l->peer_type = kLocalSession;
        set_pointer(p->local_bgp_session, l, heap);
    }
    return p;
}

UbpfPrefix* write_prefix(const HeapAlloc& heap, const Prefix& prefix) noexcept {
    auto* p = reinterpret_cast<UbpfPrefix*>(heap(sizeof(UbpfPrefix)));
    if (p != nullptr) fill_prefix(*p, prefix);
    return p;
}

NexthopData resolve_nexthop(Bytes next_hop, const IpAddress& peer) noexcept {
    const std::size_t len = peer.afi == Afi::ipv4 ? 4 : 16;
    // An IPv6 next hop of 32 bytes is the global address then the link-local one.
    const bool same_family = peer.afi == Afi::ipv4 ? next_hop.size() == 4 : next_hop.size() == 16 || next_hop.size() == 32;
    NexthopData d;
    if (same_family && std::memcmp(next_hop.data(), peer.bytes.data(), len) == 0) {
        d.route_type = static_cast<std::uint8_t>(kRouteSourceConnected);
        d.igp_metric = 0;
    }
    return d;
}

UbpfNexthop* write_nexthop(const HeapAlloc& heap, const NexthopData& nexthop) noexcept {
    auto* n = reinterpret_cast<UbpfNexthop*>(heap(sizeof(UbpfNexthop)));
    if (n == nullptr) return nullptr;
    std::memset(n, 0, sizeof *n);
    n->route_type = nexthop.route_type;
    n->igp_metric = nexthop.igp_metric;
    return n;
}

RteInfo* write_route_info(const HeapAlloc& heap, std::int64_t uptime, std::uint32_t reason) noexcept {
    auto* r = reinterpret_cast<RteInfo*>(heap(sizeof(RteInfo)));
    if (r == nullptr) return nullptr;
    r->uptime = uptime;
    r->type = kRouteSourceBgp;
    r->reason = reason;
    return r;
}

BgpRoute* write_bgp_route(const HeapAlloc& heap, const Prefix& prefix, std::span<const WireAttribute> attributes,
                          const PeerData& peer, const PeerData* local, std::int64_t uptime) noexcept {
    auto* r = reinterpret_cast<BgpRoute*>(heap(sizeof(BgpRoute)));
    if (r == nullptr) return nullptr;
    std::memset(r, 0, sizeof *r);
    fill_prefix(r->pfx, prefix);
    if (!attributes.empty()) {
        auto** array = reinterpret_cast<PathAttributeHeader**>(heap(attributes.size() * sizeof(void*)));
        if (array == nullptr) return nullptr;
        for (std::size_t i = 0; i < attributes.size(); ++i) {
            PathAttributeHeader* a = write_attribute(heap, attributes[i].code, attributes[i].flags, attributes[i].value);
            if (a == nullptr) return nullptr;
            set_pointer(array[i], a, heap);
        }
        set_pointer(r->attr, array, heap);
        r->attr_nb = static_cast<std::int32_t>(attributes.size());
    }
    PeerInfo* info = write_peer_info(heap, peer, local);
    if (info == nullptr) return nullptr;
    set_pointer(r->peer_info, info, heap);
    r->route_info.uptime = uptime;
    r->route_info.type = kRouteSourceBgp;
    r->route_info.reason = kSelectionNone;
    return r;
}

}  // namespace mempool::bgp::xbgp
