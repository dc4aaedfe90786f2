// xbgp_regions_test.cpp: the regions a helper that follows pointers may
// reach (src/plugins/xbgp/regions.hpp), checked on a RunView built by hand:
// the argument struct, the shared arena and the globals as the run's context
// holds them, the read-only data of the program being run (or the
// executor's copy when it reported one), the calling frame when reported,
// and nothing else. The anchored runner sets only the program per plugin
// (the rest lives in the level's context), so these tests pin that a view
// switched to another program, or a context cleared for another run, shows
// none of the earlier plugin's memory.
#include "exec.hpp"
#include "program.hpp"
#include "xbgp/regions.hpp"
#include "xbgp/xbgp_helpers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mempool::detail::xbgp {
namespace {

template <class T>
std::uint64_t address(T* p) {
    return reinterpret_cast<std::uint64_t>(p);
}

bool readable(std::uint64_t a, std::uint64_t n) { return !plugin_bytes(a, n, false).empty(); }
bool writable(std::uint64_t a, std::uint64_t n) { return !plugin_bytes(a, n, true).empty(); }

struct Fixture {
    std::array<std::uint8_t, 24> ctx{};
    std::array<std::uint8_t, 64> shared{};
    std::vector<std::uint8_t> globals = std::vector<std::uint8_t>(16, 0);  // the plugin's copy (Program::data_)
    vm::Program program;
    vm::RunContext rc;
    RunView view;

    Fixture() {
        program.rodata = {'r', 'o', 0, 0};
        program.data = std::vector<std::uint8_t>(16, 0);
        rc.shared = shared.data();
        rc.shared_size = shared.size();
        rc.data = globals.data();
        view.ctx = address(ctx.data());
        view.ctx_size = ctx.size();
        view.rc = &rc;
        view.program = &program;
    }
};

TEST(XbgpRegions, TheViewShowsTheRunsRegionsWithTheirSizesAndRights) {
    Fixture f;
    ScopedView scoped(f.view);
    EXPECT_TRUE(writable(address(f.ctx.data()), f.ctx.size()));
    EXPECT_FALSE(readable(address(f.ctx.data()), f.ctx.size() + 1));
    EXPECT_TRUE(writable(address(f.shared.data()), f.shared.size()));
    EXPECT_FALSE(readable(address(f.shared.data()) + 1, f.shared.size()));
    EXPECT_TRUE(writable(address(f.globals.data()), 16));
    EXPECT_FALSE(readable(address(f.globals.data()), 17));
    // read-only data: readable, never writable, and bounded
    EXPECT_TRUE(readable(address(f.program.rodata.data()), 4));
    EXPECT_FALSE(writable(address(f.program.rodata.data()), 1));
    EXPECT_FALSE(readable(address(f.program.rodata.data()), 5));
    std::string_view s;
    ASSERT_TRUE(plugin_string(address(f.program.rodata.data()), 16, s));
    EXPECT_EQ(s, "ro");
}

TEST(XbgpRegions, AnotherProgramAtTheLevelShowsNoneOfTheFirstOnesGlobalsOrReadOnlyData) {
    Fixture f;
    ScopedView scoped(f.view);
    ASSERT_TRUE(readable(address(f.globals.data()), 1));
    ASSERT_TRUE(readable(address(f.program.rodata.data()), 1));
    // What anchors.cpp does for the next plugin at this level, one without
    // globals, read-only data or shared memory.
    vm::Program other;
    f.view.program = &other;
    f.rc.data = nullptr;
    f.rc.shared = nullptr;
    f.rc.shared_size = 0;
    EXPECT_FALSE(readable(address(f.globals.data()), 1));
    EXPECT_FALSE(readable(address(f.program.rodata.data()), 1));
    EXPECT_FALSE(readable(address(f.shared.data()), 1));
    EXPECT_TRUE(readable(address(f.ctx.data()), 1));
}

TEST(XbgpRegions, TheExecutorsReadOnlyDataAndFrameTakePrecedenceAndGoWhenCleared) {
    Fixture f;
    ScopedView scoped(f.view);
    std::array<std::uint8_t, 8> jit_copy{'j', 0};
    std::array<std::uint8_t, 32> frame{};
    f.rc.rodata = address(jit_copy.data());
    f.rc.rodata_size = jit_copy.size();
    f.rc.frame_lo = address(frame.data());
    f.rc.frame_hi = address(frame.data()) + frame.size();
    EXPECT_TRUE(readable(address(jit_copy.data()), jit_copy.size()));
    EXPECT_FALSE(writable(address(jit_copy.data()), 1));
    EXPECT_FALSE(readable(address(f.program.rodata.data()), 1));  // the loaded copy is not the run's
    EXPECT_TRUE(writable(address(frame.data()), frame.size()));
    EXPECT_FALSE(readable(address(frame.data()), frame.size() + 1));
    // cleared for the next run (anchors.cpp, before each plugin)
    f.rc.frame_lo = f.rc.frame_hi = 0;
    f.rc.rodata = f.rc.rodata_size = 0;
    EXPECT_FALSE(readable(address(frame.data()), 1));
    EXPECT_FALSE(readable(address(jit_copy.data()), 1));
    EXPECT_TRUE(readable(address(f.program.rodata.data()), 1));
}

TEST(XbgpRegions, WithoutAViewOnlyTheThreadsHeapCounts) {
    Fixture f;
    EXPECT_FALSE(readable(address(f.ctx.data()), 1));
    EXPECT_FALSE(readable(address(f.globals.data()), 1));
    EXPECT_FALSE(readable(address(f.program.rodata.data()), 1));
}

}  // namespace
}  // namespace mempool::detail::xbgp
