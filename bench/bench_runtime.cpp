// bench_runtime: what a plugin costs the host (issue 3, "Targets").
//
//   BM_PluginA/jit           one run(point) of plugin A (count_updates) on an
//                            UPDATE: argument copy + JIT call + 2 get + 2 set
//   BM_PluginA/interpreter   the same, interpreted
//   BM_NativeA               a C++ function doing the same on the same pool
//   BM_SpecPluginA/jit       the specification's plugin A as written there:
//                            argument copy + JIT call + 1 get + 1 set
//   BM_NativeSpecA           the same in C++
//   BM_NativeSpecA_C         the same in C, on a mem_pool* as a C daemon's
//                            plugins see it (BM_SpecPluginA_C's equivalent)
//   BM_EmptyPoint/args:N     run() of a point with nothing attached, with N
//                            arguments built at the call
//   BM_SpecPluginA_C/jit     the specification's plugin A through the C API
//                            (mempool_runtime_run), as a C daemon calls it
//   BM_PluginA_C/jit         plugin A (count_updates) through the C API
//   BM_LoadVerify/<plugin>   load of each shipped plugin: the file read once,
//                            loaded, verified and JIT-compiled in-process
//   BM_LoadShipped           the four shipped plugins, one after the other
//   BM_LoadManifest          the shipped manifest (A-D) in one call, as
//                            mempool-bgp loads it
//
// Run: build/bench/bench_runtime --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
//
// Instructions per call (callgrind counts the same whatever the machine's
// load): `bench_runtime --calls N CASE` makes N calls of one case with
// callgrind collecting only around the loop (CASE: spec_a, spec_a_c,
// native_spec_a, native_spec_a_c, plugin_a, plugin_a_c, native_a; the
// plugin cases with _interp appended run the interpreter);
// bench/callcost.sh runs each case under callgrind and prints instructions
// per call.
#include <valgrind/callgrind.h>
#include <mempool/mempool.h>
#include <mempool/pool.hpp>
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include "bgp_plugins.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string shipped(const std::string& file) { return std::string(MEMPOOL_PLUGINS_DIR) + "/" + file; }

struct Host {
    explicit Host(bool jit, const std::string& object = shipped("count_updates.o"),
                  const std::string& section = "plugin/count_updates")
        : rt(options(jit)) {
        rt.set_global_pool(&global);
        message = rt.point("bgp_message");
        LoadResult r = rt.load(object, section);
        if (!r || r.value()->jitted() != jit) {
            std::fprintf(stderr, "cannot load plugin A: %s\n", r ? "JIT unavailable" : r.error().to_string().c_str());
            std::abort();
        }
        (void)rt.attach(message, r.value());
    }
    static mempool::RuntimeOptions options(bool jit) {
        mempool::RuntimeOptions o;
        o.jit = jit;
        return o;
    }
    using LoadResult = mempool::LoadResult;
    mempool::Pool global;
    mempool::Runtime rt;
    mempool::PointId message;
};

