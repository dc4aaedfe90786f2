// docs/semantics.md, "Updating in place": set_single_mempool.
#include <gtest/gtest.h>

#include <cstdint>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"
#include "pool/alloc_failure.hpp"

using mempool_test::cleanup_log;

namespace {

class Update : public ::testing::Test {
protected:
    void SetUp() override {
        cleanup_log().clear();
        mp = new_mempool();
    }
    void TearDown() override {
        mempool::detail::fail_allocation_after(0);
        delete_mempool(mp);
    }
    mem_pool* mp = nullptr;
};

TEST_F(Update, CreatesWhenAbsent) {
    std::uint64_t v = 5;
    ASSERT_EQ(set_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 5U);
}

TEST_F(Update, SameLengthOverwriteKeepsTheAddressAndDoesNotAllocate) {
    for (std::uint32_t length : {8U, 32U}) {
        std::vector<std::uint8_t> bytes(length, 1);
        ASSERT_EQ(add_single_mempool(mp, length, nullptr, length, bytes.data()), 0);
        void* before = get_mempool_ptr(mp, length);
        bytes.assign(length, 2);
        mempool::detail::fail_allocation_after(1);  // any allocation would now fail
        ASSERT_EQ(set_single_mempool(mp, length, nullptr, length, bytes.data()), 0);
        EXPECT_EQ(mempool::detail::allocations_before_failure(), 1U) << "nothing was allocated";
        mempool::detail::fail_allocation_after(0);
        EXPECT_EQ(get_mempool_ptr(mp, length), before);
        EXPECT_EQ(static_cast<std::uint8_t*>(before)[length - 1], 2);
    }
}

TEST_F(Update, AddingACleanupToAShortValueStaysInPlace) {
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    void* before = get_mempool_ptr(mp, 1);
    v = 2;
    mempool::detail::fail_allocation_after(1);
    ASSERT_EQ(set_single_mempool(mp, 1, mempool_test::log_u64, sizeof v, &v), 0);
    mempool::detail::fail_allocation_after(0);
    EXPECT_EQ(get_mempool_ptr(mp, 1), before);
    remove_mempool(mp, 1);
    ASSERT_EQ(cleanup_log().values.size(), 1U);
    EXPECT_EQ(cleanup_log().values[0], 2U) << "the new cleanup cleans the new value";
}

TEST_F(Update, OldCleanupRunsFirstOnTheOldCopy) {
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 1, mempool_test::log_u64, sizeof v, &v), 0);
    v = 2;
    ASSERT_EQ(set_single_mempool(mp, 1, mempool_test::log_u64, sizeof v, &v), 0);
    ASSERT_EQ(cleanup_log().values.size(), 1U);
    EXPECT_EQ(cleanup_log().values[0], 1U);
    EXPECT_EQ(get_mempool_u64(mp, 1), 2U);
    remove_mempool(mp, 1);
    ASSERT_EQ(cleanup_log().values.size(), 2U);
    EXPECT_EQ(cleanup_log().values[1], 2U);
}

TEST_F(Update, OtherLengthReplacesTheValue) {
    std::uint32_t small = 3;
    ASSERT_EQ(add_single_mempool(mp, 1, mempool_test::log_u32, sizeof small, &small), 0);
    std::uint64_t big[3] = {9, 9, 9};
    ASSERT_EQ(set_single_mempool(mp, 1, nullptr, sizeof big, big), 0);
    ASSERT_EQ(cleanup_log().values.size(), 1U);
    EXPECT_EQ(cleanup_log().values[0], 3U);
    EXPECT_EQ(static_cast<std::uint64_t*>(get_mempool_ptr(mp, 1))[2], 9U);
    EXPECT_EQ(get_mempool_u64(mp, 1), 0U) << "now longer than 8 bytes";
    std::uint16_t back = 7;
    ASSERT_EQ(set_single_mempool(mp, 1, nullptr, sizeof back, &back), 0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 7U);
}

TEST_F(Update, OverwriteFromThePoolsOwnCopyIsSafe) {
    std::uint64_t v[4] = {1, 2, 3, 4};
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, v), 0);
    void* self = get_mempool_ptr(mp, 1);
    ASSERT_EQ(set_single_mempool(mp, 1, nullptr, sizeof v, self), 0);
    EXPECT_EQ(static_cast<std::uint64_t*>(get_mempool_ptr(mp, 1))[3], 4U);
}

TEST_F(Update, FailsOnReferenceAndListAndChangesNothing) {
    int target = 0;
    std::uint32_t element = 1;
    ASSERT_EQ(add_raw_ptr_mempool(mp, 1, mempool_test::log_pointer, &target), 0);
    ASSERT_EQ(add_lst_mempool(mp, 2, mempool_test::log_u32, sizeof element, &element), 0);
    std::uint64_t v = 5;
    EXPECT_EQ(set_single_mempool(mp, 1, nullptr, sizeof v, &v), -1);
    EXPECT_EQ(set_single_mempool(mp, 2, nullptr, sizeof v, &v), -1);
    EXPECT_EQ(get_mempool_ptr(mp, 1), &target);
    EXPECT_TRUE(cleanup_log().pointers.empty());
}

TEST_F(Update, FailedReplacementChangesNothing) {
    std::uint32_t small = 3;
    ASSERT_EQ(add_single_mempool(mp, 1, mempool_test::log_u32, sizeof small, &small), 0);
    std::uint64_t big[3] = {9, 9, 9};
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(set_single_mempool(mp, 1, nullptr, sizeof big, big), -1);
    mempool::detail::fail_allocation_after(0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 3U);
    EXPECT_TRUE(cleanup_log().pointers.empty());
}

// The specification's plugin A counts with get then set.
TEST_F(Update, GetThenSetCounts) {
    constexpr std::uint32_t kUpdateMsgKey = 2;
    for (int i = 0; i < 1000; ++i) {
        std::uint64_t seen = get_mempool_u64(mp, kUpdateMsgKey);
        ++seen;
        ASSERT_EQ(set_single_mempool(mp, kUpdateMsgKey, nullptr, sizeof seen, &seen), 0);
    }
    EXPECT_EQ(get_mempool_u64(mp, kUpdateMsgKey), 1000U);
}

}  // namespace
