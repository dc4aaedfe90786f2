// Batch validation: the plugins of one load_batch() (or one manifest) are
// validated in one forked child, and yet a crash or a hang of the validator
// is reported against the plugin that caused it, by name, while the others
// are still judged and loaded.
//
// The crashes and stalls are made deterministic with the test probe of
// child_validation.hpp, which runs in the validating child only, just before
// each plugin: it records the child's pid (so the tests count children) and
// aborts or sleeps on the plugin a test chooses.
#include "test_support.hpp"

#include "bgp_plugins.h"
#include "child_validation.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace mempool::test {
namespace {

// What the probe does, set by each test before forking (a child sees the
// values of the moment it was forked).
std::string probe_log;          // file the probe appends "<pid> <section>\n" to
std::string crash_on;           // section on which the child aborts
std::string stall_on;           // section on which the child sleeps for stall_for
std::chrono::milliseconds stall_for{0};
bool stall_every = false;       // sleep stall_for before every plugin

void probe(const std::string& section) {
    if (!probe_log.empty()) {
        const int fd = ::open(probe_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            const std::string line = std::to_string(::getpid()) + " " + section + "\n";
            (void)!::write(fd, line.data(), line.size());
            ::close(fd);
        }
    }
    if (section == crash_on) std::abort();  // SIGABRT, as glibc's heap checks do
    if (stall_every || section == stall_on) std::this_thread::sleep_for(stall_for);
}

const char* const shipped_sections[][2] = {
    {"count_updates.o", "plugin/count_updates"},
    {"report_updates.o", "plugin/report_updates"},
    {"path_metric.o", "plugin/path_metric"},
    {"prefer_metric.o", "plugin/prefer_metric"},
};

class Batch : public ::testing::TestWithParam<bool> {
protected:
    Batch() : rt(options_for(GetParam())) {
        std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::replace(test.begin(), test.end(), '/', '_');  // "Name/jit"
        probe_log = (std::filesystem::path(::testing::TempDir()) /
                     ("mempool_batch_" + std::to_string(::getpid()) + "_" + test + ".log"))
                        .string();
        std::filesystem::remove(probe_log);
        crash_on.clear();
        stall_on.clear();
        stall_for = std::chrono::milliseconds(0);
        stall_every = false;
        detail::set_child_probe(&probe);
    }
    ~Batch() override {
        detail::set_child_probe(nullptr);
        std::filesystem::remove(probe_log);
        probe_log.clear();
    }

    static std::vector<PluginSource> shipped_batch() {
        std::vector<PluginSource> v;
        for (const auto& [file, section] : shipped_sections) v.push_back({shipped(file), section, {}});
        return v;
    }
    // The children that ran, in order, and which sections each one saw.
    std::vector<std::pair<long, std::vector<std::string>>> children() const {
        std::vector<std::pair<long, std::vector<std::string>>> out;
        std::ifstream in(probe_log);
        long pid;
        std::string section;
        while (in >> pid >> section) {
            if (out.empty() || out.back().first != pid) out.push_back({pid, {}});
            out.back().second.push_back(section);
        }
        return out;
    }
    void expect_loaded(const LoadResult& r, const std::string& name) {
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r.value()->name(), name);
        EXPECT_EQ(r.value()->jitted(), GetParam());
    }

    Runtime rt;
};

TEST_P(Batch, AllPluginsAreValidatedInOneChild) {
    const std::vector<PluginSource> sources = shipped_batch();
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) expect_loaded(r[i], sources[i].section);
    const auto kids = children();
    ASSERT_EQ(kids.size(), 1u);
    EXPECT_EQ(kids[0].second.size(), 4u);

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
    EXPECT_TRUE(children().empty());
    std::vector<PluginSource> sources = shipped_batch();
    sources[1].name = "B";
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), 4u);
    expect_loaded(r[0], "plugin/count_updates");
    expect_loaded(r[1], "B");
}

