// bench_list.cpp: lists of 4-byte elements, appended and walked, against
// std::vector<uint32_t> as the floor nothing can beat.
//
// Case names: list_append/1000000/<how> and list_iterate/1000000/<how>.
// Items are elements, so bench/compare.py reports ns per element.
//   append:  a fresh pool (or vector, without reserve), 1,000,000 appends,
//            then its destruction: the amortised cost of building a list.
//   iterate: a sum over a 1,000,000-element list built once: through the C
//            iterator an element a call (next_lst_mempool_iterator) and a
//            run a call (next_run_lst_mempool_iterator), the C++ views.
#include "bench_common.hpp"

namespace bench {
namespace {

constexpr std::uint32_t kElements = 1000000;
constexpr std::uint32_t kListKey = 7;

void append_c(benchmark::State& state) {
    for (auto _ : state) {
        mem_pool* mp = new_mempool();
        for (std::uint32_t i = 0; i < kElements; ++i)
            if (add_lst_mempool(mp, kListKey, nullptr, sizeof i, &i) != 0) std::abort();
        benchmark::DoNotOptimize(mp);
        delete_mempool(mp);
    }
    state.SetItemsProcessed(state.iterations() * kElements);
}

void append_cpp(benchmark::State& state) {
    for (auto _ : state) {
        mempool::Pool pool;
        for (std::uint32_t i = 0; i < kElements; ++i)
            if (!pool.push<std::uint32_t>(kListKey, i)) std::abort();
        benchmark::DoNotOptimize(pool);
    }
    state.SetItemsProcessed(state.iterations() * kElements);
}

void append_vector(benchmark::State& state) {
    for (auto _ : state) {
        std::vector<std::uint32_t> v;
        for (std::uint32_t i = 0; i < kElements; ++i) v.push_back(i);
        benchmark::DoNotOptimize(v.data());
    }
    state.SetItemsProcessed(state.iterations() * kElements);
}

// The list walked by the iteration cases, built once.
struct Lists {
    mempool::Pool pool;
    std::vector<std::uint32_t> vector;
    std::uint64_t expected = 0;
    Lists() {
        std::mt19937 rng(42);
        for (std::uint32_t i = 0; i < kElements; ++i) {
            const std::uint32_t x = rng();
            if (!pool.push<std::uint32_t>(kListKey, x)) std::abort();
            vector.push_back(x);
            expected += x;
        }
    }
};
Lists& lists() {
    static Lists l;
    return l;
}

void finish_iterate(benchmark::State& state, std::uint64_t sum) {
    if (sum != lists().expected) state.SkipWithError("iteration missed elements");
    state.SetItemsProcessed(state.iterations() * kElements);
}

void iterate_c(benchmark::State& state) {
    mem_pool* mp = lists().pool.c_pool().value();
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, kListKey);
        for (void* e; (e = next_lst_mempool_iterator(it)) != nullptr;) {
            std::uint32_t x;
            std::memcpy(&x, e, sizeof x);
            sum += x;
        }
        destroy_lst_mempool_iterator(it);
        benchmark::DoNotOptimize(sum);
    }
    finish_iterate(state, sum);
}

// The C API a run at a time (next_run_lst_mempool_iterator): no call per
// element.
void iterate_c_runs(benchmark::State& state) {
    mem_pool* mp = lists().pool.c_pool().value();
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, kListKey);
        std::uint64_t n;
        for (const char* run; (run = static_cast<const char*>(next_run_lst_mempool_iterator(it, &n))) != nullptr;)
            for (std::uint64_t i = 0; i < n; ++i) {
                std::uint32_t x;
                std::memcpy(&x, run + i * sizeof x, sizeof x);
                sum += x;
            }
        destroy_lst_mempool_iterator(it);
        benchmark::DoNotOptimize(sum);
    }
    finish_iterate(state, sum);
}

void iterate_cpp_range(benchmark::State& state) {
    const mempool::ListView view = lists().pool.list(kListKey).value();
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        for (std::span<std::byte> e : view) {
            std::uint32_t x;
            std::memcpy(&x, e.data(), sizeof x);
            sum += x;
        }
        benchmark::DoNotOptimize(sum);
    }
    finish_iterate(state, sum);
}

void iterate_cpp_for_each(benchmark::State& state) {
    const mempool::ListView view = lists().pool.list(kListKey).value();
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        (void)view.for_each<std::uint32_t>([&](std::uint32_t x) noexcept { sum += x; });
        benchmark::DoNotOptimize(sum);
    }
    finish_iterate(state, sum);
}

void iterate_vector(benchmark::State& state) {
    const std::vector<std::uint32_t>& v = lists().vector;
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        for (std::uint32_t x : v) sum += x;
        benchmark::DoNotOptimize(sum);
    }
    finish_iterate(state, sum);
}

BENCHMARK(append_c)->Name("list_append/1000000/mempool_c")->Unit(benchmark::kMillisecond);
BENCHMARK(append_cpp)->Name("list_append/1000000/mempool_cpp")->Unit(benchmark::kMillisecond);
BENCHMARK(append_vector)->Name("list_append/1000000/std_vector")->Unit(benchmark::kMillisecond);
BENCHMARK(iterate_c)->Name("list_iterate/1000000/mempool_c")->Unit(benchmark::kMicrosecond);
BENCHMARK(iterate_c_runs)->Name("list_iterate/1000000/mempool_c_runs")->Unit(benchmark::kMicrosecond);
BENCHMARK(iterate_cpp_range)->Name("list_iterate/1000000/mempool_cpp_range")->Unit(benchmark::kMicrosecond);
BENCHMARK(iterate_cpp_for_each)->Name("list_iterate/1000000/mempool_cpp_for_each")->Unit(benchmark::kMicrosecond);
BENCHMARK(iterate_vector)->Name("list_iterate/1000000/std_vector")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace bench
