// bench_common.hpp: the workloads and the containers every bench_pool case
// runs on, so that mempool and its competitors see the same keys, the same
// values and the same sequence of probes in the same run.
//
// A workload is P pools of N keys each ("many pools": one pool per route,
// probed at a random pool and a random key, so caches behave as they do in a
// RIB; "single": one pool of N keys). Keys are either random 32-bit keys or
// the small sequential keys 1..N that plugins tend to use. Everything random
// is drawn from fixed seeds before any timing, and built once per process.
//
// Each container type is an `Impl` with:
//   using Store = ...;                          // the P pools
//   static void build(Store&, const Workload&);
//   static uint64_t get(Store&, uint32_t pool, uint32_t key);   // 0 if absent
//   static void set(Store&, uint32_t pool, uint32_t key, uint64_t value);
// `get` follows get_mempool_u64: the value, or 0 when the key is missing;
// `set` overwrites an existing key (find + store for the maps).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mempool/mempool.h"
#include "mempool/pool.hpp"

namespace bench {

enum class Keys { random, sequential };

struct Probe {
    std::uint32_t pool;
    std::uint32_t key;
};

// 2^20 probes: long enough that a pass touches a 1,000,000-key pool at about
// a million random places, so nothing but the structure's own locality helps.
inline constexpr std::size_t kProbes = std::size_t{1} << 20;

struct Workload {
    std::string name;            // e.g. "pools100000x4/random"
    std::uint32_t pools = 0;
    std::uint32_t keys_per_pool = 0;
    Keys kind = Keys::random;
    std::vector<std::uint32_t> keys;    // pools * keys_per_pool, in insertion order
    std::vector<std::uint64_t> values;  // same shape
    std::vector<Probe> hits;            // kProbes probes of present keys
    std::vector<Probe> misses;          // kProbes probes of absent keys
};

inline std::vector<std::uint32_t> distinct_random_keys(std::uint32_t n, std::mt19937_64& rng) {
    std::vector<std::uint32_t> keys;
    keys.reserve(n);
    if (n <= 64) {
        while (keys.size() < n) {
            const auto k = static_cast<std::uint32_t>(rng());
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
        }
    } else {
        std::unordered_set<std::uint32_t> seen;
        seen.reserve(n);
        while (keys.size() < n) {
            const auto k = static_cast<std::uint32_t>(rng());
            if (seen.insert(k).second) keys.push_back(k);
        }
    }
    return keys;
}

inline Workload make_workload(std::uint32_t pools, std::uint32_t n, Keys kind) {
    Workload w;
    w.name = (pools == 1 ? "single" + std::to_string(n) : "pools" + std::to_string(pools) + "x" + std::to_string(n)) +
             (kind == Keys::random ? "/random" : "/sequential");
    w.pools = pools;
    w.keys_per_pool = n;
    w.kind = kind;
    std::mt19937_64 rng(0x5eed0000ULL + pools * 31ULL + n * 7ULL + static_cast<unsigned>(kind));
    w.keys.reserve(std::size_t{pools} * n);
    std::vector<std::vector<std::uint32_t>> sorted(pools);
    for (std::uint32_t p = 0; p < pools; ++p) {
        std::vector<std::uint32_t> keys;
        if (kind == Keys::random) {
            keys = distinct_random_keys(n, rng);
        } else {
            for (std::uint32_t k = 1; k <= n; ++k) keys.push_back(k);
        }
        w.keys.insert(w.keys.end(), keys.begin(), keys.end());
        if (kind == Keys::random) {
            std::sort(keys.begin(), keys.end());
            sorted[p] = std::move(keys);
        }
    }
    w.values.resize(w.keys.size());
    for (auto& v : w.values) v = rng() | 1;  // never 0, so a hit reads non-zero

    std::uniform_int_distribution<std::uint32_t> pick_pool(0, pools - 1);
    std::uniform_int_distribution<std::uint32_t> pick_index(0, n - 1);
    w.hits.resize(kProbes);
    w.misses.resize(kProbes);
    for (Probe& probe : w.hits) {
        const std::uint32_t p = pick_pool(rng);
        probe = {p, w.keys[std::size_t{p} * n + pick_index(rng)]};
    }
    for (Probe& probe : w.misses) {
        const std::uint32_t p = pick_pool(rng);
        std::uint32_t key;
        if (kind == Keys::sequential) {
            key = n + 1 + pick_index(rng);  // the next keys a plugin would use
        } else {
            do key = static_cast<std::uint32_t>(rng());
            while (std::binary_search(sorted[p].begin(), sorted[p].end(), key));
        }
        probe = {p, key};
    }
    return w;
}

// The workloads, built on first use and kept for the whole run.
inline const Workload& workload(std::uint32_t pools, std::uint32_t n, Keys kind) {
    static std::map<std::tuple<std::uint32_t, std::uint32_t, Keys>, std::unique_ptr<Workload>> cache;
    auto& slot = cache[{pools, n, kind}];
    if (!slot) slot = std::make_unique<Workload>(make_workload(pools, n, kind));
    return *slot;
}

// ---- the containers -----------------------------------------------------------

// mempool through the C API: one `mem_pool*` per route.
struct MempoolC {
    static constexpr const char* name = "mempool_c";
    struct Store {
        std::vector<mem_pool*> pools;
        Store() = default;
        Store(const Store&) = delete;
        Store& operator=(const Store&) = delete;
        ~Store() {
            for (mem_pool* mp : pools) delete_mempool(mp);
        }
    };
    static void build(Store& s, const Workload& w) {
        s.pools.resize(w.pools);
        for (std::uint32_t p = 0; p < w.pools; ++p) {
            s.pools[p] = new_mempool();
            for (std::uint32_t j = 0; j < w.keys_per_pool; ++j) {
                const std::size_t i = std::size_t{p} * w.keys_per_pool + j;
                std::uint64_t v = w.values[i];
                if (add_single_mempool(s.pools[p], w.keys[i], nullptr, sizeof v, &v) != 0) std::abort();
            }
        }
    }
    static std::uint64_t get(Store& s, std::uint32_t p, std::uint32_t key) {
        return get_mempool_u64(s.pools[p], key);
    }
    static void set(Store& s, std::uint32_t p, std::uint32_t key, std::uint64_t v) {
        (void)set_single_mempool(s.pools[p], key, nullptr, sizeof v, &v);
    }
};

// mempool through the C++ API: the 8-byte `mempool::Pool` handle, embedded.
struct MempoolCpp {
    static constexpr const char* name = "mempool_cpp";
    using Store = std::vector<mempool::Pool>;
    static void build(Store& s, const Workload& w) {
        s.resize(w.pools);
        for (std::uint32_t p = 0; p < w.pools; ++p)
            for (std::uint32_t j = 0; j < w.keys_per_pool; ++j) {
                const std::size_t i = std::size_t{p} * w.keys_per_pool + j;
                if (!s[p].put<std::uint64_t>(w.keys[i], w.values[i])) std::abort();
            }
    }
    static std::uint64_t get(Store& s, std::uint32_t p, std::uint32_t key) {
        return s[p].get_u64(key).value_or(0);
    }
    static void set(Store& s, std::uint32_t p, std::uint32_t key, std::uint64_t v) {
        (void)s[p].set<std::uint64_t>(key, v);
    }
};

// The hash maps, embedded by value (their natural use), built by insertion
// in the same order as the pools, with their default hash functions.
template <class Map, const char* Name>
struct MapImpl {
    static constexpr const char* name = Name;
    using Store = std::vector<Map>;
    static void build(Store& s, const Workload& w) {
        s.resize(w.pools);
        for (std::uint32_t p = 0; p < w.pools; ++p)
            for (std::uint32_t j = 0; j < w.keys_per_pool; ++j) {
                const std::size_t i = std::size_t{p} * w.keys_per_pool + j;
                s[p].emplace(w.keys[i], w.values[i]);
            }
    }
    static std::uint64_t get(Store& s, std::uint32_t p, std::uint32_t key) {
        const Map& m = s[p];
        const auto it = m.find(key);
        return it == m.end() ? 0 : it->second;
    }
    static void set(Store& s, std::uint32_t p, std::uint32_t key, std::uint64_t v) {
        Map& m = s[p];
        const auto it = m.find(key);
        if (it != m.end()) it->second = v;
    }
};

inline constexpr char kStdName[] = "std_unordered_map";
inline constexpr char kAbslName[] = "absl_flat_hash_map";
inline constexpr char kBoostName[] = "boost_unordered_flat_map";
using StdMap = MapImpl<std::unordered_map<std::uint32_t, std::uint64_t>, kStdName>;
using AbslMap = MapImpl<absl::flat_hash_map<std::uint32_t, std::uint64_t>, kAbslName>;
using BoostMap = MapImpl<boost::unordered_flat_map<std::uint32_t, std::uint64_t>, kBoostName>;

// The floor of a map whose values never move (see docs/benchmarks.md, "The
// floor"): the best flat map holding, per key, the 32-bit index of its value
// in an array that is never reallocated, the way mempool's index holds
// ordinals of entries that never move. A hit costs what boost's costs plus
// the one dependent load that stable pointers need. Built once, never
// grown, so a plain array is stable here; memory per key is about mempool's.
struct OrdinalFloor {
    static constexpr const char* name = "boost_ordinal_floor";
    struct Pool {
        boost::unordered_flat_map<std::uint32_t, std::uint32_t> index;
        std::unique_ptr<std::uint64_t[]> values;
    };
    using Store = std::vector<Pool>;
    static void build(Store& s, const Workload& w) {
        s.resize(w.pools);
        for (std::uint32_t p = 0; p < w.pools; ++p) {
            s[p].values = std::make_unique<std::uint64_t[]>(w.keys_per_pool);
            for (std::uint32_t j = 0; j < w.keys_per_pool; ++j) {
                const std::size_t i = std::size_t{p} * w.keys_per_pool + j;
                s[p].index.emplace(w.keys[i], j);
                s[p].values[j] = w.values[i];
            }
        }
    }
    static std::uint64_t get(Store& s, std::uint32_t p, std::uint32_t key) {
        const Pool& pool = s[p];
        const auto it = pool.index.find(key);
        return it == pool.index.end() ? 0 : pool.values[it->second];
    }
    static void set(Store& s, std::uint32_t p, std::uint32_t key, std::uint64_t v) {
        Pool& pool = s[p];
        const auto it = pool.index.find(key);
        if (it != pool.index.end()) pool.values[it->second] = v;
    }
};

// The container built for a workload, once per process.
template <class Impl>
typename Impl::Store& store_for(const Workload& w) {
    static std::map<const Workload*, std::unique_ptr<typename Impl::Store>> cache;
    auto& slot = cache[&w];
    if (!slot) {
        slot = std::make_unique<typename Impl::Store>();
        Impl::build(*slot, w);
    }
    return *slot;
}

// Runs `register_one<Impl>()` for every container, mempool first, so that the
// cases of one workload run side by side.
template <class F>
void for_each_impl(F&& register_one) {
    register_one.template operator()<MempoolC>();
    register_one.template operator()<MempoolCpp>();
    register_one.template operator()<StdMap>();
    register_one.template operator()<AbslMap>();
    register_one.template operator()<BoostMap>();
    register_one.template operator()<OrdinalFloor>();
}

// The workload shapes of issue 2: many pools of 4 and of 64 keys, single
// pools of 4,096 and 1,000,000 keys.
struct Shape {
    std::uint32_t pools;
    std::uint32_t keys;
};
inline constexpr Shape kShapes[] = {{100000, 4}, {10000, 64}, {1, 4096}, {1, 1000000}};

}  // namespace bench
