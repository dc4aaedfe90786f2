// xbgp_points.hpp: the insertion points of a receiving BGP speaker, with
// xBGP's names, arguments and return values, run on mempool's runtime.
//
// | point                            | when                                  | get_arg / helpers see                         | result used                        |
// | bgp_decode_attr                  | each path attribute of an UPDATE or a | ARG_CODE u8, ARG_FLAGS u8, ARG_LENGTH u16,    | EXIT_FAILURE (1) or a failed plugin|
// |                                  | RIB entry, as received (unknown codes | ARG_DATA bytes; get_attr(); add_attr/set_attr | drops what the replace chain added |
// |                                  | included), before its routes          | go to every route of the message              | (the host's decoding stands); else |
// |                                  |                                       |                                               | it goes on the message's routes    |
// | bgp_pre_inbound_filter           | each announced route, before the      | get_prefix, get_attr_from_code, get_src_peer_ | PLUGIN_FILTER_REJECT: rejected;    |
// |                                  | inbound filter                        | info, get_bgp_route(NEW), set_attr, ...       | ACCEPT: accepted (inbound filter   |
// |                                  |                                       |                                               | skipped); UNKNOWN, fallback: on    |
// | bgp_inbound_filter               | each announced route                  | the same                                      | REJECT: rejected; else accepted    |
// | bgp_pre_decision ...             | selection compares a new route with   | get_bgp_route(NEW/OLD), get_attr_from_code_   | BGP_ROUTE_TYPE_NEW / _OLD: decided;|
// | bgp_ipaddr_decision (11 steps)   | the best so far, step by step         | by_route, set_attr_to_route                   | UNKNOWN: next step                 |
//
// Each point has pre, replace and post anchors (mempool::Anchor). The
// host's own behaviour is the fallback of every replace chain (DefaultCode):
// accept for the filters; for the decision steps, the built-in rule of
// selection.hpp split into the steps it is made of — as_path_length compares
// L, use_origin the origin, ipaddr the peer address, then the peer AS, then
// the add-path id; the other steps (local_pref, med, igp_cost, ...) have no
// data in a replay and give UNKNOWN. With no decision plugin the selection
// is therefore unchanged, and a plugin that only calls next() changes
// nothing. Values a point cannot use (a filter returning 7) are refused by
// the point's ResultCheck: the fallback decides, and the plugin's failures()
// count it.
//
// A rejected route does not stay in the Adj-RIB-In: an announcement the
// filters reject withdraws the peer's earlier route for that prefix (what a
// BGP speaker does with an UPDATE its import policy denies). Rejections are
// counted per peer and reported as the peer figure
// "rejected_by_inbound_filter".
//
// get_time() is the replay's clock: the MRT timestamp (and microseconds) of
// the record being replayed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "call_context.hpp"
#include "insertion_points.hpp"
#include "route_attributes.hpp"
#include "selection.hpp"

namespace mempool::bgp::xbgp {

// The decision steps, in the order the host applies them (xBGP's order).
inline constexpr std::array<const char*, 11> kDecisionSteps = {
    "bgp_pre_decision",        "bgp_nexthop_resolvable_decision", "bgp_local_pref_decision",
    "bgp_as_path_length_decision", "bgp_med_decision",             "bgp_use_origin_decision",
    "bgp_prefer_external_peer_decision", "bgp_igp_cost_decision",  "bgp_router_id_decision",
    "bgp_ipaddr_decision",     "bgp_post_decision"};

class XbgpPoints {
public:
    // Declares the points on `rt` and registers the BGP helpers (those the
    // runtime's xBGP table lists). `rt` must outlive this object.
    explicit XbgpPoints(mempool::Runtime& rt);
    ~XbgpPoints();  // gives the runtime its default clock back
    XbgpPoints(const XbgpPoints&) = delete;
    XbgpPoints& operator=(const XbgpPoints&) = delete;

    // Where the peers' identities are (by peer index; Replay::peer_identities(),
    // which may grow while replaying) and who the local speaker is.
    void set_peers(const std::vector<PeerIdentity>* peers) noexcept { peers_ = peers; }
    void set_local_speaker(const PeerData& local) noexcept { local_ = local; }
    // The replay's clock (the runtime's get_time()): the MRT time of the
    // record being replayed. attributes_received() sets it too.
    void set_time(std::uint32_t seconds, std::uint32_t microseconds) noexcept {
        time_seconds_ = seconds;
        time_microseconds_ = microseconds;
    }

