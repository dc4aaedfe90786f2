// The heap helpers (ctx_malloc, ctx_calloc, ctx_realloc, ctx_free) on the
// thread's arena, called as the runtime calls them during a plugin's run:
// sizes, alignment, exhaustion, in-place growth of the last block, moves,
// untrusted headers and pointers, and the reset after a run.
#include "test_support.hpp"

#include "call_state.hpp"

#include <cstring>

namespace mempool::test {
namespace {

std::uint64_t call(const char* name, std::uint64_t a = 0, std::uint64_t b = 0) {
    for (const HelperSpec& h : heap_helpers())
        if (h.name == name) return h.fn(a, b, 0, 0, 0);
    ADD_FAILURE() << "no helper " << name;
    return 0;
}

class Heap : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(detail::reserve_heap(detail::tls.heap, 4096));
        detail::tls.heap.size = 256;
    }
    void TearDown() override {
        detail::tls.heap.reset();
        detail::tls.heap.size = 0;
    }
    static std::uint64_t base() { return reinterpret_cast<std::uint64_t>(detail::tls.heap.base); }
};

TEST_F(Heap, MallocGivesAlignedBlocksInsideTheArenaUntilItIsFull) {
    const std::uint64_t a = call("ctx_malloc", 10), b = call("ctx_malloc", 1);
    ASSERT_NE(a, 0u);
    ASSERT_NE(b, 0u);
    EXPECT_EQ(a % 8, 0u);
    EXPECT_EQ(b % 8, 0u);
    EXPECT_GE(b, a + 10);
    EXPECT_GE(a, base());
    EXPECT_LE(b + 1, base() + 256);
    EXPECT_EQ(call("ctx_malloc", 0), 0u);
    EXPECT_EQ(call("ctx_malloc", 257), 0u);
    EXPECT_EQ(call("ctx_malloc", std::uint64_t{1} << 40), 0u);
    EXPECT_EQ(call("ctx_malloc", 256), 0u);  // the headers leave less than that
    std::uint64_t last = 0;
    int blocks = 0;
    while (const std::uint64_t p = call("ctx_malloc", 8)) {
        last = p;
        ++blocks;
    }
    EXPECT_GT(blocks, 0);
    EXPECT_LE(last + 8, base() + 256);
}

TEST_F(Heap, CallocZeroesAndRefusesZeroCountsAndOverflow) {
    auto* dirty = reinterpret_cast<std::uint8_t*>(call("ctx_malloc", 64));
    ASSERT_NE(dirty, nullptr);
    std::memset(dirty, 0xab, 64);
    call("ctx_free", reinterpret_cast<std::uint64_t>(dirty));  // the last block: space given back
    auto* z = reinterpret_cast<std::uint8_t*>(call("ctx_calloc", 8, 8));
    ASSERT_EQ(z, dirty);
    for (int i = 0; i < 64; ++i) ASSERT_EQ(z[i], 0) << i;
    EXPECT_EQ(call("ctx_calloc", 0, 8), 0u);
    EXPECT_EQ(call("ctx_calloc", 8, 0), 0u);
    EXPECT_EQ(call("ctx_calloc", std::uint64_t{1} << 33, std::uint64_t{1} << 33), 0u);
}

TEST_F(Heap, ReallocGrowsTheLastBlockInPlaceAndMovesOthers) {
    const std::uint64_t a = call("ctx_malloc", 8);
    std::memcpy(reinterpret_cast<void*>(a), "abcdefgh", 8);
    EXPECT_EQ(call("ctx_realloc", a, 32), a);  // last: in place
    const std::uint64_t b = call("ctx_malloc", 8);
    const std::uint64_t moved = call("ctx_realloc", a, 64);  // not last: moved, contents kept
    ASSERT_NE(moved, 0u);
    EXPECT_NE(moved, a);
    EXPECT_EQ(std::memcmp(reinterpret_cast<void*>(moved), "abcdefgh", 8), 0);
    EXPECT_EQ(call("ctx_realloc", 0, 8) != 0, true);  // NULL: a new block
    EXPECT_EQ(call("ctx_realloc", b, 0), 0u);
    EXPECT_EQ(call("ctx_realloc", b, 1000), 0u);  // too big for the arena
    // Not a block of the arena: refused, nothing touched.
    std::uint64_t on_stack = 0;
    EXPECT_EQ(call("ctx_realloc", reinterpret_cast<std::uint64_t>(&on_stack), 8), 0u);
    EXPECT_EQ(call("ctx_realloc", b + 3, 8), 0u);
    call("ctx_free", reinterpret_cast<std::uint64_t>(&on_stack));
}

