// The runtime itself: points, ordering, argument copies, host helpers, the
// JIT/interpreter choice, validation in or out of a child.
#include "test_support.hpp"

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace mempool::test {
namespace {

// ---- host helpers used by runtime_probes.c ----

MEMPOOL_HELPER std::uint64_t host_add(std::uint64_t a, std::uint64_t b, std::uint64_t, std::uint64_t,
                                      std::uint64_t) noexcept {
    return a + b;
}

// Formats a double with snprintf: SSE code that crashes if the JIT's stack
// misalignment reached it (plugin-runtime.md), hence MEMPOOL_HELPER.
MEMPOOL_HELPER std::uint64_t host_format_double(std::uint64_t milli, std::uint64_t, std::uint64_t, std::uint64_t,
                                                std::uint64_t) noexcept {
    char text[64];
    const double v = static_cast<double>(milli) / 1000.0;
    const int n = std::snprintf(text, sizeof text, "%.3f", v);
    return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

MEMPOOL_HELPER std::uint64_t host_user_tag(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                           std::uint64_t) noexcept {
    const CallFrame* f = current_call();
    if (f == nullptr || f->scope.user == nullptr) return 0;
    return *static_cast<const std::uint64_t*>(f->scope.user);
}

// Fills min(len, MEMPOOL_BUF_SIZE) bytes with 1; returns how many.
MEMPOOL_HELPER std::uint64_t host_fill(std::uint64_t buf, std::uint64_t len, std::uint64_t, std::uint64_t,
                                       std::uint64_t) noexcept {
    const std::size_t n = len > MEMPOOL_BUF_SIZE ? MEMPOOL_BUF_SIZE : len;
    if (buf == 0) return 0;
    std::memset(reinterpret_cast<void*>(buf), 1, n);
    return n;
}

// Runs the point named in the call's user data (a nested run) with
// argument 5; returns the inner run's value.
struct Nested {
    const Runtime* rt;
    PointId inner;
};
MEMPOOL_HELPER std::uint64_t host_nested(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                         std::uint64_t) noexcept {
    const CallFrame* f = current_call();
    if (f == nullptr || f->scope.user == nullptr) return 0;
    const auto* n = static_cast<const Nested*>(f->scope.user);
    RunResult r = n->rt->run(n->inner, {Arg::u32(5)});
    return r.value & 0xffffffffu;
}

void register_test_helpers(Runtime& rt) {
    ASSERT_TRUE(rt.register_helper({"host_nested", &host_nested, 0, {}}).ok());
    ASSERT_TRUE(rt.register_helper({"host_add", &host_add, 2, {}}).ok());
    ASSERT_TRUE(rt.register_helper({"host_format_double", &host_format_double, 1, {}}).ok());
    ASSERT_TRUE(rt.register_helper({"host_user_tag", &host_user_tag, 0, {}}).ok());
    ASSERT_TRUE(rt.register_helper({"host_fill", &host_fill, 2, {HelperArg::buffer, HelperArg::number}}).ok());
}

class RuntimeTest : public ::testing::TestWithParam<bool> {
protected:
    RuntimeTest() : rt(options_for(GetParam())) {}
    ProgramPtr load(const char* section) {
        LoadResult r = rt.load(probes("runtime_probes.o"), section);
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? r.value() : nullptr;
    }
    Runtime rt;
};

TEST_P(RuntimeTest, EmptyPointRunsNothing) {
    PointId p = rt.point("nothing_here");
    RunResult r = rt.run(p, {Arg::u32(1)});
    EXPECT_EQ(r.ran, 0u);
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(rt.run(PointId{}, {}).ran, 0u);      // an invalid id
    EXPECT_EQ(rt.run(PointId{99}, {}).ran, 0u);    // an unknown id
}

TEST_P(RuntimeTest, PointsAreDeclaredOnce) {
    PointId a = rt.point("a");
    PointId b = rt.point("b");
    EXPECT_NE(a.index, b.index);
    EXPECT_EQ(rt.point("a").index, a.index);
    EXPECT_EQ(rt.find_point("b").index, b.index);
    EXPECT_FALSE(rt.find_point("c").valid());
}

TEST_P(RuntimeTest, PluginsRunInOrderAndTheLastValueIsReturned) {
    PointId p = rt.point("p");
    ProgramPtr one = load("probe/ret1"), two = load("probe/ret2"), three = load("probe/ret3");
    ASSERT_TRUE(one && two && three);
    EXPECT_EQ(one->jitted(), GetParam());
    ASSERT_TRUE(rt.attach(p, two, 5).ok());
    ASSERT_TRUE(rt.attach(p, three, 1).ok());
    ASSERT_TRUE(rt.attach(p, one, 9).ok());
    RunResult r = rt.run(p, {});
    EXPECT_EQ(r.ran, 3u);
    EXPECT_EQ(r.value, 1u);  // order 9 runs last
    ASSERT_TRUE(rt.attach(p, three, 9).ok());  // same order: after the earlier one
    EXPECT_EQ(rt.run(p, {}).value, 3u);
    EXPECT_EQ(rt.detach(p, "probe/ret3"), 2u);
    EXPECT_EQ(rt.run(p, {}).ran, 2u);
    rt.detach_all();
    EXPECT_EQ(rt.run(p, {}).ran, 0u);
    EXPECT_FALSE(rt.attach(PointId{42}, one).ok());
    EXPECT_FALSE(rt.attach(p, nullptr).ok());
}

TEST_P(RuntimeTest, ArgumentsArriveWithLengthAndType) {
    PointId count = rt.point("count"), arg0 = rt.point("arg0"), arg1 = rt.point("arg1");
    ASSERT_TRUE(rt.attach(count, load("probe/count")).ok());
    ASSERT_TRUE(rt.attach(arg0, load("probe/arg0")).ok());
    ASSERT_TRUE(rt.attach(arg1, load("probe/arg1")).ok());
    EXPECT_EQ(rt.run(count, {}).value, 0u);
    EXPECT_EQ(rt.run(count, {Arg::u8(1), Arg::u8(2), Arg::u8(3)}).value, 3u);
    std::vector<Arg> many(12, Arg::u8(0));
    EXPECT_EQ(rt.run(count, many).value, std::uint64_t{MEMPOOL_MAX_ARGS});  // extra ones dropped

    auto unpack = [](std::uint64_t v) { return std::array<std::uint64_t, 3>{v & 0xffffffffffu, (v >> 40) & 0xffff, v >> 56}; };
    EXPECT_EQ(unpack(rt.run(arg0, {Arg::u8(0xab)}).value), (std::array<std::uint64_t, 3>{0xab, 1, MEMPOOL_ARG_U8}));
    EXPECT_EQ(unpack(rt.run(arg0, {Arg::u16(0xbeef)}).value), (std::array<std::uint64_t, 3>{0xbeef, 2, MEMPOOL_ARG_U16}));
    EXPECT_EQ(unpack(rt.run(arg0, {Arg::u32(0xdeadbeef)}).value),
              (std::array<std::uint64_t, 3>{0xdeadbeef, 4, MEMPOOL_ARG_U32}));
    EXPECT_EQ(unpack(rt.run(arg0, {Arg::u64(0x12345678ab)}).value),
              (std::array<std::uint64_t, 3>{0x12345678ab, 8, MEMPOOL_ARG_U64}));
    EXPECT_EQ(rt.run(arg1, {Arg::u8(1), Arg::u64(~std::uint64_t{0})}).value, ~std::uint64_t{0});
    EXPECT_EQ(rt.run(arg1, {Arg::u8(1)}).value, 0u);  // absent: 0 even if a previous call filled it
}

TEST_P(RuntimeTest, BytesArgumentsAreCopiedAndTruncated) {
    PointId p = rt.point("bytes");
    ASSERT_TRUE(rt.attach(p, load("probe/bytes")).ok());
    std::string text = "xyz";
    EXPECT_EQ(rt.run(p, {Arg::bytes(as_bytes(text))}).value, (3ull << 32) | ('x' << 16) | ('y' << 8) | 'z');
    std::string long_text(300, 'a');
    long_text[0] = 'b';
    long_text[MEMPOOL_ARG_SIZE - 1] = 'c';  // the last byte that fits
    long_text[MEMPOOL_ARG_SIZE] = 'd';      // cut off
    EXPECT_EQ(rt.run(p, {Arg::bytes(as_bytes(long_text))}).value,
              (std::uint64_t{MEMPOOL_ARG_SIZE} << 32) | ('b' << 16) | ('a' << 8) | 'c');
}

TEST_P(RuntimeTest, EachPluginGetsAFreshCopy) {
    PointId p = rt.point("p");
    ASSERT_TRUE(rt.attach(p, load("probe/scribble"), 1).ok());
    ASSERT_TRUE(rt.attach(p, load("probe/arg0"), 2).ok());
    RunResult r = rt.run(p, {Arg::u32(77)});
    EXPECT_EQ(r.ran, 2u);
    EXPECT_EQ(r.value, 77u | (4ull << 40) | (std::uint64_t{MEMPOOL_ARG_U32} << 56));
    r = rt.run(p, {Arg::u32(78)});  // and the next run too
    EXPECT_EQ(r.value, 78u | (4ull << 40) | (std::uint64_t{MEMPOOL_ARG_U32} << 56));
}

TEST_P(RuntimeTest, HostHelpersAreCalledWithAnAlignedStack) {
    register_test_helpers(rt);
    PointId add = rt.point("add"), fmt = rt.point("fmt"), tag = rt.point("tag"), fill = rt.point("fill");
    ASSERT_TRUE(rt.attach(add, load("probe/host_add")).ok());
    ASSERT_TRUE(rt.attach(fmt, load("probe/host_format_double")).ok());
    ASSERT_TRUE(rt.attach(tag, load("probe/host_user_tag")).ok());
    ASSERT_TRUE(rt.attach(fill, load("probe/host_fill")).ok());
    EXPECT_EQ(rt.run(add, {Arg::u64(40), Arg::u64(2)}).value, 42u);
    EXPECT_EQ(rt.run(fmt, {Arg::u64(3141)}).value, std::strlen("3.141"));
    EXPECT_EQ(rt.run(fmt, {Arg::u64(123456789)}).value, std::strlen("123456.789"));
    std::uint64_t user = 0xfeed;
    CallScope scope;
    scope.user = &user;
    EXPECT_EQ(rt.run(tag, {}, scope).value, 0xfeedu);
    EXPECT_EQ(rt.run(tag, {}).value, 0u);
    EXPECT_EQ(current_call(), nullptr);  // nothing left behind after a run
    EXPECT_EQ(rt.run(fill, {Arg::u64(10)}).value, (10ull << 32) | 10u);
    EXPECT_EQ(rt.run(fill, {Arg::u64(1000)}).value, (64ull << 32) | 64u);  // clamped by the helper
}

TEST_P(RuntimeTest, HelperRegistrationIsChecked) {
    EXPECT_EQ(rt.register_helper({"get_state_u64", &host_add, 2, {}}).error.code, PluginErrc::duplicate);
    EXPECT_EQ(rt.register_helper({"", &host_add, 2, {}}).error.code, PluginErrc::invalid_argument);
    EXPECT_EQ(rt.register_helper({"x", nullptr, 2, {}}).error.code, PluginErrc::invalid_argument);
    EXPECT_EQ(rt.register_helper({"x", &host_add, 6, {}}).error.code, PluginErrc::invalid_argument);
    // Without the test helpers registered, a plugin calling one is refused.
    LoadResult r = rt.load(probes("runtime_probes.o"), "probe/host_add");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::unknown_helper);
    EXPECT_NE(r.error().message.find("host_add"), std::string::npos);
}

TEST_P(RuntimeTest, PoolHelpersCanBeLeftOut) {
    RuntimeOptions o = options_for(GetParam());
    o.pool_helpers = false;
    o.heap_helpers = false;
    Runtime bare(o);
    EXPECT_TRUE(bare.helpers().empty());
    LoadResult r = bare.load(shipped("count_updates.o"), "plugin/count_updates");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::unknown_helper);
}

// The runtime copies its built-in helper tables in without
// register_helper's checks: every entry must pass them, one by one, and the
// names must be distinct across the three tables, in the order copied.
TEST_P(RuntimeTest, BuiltInHelpersPassTheChecks) {
    RuntimeOptions none = options_for(GetParam());
    none.pool_helpers = false;
    none.heap_helpers = false;
    none.xbgp_helpers = false;
    Runtime checked(none);
    ASSERT_TRUE(checked.helpers().empty());
    for (auto table : {pool_helpers(), heap_helpers(), xbgp_helpers()})
        for (const HelperSpec& h : table) EXPECT_TRUE(checked.register_helper(h).ok()) << h.name;
    RuntimeOptions all = options_for(GetParam());
    all.pool_helpers = true;
    all.heap_helpers = true;
    all.xbgp_helpers = true;
    Runtime copied(all);
    ASSERT_EQ(copied.helpers().size(), checked.helpers().size());
    for (std::size_t i = 0; i < copied.helpers().size(); ++i) {
        EXPECT_EQ(copied.helpers()[i].name, checked.helpers()[i].name);
        EXPECT_EQ(copied.helpers()[i].fn, checked.helpers()[i].fn);
    }
}

TEST_P(RuntimeTest, ValidationOutsideAChildGivesTheSameAnswers) {
    RuntimeOptions o = options_for(GetParam());
    o.validate_in_child = false;
    Runtime inproc(o);
    EXPECT_TRUE(inproc.load(shipped("count_updates.o"), "plugin/count_updates"));
    LoadResult r = inproc.load(bad("loop.o"), "plugin/loop");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::loop);
    EXPECT_TRUE(inproc.verify(shipped("path_metric.o"), "plugin/path_metric"));
}

