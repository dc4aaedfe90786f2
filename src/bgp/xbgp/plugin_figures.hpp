// plugin_figures.hpp: each attached plugin's failures, read from the runtime
// for the replay's report (report.hpp, PluginFigures): results not used,
// run-time aborts, and helper calls that failed by kind
// (mempool::note_helper_failure).
//
//   ReplayReport report = replay.finish();
//   report.plugin_figures = xbgp::plugin_figures(runtime);
#pragma once

#include <vector>

#include <mempool/runtime.hpp>

#include "report.hpp"

namespace mempool::bgp::xbgp {

// One entry per attached program, in the runtime's order (point by point),
// each listing every point it is attached at.
[[nodiscard]] std::vector<PluginFigures> plugin_figures(const mempool::Runtime& rt);

}  // namespace mempool::bgp::xbgp