TEST_F(Heap, AHeaderThePluginOverwroteCannotMakeACopyLeaveTheArena) {
    const std::uint64_t a = call("ctx_malloc", 8);
    call("ctx_malloc", 8);
    std::memset(reinterpret_cast<void*>(a - 8), 0xff, 8);  // header: "4 GiB"
    const std::uint64_t moved = call("ctx_realloc", a, 64);
    ASSERT_NE(moved, 0u);
    EXPECT_LE(moved + 64, base() + 256);
}

TEST_F(Heap, ResetZeroesWhatTheRunUsed) {
    auto* p = reinterpret_cast<std::uint8_t*>(call("ctx_malloc", 100));
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5a, 100);
    detail::tls.heap.reset();
    for (int i = 0; i < 256; ++i) ASSERT_EQ(detail::tls.heap.base[i], 0) << i;
    EXPECT_EQ(call("ctx_malloc", 100), reinterpret_cast<std::uint64_t>(p));  // from the start again
}

// What a host writes inside a heap object (bgp_route.attr, a peer's
// local_bgp_session) is read by the plugin as a number: it must be the VM's
// heap address, never the arena's host address, and come back unchanged.
TEST_F(Heap, PointersWrittenForThePluginAreHeapAddressesNotHostAddresses) {
    const detail::HeapArena& h = detail::tls.heap;
    const std::uint64_t inside = h.plugin_address(h.base + 16);
    EXPECT_EQ(inside, vm::heap_address(16));
    EXPECT_EQ(h.host_address(inside), base() + 16);
    EXPECT_EQ(h.plugin_address(h.base + h.size), base() + h.size);  // past the plugin's heap: not translated
    EXPECT_EQ(h.host_address(vm::heap_address(h.size)), vm::heap_address(h.size));
    EXPECT_EQ(h.host_address(42), 42u);
}

TEST_F(Heap, OutsideARunThereIsNoHeap) {
    detail::tls.heap.size = 0;
    EXPECT_EQ(call("ctx_malloc", 8), 0u);
    EXPECT_EQ(call("ctx_calloc", 1, 8), 0u);
}

TEST(HeapLimits, TheHeapSizeComesFromTheOptionsOrThePlugin) {
    RuntimeOptions o;
    o.heap_size = 1024;
    Runtime rt(o);
    LoadResult a = rt.load(shipped("count_updates.o"), "plugin/count_updates");
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_EQ(a.value()->heap_size(), 1024u);
    PluginSource src{shipped("count_updates.o"), "plugin/count_updates", "big"};
    src.limits.heap = 1u << 20;
    LoadResult b = rt.load(src);
    ASSERT_TRUE(b) << b.error().to_string();
    EXPECT_EQ(b.value()->heap_size(), 1u << 20);
    src.limits.heap = max_heap_size + 1;
    LoadResult c = rt.load(src);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, PluginErrc::invalid_argument);
}

TEST(HelperSignatures, MalformedDeclarationsAreRefused) {
    Runtime rt;
    HelperFn f = pool_helpers()[0].fn;
    using A = HelperArg;
    EXPECT_EQ(rt.register_helper({"a", f, 2, {A::in_bytes, A::number}}).error.code, PluginErrc::invalid_argument);
    EXPECT_EQ(rt.register_helper({"b", f, 1, {A::out_bytes}}).error.code, PluginErrc::invalid_argument);
    EXPECT_EQ(rt.register_helper({"c", f, 2, {A::number, A::size}}).error.code, PluginErrc::invalid_argument);
    EXPECT_EQ(rt.register_helper({"d", f, 1, {A::number}, HelperRet::heap_or_null}).error.code,
              PluginErrc::invalid_argument);  // no size for the returned memory
    EXPECT_EQ(rt.register_helper({"e", f, 1, {A::number}, HelperRet::heap_or_null, 0, 3}).error.code,
              PluginErrc::invalid_argument);  // size from an argument it does not have
    EXPECT_EQ(rt.register_helper({"f", f, 2, {A::buffer, A::heap_ptr}}).error.code, PluginErrc::invalid_argument);
    EXPECT_TRUE(rt.register_helper({"g", f, 3, {A::number, A::in_bytes, A::size}}).ok());
    EXPECT_TRUE(rt.register_helper({"h", f, 1, {A::number}, HelperRet::heap_or_null, 0, 0}).ok());
    EXPECT_TRUE(rt.register_helper({"i", f, 0, {}, HelperRet::heap_or_null, 16}).ok());
}

}  // namespace
}  // namespace mempool::test
