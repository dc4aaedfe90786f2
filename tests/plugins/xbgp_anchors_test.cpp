// xbgp_anchors_test.cpp: anchors (pre, replace, post), sequence numbers,
// next() chaining, the host's default code after the last replace plugin and
// in place of a failed one, the point's result check, and the C API for
// them; with xBGP probes (probes/xbgp/anchors.c), JIT and interpreter.
#include "xbgp_support.hpp"

#include <mempool/runtime.h>

namespace mempool::test {
namespace {

enum : std::uint64_t { RETURN = 0, NEXT, NEXT_THEN_OWN, ABORT, FAIL, BAD_VALUE, NEXT_TWICE };
constexpr std::uint64_t minus_one = 0xffffffffffffffffull;  // next() with nothing to run

class Anchors : public XbgpProbeTest {
protected:
    void SetUp() override {
        XbgpProbeTest::SetUp();
        point = rt->point("test_point");
    }
    void attach(int id, Anchor anchor, std::int32_t seq) {
        ProgramPtr p = load("anchors.o", "xbgp/p" + std::to_string(id), "p" + std::to_string(id));
        ASSERT_NE(p, nullptr);
        ASSERT_TRUE(rt->attach(point, p, anchor, seq).ok());
    }
    void attach_observer() {
        ProgramPtr p = load("anchors.o", "xbgp/observe");
        ASSERT_NE(p, nullptr);
        ASSERT_TRUE(rt->attach(point, p, Anchor::post, 0).ok());
    }
    RunResult run_with_default(std::uint64_t value = 42) {
        auto builtin = [&]() noexcept {
            ++default_runs;
            trace.emplace_back(99, value);
            return value;
        };
        return rt->run(point, {}, {}, DefaultCode::of(builtin));
    }
    PointId point;
    int default_runs = 0;
};

TEST_P(Anchors, PreReplacePostRunInOrderOfAnchorThenSequence) {
    attach(3, Anchor::pre, 20);
    attach(1, Anchor::pre, 10);
    attach(4, Anchor::replace, 7);
    attach(2, Anchor::replace, 5);
    attach_observer();
    EXPECT_EQ(rt->attached_count(point, Anchor::pre), 2u);
    EXPECT_EQ(rt->attached_count(point, Anchor::replace), 2u);
    EXPECT_EQ(rt->attached_count(point, Anchor::post), 1u);
    const RunResult r = run_with_default();
    // pre by seq (1 then 3), the first replace by seq (2) decides, post sees it.
    EXPECT_EQ(trace, (Trace{{1, 0}, {3, 0}, {2, 0}, {50, 1}, {51, 1002}}));
    EXPECT_EQ(r.value, 1002u);
    EXPECT_FALSE(r.fell_back);
    EXPECT_EQ(r.ran, 4u);
    EXPECT_EQ(default_runs, 0);
}

TEST_P(Anchors, NextHandsOverToTheNextReplacePlugin) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    modes[1] = NEXT;
    const RunResult r = run_with_default();
    EXPECT_EQ(trace, (Trace{{1, 0}, {2, 0}, {1, 1002}}));
    EXPECT_EQ(r.value, 1002u);
    EXPECT_FALSE(r.fell_back);
}

TEST_P(Anchors, TheDefaultCodeRunsAfterTheLastReplacePlugin) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    attach_observer();
    modes[1] = NEXT;
    modes[2] = NEXT;
    const RunResult r = run_with_default(42);
    // next() from the last plugin runs the default code and returns its value.
    EXPECT_EQ(trace, (Trace{{1, 0}, {2, 0}, {99, 42}, {2, 42}, {1, 42}, {50, 1}, {51, 42}}));
    EXPECT_EQ(r.value, 42u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(default_runs, 1);
    EXPECT_EQ(r.failed, 0u);
}

TEST_P(Anchors, WithoutDefaultCodeNextGivesMinusOneAndTheHostIsTold) {
    attach(1, Anchor::replace, 1);
    attach_observer();
    modes[1] = NEXT;
    const RunResult r = rt->run(point, {}, {}, DefaultCode{});
    EXPECT_EQ(trace, (Trace{{1, 0}, {1, minus_one}, {50, 0}, {51, 0}}));
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(r.value, 0u);
    // The plain run() is the same at a point with replace plugins.
    trace.clear();
    const RunResult plain = rt->run(point, {});
    EXPECT_TRUE(plain.fell_back);
    EXPECT_EQ(plain.value, 0u);
    EXPECT_EQ(plain.ran, 2u);
}

TEST_P(Anchors, WithNoReplacePluginTheDefaultCodeDecides) {
    attach(1, Anchor::pre, 0);
    const RunResult r = run_with_default(9);
    EXPECT_EQ(trace, (Trace{{1, 0}, {99, 9}}));
    EXPECT_EQ(r.value, 9u);
    EXPECT_TRUE(r.fell_back);
}

TEST_P(Anchors, APluginThatHandedOverHasItsOwnValueIgnored) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    modes[1] = NEXT_THEN_OWN;
    EXPECT_EQ(run_with_default().value, 1002u);
}

