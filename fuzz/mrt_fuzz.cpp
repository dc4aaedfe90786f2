// Fuzzing of the MRT reader, the BGP decoder and the RIB: any input is
// replayed and finished (selection and report included). Malformed input
// must be reported, never crash, hang, leak or read out of bounds
// (ASan+UBSan), and the figures must stay consistent with each other.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "byte_source.hpp"
#include "replay.hpp"

namespace {
[[noreturn]] void inconsistent(const char* what, std::uint64_t a, std::uint64_t b) {
    std::fprintf(stderr, "mrt_fuzz: %s: %llu != %llu\n", what, static_cast<unsigned long long>(a),
                 static_cast<unsigned long long>(b));
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mempool::bgp::Replay replay;
    replay.replay_source(mempool::bgp::memory_byte_source(data, size), "fuzz");
    const mempool::bgp::ReplayReport report = replay.finish();
    if (!report.rib) inconsistent("no RIB summary", 0, 1);
    std::uint64_t routes = 0, best = 0;
    for (const auto& peer : report.peers) {
        routes += peer.routes.value_or(0);
        best += peer.best_routes.value_or(0);
    }
    if (routes != report.rib->routes) inconsistent("sum of peers' routes vs RIB routes", routes, report.rib->routes);
    const std::uint64_t prefixes = report.rib->prefixes_v4 + report.rib->prefixes_v6;
    if (best != prefixes) inconsistent("best routes vs prefixes", best, prefixes);
    return 0;
}
