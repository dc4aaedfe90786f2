// report.cpp: JSON and table renderings.
#include "report.hpp"

#include <algorithm>
#include <cstdio>

namespace mempool::bgp {

bool PeerFigures::any_nonzero() const noexcept {
    std::uint64_t any_message = 0;
    for (const std::uint64_t m : messages) any_message |= m;
    return update_messages || announced_v4 || withdrawn_v4 || announced_v6 || withdrawn_v6 || other_families ||
           state_changes || rib_entries || any_message || routes.value_or(0) || best_routes.value_or(0) ||
           updates.value_or(0);
}

const PeerFigures* ReplayReport::find_peer(const std::string& ip, std::uint32_t as) const {
    for (const auto& p : peers)
        if (p.as == as && to_string(p.ip) == ip) return &p;
    return nullptr;
}

nlohmann::json to_json(const ReplayReport& r) {
    using nlohmann::json;
    json j;
    j["files"] = r.files;
    if (r.builtin_sample) j["builtin_sample"] = true;
    j["records"] = r.records;
    json errs = json::array();
    for (const auto& e : r.errors)
    {
        json o = {{"file", e.file},
                  {"offset", e.offset},
                  {"record", e.record},
                  {"code", diag_code_name(e.code)},
                  {"action", diag_action_name(e.action)},
                  {"reason", e.reason}};
        if (e.attribute != 0) o["attribute"] = e.attribute;
        errs.push_back(std::move(o));
    }
    j["errors"] = std::move(errs);
    j["error_count"] = r.error_count;
    json skipped = json::object();
    for (const auto& [name, n] : r.records_not_replayed) skipped[name] = n;
    j["records_not_replayed"] = std::move(skipped);
    json peers = json::array();
    for (const auto& p : r.peers) {
        json o;
        o["peer_ip"] = to_string(p.ip);
        o["peer_as"] = p.as;
        if (p.updates) o["updates"] = *p.updates;
        o["announced_v4"] = p.announced_v4;
        o["withdrawn_v4"] = p.withdrawn_v4;
        o["announced_v6"] = p.announced_v6;
        o["withdrawn_v6"] = p.withdrawn_v6;
        o["other_families"] = p.other_families;
        o["state_changes"] = p.state_changes;
        o["rib_entries"] = p.rib_entries;
        if (p.routes) o["routes"] = *p.routes;
        if (p.best_routes) o["best_routes"] = *p.best_routes;
        o["messages"] = {{"open", p.messages[1]},
                         {"update", p.messages[2]},
                         {"notification", p.messages[3]},
                         {"keepalive", p.messages[4]},
                         {"route_refresh", p.messages[5]}};
        for (const auto& [k, v] : p.extra) o[k] = v;
        peers.push_back(std::move(o));
    }
    j["peers"] = std::move(peers);
    if (r.rib) {
        j["rib"] = {{"prefixes_v4", r.rib->prefixes_v4}, {"prefixes_v6", r.rib->prefixes_v6},
                    {"routes", r.rib->routes},           {"best_routes", r.rib->best_routes},
                    {"attribute_sets", r.rib->attribute_sets}, {"heap_bytes", r.rib->heap_bytes}};
    } else {
        j["rib"] = nullptr;
    }
    j["plugins"] = r.plugins;
    if (!r.plugin_figures.empty()) {
        json figures = json::array();
        for (const PluginFigures& f : r.plugin_figures)
            figures.push_back({{"name", f.name},
                               {"points", f.points},
                               {"failed_runs", f.failed_runs},
                               {"aborts", f.aborts},
                               {"failed_helper_calls",
                                {{"bad_argument", f.bad_argument},
                                 {"refused", f.refused},
                                 {"heap_exhausted", f.heap_exhausted}}}});
        j["plugin_figures"] = std::move(figures);
    }
    if (r.neighbours) {
        json ns = json::array();
        for (const auto& n : *r.neighbours) {
            json refused = json::object();
            for (const auto& [why, k] : n.refused) refused[why] = k;
            ns.push_back({{"name", n.name},
                          {"ip", to_string(n.ip)},
                          {"as", n.as},
                          {"session", n.ebgp ? "ebgp" : "ibgp"},
                          {"rr_client", n.rr_client},
                          {"updates", n.updates},
                          {"announced", n.announced},
                          {"withdrawn", n.withdrawn},
                          {"adj_rib_out", n.adj_rib_out},
                          {"refused", std::move(refused)}});
        }
        j["export"] = {{"local_as", r.local_as}, {"records_written", r.updates_written}, {"neighbours", std::move(ns)}};
    }
    return j;
}

std::string to_table(const ReplayReport& r) {
    std::vector<const PeerFigures*> order;
    for (const auto& p : r.peers) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(), [](const PeerFigures* a, const PeerFigures* b) {
        return a->updates.value_or(a->update_messages) > b->updates.value_or(b->update_messages);
    });
    std::string extra_name;
    for (const auto& p : r.peers)
        if (!p.extra.empty()) extra_name = p.extra.front().first;
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-40s %10s %9s %9s %9s %9s %9s %7s %9s %9s %9s%s%s\n", "peer", "as", "updates",
                  "ann_v4", "wd_v4", "ann_v6", "wd_v6", "states", "rib", "routes", "best",
                  extra_name.empty() ? "" : " ", extra_name.c_str());
    out += line;
    auto opt = [](const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
    for (const PeerFigures* p : order) {
        std::string ex;
        for (const auto& [k, v] : p->extra)
            if (k == extra_name) {
                char b[64];
                std::snprintf(b, sizeof b, " %llu", static_cast<unsigned long long>(v));
                ex = b;
            }
        std::snprintf(line, sizeof line, "%-40s %10u %9s %9llu %9llu %9llu %9llu %7llu %9llu %9s %9s%s\n",
                      to_string(p->ip).c_str(), p->as, opt(p->updates).c_str(),
                      static_cast<unsigned long long>(p->announced_v4),
                      static_cast<unsigned long long>(p->withdrawn_v4),
                      static_cast<unsigned long long>(p->announced_v6),
                      static_cast<unsigned long long>(p->withdrawn_v6),
                      static_cast<unsigned long long>(p->state_changes),
                      static_cast<unsigned long long>(p->rib_entries), opt(p->routes).c_str(),
                      opt(p->best_routes).c_str(), ex.c_str());
        out += line;
    }
    std::snprintf(line, sizeof line, "%zu peers, %llu MRT records, %llu errors", r.peers.size(),
                  static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.error_count));
    out += line;
    if (r.rib) {
        std::snprintf(line, sizeof line, "; RIB: %llu routes, %llu IPv4 + %llu IPv6 prefixes, %llu attribute sets",
                      static_cast<unsigned long long>(r.rib->routes),
                      static_cast<unsigned long long>(r.rib->prefixes_v4),
                      static_cast<unsigned long long>(r.rib->prefixes_v6),
                      static_cast<unsigned long long>(r.rib->attribute_sets));
        out += line;
    }
    out += "\n";
    for (const auto& [name, n] : r.records_not_replayed) {
        std::snprintf(line, sizeof line, "%llu %s records not replayed (type not supported)\n",
                      static_cast<unsigned long long>(n), name.c_str());
        out += line;
    }
    std::uint64_t other = 0;
    for (const auto& p : r.peers) other += p.other_families;
    if (other != 0) {
        std::snprintf(line, sizeof line,
                      "%llu MP_REACH/MP_UNREACH attributes or RIB entries of other families (not unicast) skipped\n",
                      static_cast<unsigned long long>(other));
        out += line;
    }
    if (!r.peers.empty() && !r.peers.front().updates)
        out += "(updates: '-' = no plugin supplied the figure; plugin A counts them)\n";
    // Plugins with failures only: a quiet run prints nothing here.
    for (const PluginFigures& f : r.plugin_figures) {
        if (f.failed_helper_calls() == 0 && f.failed_runs == 0 && f.aborts == 0) continue;
        std::snprintf(line, sizeof line,
                      "plugin %s: %llu failed helper calls (%llu bad argument, %llu refused, %llu heap exhausted), "
                      "%llu runs not used, %llu aborted\n",
                      f.name.c_str(), static_cast<unsigned long long>(f.failed_helper_calls()),
                      static_cast<unsigned long long>(f.bad_argument), static_cast<unsigned long long>(f.refused),
                      static_cast<unsigned long long>(f.heap_exhausted), static_cast<unsigned long long>(f.failed_runs),
                      static_cast<unsigned long long>(f.aborts));
        out += line;
    }
    if (r.neighbours) {
        std::snprintf(line, sizeof line, "Export from AS %u:\n%-20s %-40s %10s %5s %9s %9s %9s %11s\n", r.local_as,
                      "neighbour", "address", "as", "type", "updates", "announced", "withdrawn", "adj_rib_out");
        out += line;
        for (const auto& n : *r.neighbours) {
            std::snprintf(line, sizeof line, "%-20.20s %-40s %10u %5s %9llu %9llu %9llu %11llu\n", n.name.c_str(),
                          to_string(n.ip).c_str(), n.as, n.ebgp ? "ebgp" : n.rr_client ? "rrc" : "ibgp",
                          static_cast<unsigned long long>(n.updates), static_cast<unsigned long long>(n.announced),
                          static_cast<unsigned long long>(n.withdrawn), static_cast<unsigned long long>(n.adj_rib_out));
            out += line;
        }
    }
    return out;
}

}  // namespace mempool::bgp
