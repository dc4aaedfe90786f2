// selection.cpp: built-in rule and the per-prefix scan.
#include "selection.hpp"

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
    for (auto& pr : rib.prefixes()) {
        auto& routes = pr.routes;
        const std::size_t this_prefix = prefix_index++;
        rib.walk_ahead(this_prefix);  // in a large table, the lists and sets a few prefixes on
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
