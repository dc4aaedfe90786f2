// bench_update.cpp: `set_single_mempool` overwriting an existing 8-byte value
// with another 8-byte value, against a hash map's find + store.
//
// Case names: update/<workload>/random/<container>. One overwrite per
// iteration, at the next precomputed hit probe.
#include "bench_common.hpp"

namespace bench {
namespace {

template <class Impl>
void update(benchmark::State& state, std::uint32_t pools, std::uint32_t n) {
    const Workload& w = workload(pools, n, Keys::random);
    typename Impl::Store& store = store_for<Impl>(w);
    const Probe* probes = w.hits.data();
    std::size_t i = 0;
    std::uint64_t value = 1;
    for (auto _ : state) {
        const Probe p = probes[i];
        i = (i + 1) & (kProbes - 1);
        Impl::set(store, p.pool, p.key, value);
        value += 2;  // odd, never 0
    }
    benchmark::ClobberMemory();
    state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
    for (Shape shape : kShapes) {
        const std::string base = std::string("update/") +
                                 (shape.pools == 1 ? "single" + std::to_string(shape.keys)
                                                   : "pools" + std::to_string(shape.pools) + "x" +
                                                         std::to_string(shape.keys)) +
                                 "/random/";
        for_each_impl([&]<class Impl>() {
            benchmark::RegisterBenchmark((base + Impl::name).c_str(), update<Impl>, shape.pools, shape.keys);
        });
    }
    return true;
}();

}  // namespace
}  // namespace bench
