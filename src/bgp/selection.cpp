// selection.cpp: built-in rule and the per-prefix scan.
#include "selection.hpp"

#include <algorithm>

namespace mempool::bgp {

bool builtin_prefers(const RouteCandidate& a, const RouteCandidate& b) noexcept {
    const std::uint32_t ma = route_metric(a.path_length, a.origin);
    const std::uint32_t mb = route_metric(b.path_length, b.origin);
    if (ma != mb) return ma < mb;
    if (a.peer_ip != b.peer_ip) return a.peer_ip < b.peer_ip;  // IPv4 sorts before IPv6
    if (a.peer_as != b.peer_as) return a.peer_as < b.peer_as;
    return a.path_id < b.path_id;
}

bool route_preferred(const RouteCandidate& a, const RouteCandidate& b, InsertionPoints& hooks, bool ask) {
    Preference pref = ask ? hooks.route_compare(a, b) : Preference::no_opinion;
    if (pref == Preference::no_opinion) pref = builtin_prefers(a, b) ? Preference::first : Preference::second;
    return pref == Preference::first;
}

std::uint64_t select_best_routes(Rib& rib, const std::vector<PeerIdentity>& peers, InsertionPoints& hooks,
                                 std::vector<std::uint64_t>& best, std::vector<std::uint32_t>* best_of_prefix) {
    best.assign(peers.size(), 0);
    if (best_of_prefix) best_of_prefix->assign(rib.prefixes().size(), kNoBestRoute);
    std::size_t prefix_index = 0;
    const bool ask = hooks.compares_routes();
    const AttrStore& store = rib.attribute_store();
    std::uint64_t selected = 0;
    // The route lists and attribute sets of a large table lie at random
    // places: a prefix's list is loaded 2 x kAhead prefixes ahead, its
    // routes' attribute sets kAhead ahead, so the misses overlap (in a
    // small one, which the caches hold, that is only more work).
    constexpr std::size_t kAhead = 8;
    const std::vector<PrefixRoutes>& all = rib.prefixes();
    const std::size_t ahead_until = rib.prefetch_pays() ? all.size() : 0;
    for (auto& pr : rib.prefixes()) {
        auto& routes = pr.routes;
        const std::size_t this_prefix = prefix_index++;
        if (this_prefix + 2 * kAhead < ahead_until) {
            const std::vector<Route>& later = all[this_prefix + 2 * kAhead].routes;
            const auto* list = reinterpret_cast<const char*>(later.data());
            const std::size_t bytes = std::min<std::size_t>(later.size() * sizeof(Route), 256);
            for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(list + off);
        }
        if (this_prefix + kAhead < ahead_until)
            for (const Route& r : all[this_prefix + kAhead].routes) __builtin_prefetch(&store[r.path_attributes]);
        if (routes.empty()) continue;
        auto candidate = [&](Route& r) {
            const AttrSet& s = store[r.path_attributes];
            const PeerIdentity& p = peers[r.peer];
            return RouteCandidate{pr.prefix, r.peer, r.path_id, s.path_length, s.origin, p.ip, p.as, r.pool, s.key()};
        };
        std::size_t bi = 0;
        for (std::size_t i = 1; i < routes.size(); ++i) {
            const RouteCandidate c = candidate(routes[i]);
            const RouteCandidate b = candidate(routes[bi]);
            if (route_preferred(c, b, hooks, ask)) bi = i;
        }
        ++best[routes[bi].peer];
        ++selected;
        if (best_of_prefix) (*best_of_prefix)[this_prefix] = static_cast<std::uint32_t>(bi);
    }
    return selected;
}

}  // namespace mempool::bgp
