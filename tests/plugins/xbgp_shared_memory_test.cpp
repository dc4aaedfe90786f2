// xbgp_shared_memory_test.cpp: ctx_shmnew/ctx_shmget/ctx_shmrm: blocks that
// persist across runs, shared by the codes of one plugin group and not by
// another group, bounded by shared_mem, zeroed when made; the directory
// kept in the group's Memory Pool (SharedMemory). JIT and interpreter.
#include "xbgp_support.hpp"

#include "xbgp/shared_memory.hpp"

namespace mempool::test {
namespace {

class XbgpSharedMemory : public XbgpProbeTest {
protected:
    ProgramPtr load_in(const std::string& section, const std::string& group, std::uint32_t shared) {
        PluginSource src{xbgp_probe("shared.o"), section, group + ":" + section};
        src.abi = PluginAbi::xbgp;
        src.group = group;
        src.limits.shared_memory = shared;
        LoadResult r = rt->load(src);
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? r.value() : nullptr;
    }
    std::uint64_t run_alone(const ProgramPtr& p) {
        const PointId point = rt->point("at_" + p->name());
        if (rt->attached_count(point) == 0) EXPECT_TRUE(rt->attach(point, p, Anchor::replace, 0).ok());
        const RunResult r = rt->run(point, {});
        EXPECT_EQ(r.aborted, 0u);
        return r.value;
    }
};

TEST_P(XbgpSharedMemory, ABlockPersistsAcrossRunsAndIsSharedWithinTheGroup) {
    ProgramPtr a = load_in("xbgp/count", "g", 64);
    ProgramPtr b = load_in("xbgp/count", "g", 64);
    ProgramPtr other = load_in("xbgp/count", "h", 64);
    ASSERT_TRUE(a && b && other);
    EXPECT_EQ(run_alone(a), 1u);
    EXPECT_EQ(run_alone(a), 2u);
    EXPECT_EQ(run_alone(b), 3u);     // the same group: the same block
    EXPECT_EQ(run_alone(other), 1u); // another group: its own
    EXPECT_EQ(run_alone(a), 4u);
}

// A group lives as long as its programs: once all are released, a code
// loaded later under the group's name (a new manifest of that name, maybe
// another author's) starts from empty shared memory, as libxbgp frees a
// plugin's shared memory with the plugin. While one program of the group is
// alive, a new code of the group shares its memory.
TEST_P(XbgpSharedMemory, AGroupsMemoryEndsWithItsLastProgram) {
    ProgramPtr a = load_in("xbgp/count", "g", 64);
    ASSERT_TRUE(a);
    EXPECT_EQ(run_alone(a), 1u);
    EXPECT_EQ(run_alone(a), 2u);
    ProgramPtr b = load_in("xbgp/count", "g", 64);
    ASSERT_TRUE(b);
    const PointId at_b = rt->point("b");
    ASSERT_TRUE(rt->attach(at_b, b, Anchor::replace, 0).ok());
    EXPECT_EQ(rt->run(at_b, {}).value, 3u);  // a is alive: the same memory
    EXPECT_EQ(rt->detach(rt->point("at_" + a->name()), a->name()), 1u);
    EXPECT_EQ(rt->detach(at_b, b->name()), 1u);
    a.reset();
    b.reset();
    ProgramPtr later = load_in("xbgp/count", "g", 64);
    ASSERT_TRUE(later);
    EXPECT_EQ(run_alone(later), 1u) << "a code loaded after its group was released found the group's old blocks";
}

TEST_P(XbgpSharedMemory, ABlockOfUnknownSizeIsCheckedAgainstTheSharedArena) {
    ProgramPtr a = load_in("xbgp/count64", "g", 64);
    ASSERT_TRUE(a);
    EXPECT_EQ(run_alone(a), 1u);
    EXPECT_EQ(run_alone(a), 2u);
    EXPECT_EQ(run_alone(a), 3u);
}

TEST_P(XbgpSharedMemory, SharedMemIsTheLimitAndBlocksAreZeroed) {
    ProgramPtr alloc = load_in("xbgp/alloc", "g", 64);
    ProgramPtr remove = load_in("xbgp/remove", "g", 64);
    ASSERT_TRUE(alloc && remove);
    modes[1] = 65, modes[2] = 10;
    EXPECT_EQ(run_alone(alloc), 0u);  // more than shared_mem
    modes[1] = 40;
    EXPECT_EQ(run_alone(alloc), 1u);
    EXPECT_EQ(run_alone(alloc), 0u);  // key 10 is taken
    modes[1] = 24, modes[2] = 11;
    EXPECT_EQ(run_alone(alloc), 1u);  // 40 + 24 = 64
    modes[1] = 1, modes[2] = 12;
    EXPECT_EQ(run_alone(alloc), 0u);  // full
    modes[2] = 10;
    EXPECT_EQ(run_alone(remove), 0u);
    modes[1] = 40, modes[2] = 12;
    EXPECT_EQ(run_alone(alloc), 1u);  // room again, zeroed again
}

TEST_P(XbgpSharedMemory, WithoutSharedMemCtxShmnewGivesNull) {
    ProgramPtr count = load_in("xbgp/count", "none", 0);
    ASSERT_TRUE(count);
    EXPECT_EQ(run_alone(count), 1000u);
}

TEST(XbgpSharedMemoryUnit, TheDirectoryAndTheArena) {
    detail::SharedMemory shm(100);
    std::uint8_t* p = shm.create(7, 10);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p, shm.arena());
    std::uint32_t size = 0;
    EXPECT_EQ(shm.find(7, &size), p);
    EXPECT_EQ(size, 10u);
    EXPECT_EQ(shm.create(7, 1), nullptr);
    EXPECT_EQ(shm.create(8, 0), nullptr);
    std::uint8_t* q = shm.create(8, 80);  // 16 (10 rounded) + 80 <= 100
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q - p, 16);
    EXPECT_EQ(shm.create(9, 8), nullptr);  // 96 taken, 4 left
    p[3] = 0x55;
    shm.remove(7);
    EXPECT_EQ(shm.find(7), nullptr);
    std::uint8_t* r = shm.create(9, 8);    // reuses the hole, zeroed
    ASSERT_EQ(r, shm.arena());
    EXPECT_EQ(r[3], 0);
    EXPECT_EQ(shm.blocks(), 2u);
    EXPECT_EQ(shm.used(), 88u);
    detail::SharedMemory none(0);
    EXPECT_EQ(none.create(1, 1), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Modes, XbgpSharedMemory, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
