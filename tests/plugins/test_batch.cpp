// Batches: the plugins of one load_batch() (or one manifest) are loaded in
// one call, each with its own verdict and reason, in this process. (The
// first runtime validated a batch in a forked child and pinned a validator
// crash or hang on its plugin; with our own linear verifier there is no
// child, no crash to contain and no time limit to hit: those tests are gone.)
#include "test_support.hpp"

#include "bgp_plugins.h"

#include <chrono>
#include <filesystem>
#include <fstream>

namespace mempool::test {
namespace {

const char* const shipped_sections[][2] = {
    {"count_updates.o", "plugin/count_updates"},
    {"report_updates.o", "plugin/report_updates"},
    {"path_metric.o", "plugin/path_metric"},
    {"prefer_metric.o", "plugin/prefer_metric"},
};

class Batch : public ::testing::TestWithParam<bool> {
protected:
    Batch() : rt(options_for(GetParam())) {}

    static std::vector<PluginSource> shipped_batch() {
        std::vector<PluginSource> v;
        for (const auto& [file, section] : shipped_sections) v.push_back({shipped(file), section, {}});
        return v;
    }
    void expect_loaded(const LoadResult& r, const std::string& name) {
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r.value()->name(), name);
        EXPECT_EQ(r.value()->jitted(), GetParam());
    }

    Runtime rt;
};

TEST_P(Batch, AllPluginsLoadInOneCall) {
    const std::vector<PluginSource> sources = shipped_batch();
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) expect_loaded(r[i], sources[i].section);

    // The loaded programs run: plugin A counts an UPDATE.
    Pool global;
    rt.set_global_pool(&global);
    PointId msg = rt.point("bgp_message");
    ASSERT_TRUE(rt.attach(msg, r[0].value()).ok());
    RunResult run = rt.run(msg, {Arg::u8(BGP_MSG_UPDATE), Arg::u32(1), Arg::u64(0)});
    EXPECT_EQ(run.ran, 1u);
    EXPECT_EQ(run.value, 0u);
    EXPECT_EQ(global.get_u64(UPDATE_MSG_KEY).value_or(0), 1u);
    rt.set_global_pool(nullptr);
}

TEST_P(Batch, NamesDefaultToSectionsAndEmptyBatchesAreFine) {
    EXPECT_TRUE(rt.load_batch({}).empty());
    std::vector<PluginSource> sources = shipped_batch();
    sources[1].name = "B";
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), 4u);
    expect_loaded(r[0], "plugin/count_updates");
    expect_loaded(r[1], "B");
}

// What used to take librte_bpf seconds (and hit the time limit) loads in a
// batch like any other plugin.
TEST_P(Batch, AProgramWithManySequentialIfsLoadsFastInTheMiddleOfABatch) {
    std::vector<PluginSource> sources = shipped_batch();
    sources.insert(sources.begin() + 1, PluginSource{bad("slow_validation.o"), "plugin/slow_validation", "slow"});
    const auto start = std::chrono::steady_clock::now();
    std::vector<LoadResult> r = rt.load_batch(sources);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.size(), 5u);
    for (const LoadResult& x : r) EXPECT_TRUE(x) << x.error().to_string();
    EXPECT_LT(took, std::chrono::milliseconds(500));
}

