// bench_lookup.cpp: `get_mempool_u64` hits and misses against the hash maps.
//
// Case names: lookup_{hit,miss}/<workload>/<keys>/<container>, e.g.
// lookup_hit/pools100000x4/random/mempool_c. One lookup per iteration, at
// the next precomputed (pool, key) probe; the lookups are independent, so
// this measures throughput (the CPU may overlap cache misses of successive
// lookups), the same way for every container.
#include "bench_common.hpp"

namespace bench {
namespace {

template <class Impl>
void lookup(benchmark::State& state, std::uint32_t pools, std::uint32_t n, Keys kind, bool hit) {
    const Workload& w = workload(pools, n, kind);
    typename Impl::Store& store = store_for<Impl>(w);
    const Probe* probes = hit ? w.hits.data() : w.misses.data();
    std::size_t i = 0;
    std::uint64_t found = 0;
    for (auto _ : state) {
        const Probe p = probes[i];
        i = (i + 1) & (kProbes - 1);
        const std::uint64_t v = Impl::get(store, p.pool, p.key);
        benchmark::DoNotOptimize(v);
        found += v != 0;
    }
    // Checks, outside the timing, that the case measures what it says.
    if ((found == static_cast<std::uint64_t>(state.iterations())) != hit || (!hit && found != 0))
        state.SkipWithError("lookup results do not match the workload");
    state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
    for (bool hit : {true, false})
        for (Shape shape : kShapes)
            for (Keys kind : {Keys::random, Keys::sequential}) {
                const std::string base = std::string(hit ? "lookup_hit/" : "lookup_miss/") +
                                         (shape.pools == 1 ? "single" + std::to_string(shape.keys)
                                                           : "pools" + std::to_string(shape.pools) + "x" +
                                                                 std::to_string(shape.keys)) +
                                         (kind == Keys::random ? "/random/" : "/sequential/");
                for_each_impl([&]<class Impl>() {
                    benchmark::RegisterBenchmark((base + Impl::name).c_str(), lookup<Impl>, shape.pools,
                                                 shape.keys, kind, hit);
                });
            }
    return true;
}();

}  // namespace
}  // namespace bench
