// plugin_figures.cpp: the report's per-plugin failures (plugin_figures.hpp).
#include "plugin_figures.hpp"

#include <string>

namespace mempool::bgp::xbgp {

std::vector<PluginFigures> plugin_figures(const mempool::Runtime& rt) {
    static constexpr const char* kAnchors[] = {"pre", "replace", "post"};
    std::vector<PluginFigures> out;
    std::vector<const mempool::Program*> seen;
    for (const mempool::Runtime::AttachedPlugin& a : rt.attached_plugins()) {
        const std::string where = a.point + " (" + kAnchors[static_cast<int>(a.anchor)] + ")";
        std::size_t i = 0;
        while (i < seen.size() && seen[i] != a.program.get()) ++i;
        if (i < seen.size()) {
            out[i].points.push_back(where);
            continue;
        }
        const mempool::Program& p = *a.program;
        PluginFigures f;
        f.name = p.name();
        f.points.push_back(where);
        f.failed_runs = p.failures();
        f.aborts = p.aborts();
        f.bad_argument = p.helper_failures(mempool::HelperFailure::bad_argument);
        f.refused = p.helper_failures(mempool::HelperFailure::refused);
        f.heap_exhausted = p.helper_failures(mempool::HelperFailure::heap_exhausted);
        seen.push_back(&p);
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace mempool::bgp::xbgp
