// plugin_points.hpp: the BGP host's insertion points run by the eBPF plugin
// runtime (mempool::Runtime). Built only when the runtime is (the library
// mempool_bgp_plugins); the replay engine knows nothing of it.
//
// Besides its four points, it runs xBGP's receiving-side points
// (bgp_decode_attr, bgp_pre_inbound_filter, bgp_inbound_filter and the
// decision steps: xbgp/xbgp_points.hpp) for plugins loaded from libxbgp
// manifests, and registers the BGP helpers they call.
//
// The argument layouts and pool keys are those of plugins/bgp_plugins.h,
// which the shipped plugins A-D include:
//
//   bgp_message     u8 type, u32 peer, u64 timestamp
//   route_received  u32 L, u8 origin, u32 peer; object pool FIRST = the route's pool
//   route_compare   no arguments; pools FIRST and SECOND = the two routes';
//                   the last plugin's return value: 0 no opinion, 1 first, 2 second
//   peer_report     u32 peer; afterwards the report reads from the global pool
//                   BGP_KEY(BGP_COUNTER_UPDATES, peer)        -> "updates"
//                   (0 when absent while a plugin runs at bgp_message)
//                   BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, peer) -> "update_share_permille"
//                   (each only if a plugin wrote it).
//
// A peer's report gains "rejected_by_inbound_filter" (its routes the xBGP
// inbound filters rejected) when a plugin is attached at one of them.
//
//   mempool::Runtime rt;
//   PluginInsertionPoints points(rt);       // declares the points, registers the BGP helpers
//   auto report = rt.load_manifest(path);    // then load plugins
//   ReplayOptions o; o.hooks = &points;
//   Replay replay(o);
//   points.set_peers(&replay.peer_identities());
#pragma once

#include <string>
#include <vector>

#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "insertion_points.hpp"
#include "selection.hpp"
#include "xbgp/xbgp_points.hpp"

namespace mempool::bgp {

class PluginInsertionPoints final : public InsertionPoints {
public:
    // Declares the four points on `rt` and makes this object's global pool
    // the runtime's. `rt` must outlive this object.
    explicit PluginInsertionPoints(mempool::Runtime& rt);
    ~PluginInsertionPoints() override;

    void bgp_message(const MessageEvent& e) override;
    void route_received(const RouteEvent& e) override;
    // The four points read a route's L, origin and pool; xBGP's decode
    // and filter points, its attributes.
    [[nodiscard]] Uses uses() const override {
        const bool xbgp = xbgp_.active();
        return {xbgp, xbgp, xbgp};
    }
    void attributes_received(const AttributesEvent& e) override { xbgp_.attributes_received(e); }
    [[nodiscard]] bool accept_route(const RouteEvent& e) override { return xbgp_.accept_route(e); }
    [[nodiscard]] bool compares_routes() const override;
    Preference route_compare(const RouteCandidate& a, const RouteCandidate& b) override;
    void peer_report(std::uint32_t peer, PeerReportFigures& out) override;
    [[nodiscard]] std::vector<std::string> plugin_names() const override { return names_; }

    // Names reported in the "plugins" list of the report.
    void set_plugin_names(std::vector<std::string> names) { names_ = std::move(names); }
    [[nodiscard]] mempool::Pool& global_pool() noexcept { return global_; }
    // For the xBGP helpers: the replay's peers (by index) and the local speaker.
    void set_peers(const std::vector<PeerIdentity>* peers) noexcept { xbgp_.set_peers(peers); }
    void set_local_speaker(const xbgp::PeerData& local) noexcept { xbgp_.set_local_speaker(local); }
    // The receiving points (job plugins set get_time()'s clock through it).
    [[nodiscard]] xbgp::XbgpPoints& xbgp_points() noexcept { return xbgp_; }

private:
    mempool::Runtime& rt_;
    mempool::Pool global_;
    mempool::PointId message_, received_, compare_, report_;
    // The scopes of route_received and route_compare, kept: a run sets only
    // their object pools (these points do not nest).
    mempool::CallScope received_scope_, compare_scope_;
    std::vector<std::string> names_;
    xbgp::XbgpPoints xbgp_;
};

// Where the default manifest is, if any: MEMPOOL_BGP_PLUGINS in the
// environment, then the build tree's plugins/plugins.json, then
// <executable>/../share/mempool/plugins/plugins.json (an install). Empty if
// none exists.
std::string default_plugin_manifest();

}  // namespace mempool::bgp
