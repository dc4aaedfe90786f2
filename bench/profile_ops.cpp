// profile_ops: runs one bench_pool case a fixed number of times, with
// callgrind collecting only inside the measured loop, so that callgrind's
// totals divided by the count are the cost of one operation (instructions,
// simulated branch mispredictions and cache misses). It explains the times
// of bench_pool; it does not time anything itself.
//
//   valgrind --tool=callgrind --collect-atstart=no --branch-sim=yes
//       --callgrind-out-file=/tmp/cg.out
//       build/bench/profile_ops lookup_hit 1 4096 random mempool_c 1000000
//   callgrind_annotate /tmp/cg.out | head -30
//
// Arguments: <lookup_hit|lookup_miss|update> <pools> <keys> <random|sequential>
//            <mempool_c|mempool_cpp|std_unordered_map|absl_flat_hash_map|
//             boost_unordered_flat_map> <count>
//        or: <list_append|list_iterate_c|list_iterate_c_runs|list_iterate_for_each> - - - - <count>
//            (count = list elements)
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench_common.hpp"

namespace bench {
namespace {

template <class Impl>
int run(const char* op, std::uint32_t pools, std::uint32_t keys, Keys kind, std::size_t count) {
    const Workload& w = workload(pools, keys, kind);
    typename Impl::Store& store = store_for<Impl>(w);
    const bool update = std::strcmp(op, "update") == 0;
    const Probe* probes = std::strcmp(op, "lookup_miss") == 0 ? w.misses.data() : w.hits.data();
    std::uint64_t found = 0;
    CALLGRIND_TOGGLE_COLLECT;
    for (std::size_t i = 0; i < count; ++i) {
        const Probe p = probes[i & (kProbes - 1)];
        if (update) {
            Impl::set(store, p.pool, p.key, i | 1);
        } else {
            const std::uint64_t v = Impl::get(store, p.pool, p.key);
            benchmark::DoNotOptimize(v);
            found += v != 0;
        }
    }
    CALLGRIND_TOGGLE_COLLECT;
    std::printf("%s %s %s: %zu operations, %llu found\n", op, w.name.c_str(), Impl::name, count,
                static_cast<unsigned long long>(found));
    return 0;
}

int run_list(const char* op, std::uint32_t count) {
    mem_pool* mp = new_mempool();
    const bool append = std::strcmp(op, "list_append") == 0;
    if (append) CALLGRIND_TOGGLE_COLLECT;
    for (std::uint32_t i = 0; i < count; ++i)
        if (add_lst_mempool(mp, 7, nullptr, sizeof i, &i) != 0) return 1;
    if (append) CALLGRIND_TOGGLE_COLLECT;
    std::uint64_t sum = 0;
    if (std::strcmp(op, "list_iterate_c") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 7);
        for (void* e; (e = next_lst_mempool_iterator(it)) != nullptr;) sum += *static_cast<std::uint32_t*>(e);
        destroy_lst_mempool_iterator(it);
        CALLGRIND_TOGGLE_COLLECT;
    } else if (std::strcmp(op, "list_iterate_c_runs") == 0) {
        CALLGRIND_TOGGLE_COLLECT;
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 7);
        std::uint64_t n;
        for (void* run; (run = next_run_lst_mempool_iterator(it, &n)) != nullptr;)
            for (std::uint64_t i = 0; i < n; ++i) sum += static_cast<std::uint32_t*>(run)[i];
        destroy_lst_mempool_iterator(it);
        CALLGRIND_TOGGLE_COLLECT;
    } else if (std::strcmp(op, "list_iterate_for_each") == 0) {
        mempool::Pool pool = mempool::Pool::adopt(mp);
        const mempool::ListView view = pool.list(7).value();
        CALLGRIND_TOGGLE_COLLECT;
        (void)view.for_each<std::uint32_t>([&](std::uint32_t x) noexcept { sum += x; });
        CALLGRIND_TOGGLE_COLLECT;
        mp = pool.release();
    }
    benchmark::DoNotOptimize(sum);
    std::printf("%s: %u elements\n", op, count);
    delete_mempool(mp);
    return 0;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    using namespace bench;
    if (argc != 7) {
        std::fprintf(stderr, "usage: see the comment at the top of bench/profile_ops.cpp\n");
        return 2;
    }
    const char* op = argv[1];
    const std::size_t count = std::strtoull(argv[6], nullptr, 10);
    if (std::strncmp(op, "list_", 5) == 0) return run_list(op, static_cast<std::uint32_t>(count));
    if (std::strcmp(op, "lookup_hit") != 0 && std::strcmp(op, "lookup_miss") != 0 && std::strcmp(op, "update") != 0) {
        std::fprintf(stderr, "unknown operation %s\n", op);
        return 2;
    }
    const auto pools = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    const auto keys = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
    const Keys kind = std::strcmp(argv[4], "sequential") == 0 ? Keys::sequential : Keys::random;
    const std::string container = argv[5];
    int rc = 2;
    for_each_impl([&]<class Impl>() {
        if (container == Impl::name) rc = run<Impl>(op, pools, keys, kind, count);
    });
    if (rc == 2) std::fprintf(stderr, "unknown container %s\n", container.c_str());
    return rc;
}