TEST_P(Anchors, NextTwiceRunsTheRestOnce) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    modes[1] = NEXT_TWICE;
    const RunResult r = run_with_default();
    EXPECT_EQ(trace, (Trace{{1, 0}, {2, 0}, {1, 1002}}));
    EXPECT_EQ(r.value, 1002u);
}

TEST_P(Anchors, APluginStoppedByARunTimeCheckLetsTheDefaultCodeDecide) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    modes[1] = ABORT;
    const RunResult r = run_with_default(42);
    EXPECT_EQ(trace, (Trace{{1, 0}, {99, 42}}));  // plugin 2 is not run
    EXPECT_EQ(r.value, 42u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(r.aborted, 1u);
    EXPECT_EQ(r.failed, 1u);
}

TEST_P(Anchors, APluginAHelperFailedLetsTheDefaultCodeDecide) {
    ProgramPtr p1 = load("anchors.o", "xbgp/p1", "p1");
    ASSERT_TRUE(rt->attach(point, p1, Anchor::replace, 1).ok());
    modes[1] = FAIL;
    const RunResult r = run_with_default(42);
    EXPECT_EQ(r.value, 42u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(p1->failures(), 1u);
}

TEST_P(Anchors, AFailureDeeperInTheChainFallsBackThere) {
    attach(1, Anchor::replace, 1);
    attach(2, Anchor::replace, 2);
    modes[1] = NEXT;
    modes[2] = FAIL;
    const RunResult r = run_with_default(42);
    // plugin 2 failed: the default code decides in its place, and plugin 1 gets that from next().
    EXPECT_EQ(trace, (Trace{{1, 0}, {2, 0}, {99, 42}, {1, 42}}));
    EXPECT_EQ(r.value, 42u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(default_runs, 1);
}

TEST_P(Anchors, TheResultCheckRefusesValuesAndTheDefaultCodeDecides) {
    ResultCheck check;
    check.fn = [](std::uint64_t v, void*) noexcept { return v >= 1000 && v < 2000; };
    ASSERT_TRUE(rt->set_result_check(point, check).ok());
    attach(1, Anchor::replace, 1);
    modes[1] = BAD_VALUE;
    RunResult r = run_with_default(42);
    EXPECT_EQ(r.value, 42u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(r.refused, 1u);
    EXPECT_EQ(r.failed, 1u);
    modes[1] = RETURN;
    r = run_with_default(42);
    EXPECT_EQ(r.value, 1001u);
    EXPECT_FALSE(r.fell_back);
    EXPECT_EQ(r.refused, 0u);
    // pre and post values are not checked.
    attach(2, Anchor::pre, 0);
    modes[2] = BAD_VALUE;
    r = run_with_default(42);
    EXPECT_EQ(r.value, 1001u);
    EXPECT_EQ(r.refused, 0u);
}

TEST_P(Anchors, PostAndPreValuesNeverBecomeTheResult) {
    attach(1, Anchor::pre, 0);
    attach(2, Anchor::replace, 0);
    attach(3, Anchor::post, 0);
    EXPECT_EQ(run_with_default().value, 1002u);
}

TEST_P(Anchors, AReplaceChainIsBounded) {
    for (std::uint32_t i = 0; i < max_replace_plugins; ++i) attach(1 + i % 5, Anchor::replace, static_cast<std::int32_t>(i));
    ProgramPtr extra = load("anchors.o", "xbgp/p1");
    const PluginStatus s = rt->attach(point, extra, Anchor::replace, 100);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error.message.find("already has 32 replace plugins"), std::string::npos) << s.error.message;
    // The longest chain hands over to its end.
    for (std::uint64_t id = 1; id <= 5; ++id) modes[id] = NEXT;
    const RunResult r = run_with_default(42);
    EXPECT_EQ(r.value, 42u);
    EXPECT_EQ(r.ran, max_replace_plugins);
    EXPECT_EQ(r.failed, 0u);
}

TEST_P(Anchors, APluginWithoutHeapRuns) {
    PluginSource src{xbgp_probe("anchors.o"), "xbgp/p1", "p1"};
    src.abi = PluginAbi::xbgp;
    src.limits.heap = 0;  // a manifest's "extra_mem": 0
    LoadResult l = rt->load(src);
    ASSERT_TRUE(l) << l.error().to_string();
    ASSERT_TRUE(rt->attach(point, l.value(), Anchor::replace, 0).ok());
    const RunResult r = run_with_default();
    EXPECT_EQ(r.value, 1001u);
    EXPECT_EQ(r.aborted, 0u);
}

TEST_P(Anchors, DetachRemovesFromEveryAnchor) {
    EXPECT_FALSE(rt->has_plugins(point));
    attach(1, Anchor::post, 0);
    EXPECT_TRUE(rt->has_plugins(point));  // any anchor counts
    attach(1, Anchor::pre, 0);
    attach(1, Anchor::replace, 0);
    EXPECT_EQ(rt->detach(point, "p1"), 3u);
    EXPECT_EQ(rt->attached_count(point), 0u);
    EXPECT_FALSE(rt->has_plugins(point));
    EXPECT_FALSE(rt->has_plugins(PointId{}));  // no such point
    EXPECT_EQ(rt->run(point, {}).ran, 0u);
}

// The C API: load at an anchor, a result check and a default code in C.
extern "C" std::uint64_t c_default(void* data) { return *static_cast<std::uint64_t*>(data); }
extern "C" int c_check(std::uint64_t v, void*) { return v >= 1000 ? 1 : 0; }
extern "C" std::uint64_t c_helper(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 0; }

TEST_P(Anchors, TheCApi) {
    mempool_runtime* c = mempool_runtime_new(GetParam() ? 1 : 0);
    ASSERT_NE(c, nullptr);
    for (auto [name, fn, n] : {std::tuple{"test_mode", +[](std::uint64_t id, std::uint64_t, std::uint64_t, std::uint64_t,
                                                           std::uint64_t) -> std::uint64_t { return modes[id]; }, 1u},
                               std::tuple{"test_trace", +[](std::uint64_t id, std::uint64_t v, std::uint64_t, std::uint64_t,
                                                            std::uint64_t) -> std::uint64_t {
                                   trace.emplace_back(id, v);
                                   return 0;
                               }, 2u},
                               std::tuple{"test_fail", +[](std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                                           std::uint64_t) -> std::uint64_t {
                                   mempool_runtime_fail_current_plugin();
                                   return 0;
                               }, 0u}})
        ASSERT_EQ(mempool_runtime_register_helper(c, name, fn, n, 0), 0);
    ASSERT_EQ(mempool_runtime_register_xbgp_helpers(c), 0);
    EXPECT_EQ(mempool_runtime_register_xbgp_helper(c, "no_such_helper", &c_helper), -1);
    EXPECT_EQ(mempool_runtime_register_xbgp_helper(c, "get_src_peer_info", &c_helper), 0);
    const int pt = mempool_runtime_point(c, "p");
    char err[512];
    EXPECT_EQ(mempool_runtime_load_anchored(c, xbgp_probe("anchors.o").c_str(), "xbgp/p1", "p1", pt,
                                            MEMPOOL_ANCHOR_REPLACE, 1, MEMPOOL_ABI_XBGP, nullptr, err, sizeof err),
              0)
        << err;
    EXPECT_EQ(mempool_runtime_load_anchored(c, xbgp_probe("anchors.o").c_str(), "xbgp/observe", "obs", pt,
                                            MEMPOOL_ANCHOR_POST, 0, MEMPOOL_ABI_XBGP, nullptr, err, sizeof err),
              0)
        << err;
    EXPECT_EQ(mempool_runtime_load_anchored(c, xbgp_probe("anchors.o").c_str(), "xbgp/observe", "bad", pt, 7, 0,
                                            MEMPOOL_ABI_XBGP, nullptr, err, sizeof err),
              -1);
    EXPECT_EQ(mempool_runtime_set_result_check(c, pt, c_check, nullptr), 0);
    std::uint64_t fallback_value = 77;
    mempool_run_result r;
    ASSERT_EQ(mempool_runtime_run_anchored(c, pt, nullptr, 0, nullptr, 0, nullptr, nullptr, c_default, &fallback_value, &r),
              0);
    EXPECT_EQ(r.value, 1001u);  // p1 returns 1001
    EXPECT_EQ(r.fell_back, 0);
    EXPECT_EQ(r.ran, 2u);
    EXPECT_EQ(trace, (Trace{{1, 0}, {50, 1}, {51, 1001}}));
    trace.clear();
    modes[1] = NEXT;
    ASSERT_EQ(mempool_runtime_run_anchored(c, pt, nullptr, 0, nullptr, 0, nullptr, nullptr, c_default, &fallback_value, &r),
              0);
    EXPECT_EQ(r.value, 77u);
    EXPECT_EQ(r.fell_back, 1);
    EXPECT_EQ(trace, (Trace{{1, 0}, {1, 77}, {50, 1}, {51, 77}}));
    modes[1] = BAD_VALUE;
    ASSERT_EQ(mempool_runtime_run_anchored(c, pt, nullptr, 0, nullptr, 0, nullptr, nullptr, c_default, &fallback_value, &r),
              0);
    EXPECT_EQ(r.value, 77u);
    EXPECT_EQ(r.refused, 1u);
    // mempool_runtime_run at an anchored point: no default code, the host is told by value 0.
    unsigned ran = 0;
    EXPECT_EQ(mempool_runtime_run(c, pt, nullptr, 0, nullptr, nullptr, &ran), 0u);
    EXPECT_EQ(ran, 2u);
    EXPECT_EQ(mempool_runtime_run_anchored(c, 99, nullptr, 0, nullptr, 0, nullptr, nullptr, nullptr, nullptr, &r), -1);
    mempool_runtime_delete(c);
}

// The usual xBGP point has one replace plugin and nothing else: Runtime::run
// inlines that plugin's step, and next() from it (the last of its chain)
// calls the default code directly instead of stepping through the chain.
// The same plugin at a point that also has a post observer runs the same
// replace stage, so everything but the observer's run and trace must match,
// in every mode, with and without default code (which here also notes a
// helper failure: counted while a plugin waits in next(), not after it).
TEST_P(Anchors, ALoneReplacePluginRunsAsWithAnObserver) {
    const PointId lone = rt->point("lone_point"), observed = rt->point("observed_point");
    ProgramPtr p1 = load("anchors.o", "xbgp/p1", "p1");
    ProgramPtr observer = load("anchors.o", "xbgp/observe");
    ASSERT_NE(p1, nullptr);
    ASSERT_NE(observer, nullptr);
    ASSERT_TRUE(rt->attach(lone, p1, Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(observed, p1, Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(observed, observer, Anchor::post, 0).ok());
    const ResultCheck check{[](std::uint64_t v, void*) noexcept { return v >= 1000 || v == 42; }, nullptr};
    ASSERT_TRUE(rt->set_result_check(lone, check).ok());
    ASSERT_TRUE(rt->set_result_check(observed, check).ok());

    struct Seen {
        RunResult r;
        Trace trace;
        int default_runs = 0;
        std::uint64_t failures = 0, aborts = 0, helper_failures = 0;
    };
    auto run_at = [&](PointId point, bool with_default) {
        Seen seen;
        trace.clear();
        const std::uint64_t failures = p1->failures(), aborts = p1->aborts(), helper = p1->helper_failures();
        auto builtin = [&]() noexcept -> std::uint64_t {
            ++seen.default_runs;
            note_helper_failure(HelperFailure::refused);
            return 42;
        };
        seen.r = rt->run(point, {}, {}, with_default ? DefaultCode::of(builtin) : DefaultCode{});
        for (const auto& t : trace)
            if (t.first != 50 && t.first != 51) seen.trace.push_back(t);  // the observer's own
        seen.failures = p1->failures() - failures;
        seen.aborts = p1->aborts() - aborts;
        seen.helper_failures = p1->helper_failures() - helper;
        return seen;
    };
    for (std::uint64_t mode : {RETURN, NEXT, NEXT_THEN_OWN, ABORT, FAIL, BAD_VALUE, NEXT_TWICE}) {
        for (bool with_default : {true, false}) {
            SCOPED_TRACE(testing::Message() << "mode " << mode << (with_default ? ", default code" : ", none"));
            modes[1] = mode;
            const Seen a = run_at(lone, with_default), b = run_at(observed, with_default);
            EXPECT_EQ(a.r.ran + 1, b.r.ran);
            EXPECT_EQ(a.r.value, b.r.value);
            EXPECT_EQ(a.r.fell_back, b.r.fell_back);
            EXPECT_EQ(a.r.failed, b.r.failed);
            EXPECT_EQ(a.r.refused, b.r.refused);
            EXPECT_EQ(a.r.aborted, b.r.aborted);
            EXPECT_EQ(a.r.helper_failures, b.r.helper_failures);
            EXPECT_EQ(a.trace, b.trace);
            EXPECT_EQ(a.default_runs, b.default_runs);
            EXPECT_EQ(a.failures, b.failures);
            EXPECT_EQ(a.aborts, b.aborts);
            EXPECT_EQ(a.helper_failures, b.helper_failures);
        }
    }
    // And what the model says for the two cases the replay runs most.
    modes[1] = NEXT;
    const Seen next = run_at(lone, true);
    EXPECT_EQ(next.r.value, 42u);
    EXPECT_TRUE(next.r.fell_back);
    EXPECT_EQ(next.r.ran, 1u);
    EXPECT_EQ(next.r.failed, 0u);
    EXPECT_EQ(next.r.helper_failures, 1u);  // the default code's, while p1 waited in next()
    EXPECT_EQ(next.trace, (Trace{{1, 0}, {1, 42}}));
    modes[1] = FAIL;
    const Seen failed = run_at(lone, true);
    EXPECT_EQ(failed.r.value, 42u);
    EXPECT_TRUE(failed.r.fell_back);
    EXPECT_EQ(failed.r.failed, 1u);
    EXPECT_EQ(failed.failures, 1u);
    EXPECT_EQ(failed.default_runs, 1);
}

// A lone replace plugin's next() whose default code runs another such point
// (a nested anchored run): each next() reaches its own run's default code,
// and the outer run is intact when the inner one returns.
TEST_P(Anchors, ALoneReplacePluginsDefaultCodeMayRunAnotherPoint) {
    const PointId outer = rt->point("outer_point"), inner = rt->point("inner_point");
    ProgramPtr p1 = load("anchors.o", "xbgp/p1", "p1");
    ProgramPtr p2 = load("anchors.o", "xbgp/p2", "p2");
    ASSERT_NE(p1, nullptr);
    ASSERT_NE(p2, nullptr);
    ASSERT_TRUE(rt->attach(outer, p1, Anchor::replace, 0).ok());
    ASSERT_TRUE(rt->attach(inner, p2, Anchor::replace, 0).ok());
    modes[1] = NEXT;
    modes[2] = NEXT;
    RunResult inner_result;
    auto inner_default = [&]() noexcept -> std::uint64_t {
        EXPECT_EQ(current_chain()->point.index, inner.index);
        return 7;
    };
    auto outer_default = [&]() noexcept -> std::uint64_t {
        inner_result = rt->run(inner, {}, {}, DefaultCode::of(inner_default));
        EXPECT_EQ(current_chain()->point.index, outer.index);
        return inner_result.value + 100;
    };
    const RunResult r = rt->run(outer, {}, {}, DefaultCode::of(outer_default));
    EXPECT_EQ(inner_result.value, 7u);
    EXPECT_TRUE(inner_result.fell_back);
    EXPECT_EQ(inner_result.ran, 1u);
    EXPECT_EQ(r.value, 107u);
    EXPECT_TRUE(r.fell_back);
    EXPECT_EQ(r.ran, 1u);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(trace, (Trace{{1, 0}, {2, 0}, {2, 7}, {1, 107}}));
    EXPECT_EQ(current_chain(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Modes, Anchors, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
