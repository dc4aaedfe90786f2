// plugin_points.hpp: the BGP host's insertion points run by the eBPF plugin
// runtime (mempool::Runtime). Built only when the runtime is (the library
// mempool_bgp_plugins); the replay engine knows nothing of it.
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
//   mempool::Runtime rt;
//   PluginInsertionPoints points(rt);       // declares the four points
//   auto report = rt.load_manifest(path);    // then load plugins
//   ReplayOptions o; o.hooks = &points;
#pragma once

#include <string>
#include <vector>

#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "insertion_points.hpp"

namespace mempool::bgp {

class PluginInsertionPoints final : public InsertionPoints {
public:
    // Declares the four points on `rt` and makes this object's global pool
    // the runtime's. `rt` must outlive this object.
    explicit PluginInsertionPoints(mempool::Runtime& rt);
    ~PluginInsertionPoints() override;

    void bgp_message(const MessageEvent& e) override;
    void route_received(const RouteEvent& e) override;
    [[nodiscard]] bool compares_routes() const override;
    Preference route_compare(const RouteCandidate& a, const RouteCandidate& b) override;
    void peer_report(std::uint32_t peer, PeerReportFigures& out) override;
    [[nodiscard]] std::vector<std::string> plugin_names() const override { return names_; }

    // Names reported in the "plugins" list of the report.
    void set_plugin_names(std::vector<std::string> names) { names_ = std::move(names); }
    [[nodiscard]] mempool::Pool& global_pool() noexcept { return global_; }

private:
    mempool::Runtime& rt_;
    mempool::Pool global_;
    mempool::PointId message_, received_, compare_, report_;
    std::vector<std::string> names_;
};

// Where the default manifest is, if any: MEMPOOL_BGP_PLUGINS in the
// environment, then the build tree's plugins/plugins.json, then
// <executable>/../share/mempool/plugins/plugins.json (an install). Empty if
// none exists.
std::string default_plugin_manifest();

}  // namespace mempool::bgp