TEST_P(RuntimeTest, ProgramsOutliveDetachAndTheRuntimeHoldsNoDanglingCopy) {
    ProgramPtr p = load("probe/ret2");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name(), "probe/ret2");
    EXPECT_EQ(p->section(), "probe/ret2");
    EXPECT_GT(p->instruction_count(), 0u);
    PointId a = rt.point("a"), b = rt.point("b");
    ASSERT_TRUE(rt.attach(a, p).ok());
    ASSERT_TRUE(rt.attach(b, p).ok());
    EXPECT_EQ(rt.detach(a, "probe/ret2"), 1u);
    EXPECT_EQ(rt.run(b, {}).value, 2u);
    LoadResult named = rt.load(probes("runtime_probes.o"), "probe/ret1", "first");
    ASSERT_TRUE(named);
    EXPECT_EQ(named.value()->name(), "first");
}

TEST_P(RuntimeTest, ANestedRunLeavesTheOuterArgumentsAlone) {
    register_test_helpers(rt);
    PointId outer = rt.point("outer"), inner = rt.point("inner");
    ASSERT_TRUE(rt.attach(outer, load("probe/nested")).ok());
    ASSERT_TRUE(rt.attach(inner, load("probe/scribble"), 1).ok());  // scribbles on its copy
    ASSERT_TRUE(rt.attach(inner, load("probe/arg1"), 2).ok());
    Nested n{&rt, inner};
    CallScope scope;
    scope.user = &n;
    // Inner: arg1 of {5} is absent -> 0; outer still sees its own 1234.
    EXPECT_EQ(rt.run(outer, {Arg::u32(1234)}, scope).value, 1234u);
    EXPECT_EQ(current_call(), nullptr);
}

