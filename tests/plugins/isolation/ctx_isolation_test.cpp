// ctx_isolation_test.cpp: the argument struct a thread reuses for every
// plugin carries nothing from one plugin to another. A plugin of the mempool
// ABI may write its whole struct (1,096 bytes), and the host fills again only
// the header and the used slots before the next plugin; a bytes argument
// fills a slot further than a later run's number does. Each test puts a mark
// where the next plugin is not given anything, and that plugin (of another
// group, at the same or another point, plain or anchored, through the C++ or
// the C API) must read zeros there. All fail without the cleaning in
// run.cpp and anchors.cpp.
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

namespace mempool::test {
namespace {

constexpr std::uint64_t mark = 0x5ec2e75ec2e75ec2ull;

class CtxIsolation : public ::testing::TestWithParam<bool> {
protected:
    CtxIsolation() : rt(options()) {}
    RuntimeOptions options() const {
        RuntimeOptions o;
        o.jit = GetParam();
        return o;
    }
    // Each plugin its own group (the name): no shared memory between them.
    ProgramPtr load(const char* section, const std::string& name) {
        PluginSource src{MEMPOOL_TEST_CTX_PROBES, section, name};
        LoadResult r = rt.load(src);
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? r.value() : nullptr;
    }
    PointId alone(const char* section, const std::string& name) {
        const PointId p = rt.point(name);
        EXPECT_TRUE(rt.attach(p, load(section, name)).ok());
        return p;
    }
    Runtime rt;
};

TEST_P(CtxIsolation, APluginsScribblesDoNotReachTheNextPluginOfTheSamePoint) {
    const PointId p = rt.point("p");
    ASSERT_TRUE(rt.attach(p, load("ctx/scribble", "writer"), 1).ok());
    ASSERT_TRUE(rt.attach(p, load("ctx/peek", "reader"), 2).ok());
    const RunResult r = rt.run(p, {Arg::u32(1)});
    EXPECT_EQ(r.ran, 2u);
    EXPECT_EQ(r.value, 0u) << "the reader found the writer's bytes";
}

TEST_P(CtxIsolation, APluginsScribblesDoNotReachALaterRun) {
    const PointId write = alone("ctx/scribble", "writer");
    const PointId read = alone("ctx/peek", "reader");
    ASSERT_EQ(rt.run(write, {Arg::u32(1)}).value, 0u);
    EXPECT_EQ(rt.run(read, {Arg::u32(1)}).value, 0u) << "the reader found the writer's bytes";
}

TEST_P(CtxIsolation, ABytesArgumentDoesNotReachALaterRunsPlugins) {
    const PointId first = alone("ctx/ret7", "first");
    const PointId read = alone("ctx/peek", "reader");
    std::array<std::byte, MEMPOOL_ARG_SIZE> bytes;
    bytes.fill(std::byte{0xc2});
    ASSERT_EQ(rt.run(first, {Arg::bytes(bytes)}).value, 7u);
    EXPECT_EQ(rt.run(read, {Arg::u32(1)}).value, 0u) << "a number in slot 0 left an earlier bytes argument's tail";
}

// The C entry (run_c) fills the struct its own way (fill_c): the same holds.
TEST_P(CtxIsolation, ThroughTheCApiToo) {
    mempool_runtime* c = mempool_runtime_new(GetParam() ? 1 : 0);
    ASSERT_NE(c, nullptr);
    const int write = mempool_runtime_point(c, "write");
    const int first = mempool_runtime_point(c, "first");
    const int read = mempool_runtime_point(c, "read");
    char err[256] = "";
    ASSERT_EQ(mempool_runtime_load(c, MEMPOOL_TEST_CTX_PROBES, "ctx/scribble", "writer", write, 0, err, sizeof err), 0)
        << err;
    ASSERT_EQ(mempool_runtime_load(c, MEMPOOL_TEST_CTX_PROBES, "ctx/ret7", "first", first, 0, err, sizeof err), 0)
        << err;
    ASSERT_EQ(mempool_runtime_load(c, MEMPOOL_TEST_CTX_PROBES, "ctx/peek", "reader", read, 0, err, sizeof err), 0)
        << err;
    const mempool_arg number = mempool_arg_number(MEMPOOL_ARG_U32, 1);
    std::array<unsigned char, MEMPOOL_ARG_SIZE> raw;
    raw.fill(0xc2);
    const mempool_arg bytes = mempool_arg_bytes(raw.data(), static_cast<std::uint32_t>(raw.size()));
    EXPECT_EQ(mempool_runtime_run(c, write, &number, 1, nullptr, nullptr, nullptr), 0u);
    EXPECT_EQ(mempool_runtime_run(c, read, &number, 1, nullptr, nullptr, nullptr), 0u)
        << "the reader found the writer's bytes";
    EXPECT_EQ(mempool_runtime_run(c, first, &bytes, 1, nullptr, nullptr, nullptr), 7u);
    EXPECT_EQ(mempool_runtime_run(c, read, &number, 1, nullptr, nullptr, nullptr), 0u)
        << "a number in slot 0 left an earlier bytes argument's tail";
    mempool_runtime_delete(c);
}

// At an anchored point (a replace chain), mempool-ABI plugins run on their
// nesting level's struct (anchors.cpp), not the thread's.
TEST_P(CtxIsolation, AtAnAnchoredPoint) {
    const PointId write = rt.point("write");
    const PointId read = rt.point("read");
    const PointId first = rt.point("first");
    ASSERT_TRUE(rt.attach(write, load("ctx/scribble", "writer"), Anchor::replace, 0).ok());
    ASSERT_TRUE(rt.attach(first, load("ctx/ret7", "first"), Anchor::replace, 0).ok());
    ASSERT_TRUE(rt.attach(read, load("ctx/peek", "reader"), Anchor::replace, 0).ok());
    const Arg number[] = {Arg::u32(1)};
    ASSERT_EQ(rt.run(write, number, {}, {}).value, 0u);
    EXPECT_EQ(rt.run(read, number, {}, {}).value, 0u) << "the reader found the writer's bytes";
    std::array<std::byte, MEMPOOL_ARG_SIZE> raw;
    raw.fill(std::byte{0xc2});
    const Arg bytes[] = {Arg::bytes(raw)};
    ASSERT_EQ(rt.run(first, bytes, {}, {}).value, 7u);
    EXPECT_EQ(rt.run(read, number, {}, {}).value, 0u) << "a number in slot 0 left an earlier bytes argument's tail";
}

INSTANTIATE_TEST_SUITE_P(Executors, CtxIsolation, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "jit" : "interpreter"; });

}  // namespace
}  // namespace mempool::test
