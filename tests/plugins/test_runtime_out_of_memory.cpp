// The runtime when memory runs out: a call that cannot allocate fails and
// leaves the runtime as it was. This program replaces the global operator
// new so that a test can make the n-th allocation of one call fail; nothing
// else here allocates while it is armed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include <mempool/runtime.hpp>

namespace {
// Allocations left before one fails; negative: none fails.
thread_local long allocations_left = -1;
}  // namespace

void* operator new(std::size_t n) {
    if (allocations_left == 0) {
        allocations_left = -1;
        throw std::bad_alloc();
    }
    if (allocations_left > 0) --allocations_left;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
// The nothrow forms too (std::stable_sort's buffer): their memory comes back
// through the operator delete below, so it must come from malloc as well.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace mempool::test {
namespace {

// A point whose name cannot be stored is not declared, and the points
// declared after it work: each allocation of point() is made to fail in
// turn (a name longer than the string's inline room allocates), then a
// plugin attached at a new point must run.
TEST(RuntimeOutOfMemory, APointThatCannotBeDeclaredLeavesTheRuntimeWhole) {
    const std::string object = std::string(MEMPOOL_TEST_PROBES_DIR) + "/runtime_probes.o";
    for (long fail_at = 0;; ++fail_at) {
        SCOPED_TRACE(fail_at);
        Runtime rt;
        LoadResult loaded = rt.load(object, "probe/ret1");
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        for (int i = 0; i < 40; ++i) (void)rt.point("declared before, " + std::to_string(i));
        allocations_left = fail_at;
        const PointId refused = rt.point("a point name longer than any inline string");
        const bool failed = allocations_left == -1;
        allocations_left = -1;
        if (!failed) {
            EXPECT_TRUE(refused.valid());
            break;  // every allocation of the call has been made to fail
        }
        EXPECT_FALSE(refused.valid());
        const PointId next = rt.point("declared after the failure, a long name");
        ASSERT_TRUE(next.valid());
        ASSERT_TRUE(rt.attach(next, loaded.value()).ok());
        const RunResult r = rt.run(next, {});
        EXPECT_EQ(r.ran, 1u);
        EXPECT_EQ(r.value, 1u);
    }
}

}  // namespace
}  // namespace mempool::test
