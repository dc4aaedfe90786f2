// plugin_points.cpp: insertion points over mempool::Runtime.
#include "plugin_points.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "bgp_plugins.h"

namespace mempool::bgp {

PluginInsertionPoints::PluginInsertionPoints(mempool::Runtime& rt) : rt_(rt), xbgp_(rt) {
    message_ = rt_.point("bgp_message");
    received_ = rt_.point("route_received");
    compare_ = rt_.point("route_compare");
    report_ = rt_.point("peer_report");
    rt_.set_global_pool(&global_);
}

PluginInsertionPoints::~PluginInsertionPoints() {
    if (rt_.global_pool() == &global_) rt_.set_global_pool(nullptr);
}

void PluginInsertionPoints::bgp_message(const MessageEvent& e) {
    xbgp_.set_time(e.timestamp, e.microseconds);
    // Asked first: the arguments are not built when nothing would read them.
    if (!rt_.has_plugins(message_)) return;
    const mempool::Arg args[] = {mempool::Arg::u8(static_cast<std::uint8_t>(e.type)), mempool::Arg::u32(e.peer),
                                 mempool::Arg::u64(e.timestamp)};
    (void)rt_.run(message_, args);
}

void PluginInsertionPoints::route_received(const RouteEvent& e) {
    if (!rt_.has_plugins(received_)) return;
    received_scope_.objects[MEMPOOL_OBJ_FIRST] = &e.pool;
    (void)rt_.run(received_,
                  {mempool::Arg::u32(e.path_length), mempool::Arg::u8(e.origin), mempool::Arg::u32(e.peer)},
                  received_scope_);
}

bool PluginInsertionPoints::compares_routes() const { return rt_.has_plugins(compare_) || xbgp_.decides(); }

// route_compare first; when it has no opinion, xBGP's decision steps (whose
// fallbacks are the built-in rule's parts).
Preference PluginInsertionPoints::route_compare(const RouteCandidate& a, const RouteCandidate& b) {
    if (rt_.has_plugins(compare_)) {
        compare_scope_.objects[MEMPOOL_OBJ_FIRST] = &a.pool;
        compare_scope_.objects[MEMPOOL_OBJ_SECOND] = &b.pool;
        const mempool::RunResult r = rt_.run(compare_, std::span<const mempool::Arg>(), compare_scope_);
        if (r.ran != 0 && r.value == ROUTE_PREFER_FIRST) return Preference::first;
        if (r.ran != 0 && r.value == ROUTE_PREFER_SECOND) return Preference::second;
    }
    return xbgp_.decides() ? xbgp_.compare(a, b) : Preference::no_opinion;
}

void PluginInsertionPoints::peer_report(std::uint32_t peer, PeerReportFigures& out) {
    (void)rt_.run(report_, {mempool::Arg::u32(peer)});
    if (peer > BGP_PEER_MASK) return;
    // With a plugin at bgp_message (plugin A's point), a peer it never
    // counted sent no UPDATE: its figure is 0, not absent.
    if (auto v = global_.get_u64(BGP_KEY(BGP_COUNTER_UPDATES, peer)); v) out.updates = v.value();
    else if (rt_.has_plugins(message_)) out.updates = 0;
    if (auto v = global_.get_u64(BGP_KEY(BGP_COUNTER_SHARE_PERMILLE, peer)); v)
        out.extra.emplace_back("update_share_permille", v.value());
    if (xbgp_.filters())
        out.extra.emplace_back("rejected_by_inbound_filter", xbgp_.rejected(peer));
}

std::string default_plugin_manifest() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (const char* env = std::getenv("MEMPOOL_BGP_PLUGINS"); env && *env) return env;
#ifdef MEMPOOL_BGP_BUILD_MANIFEST
    if (fs::exists(MEMPOOL_BGP_BUILD_MANIFEST, ec)) return MEMPOOL_BGP_BUILD_MANIFEST;
#endif
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path() / ".." / "share" / "mempool" / "plugins" / "plugins.json";
        if (fs::exists(installed, ec)) return fs::weakly_canonical(installed, ec).string();
    }
    return {};
}

}  // namespace mempool::bgp
