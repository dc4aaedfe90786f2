// neighbour.cpp: defaults, client status and attribute classes.
#include "neighbour.hpp"

#include <algorithm>

namespace mempool::bgp {

std::uint32_t default_router_id(const IpAddress& a) noexcept {
    const std::size_t at = a.afi == Afi::ipv4 ? 0 : 12;
    return std::uint32_t{a.bytes[at]} << 24 | std::uint32_t{a.bytes[at + 1]} << 16 |
           std::uint32_t{a.bytes[at + 2]} << 8 | a.bytes[at + 3];
}

Neighbours::Neighbours(const ExportConfig& config) : local_(config.local), client_ids_(config.rr_client_ids) {
    const auto listed = [this](std::uint32_t id) {
        return std::find(client_ids_.begin(), client_ids_.end(), id) != client_ids_.end();
    };
    reflector_ = !client_ids_.empty();
    for (const auto& c : config.neighbours) {
        Neighbour n;
        n.config = c;
        n.ebgp = c.as != local_.as;
        n.router_id = c.router_id.value_or(default_router_id(c.address));
        n.rr_client = !n.ebgp && (c.rr_client || listed(n.router_id));
        reflector_ |= n.rr_client;
        const auto& own = c.address.afi == Afi::ipv4 ? local_.address_v4 : local_.address_v6;
        n.local_address = c.local_address ? *c.local_address : *own;  // the configuration checked one exists
        if (local_.address_v4) n.next_hop_v4 = *local_.address_v4;
        if (local_.address_v6) n.next_hop_v6 = *local_.address_v6;
        (n.local_address.afi == Afi::ipv4 ? n.next_hop_v4 : n.next_hop_v6) = n.local_address;
        neighbours_.push_back(std::move(n));
    }
    // Classes: equal (eBGP, AS size, next hop self, next hops) receive equal attributes.
    for (std::size_t i = 0; i < neighbours_.size(); ++i) {
        Neighbour& n = neighbours_[i];
        const bool self = n.ebgp || n.config.next_hop_self;
        n.attribute_class = classes_;
        for (std::size_t j = 0; j < i; ++j) {
            const Neighbour& m = neighbours_[j];
            const bool mself = m.ebgp || m.config.next_hop_self;
            if (m.ebgp == n.ebgp && m.config.four_byte_as == n.config.four_byte_as && mself == self &&
                (!self || (m.next_hop_v4 == n.next_hop_v4 && m.next_hop_v6 == n.next_hop_v6))) {
                n.attribute_class = m.attribute_class;
                break;
            }
        }
        if (n.attribute_class == classes_) ++classes_;
    }
}

PeerRole Neighbours::role_of(const PeerIdentity& peer) const {
    PeerRole r;
    for (std::uint32_t i = 0; i < neighbours_.size(); ++i) {
        const Neighbour& n = neighbours_[i];
        if (n.config.address == peer.ip && n.config.as == peer.as) {
            r.ibgp = !n.ebgp;
            r.rr_client = n.rr_client;
            r.router_id = n.router_id;
            r.neighbour = i;
            return r;
        }
    }
    r.ibgp = peer.as == local_.as;
    r.router_id = default_router_id(peer.ip);
    r.rr_client = r.ibgp && std::find(client_ids_.begin(), client_ids_.end(), r.router_id) != client_ids_.end();
    return r;
}

}  // namespace mempool::bgp