TEST_P(RuntimeTest, SeveralThreadsRunAtOnceEachWithItsOwnArguments) {
    RuntimeOptions o = options_for(GetParam());
    Runtime shared(o);
    PointId p = shared.point("route_received");
    LoadResult c = shared.load(shipped("path_metric.o"), "plugin/path_metric");
    ASSERT_TRUE(c) << c.error().to_string();
    ASSERT_TRUE(shared.attach(p, c.value()).ok());
    constexpr int threads = 4, routes = 2000;
    std::vector<std::vector<Pool>> pools(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        pools[t].resize(routes);
        workers.emplace_back([&, t] {
            for (int i = 0; i < routes; ++i) {
                CallScope scope;
                scope.objects[0] = &pools[t][i];
                shared.run(p, {Arg::u32(static_cast<std::uint32_t>(t * routes + i)), Arg::u8(i % 3)}, scope);
            }
        });
    }
    for (std::thread& w : workers) w.join();
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < routes; ++i)
            ASSERT_EQ(pools[t][i].get_u64(1).value_or(0), 4u * (t * routes + i) + i % 3) << t << " " << i;
}

INSTANTIATE_TEST_SUITE_P(Modes, RuntimeTest, ::testing::Bool(), mode_name);

TEST(PluginError, ReadsAsOneLine) {
    PluginError e{PluginErrc::loop, "count", "loop: jumps back"};
    EXPECT_EQ(e.to_string(), "plugin 'count' rejected: loop: jumps back");
    EXPECT_STREQ(to_string(PluginErrc::stack_too_large), "stack too large");
}

}  // namespace
}  // namespace mempool::test
