// redteam3_test.cpp: the third red-team pass, against what the anchored
// runner (src/plugins/anchors.cpp) keeps between plugins to go fast: one
// argument struct, heap arena and context per nesting level and thread,
// reused by every plugin run there; the arena zeroed only up to its high
// mark unless the plugin may write outside its blocks; next() running the
// rest of a chain one level deeper. The attackers are xBGP plugins
// (probes/xbgp/redteam3.c), JIT and interpreter. What must hold: a plugin
// never finds bytes another plugin left (heap arena, shared memory of
// another group, globals of another load), whatever the heap sizes of the
// plugins run before it at its level, and a plugin that handed over with
// next() finds its own heap as it left it.
//
// Each test names the attack and the property it pins.
#include "redteam3_fixture.hpp"

#include <array>
#include <string>

namespace mempool::test {
namespace {

using Redteam3 = Redteam3Test;

// Attack: a plugin writes a secret over its whole arena through heap
// addresses (no allocation, so the allocator's high mark stays 0), returns;
// the next plugin at the same level, with a smaller, equal or larger heap
// (the level's arena kept, or grown), reads its whole arena the same way.
// Holds: it finds only zeros, for every pair of heap sizes, and no run is
// stopped (every address is inside the arena of the plugin using it).
TEST_P(Redteam3, AnArenaWrittenWithoutAllocatingIsZeroForTheNextPluginOfAnyHeapSize) {
    const std::array<std::uint32_t, 3> sizes{8u << 10, 64u << 10, 200u << 10};
    std::vector<PointId> writers, readers;
    for (std::uint32_t s : sizes) {
        writers.push_back(alone(code("r3/fill_arena", s), "fill_" + std::to_string(s)));
        readers.push_back(alone(code("r3/scan_arena", s), "scan_" + std::to_string(s)));
    }
    // The control: a plugin that scans what it wrote itself finds it.
    const PointId control = alone(code("r3/fill_then_scan", sizes[0]), "fill_then_scan");
    modes[1] = modes[2] = sizes[0];
    const RunResult c = rt->run(control, {}, {}, {});
    ASSERT_EQ(c.aborted, 0u);
    ASSERT_EQ(c.value, secret);
    for (std::size_t w = 0; w < sizes.size(); ++w) {
        for (std::size_t r = 0; r < sizes.size(); ++r) {
            modes[1] = sizes[w];
            modes[2] = sizes[r];
            trace.clear();
            const RunResult wrote = rt->run(writers[w], {}, {}, {});
            EXPECT_EQ(wrote.aborted, 0u);
            EXPECT_EQ(wrote.value, 0u);
            const RunResult read = rt->run(readers[r], {}, {}, {});
            EXPECT_EQ(read.aborted, 0u);
            EXPECT_EQ(read.value, 0u) << "writer heap " << sizes[w] << ", reader heap " << sizes[r];
            EXPECT_EQ(traced(2), 0u);
        }
    }
}

// Attack: a plugin fills a block through proven accesses only (no run-time
// check: the runner knows only the high mark), frees it (ctx_free of the last
// block lowers the allocator's top below the secret), fills a second one and
// shrinks it in place with ctx_realloc. The next plugin at the level
// allocates a block with ctx_malloc (which does not zero) and reads it, and
// a third reads the whole arena.
// Holds: both find zeros: the arena is zeroed up to the highest top the
// plugin ever reached, not its last top.
TEST_P(Redteam3, BlocksFreedOrShrunkLeaveNothingForTheNextPluginsMalloc) {
    const PointId fill = alone(code("r3/fill_blocks", 64u << 10), "fill_blocks");
    const PointId read = alone(code("r3/read_block", 64u << 10), "read_block");
    const PointId scan = alone(code("r3/scan_arena", 64u << 10), "scan");
    modes[2] = 64u << 10;
    // The control: ctx_malloc does not zero, so a plugin reading a block it
    // freed and allocated again finds what it wrote.
    const RunResult c = rt->run(alone(code("r3/reuse_block", 64u << 10), "reuse_block"), {}, {}, {});
    ASSERT_EQ(c.aborted, 0u);
    ASSERT_EQ(c.value, secret);
    for (int round = 0; round < 2; ++round) {
        trace.clear();
        const RunResult f = rt->run(fill, {}, {}, {});
        EXPECT_EQ(f.aborted, 0u);
        EXPECT_EQ(f.value, 0u);  // every allocation succeeded
        const RunResult r = rt->run(read, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(r.value, 0u);
        EXPECT_EQ(traced(3), 0u);
        ASSERT_EQ(rt->run(fill, {}, {}, {}).value, 0u);
        const RunResult s = rt->run(scan, {}, {}, {});
        EXPECT_EQ(s.aborted, 0u);
        EXPECT_EQ(s.value, 0u);
    }
}

// Attack: next() nesting. The outer plugin fills a heap block and hands over;
// the inner one (one level deeper) reads its whole arena, then writes a
// secret over all of it; back in the outer plugin, it checks its block and
// reads the rest of its own arena. Run twice, so the second inner plugin
// runs on the arena the first one filled.
// Holds: the inner plugin sees none of the outer's block (and, the second
// time, none of the first inner run's secret); the outer's block is intact
// and its arena holds nothing the inner wrote; the chain's value is the
// inner plugin's.
TEST_P(Redteam3, NextGivesTheInnerPluginAnArenaOfItsOwnAndKeepsTheOutersIntact) {
    const PointId point = rt->point("chain");
    ASSERT_TRUE(rt->attach(point, code("r3/outer_keep", 64u << 10), Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(point, code("r3/inner_scan_fill", 64u << 10), Anchor::replace, 1).ok());
    modes[1] = 64u << 10;
    modes[2] = 64u << 10;
    modes[12] = 64u << 10;
    for (int round = 0; round < 2; ++round) {
        trace.clear();
        const RunResult r = rt->run(point, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u) << round;
        EXPECT_EQ(r.failed, 0u) << round;
        EXPECT_EQ(r.value, 2002u) << round;
        EXPECT_EQ(traced(2), 0u) << "the inner plugin found bytes in its arena, round " << round;
        EXPECT_EQ(traced(10), 1u) << "the outer plugin's block changed across next(), round " << round;
        EXPECT_EQ(traced(11), 0u) << "the outer plugin's arena holds the inner's bytes, round " << round;
    }
    // A plugin run later one level deep (the inner position of another
    // chain) finds the level's arena zeroed, as does one at the outer level.
    const PointId later = rt->point("later");
    ASSERT_TRUE(rt->attach(later, code("r3/pass", 64u << 10), Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(later, code("r3/scan_arena", 64u << 10), Anchor::replace, 1).ok());
    trace.clear();
    const RunResult l = rt->run(later, {}, {}, {});
    EXPECT_EQ(l.aborted, 0u);
    EXPECT_EQ(l.value, 0u);
    EXPECT_EQ(traced(2), 0u);
    const PointId outer_level = alone(code("r3/scan_arena", 64u << 10, "x"), "outer_level");
    trace.clear();
    EXPECT_EQ(rt->run(outer_level, {}, {}, {}).value, 0u);
    EXPECT_EQ(traced(2), 0u);
}

// Attack: a deep chain whose plugins have different heap sizes, so that the
// levels' arenas are made and grown in the middle of runs (a small inner
// plugin, then a large one at the same depth, then a small one again),
// each inner plugin reading then filling its arena.
// Holds: no inner plugin ever finds bytes, at any depth, in any order.
TEST_P(Redteam3, LevelsGrownInTheMiddleOfAChainStillStartZeroed) {
    const std::array<std::uint32_t, 4> sizes{4u << 10, 128u << 10, 16u << 10, 128u << 10};
    const PointId point = rt->point("deep");
    std::int32_t order = 0;
    for (std::uint32_t s : sizes) ASSERT_TRUE(rt->attach(point, code("r3/pass", s), Anchor::replace, order++).ok());
    // The last plugin reads and fills test_mode(1)/(2) bytes: the smallest
    // heap of the chain, so its accesses stay in any arena.
    ASSERT_TRUE(rt->attach(point, code("r3/inner_scan_fill", 4u << 10), Anchor::replace, order++).ok());
    modes[1] = 4u << 10;
    modes[2] = 4u << 10;
    for (int round = 0; round < 3; ++round) {
        trace.clear();
        const RunResult r = rt->run(point, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(r.value, 2002u);
        EXPECT_EQ(traced(2), 0u) << round;
    }
    // The same depth now holds a plugin of the largest heap that reads all
    // of it (the arena that depth was grown to).
    const PointId wide = rt->point("wide");
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(sizes.size()); ++i)
        ASSERT_TRUE(rt->attach(wide, code("r3/pass", 4u << 10), Anchor::replace, i).ok());
    ASSERT_TRUE(rt->attach(wide, code("r3/scan_arena", 128u << 10), Anchor::replace, 10).ok());
    modes[2] = 128u << 10;
    trace.clear();
    const RunResult w = rt->run(wide, {}, {}, {});
    EXPECT_EQ(w.aborted, 0u);
    EXPECT_EQ(w.value, 0u);
    EXPECT_EQ(traced(2), 0u);
}

// Attack: shared memory across plugin groups and runtimes. A plugin of group
// "a" puts a secret in its block under key 7; plugins of another group, of
// no group with shared memory of its own, without shared memory, and of
// group "a" in a second Runtime look key 7 up.
// Holds: only group "a" of the same runtime finds the block (and the
// secret); every other plugin finds no block at all.
TEST_P(Redteam3, SharedMemoryIsTheGroupsAndTheRuntimesAlone) {
    modes[20] = 7;
    const PointId write = alone(code("r3/shm_write", 4096, "a", 4096), "shm_write");
    ASSERT_EQ(rt->run(write, {}, {}, {}).value, 0u);
    struct Case {
        const char* what;
        ProgramPtr program;
        std::uint64_t expected;
    };
    Case cases[] = {
        {"same group", code("r3/shm_read", 4096, "a", 4096), 2},
        {"other group", code("r3/shm_read", 4096, "b", 4096), 0},
        {"no group, own shared memory", code("r3/shm_read", 4096, "", 4096), 0},
        {"no shared memory", code("r3/shm_read", 4096), 0},
    };
    int n = 0;
    for (Case& c : cases) {
        trace.clear();
        const PointId p = alone(c.program, "shm_read_" + std::to_string(n++));
        const RunResult r = rt->run(p, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u) << c.what;
        EXPECT_EQ(r.value, c.expected) << c.what;
        EXPECT_EQ(traced(21), c.expected) << c.what;
    }
    // A second runtime in the same process, same group name.
    RuntimeOptions o = options_for(GetParam());
    o.xbgp_helpers = true;
    Runtime second(o);
    for (auto [name, fn, args] : {std::tuple{"test_mode", &Redteam3Test::test_mode, 1}, std::tuple{"test_trace", &Redteam3Test::test_trace, 2}}) {
        HelperSpec h;
        h.name = name;
        h.fn = fn;
        h.arg_count = static_cast<std::uint8_t>(args);
        ASSERT_TRUE(second.register_helper(h).ok());
    }
    trace.clear();
    const PointId there = alone(code("r3/shm_read", 4096, "a", 4096, "redteam3.o", &second), "shm_read", &second);
    const RunResult r = second.run(there, {}, {}, {});
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(r.value, 0u) << "a second runtime's group 'a' found the first one's block";
    EXPECT_EQ(traced(21), 0u);
}

// Attack: writable globals across loads, runtimes and plugins loaded after
// the first is gone. A plugin counts its runs in a global.
// Holds: each load has its own copy of the globals (two loads of one
// object in one runtime, a load in a second runtime, a load made after the
// first program was released all start from the image: 1); one loaded
// program attached at two points shares its globals, as with xBGP's uBPF
// (docs/verifier.md): that is the plugin's own memory.
TEST_P(Redteam3, GlobalsBelongToOneLoadedProgram) {
    ProgramPtr first = code("r3/count_runs", 4096, "", 0, "redteam3_globals.o");
    ProgramPtr second = code("r3/count_runs", 4096, "", 0, "redteam3_globals.o");
    ASSERT_TRUE(first && second);
    const PointId a = alone(first, "count_a");
    const PointId b = alone(second, "count_b");
    EXPECT_EQ(rt->run(a, {}, {}, {}).value, 1u);
    EXPECT_EQ(rt->run(a, {}, {}, {}).value, 2u);
    EXPECT_EQ(rt->run(b, {}, {}, {}).value, 1u) << "a second load saw the first load's globals";
    // The same program at a second point: its own globals, shared.
    const PointId a2 = alone(first, "count_a2");
    EXPECT_EQ(rt->run(a2, {}, {}, {}).value, 3u);
    // Detached and released, then a new load (the allocator may give it the
    // same memory): it starts from the image.
    EXPECT_EQ(rt->detach(a, first->name()), 1u);
    EXPECT_EQ(rt->detach(a2, first->name()), 1u);
    first.reset();
    ProgramPtr third = code("r3/count_runs", 4096, "", 0, "redteam3_globals.o");
    ASSERT_TRUE(third);
    const PointId c = alone(third, "count_c");
    EXPECT_EQ(rt->run(c, {}, {}, {}).value, 1u);
    // A second runtime.
    RuntimeOptions o = options_for(GetParam());
    o.xbgp_helpers = true;
    Runtime other_rt(o);
    HelperSpec h;
    h.name = "test_trace";
    h.fn = &Redteam3Test::test_trace;
    h.arg_count = 2;
    ASSERT_TRUE(other_rt.register_helper(h).ok());
    ProgramPtr there = code("r3/count_runs", 4096, "", 0, "redteam3_globals.o", &other_rt);
    ASSERT_TRUE(there);
    const PointId d = alone(there, "count_d", &other_rt);
    EXPECT_EQ(other_rt.run(d, {}, {}, {}).value, 1u);
    EXPECT_EQ(rt->run(b, {}, {}, {}).value, 2u);
}

// Attack: a plugin fills a heap block with a secret and calls a host helper
// that runs another point (a nested run() on the fast path's nested runner,
// whose plugin is of the mempool ABI); that plugin allocates a block and
// reads it whole (ctx_malloc does not zero). Done twice.
// Holds: the nested plugin finds zeros (its heap is not the caller's), and
// the caller's block is intact when the helper returns.
TEST_P(Redteam3, APluginRunFromAHelperGetsAHeapOfItsOwn) {
    PluginSource src{xbgp_probe("redteam3.o"), "r3/read_block", "nested_reader"};
    src.abi = PluginAbi::mempool;
    src.limits.heap = 64u << 10;
    LoadResult y = rt->load(src);
    ASSERT_TRUE(y) << y.error().to_string() << "\n" << join(y.error().diagnostics);
    other = rt->point("other");
    ASSERT_TRUE(rt->attach(other, y.value()).ok());
    const PointId point = alone(code("r3/fill_then_run_other", 64u << 10), "outer");
    for (int round = 0; round < 2; ++round) {
        trace.clear();
        other_result = 99;
        const RunResult r = rt->run(point, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(r.value, 0u);
        EXPECT_EQ(other_result, 0u) << "the nested plugin found the caller's secret";
        EXPECT_EQ(traced(3), 0u);
        EXPECT_EQ(traced(10), 1u) << "the caller's block changed across the nested run";
    }
}

// Attack: a plugin fills its arena with a secret and then has itself stopped
// by a run-time check (a read far past the arena), as the first of a chain
// and alone; the next plugin at its level reads its whole arena.
// Holds: a stopped plugin's arena is zeroed like any other (the abort path
// does not skip the reset), and the stop is counted.
TEST_P(Redteam3, AStoppedPluginsArenaIsZeroedToo) {
    modes[1] = modes[2] = 64u << 10;
    const PointId stopped = alone(code("r3/fill_then_abort", 64u << 10), "stopped");
    const PointId scan = alone(code("r3/scan_arena", 64u << 10), "scan");
    const PointId chain = rt->point("chain");
    ASSERT_TRUE(rt->attach(chain, code("r3/pass", 64u << 10), Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(chain, code("r3/fill_then_abort", 64u << 10, "c"), Anchor::replace, 1).ok());
    ASSERT_TRUE(rt->attach(chain, code("r3/scan_arena", 64u << 10, "c"), Anchor::replace, 2).ok());
    auto builtin = []() noexcept -> std::uint64_t { return 9; };
    for (int round = 0; round < 2; ++round) {
        const RunResult s = rt->run(stopped, {}, {}, {});
        EXPECT_EQ(s.aborted, 1u);
        trace.clear();
        const RunResult r = rt->run(scan, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(r.value, 0u);
        // In the chain the stopped plugin is one level deep; the default
        // code decides, then the same level runs the reader of another run.
        const RunResult c = rt->run(chain, {}, {}, DefaultCode::of(builtin));
        EXPECT_EQ(c.aborted, 1u);
        EXPECT_EQ(c.value, 9u);
        const PointId deep_scan = rt->point("deep_scan");
        if (rt->attached_count(deep_scan, Anchor::replace) == 0) {
            ASSERT_TRUE(rt->attach(deep_scan, code("r3/pass", 4096), Anchor::replace, 0).ok());
            ASSERT_TRUE(rt->attach(deep_scan, code("r3/scan_arena", 64u << 10, "d"), Anchor::replace, 1).ok());
        }
        trace.clear();
        const RunResult d = rt->run(deep_scan, {}, {}, {});
        EXPECT_EQ(d.aborted, 0u);
        EXPECT_EQ(d.value, 0u);
        EXPECT_EQ(traced(2), 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, Redteam3, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
