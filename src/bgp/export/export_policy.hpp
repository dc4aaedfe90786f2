// export_policy.hpp: the rules that decide what the local speaker sends to
// a neighbour, and with which attributes: RFC 4271 §9.1.3 (Phase 3, the
// Adj-RIBs-Out) and §5.1, RFC 4456 (route reflection), RFC 1997 (well-known
// communities), RFC 6793 (AS4 encoding: see update_encoder.hpp). One
// function per rule, each tested alone (tests/bgp/export_test.cpp).
//
// What a neighbour receives for a prefix is decided from the prefix's best
// route only (the Loc-RIB): when that route may not go to the neighbour,
// the neighbour gets nothing for the prefix (a withdrawal if it had a route).
//
//   RouteFacts f;  read_route_facts(store[id].key(), f);
//   if (!usable_by_local_speaker(f, local)) ...           // ignored on receipt: never best
//   Refusal why = decide_export(f, source_role, neighbour_index, neighbour, local, family);
//   if (why == Refusal::none) export_attributes(f, source_role, neighbour, local, family, out);
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "neighbour.hpp"
#include "path_attributes.hpp"

namespace mempool::bgp {

// The attributes of a route as the rules read them, from its canonical form.
struct RouteFacts {
    CanonicalView view;  // origin, next hop, AS path, aggregator, the other attributes as received
    std::optional<std::uint32_t> med;
    std::optional<std::uint32_t> local_pref;
    std::optional<std::uint32_t> originator_id;
    Bytes cluster_list;  // 4-byte CLUSTER_IDs, network order
    Bytes communities;   // 4-byte communities, network order
};
[[nodiscard]] bool read_route_facts(Bytes canonical, RouteFacts& out);

// Why a route is not sent to a neighbour (the report counts each).
enum class Refusal : std::uint8_t {
    none,
    split_horizon,           // learned from this very neighbour
    ibgp_to_ibgp,            // iBGP-learned, iBGP neighbour, not reflected (RFC 4271 §9.2, RFC 4456 §6)
    originator_is_neighbour, // the neighbour is the ORIGINATOR_ID (it would ignore it, RFC 4456 §8)
    neighbour_as_in_path,    // eBGP neighbour's AS in the AS_PATH (it would ignore it, RFC 4271 §9.1.2)
    no_advertise,            // NO_ADVERTISE community (RFC 1997)
    no_export,               // NO_EXPORT or NO_EXPORT_SUBCONFED to an eBGP neighbour (RFC 1997)
    family,                  // the neighbour does not take this address family
    too_large,               // the attributes do not fit a 4096-byte UPDATE
    outbound_filter,         // a plugin at bgp_pre_outbound_filter / bgp_outbound_filter said no
};
inline constexpr std::size_t kRefusalKinds = 10;
[[nodiscard]] const char* refusal_name(Refusal r) noexcept;

// --- Routes the local speaker would have ignored on receipt (never its best) ---
// RFC 4271 §9.1.2: the local AS in the AS_PATH is a loop.
[[nodiscard]] bool as_path_has_local_as(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept;
// RFC 4456 §8: ORIGINATOR_ID equal to the local BGP identifier.
[[nodiscard]] bool originator_is_local(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept;
// RFC 4456 §8: the local CLUSTER_ID in the CLUSTER_LIST.
[[nodiscard]] bool cluster_list_has_local(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept;
// None of the three.
[[nodiscard]] bool usable_by_local_speaker(const RouteFacts& f, const LocalSpeakerConfig& local) noexcept;
// The same answer read straight from the canonical form, allocating
// nothing (the best-route tracking asks it for every candidate).
[[nodiscard]] bool usable_by_local_speaker(Bytes canonical, const LocalSpeakerConfig& local) noexcept;

// --- Whether the best route goes to a neighbour ---
// Not back to the neighbour it was learned from.
[[nodiscard]] Refusal split_horizon(const PeerRole& source, std::uint32_t neighbour_index) noexcept;
// RFC 4456 §6 (and RFC 4271 §9.2 without reflection): an iBGP-learned route
// goes to an iBGP neighbour only when reflected: from a client to every
// iBGP neighbour, from a non-client to clients only. eBGP-learned routes go
// to all; every route goes to eBGP neighbours.
[[nodiscard]] Refusal ibgp_rule(const PeerRole& source, const Neighbour& to) noexcept;
// True when sending `source`'s route to `to` is a reflection (both iBGP).
[[nodiscard]] bool reflects(const PeerRole& source, const Neighbour& to) noexcept;
// Not to the iBGP neighbour named by ORIGINATOR_ID (it would ignore it).
[[nodiscard]] Refusal originator_rule(const RouteFacts& f, const PeerRole& source, const Neighbour& to) noexcept;
// Not to an eBGP neighbour whose AS is in the AS_PATH (it would ignore it).
[[nodiscard]] Refusal neighbour_as_rule(const RouteFacts& f, const Neighbour& to) noexcept;
// RFC 1997 well-known communities.
[[nodiscard]] Refusal community_rule(const RouteFacts& f, const Neighbour& to) noexcept;
[[nodiscard]] Refusal family_rule(Afi family, const Neighbour& to) noexcept;
// All of the above, in that order; the first refusal.
[[nodiscard]] Refusal decide_export(const RouteFacts& f, const PeerRole& source, std::uint32_t neighbour_index,
                                    const Neighbour& to, Afi family) noexcept;

// --- The attributes sent ---
// One attribute kept as received (communities, extended and large
// communities, unknown transitive ones).
struct RawAttribute {
    std::uint8_t flags = 0;
    std::uint8_t code = 0;
    Bytes value;
};

struct OutgoingAttributes {
    std::uint8_t origin = 2;
    AsPath as_path;
    std::uint8_t next_hop_len = 0;  // 4 (IPv4 route), 16 or 32 (IPv6 route)
    std::array<std::uint8_t, 32> next_hop{};
    std::optional<std::uint32_t> med;
    std::optional<std::uint32_t> local_pref;
    bool atomic_aggregate = false;
    Aggregator aggregator;
    std::optional<std::uint32_t> originator_id;
    std::vector<std::uint32_t> cluster_list;
    std::vector<RawAttribute> passed;  // in code order, flags as they will be sent

    void clear() noexcept;
};

// eBGP: the local AS prepended as the first AS of the leading AS_SEQUENCE
// (a new segment when the path starts with an AS_SET or a full sequence);
// confederation segments removed (RFC 5065 §5.3: they do not leave the
// confederation, and there is none here).
void prepend_local_as(AsPath& path, std::uint32_t local_as);
// NEXT_HOP (RFC 4271 §5.1.3): the local address of the family to an eBGP
// neighbour (or next_hop_self); over iBGP the route's own next hop (the
// local address when it has none of the route's family).
void choose_next_hop(const RouteFacts& f, const Neighbour& to, Afi family, OutgoingAttributes& out);
// MULTI_EXIT_DISC (RFC 4271 §5.1.4): passed over iBGP, never to another AS.
[[nodiscard]] std::optional<std::uint32_t> med_for(const RouteFacts& f, const Neighbour& to) noexcept;
// LOCAL_PREF (RFC 4271 §5.1.5): only to iBGP; the received one for an
// iBGP-learned route, else the configured default.
[[nodiscard]] std::optional<std::uint32_t> local_pref_for(const RouteFacts& f, const PeerRole& source,
                                                          const Neighbour& to, const LocalSpeakerConfig& local) noexcept;
// RFC 4456 §8 on a reflected route: ORIGINATOR_ID set to the source's BGP
// identifier when absent; the local CLUSTER_ID prepended to CLUSTER_LIST.
// Over iBGP otherwise both pass unchanged; to eBGP neither is sent.
void reflection_attributes(const RouteFacts& f, const PeerRole& source, const Neighbour& to,
                           const LocalSpeakerConfig& local, OutgoingAttributes& out);
// The other attributes (RFC 4271 §5, §9.1.2... optional ones): known
// transitive ones pass; an unrecognised optional transitive one passes
// with the Partial bit set; an unrecognised non-transitive one is dropped.
void pass_other_attributes(const RouteFacts& f, OutgoingAttributes& out);

// Every attribute the neighbour receives for the route.
void export_attributes(const RouteFacts& f, const PeerRole& source, const Neighbour& to, const LocalSpeakerConfig& local,
                       Afi family, OutgoingAttributes& out);

}  // namespace mempool::bgp
