// memory_pool_bytes: heap bytes per pool, and per list element, as glibc's
// allocator sees them (mallinfo2: bytes in use in the heap, `uordblks`, plus
// bytes in mmap'd blocks, `hblkhd`), so malloc's per-chunk overhead and
// rounding are included.
//
// For each container, 100,000 pools are created holding 0, 1, 4 and 8 u64
// values (keys 1..k) and the growth of the heap is divided by 100,000. The
// array of handles is allocated before the first reading and not counted.
// How each is counted:
//   mempool C API       new_mempool(): the `mem_pool` and all it allocates;
//                       the caller keeps an 8-byte `mem_pool*` (not counted).
//   mempool::Pool       the 8-byte handle embedded in the caller's object (not
//                       counted, like the pointer above) and what it allocates:
//                       nothing for one value (the values, k * 1000003, are
//                       below 2^32, so the first stays in the handle).
//   absl / boost / std  the map object itself allocated with `new`, so that it
//                       counts as the `mem_pool` does, plus its tables.
//                       (Embedded by value instead, subtract the object's
//                       malloc chunk; sizeof is printed.)
//
// Usage: memory_pool_bytes            prints Markdown tables on stdout.
#include <absl/container/flat_hash_map.h>
#include <malloc.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

#include "mempool/mempool.h"
#include "mempool/pool.hpp"

namespace {

constexpr std::size_t kPools = 100000;

std::size_t heap_in_use() {
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

// Heap bytes per object made by `make(i)` (which returns a handle the
// `handles` vector keeps), then destroyed with `destroy(handle)`.
template <class Handle, class Make, class Destroy>
double bytes_per(std::size_t count, Make make, Destroy destroy) {
    std::vector<Handle> handles;
    handles.reserve(count);
    const std::size_t before = heap_in_use();
    for (std::size_t i = 0; i < count; ++i) handles.push_back(make());
    const std::size_t after = heap_in_use();
    for (Handle& h : handles) destroy(h);
    return static_cast<double>(after - before) / static_cast<double>(count);
}

double mempool_c(std::uint32_t values, std::size_t count = kPools) {
    return bytes_per<mem_pool*>(
        count,
        [&] {
            mem_pool* mp = new_mempool();
            for (std::uint32_t k = 1; k <= values; ++k) {
                std::uint64_t v = k * 1000003ULL;
                if (add_single_mempool(mp, k, nullptr, sizeof v, &v) != 0) std::abort();
            }
            return mp;
        },
        [](mem_pool* mp) { delete_mempool(mp); });
}

double mempool_cpp(std::uint32_t values, std::size_t count = kPools) {
    std::vector<mempool::Pool> pools;
    pools.reserve(count);
    const std::size_t before = heap_in_use();
    for (std::size_t i = 0; i < count; ++i) {
        mempool::Pool& p = pools.emplace_back();
        for (std::uint32_t k = 1; k <= values; ++k)
            if (!p.put<std::uint64_t>(k, k * 1000003ULL)) std::abort();
    }
    const std::size_t after = heap_in_use();
    return static_cast<double>(after - before) / static_cast<double>(count);
}

template <class Map>
double map_heap(std::uint32_t values, std::size_t count = kPools) {
    return bytes_per<Map*>(
        count,
        [&] {
            auto* m = new Map();
            for (std::uint32_t k = 1; k <= values; ++k) m->emplace(k, k * 1000003ULL);
            return m;
        },
        [](Map* m) { delete m; });
}

using Absl = absl::flat_hash_map<std::uint32_t, std::uint64_t>;
using Boost = boost::unordered_flat_map<std::uint32_t, std::uint64_t>;
using Std = std::unordered_map<std::uint32_t, std::uint64_t>;

double list_mempool(std::uint32_t elements) {
    const std::size_t before = heap_in_use();
    mem_pool* mp = new_mempool();
    for (std::uint32_t i = 0; i < elements; ++i)
        if (add_lst_mempool(mp, 1, nullptr, sizeof i, &i) != 0) std::abort();
    const std::size_t after = heap_in_use();
    delete_mempool(mp);
    return static_cast<double>(after - before) / elements;
}

double list_vector(std::uint32_t elements) {
    const std::size_t before = heap_in_use();
    auto* v = new std::vector<std::uint32_t>();
    for (std::uint32_t i = 0; i < elements; ++i) v->push_back(i);
    const std::size_t after = heap_in_use();
    delete v;
    return static_cast<double>(after - before) / elements;
}

}  // namespace

int main() {
    // No trimming or mmap while measuring: every allocation below the mmap
    // threshold lands in the heap that uordblks counts; bigger ones in hblkhd.
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 0);

    std::printf("## Heap bytes per pool (%zu pools, u64 values, keys 1..k)\n\n", kPools);
    std::printf("| values | mempool C API | mempool::Pool (heap; +8 inline) | absl::flat_hash_map (heap object) "
                "| boost::unordered_flat_map (heap object) | std::unordered_map (heap object) | target |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    const struct {
        std::uint32_t values;
        const char* target;
    } rows[] = {{0, "<= 32"}, {1, "<= 64"}, {4, "<= 128"}, {8, "<= 224"}};
    for (const auto& row : rows)
        std::printf("| %u | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", row.values, mempool_c(row.values),
                    mempool_cpp(row.values), map_heap<Absl>(row.values), map_heap<Boost>(row.values),
                    map_heap<Std>(row.values), row.target);
    std::printf("\nsizeof: mem_pool* %zu, mempool::Pool %zu, absl::flat_hash_map %zu, "
                "boost::unordered_flat_map %zu, std::unordered_map %zu\n",
                sizeof(mem_pool*), sizeof(mempool::Pool), sizeof(Absl), sizeof(Boost), sizeof(Std));

    std::printf("\n## Heap bytes per key in bigger pools (u64 values, keys 1..n)\n\n");
    std::printf("| pools x keys | mempool C API | absl::flat_hash_map | boost::unordered_flat_map | "
                "std::unordered_map |\n|---|---:|---:|---:|---:|\n");
    const struct {
        std::size_t pools;
        std::uint32_t keys;
    } big[] = {{10000, 16}, {10000, 64}, {100, 4096}, {1, 1000000}};
    for (const auto& b : big)
        std::printf("| %zu x %u | %.1f | %.1f | %.1f | %.1f |\n", b.pools, b.keys,
                    mempool_c(b.keys, b.pools) / b.keys, map_heap<Absl>(b.keys, b.pools) / b.keys,
                    map_heap<Boost>(b.keys, b.pools) / b.keys, map_heap<Std>(b.keys, b.pools) / b.keys);

    constexpr std::uint32_t kElements = 1000000;
    std::printf("\n## Heap bytes per element, list of %u 4-byte elements\n\n", kElements);
    std::printf("| container | bytes/element | target |\n|---|---:|---:|\n");
    std::printf("| mempool list (add_lst_mempool) | %.2f | <= 5 |\n", list_mempool(kElements));
    std::printf("| std::vector<uint32_t> (push_back, no reserve) | %.2f | |\n", list_vector(kElements));
    return 0;
}