void BM_PluginA(benchmark::State& state) {
    Host host(state.range(0) != 0);
    std::uint32_t peer = 3;
    std::uint64_t ts = 1700000000;
    for (auto _ : state) {
        mempool::RunResult r = host.rt.run(host.message, {mempool::Arg::u8(BGP_MSG_UPDATE), mempool::Arg::u32(peer),
                                                          mempool::Arg::u64(ts)});
        benchmark::DoNotOptimize(r);
    }
    if (host.global.get_u64(UPDATE_MSG_KEY).value_or(0) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("plugin A miscounted");
}
BENCHMARK(BM_PluginA)->Arg(1)->Arg(0)->ArgName("jit");

// Plugin A's body in C++: same checks, same keys, same pool calls.
[[gnu::noinline]] std::uint64_t native_count_updates(mempool::Pool& pool, std::uint8_t type, std::uint32_t peer) {
    if (type != BGP_MSG_UPDATE) return EXIT_SUCCESS;
    if (peer > BGP_PEER_MASK) return EXIT_FAILURE;
    const std::uint32_t key = BGP_KEY(BGP_COUNTER_UPDATES, peer);
    if (!pool.set<std::uint64_t>(key, pool.get_u64(key).value_or(0) + 1)) return EXIT_FAILURE;
    const std::uint64_t seen = pool.get_u64(UPDATE_MSG_KEY).value_or(0) + 1;
    return pool.set<std::uint64_t>(UPDATE_MSG_KEY, seen) ? EXIT_SUCCESS : EXIT_FAILURE;
}

void BM_NativeA(benchmark::State& state) {
    mempool::Pool pool;
    std::uint8_t type = BGP_MSG_UPDATE;
    std::uint32_t peer = 3;
    for (auto _ : state) {
        benchmark::DoNotOptimize(type);
        benchmark::DoNotOptimize(peer);
        benchmark::DoNotOptimize(native_count_updates(pool, type, peer));
    }
    if (pool.get_u64(UPDATE_MSG_KEY).value_or(0) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("native A miscounted");
}
BENCHMARK(BM_NativeA);

void BM_SpecPluginA(benchmark::State& state) {
    Host host(state.range(0) != 0, std::string(MEMPOOL_BENCH_PLUGINS_DIR) + "/spec_plugin_a.o",
              "plugin/main_plugin_A");
    for (auto _ : state) {
        mempool::RunResult r = host.rt.run(host.message, {mempool::Arg::u32(BGP_MSG_UPDATE)});
        benchmark::DoNotOptimize(r);
    }
    if (host.global.get_u64(UPDATE_MSG_KEY).value_or(0) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("the specification's plugin A miscounted");
}
BENCHMARK(BM_SpecPluginA)->Arg(1)->Arg(0)->ArgName("jit");

[[gnu::noinline]] std::uint64_t native_spec_a(mempool::Pool& pool, int type) {
    if (type != BGP_MSG_UPDATE) return EXIT_SUCCESS;
    const std::uint64_t seen = pool.get_u64(UPDATE_MSG_KEY).value_or(0) + 1;
    return pool.set<std::uint64_t>(UPDATE_MSG_KEY, seen) ? EXIT_SUCCESS : EXIT_FAILURE;
}

void BM_NativeSpecA(benchmark::State& state) {
    mempool::Pool pool;
    int type = BGP_MSG_UPDATE;
    for (auto _ : state) {
        benchmark::DoNotOptimize(type);
        benchmark::DoNotOptimize(native_spec_a(pool, type));
    }
    if (pool.get_u64(UPDATE_MSG_KEY).value_or(0) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("native spec A miscounted");
}
BENCHMARK(BM_NativeSpecA);

// The same as a C daemon writes it, on the kind of pool its plugins reach
// (a mem_pool* global): the native equivalent of BM_SpecPluginA_C.
[[gnu::noinline]] std::uint64_t native_spec_a_c(mem_pool* pool, int type) {
    if (type != BGP_MSG_UPDATE) return EXIT_SUCCESS;
    std::uint64_t seen = get_mempool_u64(pool, UPDATE_MSG_KEY) + 1;
    return set_single_mempool(pool, UPDATE_MSG_KEY, nullptr, sizeof seen, &seen) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void BM_NativeSpecA_C(benchmark::State& state) {
    mem_pool* pool = new_mempool();
    int type = BGP_MSG_UPDATE;
    for (auto _ : state) {
        benchmark::DoNotOptimize(type);
        benchmark::DoNotOptimize(native_spec_a_c(pool, type));
    }
    if (get_mempool_u64(pool, UPDATE_MSG_KEY) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("native spec A (C pool) miscounted");
    delete_mempool(pool);
}
BENCHMARK(BM_NativeSpecA_C);

void BM_EmptyPoint(benchmark::State& state) {
    mempool::Runtime rt;
    mempool::PointId p = rt.point("nothing_attached");
    std::uint32_t peer = 3;
    if (state.range(0) == 0) {
        for (auto _ : state) {
            mempool::RunResult r = rt.run(p, {});
            benchmark::DoNotOptimize(r);
        }
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(peer);
        mempool::RunResult r =
            rt.run(p, {mempool::Arg::u8(BGP_MSG_UPDATE), mempool::Arg::u32(peer), mempool::Arg::u64(1)});
        benchmark::DoNotOptimize(r);
    }
}
// args:3 builds plugin A's three arguments as a host would; args:0 is the test alone.
BENCHMARK(BM_EmptyPoint)->Arg(3)->Arg(0)->ArgName("args");

const char* const plugins[][2] = {
    {"count_updates.o", "plugin/count_updates"},
    {"report_updates.o", "plugin/report_updates"},
    {"path_metric.o", "plugin/path_metric"},
    {"prefer_metric.o", "plugin/prefer_metric"},
};

void BM_LoadVerify(benchmark::State& state) {
    const auto& [file, section] = plugins[state.range(0)];
    mempool::Runtime rt;
    const std::string path = shipped(file);
    for (auto _ : state) {
        mempool::LoadResult r = rt.load(path, section);
        if (!r) {
            state.SkipWithError(r.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetLabel(section);
}
BENCHMARK(BM_LoadVerify)->DenseRange(0, 3)->ArgName("plugin")->Unit(benchmark::kMicrosecond);

// The four shipped plugins loaded, verified and compiled, in one process.
void BM_LoadShipped(benchmark::State& state) {
    mempool::Runtime rt;
    for (auto _ : state) {
        for (const auto& [file, section] : plugins) {
            mempool::LoadResult r = rt.load(shipped(file), section);
            if (!r) {
                state.SkipWithError(r.error().to_string().c_str());
                return;
            }
            benchmark::DoNotOptimize(r);
        }
    }
}
BENCHMARK(BM_LoadShipped)->Unit(benchmark::kMicrosecond);

// The shipped manifest (plugins A-D) in one call, as mempool-bgp loads it at
// start-up.
void BM_LoadManifest(benchmark::State& state) {
    const std::string manifest = shipped("plugins.json");
    for (auto _ : state) {
        mempool::Runtime rt;
        for (const char* p : {"bgp_message", "route_received", "route_compare", "peer_report"}) (void)rt.point(p);
        mempool::ManifestReport r = rt.load_manifest(manifest);
        if (!r.ok() || r.attached != 4) {
            state.SkipWithError(r.ok() ? "not every plugin attached" : r.problems.front().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_LoadManifest)->Unit(benchmark::kMicrosecond);

// ---- the C API, as a C daemon calls it -------------------------------------

struct CHost {
    CHost(bool jit, const std::string& object, const char* section) {
        global = new_mempool();
        rt = mempool_runtime_new(jit ? 1 : 0);
        mempool_runtime_set_global_pool(rt, global);
        point = mempool_runtime_point(rt, "bgp_message");
        char err[512];
        if (mempool_runtime_load(rt, object.c_str(), section, nullptr, point, 0, err, sizeof err) != 0) {
            std::fprintf(stderr, "cannot load %s: %s\n", section, err);
            std::abort();
        }
    }
    ~CHost() {
        mempool_runtime_delete(rt);
        delete_mempool(global);
    }
    mem_pool* global = nullptr;
    mempool_runtime* rt = nullptr;
    int point = -1;
};

void BM_SpecPluginA_C(benchmark::State& state) {
    CHost host(state.range(0) != 0, std::string(MEMPOOL_BENCH_PLUGINS_DIR) + "/spec_plugin_a.o",
               "plugin/main_plugin_A");
    for (auto _ : state) {
        struct mempool_arg args[1] = {mempool_arg_number(MEMPOOL_ARG_U32, BGP_MSG_UPDATE)};
        benchmark::DoNotOptimize(mempool_runtime_run(host.rt, host.point, args, 1, nullptr, nullptr, nullptr));
    }
    if (get_mempool_u64(host.global, UPDATE_MSG_KEY) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("the specification's plugin A miscounted (C API)");
}
BENCHMARK(BM_SpecPluginA_C)->Arg(1)->Arg(0)->ArgName("jit");

void BM_PluginA_C(benchmark::State& state) {
    CHost host(state.range(0) != 0, shipped("count_updates.o"), "plugin/count_updates");
    std::uint32_t peer = 3;
    for (auto _ : state) {
        benchmark::DoNotOptimize(peer);
        struct mempool_arg args[3] = {mempool_arg_number(MEMPOOL_ARG_U8, BGP_MSG_UPDATE),
                                      mempool_arg_number(MEMPOOL_ARG_U32, peer),
                                      mempool_arg_number(MEMPOOL_ARG_U64, 1700000000)};
        benchmark::DoNotOptimize(mempool_runtime_run(host.rt, host.point, args, 3, nullptr, nullptr, nullptr));
    }
    if (get_mempool_u64(host.global, UPDATE_MSG_KEY) != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("plugin A miscounted (C API)");
}
BENCHMARK(BM_PluginA_C)->Arg(1)->Arg(0)->ArgName("jit");

// ---- fixed counts, for callgrind ------------------------------------------

// N calls of one case, callgrind collecting only inside the loop, with the
// same calls as the benchmarks above. Returns the process's exit status.
int calls(const char* name, std::uint64_t n) {
    const std::string c = name;
    const std::string spec = std::string(MEMPOOL_BENCH_PLUGINS_DIR) + "/spec_plugin_a.o";
    std::uint64_t counted = 0;
    if (c == "spec_a" || c == "plugin_a" || c == "spec_a_interp" || c == "plugin_a_interp") {
        const bool a = c.starts_with("plugin_a");
        const bool jit = !c.ends_with("_interp");
        Host host(jit, a ? shipped("count_updates.o") : spec, a ? "plugin/count_updates" : "plugin/main_plugin_A");
        std::uint32_t peer = 3;
        CALLGRIND_TOGGLE_COLLECT;
        for (std::uint64_t i = 0; i < n; ++i) {
            benchmark::DoNotOptimize(peer);
            mempool::RunResult r =
                a ? host.rt.run(host.message, {mempool::Arg::u8(BGP_MSG_UPDATE), mempool::Arg::u32(peer),
                                               mempool::Arg::u64(1700000000)})
                  : host.rt.run(host.message, {mempool::Arg::u32(BGP_MSG_UPDATE)});
            benchmark::DoNotOptimize(r);
        }
        CALLGRIND_TOGGLE_COLLECT;
        counted = host.global.get_u64(UPDATE_MSG_KEY).value_or(0);
    } else if (c == "spec_a_c" || c == "plugin_a_c" || c == "spec_a_c_interp" || c == "plugin_a_c_interp") {
        const bool a = c.starts_with("plugin_a");
        const bool jit = !c.ends_with("_interp");
        CHost host(jit, a ? shipped("count_updates.o") : spec, a ? "plugin/count_updates" : "plugin/main_plugin_A");
        std::uint32_t peer = 3;
        CALLGRIND_TOGGLE_COLLECT;
        for (std::uint64_t i = 0; i < n; ++i) {
            benchmark::DoNotOptimize(peer);
            if (a) {
                struct mempool_arg args[3] = {mempool_arg_number(MEMPOOL_ARG_U8, BGP_MSG_UPDATE),
                                              mempool_arg_number(MEMPOOL_ARG_U32, peer),
                                              mempool_arg_number(MEMPOOL_ARG_U64, 1700000000)};
                benchmark::DoNotOptimize(mempool_runtime_run(host.rt, host.point, args, 3, nullptr, nullptr, nullptr));
            } else {
                struct mempool_arg args[1] = {mempool_arg_number(MEMPOOL_ARG_U32, BGP_MSG_UPDATE)};
                benchmark::DoNotOptimize(mempool_runtime_run(host.rt, host.point, args, 1, nullptr, nullptr, nullptr));
            }
        }
        CALLGRIND_TOGGLE_COLLECT;
        counted = get_mempool_u64(host.global, UPDATE_MSG_KEY);
    } else if (c == "native_spec_a_c") {
        mem_pool* pool = new_mempool();
        int type = BGP_MSG_UPDATE;
        CALLGRIND_TOGGLE_COLLECT;
        for (std::uint64_t i = 0; i < n; ++i) {
            benchmark::DoNotOptimize(type);
            benchmark::DoNotOptimize(native_spec_a_c(pool, type));
        }
        CALLGRIND_TOGGLE_COLLECT;
        counted = get_mempool_u64(pool, UPDATE_MSG_KEY);
        delete_mempool(pool);
    } else if (c == "native_spec_a" || c == "native_a") {
        const bool a = c == "native_a";
        mempool::Pool pool;
        int type = BGP_MSG_UPDATE;
        std::uint32_t peer = 3;
        CALLGRIND_TOGGLE_COLLECT;
        for (std::uint64_t i = 0; i < n; ++i) {
            benchmark::DoNotOptimize(type);
            benchmark::DoNotOptimize(peer);
            benchmark::DoNotOptimize(a ? native_count_updates(pool, static_cast<std::uint8_t>(type), peer)
                                       : native_spec_a(pool, type));
        }
        CALLGRIND_TOGGLE_COLLECT;
        counted = pool.get_u64(UPDATE_MSG_KEY).value_or(0);
    } else {
        std::fprintf(stderr, "unknown case %s\n", name);
        return 2;
    }
    if (counted != n) {
        std::fprintf(stderr, "%s miscounted: %llu of %llu\n", name, static_cast<unsigned long long>(counted),
                     static_cast<unsigned long long>(n));
        return 1;
    }
    std::printf("%s: %llu calls\n", name, static_cast<unsigned long long>(n));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--calls") return calls(argv[3], std::strtoull(argv[2], nullptr, 10));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