TEST_P(Batch, MixedGoodAndBadPluginsEachGetTheirOwnVerdict) {
    std::vector<PluginSource> sources = {
        {shipped("count_updates.o"), "plugin/count_updates", "A"},
        {bad("loop.o"), "plugin/loop", "spin"},
        {shipped("report_updates.o"), "plugin/report_updates", "B"},
        {bad("global_var.o"), "plugin/global_var", "global"},
        {bad("no_exit.o"), "plugin/no_exit", "hostile"},
        {bad("unknown_helper.o"), "plugin/unknown_helper", "missiles"},
        {shipped("path_metric.o"), "plugin/counting", "nosuchsection"},
        {bad("oob_arg.o"), "plugin/oob_arg", "oob"},
        {shipped("prefer_metric.o"), "plugin/prefer_metric", "D"},
    };
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), sources.size());
    expect_loaded(r[0], "A");
    expect_loaded(r[2], "B");
    expect_loaded(r[8], "D");
    auto expect = [&](std::size_t i, PluginErrc code, const char* words) {
        ASSERT_FALSE(r[i]) << i;
        EXPECT_EQ(r[i].error().plugin, sources[i].name);
        EXPECT_EQ(r[i].error().code, code) << r[i].error().to_string();
        EXPECT_NE(r[i].error().message.find(words), std::string::npos) << r[i].error().to_string();
    };
    expect(1, PluginErrc::loop, "loop");
    expect(3, PluginErrc::global_variable, "global variable");
    expect(4, PluginErrc::rejected, "jumps out of its function");
    expect(5, PluginErrc::unknown_helper, "launch_missiles");
    expect(6, PluginErrc::missing_section, "no section 'plugin/counting'");
    expect(7, PluginErrc::out_of_bounds, "of the context, which has 1096 bytes");
}

TEST_P(Batch, AManifestIsOneBatchAndAProblemInItIsNamed) {
    const std::string manifest =
        (std::filesystem::path(::testing::TempDir()) / ("mempool_batch_" + std::to_string(::getpid()) + ".json"))
            .string();
    const std::string objects = MEMPOOL_PLUGINS_DIR;
    auto write = [&](const std::string& c_section) {
        std::ofstream(manifest) << R"({ "plugins": [
      { "name": "A", "object": ")" + objects + R"(/count_updates.o", "section": "plugin/count_updates",
        "point": "bgp_message" },
      { "name": "C", "object": ")" + objects + R"(/path_metric.o", "section": ")" + c_section + R"(",
        "point": "route_received" },
      { "name": "D", "object": ")" + objects + R"(/prefer_metric.o", "section": "plugin/prefer_metric",
        "point": "route_compare" }
    ] })";
    };
    for (const char* p : {"bgp_message", "route_received", "route_compare"}) rt.point(p);

    write("plugin/path_metric");
    ManifestReport ok = rt.load_manifest(manifest);
    for (const PluginError& e : ok.problems) ADD_FAILURE() << e.to_string();
    EXPECT_EQ(ok.attached, 3u);
    rt.detach_all();

    write("plugin/nope");
    ManifestReport bad_one = rt.load_manifest(manifest);
    ASSERT_EQ(bad_one.problems.size(), 1u);
    EXPECT_EQ(bad_one.problems[0].plugin, "C");
    EXPECT_EQ(bad_one.problems[0].code, PluginErrc::missing_section);
    EXPECT_EQ(bad_one.attached, 0u);
    EXPECT_EQ(rt.attached_count(rt.find_point("bgp_message")), 0u);
    std::filesystem::remove(manifest);
}

// validate_in_child is a no-op now: the same answers either way.
TEST_P(Batch, TheChildOptionsChangeNothing) {
    RuntimeOptions o = options_for(GetParam());
    o.validate_in_child = false;
    o.validation_timeout = std::chrono::milliseconds(1);
    Runtime inproc(o);
    std::vector<LoadResult> r = inproc.load_batch(shipped_batch());
    ASSERT_EQ(r.size(), 4u);
    for (const LoadResult& x : r) EXPECT_TRUE(x) << x.error().to_string();
    std::vector<PluginSource> bad_one = {{bad("loop.o"), "plugin/loop", {}}};
    r = inproc.load_batch(bad_one);
    ASSERT_EQ(r.size(), 1u);
    ASSERT_FALSE(r[0]);
    EXPECT_EQ(r[0].error().code, PluginErrc::loop);
}

INSTANTIATE_TEST_SUITE_P(Modes, Batch, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