    // Whether a plugin is attached at any of the points (asked per record,
    // through PluginInsertionPoints::uses(): three byte reads).
    [[nodiscard]] bool active() const noexcept {
        return rt_.has_plugins(decode_) || rt_.has_plugins(pre_inbound_) || rt_.has_plugins(inbound_);
    }
    [[nodiscard]] bool decides() const noexcept;  // at a decision step
    // At an inbound filter.
    [[nodiscard]] bool filters() const noexcept { return rt_.has_plugins(pre_inbound_) || rt_.has_plugins(inbound_); }

    // The replay's calls (see InsertionPoints).
    void attributes_received(const AttributesEvent& e);
    [[nodiscard]] bool accept_route(const RouteEvent& e);
    [[nodiscard]] Preference compare(const RouteCandidate& challenger, const RouteCandidate& best);

    [[nodiscard]] std::uint64_t rejected(std::uint32_t peer) const noexcept {
        return peer < rejected_.size() ? rejected_[peer] : 0;
    }

private:
    struct Step {
        mempool::PointId id;
        std::uint8_t builtin;  // what the host's own code compares (Builtin)
    };
    enum Builtin : std::uint8_t { none, path_length, origin, peer_address };

    // peer_data_ (and rejected_) as long as peers_: the check is inline and
    // compares byte lengths (asked per event: no division by
    // sizeof(PeerIdentity)), the growth (a new peer) out of line.
    void sync_peers() {
        if (peers_ != nullptr && std::span(*peers_).size_bytes() > synced_bytes_) [[unlikely]]
            refresh_peers();
    }
    void refresh_peers();
    [[nodiscard]] static std::uint64_t builtin_step(std::uint8_t builtin, const RouteCandidate& challenger,
                                                    const RouteCandidate& best) noexcept;
    // One filter point's result (the host's value when nothing decided).
    std::uint64_t run_filter(mempool::PointId point, mempool::DefaultCode host, std::uint64_t host_value);

    mempool::Runtime& rt_;
    mempool::PointId decode_, pre_inbound_, inbound_;
    std::array<Step, kDecisionSteps.size()> steps_{};
    const std::vector<PeerIdentity>* peers_ = nullptr;
    std::vector<PeerData> peer_data_;  // peers_ as the helpers show them
    std::size_t synced_bytes_ = 0;     // peer_data_.size() * sizeof(PeerIdentity)
    PeerData local_;
    // Each kind of point has its own CallContext, scope and typed
    // arguments, built once (the constructor points them at each other and
    // at the members below): an event sets only what it changes (the
    // source peer, the clock, the attribute or routes, the pools) instead
    // of copying a fresh 20-word context. The helpers see exactly what a
    // fresh context showed: the fields a point does not use stay empty.
    // Runs of these points do not nest (no helper replays a message), so
    // one context per kind is enough.
    //   bgp_decode_attr: the attribute as received, its get_arg values.
    AttributeRef attribute_;
    std::uint16_t attribute_length_ = 0;  // ARG_LENGTH is a u16
    std::array<mempool::TypedArg, 4> decode_args_{};
    CallContext decode_context_;
    mempool::CallScope decode_scope_;
    //   bgp_pre_inbound_filter, bgp_inbound_filter: the route, its prefix.
    RouteRef filtered_;
    UbpfPrefix filtered_prefix_{};  // ARG_BGP_PREFIX
    std::array<mempool::TypedArg, 1> filter_args_{};
    CallContext filter_context_;
    mempool::CallScope filter_scope_;
    //   the decision steps: the challenger (new) and the best so far (old).
    RouteRef challenger_, best_;
    CallContext decision_context_;
    mempool::CallScope decision_scope_;
    mempool::Pool message_pool_;       // add_attr at bgp_decode_attr, for the message's routes
    mempool::Pool decoded_;            // ... by the replace chain, until its result is known
    RouteAttributes scratch_;
    std::vector<std::uint64_t> rejected_;
    std::int64_t time_seconds_ = 0;
    std::uint32_t time_microseconds_ = 0;
};

}  // namespace mempool::bgp::xbgp
