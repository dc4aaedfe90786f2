// selection.hpp: the best route of each prefix.
//
// The best route is the one the route_compare insertion point prefers; when
// it has no opinion (or no plugin is attached), the built-in rule decides.
// The built-in rule is the one shipped plugins C and D implement, so a
// replay with or without them selects the same routes:
//
//   metric = 4 × L + origin        L: selection_path_length() (path_attributes.hpp):
//                                     AS path length, consecutive repeats of
//                                     one AS counted once, an AS_SET counts 1,
//                                     confederation segments 0;
//                                  origin: 0 IGP, 1 EGP, 2 INCOMPLETE
//   lower metric wins; ties: lower peer IP (every IPv4 before every IPv6,
//   numerically), then lower peer AS, then lower add-path id.
//
// The ties make the rule a total order on the routes of one prefix, so the
// result does not depend on the order routes arrived in.
#pragma once

#include <cstdint>
#include <vector>

#include "insertion_points.hpp"
#include "rib.hpp"

namespace mempool::bgp {

struct PeerIdentity {
    IpAddress ip;
    std::uint32_t as = 0;
};

[[nodiscard]] constexpr std::uint32_t route_metric(std::uint32_t path_length, std::uint8_t origin) noexcept {
    return 4 * path_length + origin;
}

// True if `a` is preferred over `b` under the built-in rule.
[[nodiscard]] bool builtin_prefers(const RouteCandidate& a, const RouteCandidate& b) noexcept;

// True if `a` is preferred over `b`: the route_compare point first (asked
// only when `ask`, i.e. hooks.compares_routes()), else the built-in rule.
// The one comparison of the replay's selection and of the export side's
// best-route tracking, so that both choose the same route.
[[nodiscard]] bool route_preferred(const RouteCandidate& a, const RouteCandidate& b, InsertionPoints& hooks,
                                   bool ask);

// Chooses the best route of every prefix and adds 1 to best[peer] for each.
// `best` is resized to the number of peers. If `best_of_prefix` is given, it
// receives, for each prefix of rib.prefixes() in order, the index of its best
// route in PrefixRoutes::routes (kNoBestRoute for an empty prefix). Returns
// the number of prefixes with a best route.
inline constexpr std::uint32_t kNoBestRoute = 0xffffffffu;
std::uint64_t select_best_routes(Rib& rib, const std::vector<PeerIdentity>& peers, InsertionPoints& hooks,
                                 std::vector<std::uint64_t>& best,
                                 std::vector<std::uint32_t>* best_of_prefix = nullptr);

}  // namespace mempool::bgp
