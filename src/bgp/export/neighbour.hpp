// neighbour.hpp: the sessions of the local speaker as the export side uses
// them: the configured neighbours (who receives what), and the role of
// every MRT peer of the replay (where a route was learned: iBGP or eBGP,
// route-reflector client or not, its BGP identifier, and whether it is one
// of the neighbours, for split horizon).
//
//   Neighbours n(config);
//   PeerRole r = n.role_of(PeerIdentity{ip, as});   // r.neighbour: index or kNotANeighbour
//
// Defaults for what the configuration does not say:
//   BGP identifier   the neighbour's (or peer's) IPv4 address; for an IPv6
//                    address, its last four bytes
//   iBGP / eBGP      iBGP when the AS is the local AS
//   client           "rr_client": true, or its identifier in "rr_clients"
// An MRT peer is the configured neighbour with the same address and AS.
#pragma once

#include <cstdint>
#include <vector>

#include "config.hpp"
#include "selection.hpp"

namespace mempool::bgp {

inline constexpr std::uint32_t kNotANeighbour = 0xffffffffu;

struct Neighbour {
    NeighbourConfig config;
    bool ebgp = false;
    bool rr_client = false;
    std::uint32_t router_id = 0;
    IpAddress local_address;  // the MRT record's local address; NEXT_HOP of its family when self
    IpAddress next_hop_v4;    // NEXT_HOP when it is the local address (eBGP, next_hop_self)
    IpAddress next_hop_v6;
    // Neighbours of one class receive the same attributes for a route
    // (same eBGP/iBGP, AS size, next hop choice): computed once per class.
    std::uint32_t attribute_class = 0;
};

struct PeerRole {
    bool ibgp = false;
    bool rr_client = false;
    std::uint32_t router_id = 0;
    std::uint32_t neighbour = kNotANeighbour;
};

// The default BGP identifier of an address (see above).
[[nodiscard]] std::uint32_t default_router_id(const IpAddress& a) noexcept;

class Neighbours {
public:
    explicit Neighbours(const ExportConfig& config);

    [[nodiscard]] const LocalSpeakerConfig& local() const noexcept { return local_; }
    [[nodiscard]] const std::vector<Neighbour>& all() const noexcept { return neighbours_; }
    [[nodiscard]] std::size_t size() const noexcept { return neighbours_.size(); }
    [[nodiscard]] const Neighbour& operator[](std::size_t i) const noexcept { return neighbours_[i]; }
    [[nodiscard]] std::uint32_t class_count() const noexcept { return classes_; }
    // True when some session is a route-reflector client: the local speaker reflects.
    [[nodiscard]] bool reflector() const noexcept { return reflector_; }

    [[nodiscard]] PeerRole role_of(const PeerIdentity& peer) const;

private:
    LocalSpeakerConfig local_;
    std::vector<Neighbour> neighbours_;
    std::vector<std::uint32_t> client_ids_;
    std::uint32_t classes_ = 0;
    bool reflector_ = false;
};

}  // namespace mempool::bgp
