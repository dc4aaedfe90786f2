// redteam3_holes_test.cpp: the holes the third red-team pass found in the
// anchored runner, each a test that fails until it is fixed (see
// /work/notes/redteam3_*.patch). Same fixture and attackers as
// redteam3_test.cpp.
#include "redteam3_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace mempool::test {
namespace {

using Redteam3Holes = Redteam3Test;

// Attack: the argument struct of a nesting level is reused by every plugin
// run there, and an xBGP plugin's context is the whole 1,096-byte struct
// although only its first 24 bytes (exec_info_t) are written before each
// plugin. Plugin A (group "a") writes a secret into bytes 24..1096 and
// returns; plugin B (group "b", another point, another manifest) reads them.
// Must hold: B finds none of A's bytes (no channel between plugins outside
// shared memory of one group): either the verifier refuses A and B (their
// context is exec_info_t, as `mempool-plugin verify --xbgp` checks xBGP
// codes), or B reads no secret.
TEST_P(Redteam3Holes, TheArgumentStructIsNoChannelBetweenPlugins) {
    auto load = [&](const char* section, const char* group) -> ProgramPtr {
        PluginSource src{xbgp_probe("redteam3.o"), section, std::string(section) + group};
        src.abi = PluginAbi::xbgp;
        src.group = group;
        LoadResult r = rt->load(src);
        return r ? r.value() : nullptr;
    };
    const ProgramPtr writer = load("r3/write_ctx", "a");
    const ProgramPtr reader = load("r3/read_ctx", "b");
    if (writer == nullptr || reader == nullptr) return;  // refused: contained
    const PointId write = alone(writer, "write_ctx");
    const PointId read = alone(reader, "read_ctx");
    ASSERT_EQ(rt->run(write, {}, {}, {}).value, 0u);
    const RunResult r = rt->run(read, {}, {}, {});
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(r.value, 0u) << "plugin b read what plugin a wrote into its argument struct";
}

// Attack: plugin X, a replace plugin, calls a host helper that runs another
// point (run() from inside a helper: run.cpp's nested run); the plugin there,
// Y, calls next() and the failing helper. Y is another plugin at another
// point: it must not act on X's chain.
// Must hold: Y's next() finds nothing to hand over to (-1) and runs nothing;
// X's own value (1001) decides its point, not the default code; X is not
// failed by Y's helper.
TEST_P(Redteam3Holes, APluginRunFromAHelperCannotHandOverItsCallersChain) {
    PluginSource src{xbgp_probe("redteam3.o"), "r3/pass", "y"};
    src.abi = PluginAbi::mempool;  // a pre plugin of the mempool ABI: the fast path's nested run
    LoadResult y = rt->load(src);
    ASSERT_TRUE(y) << y.error().to_string();
    other = rt->point("other");
    ASSERT_TRUE(rt->attach(other, y.value()).ok());
    const PointId point = alone(code("r3/own_value", 4096), "x");
    int defaults = 0;
    auto builtin = [&]() noexcept -> std::uint64_t {
        ++defaults;
        return 555;
    };
    const RunResult r = rt->run(point, {}, {}, DefaultCode::of(builtin));
    EXPECT_EQ(other_result, ~0ull) << "next() from the nested plugin handed over";
    EXPECT_EQ(defaults, 0) << "the nested plugin ran the outer chain's default code";
    EXPECT_EQ(r.value, 1001u);
    EXPECT_FALSE(r.fell_back);
}

// Attack: a group's shared memory is found by the group's name, which is
// the *.plugin manifest's "name". A second manifest, loaded by a second
// load_manifest into the same runtime, names itself like the first (the
// victim, whose code keeps a secret in its shared block under key 7) and
// looks key 7 up.
// Must hold: the second manifest is refused as a duplicate, or its code
// finds no block: a manifest cannot join another manifest's group by its
// name.
TEST_P(Redteam3Holes, ASecondManifestOfTheSameNameDoesNotJoinTheFirstsSharedMemory) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("redteam3_" + std::to_string(::getpid()) + "_" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir.parent_path());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto write = [&](const char* name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    const std::string victim = write("victim.plugin", R"({"name": "victim", "shared_mem": 4096,
      "obj_code_list": {"put": {"obj": ")" + xbgp_probe("redteam3_shm_put.o") + R"("}},
      "insertion_points": {"victim_point": {"replace": {"1": "put"}}}})");
    const std::string thief = write("thief.plugin", R"({"name": "victim", "shared_mem": 4096,
      "obj_code_list": {"peek": {"obj": ")" + xbgp_probe("redteam3_shm_peek.o") + R"("}},
      "insertion_points": {"thief_point": {"replace": {"1": "peek"}}}})");
    const PointId victim_point = rt->point("victim_point"), thief_point = rt->point("thief_point");
    const ManifestReport v = rt->load_manifest(victim);
    ASSERT_TRUE(v.ok()) << (v.problems.empty() ? std::string() : v.problems.front().to_string());
    ASSERT_EQ(rt->run(victim_point, {}, {}, {}).value, 0u);
    const ManifestReport t = rt->load_manifest(thief);
    if (t.ok() && t.attached != 0) {
        trace.clear();
        const RunResult r = rt->run(thief_point, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(traced(21), 0u) << "the second manifest's code found the first one's shared block";
        EXPECT_EQ(r.value, 0u);
    }
    fs::remove_all(dir);
}

// Not an escape, found on the way: the default code of an anchored run at
// the outermost level runs another point on the fast path (run_attached,
// outermost since no plugin is running); its end (finish_run) forgets the
// thread's call frame, which was the anchored run's. A post plugin run after
// the default code then finds no typed argument (get_arg gives NULL) and no
// pools.
// Must hold: the post plugin sees the run's typed arguments as it would
// without the default code's nested run.
TEST_P(Redteam3Holes, APostPluginKeepsItsRunsScopeAfterTheDefaultCodeRanAnotherPoint) {
    PluginSource src{xbgp_probe("redteam3.o"), "r3/read_block", "fast_path_plugin"};
    src.abi = PluginAbi::mempool;
    LoadResult q = rt->load(src);
    ASSERT_TRUE(q) << q.error().to_string();
    const PointId fast = rt->point("fast");
    ASSERT_TRUE(rt->attach(fast, q.value()).ok());
    const PointId point = rt->point("observed");
    ASSERT_TRUE(rt->attach(point, code("r3/post_get_arg", 4096), Anchor::post, 0).ok());
    const std::uint64_t value = 5;
    const TypedArg typed[] = {TypedArg::of(77, value)};
    CallScope scope;
    scope.typed = typed;
    // Without the nested run: the post plugin finds argument 77.
    auto plain = []() noexcept -> std::uint64_t { return 1; };
    trace.clear();
    (void)rt->run(point, {}, scope, DefaultCode::of(plain));
    ASSERT_EQ(traced(50), 1u);
    // With it.
    Runtime* runtime = rt.get();
    auto nested = [&]() noexcept -> std::uint64_t { return runtime->run(fast, {}).value + 1; };
    trace.clear();
    (void)rt->run(point, {}, scope, DefaultCode::of(nested));
    EXPECT_EQ(traced(50), 1u) << "the post plugin lost its run's scope";
}

INSTANTIATE_TEST_SUITE_P(Modes, Redteam3Holes, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