TEST_P(Batch, ACrashIsReportedAgainstItsPluginAndTheOthersAreStillJudged) {
    crash_on = "plugin/path_metric";  // the third of four
    std::vector<PluginSource> sources = shipped_batch();
    sources[2].name = "C";
    std::vector<LoadResult> r = rt.load_batch(sources);
    ASSERT_EQ(r.size(), 4u);
    expect_loaded(r[0], "plugin/count_updates");
    expect_loaded(r[1], "plugin/report_updates");
    ASSERT_FALSE(r[2]);
    EXPECT_EQ(r[2].error().code, PluginErrc::validator_crashed);
    EXPECT_EQ(r[2].error().plugin, "C");
    EXPECT_NE(r[2].error().message.find("signal " + std::to_string(SIGABRT)), std::string::npos)
        << r[2].error().to_string();
    EXPECT_EQ(r[2].error().to_string().rfind("plugin 'C' rejected: the validator crashed", 0), 0u);
    expect_loaded(r[3], "plugin/prefer_metric");

    // Child 1 died on C after judging A and B; C is tried again as the first
    // plugin of child 2 (a crash is only blamed on a plugin that crashes a
    // fresh validator), and D goes to child 3.
    const auto kids = children();
    ASSERT_EQ(kids.size(), 3u);
    EXPECT_EQ(kids[0].second, (std::vector<std::string>{"plugin/count_updates", "plugin/report_updates",
                                                        "plugin/path_metric"}));
    EXPECT_EQ(kids[1].second, (std::vector<std::string>{"plugin/path_metric"}));
    EXPECT_EQ(kids[2].second, (std::vector<std::string>{"plugin/prefer_metric"}));
}

TEST_P(Batch, ACrashOnTheFirstOrTheLastPlugin) {
    crash_on = "plugin/count_updates";
    std::vector<LoadResult> r = rt.load_batch(shipped_batch());
    ASSERT_EQ(r.size(), 4u);
    ASSERT_FALSE(r[0]);
    EXPECT_EQ(r[0].error().code, PluginErrc::validator_crashed);
    EXPECT_EQ(r[0].error().plugin, "plugin/count_updates");
    for (std::size_t i = 1; i < 4; ++i) EXPECT_TRUE(r[i]) << r[i].error().to_string();
    EXPECT_EQ(children().size(), 2u);  // the first plugin of child 1 is blamed at once

    std::filesystem::remove(probe_log);
    crash_on = "plugin/prefer_metric";
    r = rt.load_batch(shipped_batch());
    ASSERT_EQ(r.size(), 4u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(r[i]) << r[i].error().to_string();
    ASSERT_FALSE(r[3]);
    EXPECT_EQ(r[3].error().code, PluginErrc::validator_crashed);
    EXPECT_EQ(r[3].error().plugin, "plugin/prefer_metric");
    EXPECT_EQ(children().size(), 2u);
}

TEST_P(Batch, AHangIsReportedAgainstItsPluginAndTheOthersAreStillJudged) {
    RuntimeOptions o = options_for(GetParam());
    o.validation_timeout = std::chrono::milliseconds(300);
    Runtime limited(o);
    stall_on = "plugin/report_updates";
    stall_for = std::chrono::milliseconds(60000);  // killed long before
    const auto start = std::chrono::steady_clock::now();
    std::vector<LoadResult> r = limited.load_batch(shipped_batch());
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.size(), 4u);
    EXPECT_TRUE(r[0]) << r[0].error().to_string();
    ASSERT_FALSE(r[1]);
    EXPECT_EQ(r[1].error().code, PluginErrc::validator_timeout);
    EXPECT_EQ(r[1].error().plugin, "plugin/report_updates");
    EXPECT_NE(r[1].error().message.find("300 ms"), std::string::npos) << r[1].error().to_string();
    EXPECT_TRUE(r[2]) << r[2].error().to_string();
    EXPECT_TRUE(r[3]) << r[3].error().to_string();
    EXPECT_LT(took, std::chrono::seconds(20));
    const auto kids = children();
    ASSERT_EQ(kids.size(), 2u);  // a hang is blamed at once; C and D in a second child
    EXPECT_EQ(kids[1].second, (std::vector<std::string>{"plugin/path_metric", "plugin/prefer_metric"}));
}

TEST_P(Batch, TheTimeLimitIsPerPluginNotPerBatch) {
    RuntimeOptions o = options_for(GetParam());
    o.validation_timeout = std::chrono::milliseconds(700);
    Runtime limited(o);
    stall_every = true;  // 4 x 300 ms: more than the limit in all, less for each plugin
    stall_for = std::chrono::milliseconds(300);
    std::vector<LoadResult> r = limited.load_batch(shipped_batch());
    ASSERT_EQ(r.size(), 4u);
    for (const LoadResult& x : r) EXPECT_TRUE(x) << x.error().to_string();
    EXPECT_EQ(children().size(), 1u);
}

