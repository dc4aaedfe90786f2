// rib_iterator.hpp: the Loc-RIB walk of the xBGP API — new_rib_iterator,
// rib_has_route, next_rib_route, rib_iterator_clean — over mempool-bgp's
// RIB (rib.hpp), for job plugins (jobs.hpp).
//
// The Loc-RIB is the best route of every prefix as the replay's selection
// chooses it (selection.hpp: a decision plugin or route_compare first, else
// the built-in rule), computed for each prefix when the walk reaches it: the
// route Replay::finish() would select if the replay stopped there.
//
// | helper                          | mempool-bgp                                                 |
// | new_rib_iterator(afi, safi)     | an id >= 0 for XBGP_AFI_IPV4 / _IPV6 with XBGP_SAFI_UNICAST  |
// |                                 | (the RIB holds unicast only); -1 for another family, or when |
// |                                 | kMaxIterators are open in this run                          |
// | rib_has_route(id)               | 1 while a best route of the family remains, else 0 (also for |
// |                                 | an unknown or cleaned id)                                    |
// | next_rib_route(id)              | the next best route as a struct bgp_route in the plugin's    |
// |                                 | heap (what get_bgp_route gives: prefix, attributes, peer     |
// |                                 | with the local speaker linked), or NULL at the end, for an   |
// |                                 | unknown id, or when the heap is full (the iterator then stays |
// |                                 | on that route)                                               |
// | rib_iterator_clean(id)          | forgets the iterator (an unknown id is ignored)              |
//
// Order: the order in which the replay first met the prefixes (FRR walks its
// prefix trie instead; the API does not promise an order).
//
// Heap: a full table does not fit a plugin's heap one route at a time, and
// the runtime's ctx_free gives back only the last block. So a route stays
// valid until the next next_rib_route call of the same iterator: if the
// plugin allocated nothing since the previous route (or freed it, last block
// first), that call reuses its bytes. A plugin that keeps a route longer
// copies what it needs, or allocates something after it (the bytes are then
// left alone). libxbgp's plugins free each route before asking for the next
// one (rib_walk's del_bgp_route), which this allows.
//
// Lifetime and changes: iterators belong to one run of one plugin; they are
// all forgotten when the run ends, so an id never outlives the run that
// opened it. The RIB cannot change while a job runs: jobs run between MRT
// records (jobs.hpp), and no helper a job can call changes the RIB, so a
// walk sees one consistent Loc-RIB. (Prefix indexes are stable in any case:
// the RIB never removes a prefix from prefixes().)
//
//   RibIterators its(replay.rib(), replay.peer_identities(), hooks);
//   const int id = its.open(kAfiIpv4, kSafiUnicast);
//   std::uint32_t prefix, route;
//   while (its.next(id, prefix, route)) use(rib.prefixes()[prefix].routes[route]);
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <mempool/runtime.hpp>

#include "bgp_helpers.hpp"
#include "insertion_points.hpp"
#include "rib.hpp"
#include "selection.hpp"

namespace mempool::bgp::xbgp {

class RibIterators {
public:
    static constexpr int kMaxIterators = 16;

    RibIterators(Rib& rib, const std::vector<PeerIdentity>& peers, InsertionPoints& hooks) noexcept
        : rib_(rib), peers_(peers), hooks_(hooks) {}

    // xBGP's afi and safi numbers (XBGP_AFI_*, XBGP_SAFI_*). The id, or -1.
    [[nodiscard]] int open(std::uint64_t afi, std::uint64_t safi) noexcept;
    // True while a best route of the iterator's family remains.
    [[nodiscard]] bool has_route(std::uint64_t id) noexcept;
    // The next best route (its prefix's index in rib.prefixes() and its
    // index in that prefix's routes); false at the end or for an unknown id.
    // advance(id) moves past it; until then next() gives it again.
    [[nodiscard]] bool next(std::uint64_t id, std::uint32_t& prefix, std::uint32_t& route) noexcept;
    void advance(std::uint64_t id) noexcept;
    void clean(std::uint64_t id) noexcept;

    // Where the iterator's last route lies in the plugin's heap (offsets in
    // the arena; see the heap note above).
    struct HeapSpan {
        std::uint32_t begin = 0, end = 0;
        bool valid = false;
    };
    [[nodiscard]] HeapSpan* last_route(std::uint64_t id) noexcept;

    [[nodiscard]] Rib& rib() noexcept { return rib_; }
    [[nodiscard]] const std::vector<PeerIdentity>& peers() const noexcept { return peers_; }

private:
    struct Iterator {
        bool open = false;
        Afi family = Afi::ipv4;
        std::uint32_t position = 0;  // the next prefix index to look at
        HeapSpan heap;
    };
    [[nodiscard]] Iterator* find(std::uint64_t id) noexcept;
    // Moves `it` to the next prefix of its family with a route; false at the end.
    bool settle(Iterator& it) noexcept;
    [[nodiscard]] std::uint32_t best_route(std::uint32_t prefix) noexcept;

    Rib& rib_;
    const std::vector<PeerIdentity>& peers_;
    InsertionPoints& hooks_;
    std::array<Iterator, kMaxIterators> iterators_{};
};

// The four helpers, to register with the signatures of the runtime's xBGP
// table (register_xbgp_helpers). They act on the RibIterators of the running
// job (CallContext::job); at any other point new_rib_iterator gives -1 and
// the others nothing.
[[nodiscard]] std::span<const HelperImplementation> rib_iterator_helpers() noexcept;

}  // namespace mempool::bgp::xbgp