TEST_P(Batch, RealSlowValidationInTheMiddleOfABatch) {
    RuntimeOptions o = options_for(GetParam());
    o.validation_timeout = std::chrono::milliseconds(500);
    Runtime limited(o);
    std::vector<PluginSource> sources = shipped_batch();
    sources.insert(sources.begin() + 1, PluginSource{bad("slow_validation.o"), "plugin/slow_validation", "slow"});
    std::vector<LoadResult> r = limited.load_batch(sources);
    ASSERT_EQ(r.size(), 5u);
    ASSERT_FALSE(r[1]);
    EXPECT_EQ(r[1].error().code, PluginErrc::validator_timeout);
    EXPECT_EQ(r[1].error().plugin, "slow");
    for (std::size_t i : {0u, 2u, 3u, 4u}) EXPECT_TRUE(r[i]) << r[i].error().to_string();
}

TEST_P(Batch, MixedGoodAndBadPluginsEachGetTheirOwnVerdict) {
    std::vector<PluginSource> sources = {
        {shipped("count_updates.o"), "plugin/count_updates", "A"},
        {bad("loop.o"), "plugin/loop", "spin"},
        {shipped("report_updates.o"), "plugin/report_updates", "B"},
        {bad("global_var.o"), "plugin/global_var", "global"},
        {bad("no_exit.o"), "plugin/no_exit", "hostile"},  // crashes the validator or is refused
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
    ASSERT_FALSE(r[4]);
    EXPECT_EQ(r[4].error().plugin, "hostile");
    EXPECT_TRUE(r[4].error().code == PluginErrc::validator_crashed || r[4].error().code == PluginErrc::rejected)
        << r[4].error().to_string();
    expect(5, PluginErrc::unknown_helper, "launch_missiles");
    expect(6, PluginErrc::missing_section, "no code section 'plugin/counting'");
    expect(7, PluginErrc::out_of_bounds, "outside the argument struct");
    // The section that is not there never reaches a child.
    for (const auto& kid : children())
        for (const std::string& s : kid.second) EXPECT_NE(s, "plugin/counting");
}

TEST_P(Batch, AManifestIsOneBatchAndACrashInItIsNamed) {
    const std::string manifest = probe_log + ".json";
    const std::string objects = MEMPOOL_PLUGINS_DIR;
    std::ofstream(manifest) << R"({ "plugins": [
      { "name": "A", "object": ")" + objects + R"(/count_updates.o", "section": "plugin/count_updates",
        "point": "bgp_message" },
      { "name": "C", "object": ")" + objects + R"(/path_metric.o", "section": "plugin/path_metric",
        "point": "route_received" },
      { "name": "D", "object": ")" + objects + R"(/prefer_metric.o", "section": "plugin/prefer_metric",
        "point": "route_compare" }
    ] })";
    for (const char* p : {"bgp_message", "route_received", "route_compare"}) rt.point(p);

    ManifestReport ok = rt.load_manifest(manifest);
    for (const PluginError& e : ok.problems) ADD_FAILURE() << e.to_string();
    EXPECT_EQ(ok.attached, 3u);
    EXPECT_EQ(children().size(), 1u);
    rt.detach_all();

    crash_on = "plugin/path_metric";
    ManifestReport bad_one = rt.load_manifest(manifest);
    ASSERT_EQ(bad_one.problems.size(), 1u);
    EXPECT_EQ(bad_one.problems[0].plugin, "C");
    EXPECT_EQ(bad_one.problems[0].code, PluginErrc::validator_crashed);
    EXPECT_EQ(bad_one.attached, 0u);
    EXPECT_EQ(rt.attached_count(rt.find_point("bgp_message")), 0u);
    std::filesystem::remove(manifest);
}

TEST_P(Batch, WithoutAChildTheBatchLoadsInProcess) {
    RuntimeOptions o = options_for(GetParam());
    o.validate_in_child = false;
    Runtime inproc(o);
    std::vector<LoadResult> r = inproc.load_batch(shipped_batch());
    ASSERT_EQ(r.size(), 4u);
    for (const LoadResult& x : r) EXPECT_TRUE(x) << x.error().to_string();
    EXPECT_TRUE(children().empty());
    std::vector<PluginSource> bad_one = {{bad("loop.o"), "plugin/loop", {}}};
    r = inproc.load_batch(bad_one);
    ASSERT_EQ(r.size(), 1u);
    ASSERT_FALSE(r[0]);
    EXPECT_EQ(r[0].error().code, PluginErrc::loop);
}

INSTANTIATE_TEST_SUITE_P(Modes, Batch, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
