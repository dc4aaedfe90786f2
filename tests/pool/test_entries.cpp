// docs/semantics.md, "Entries": three kinds, cleanups exactly once per datum,
// invalid arguments, fixed element size of lists.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"

using mempool_test::cleanup_log;

namespace {

class Entries : public ::testing::Test {
protected:
    void SetUp() override {
        cleanup_log().clear();
        mp = new_mempool();
        ASSERT_NE(mp, nullptr);
    }
    void TearDown() override { delete_mempool(mp); }
    mem_pool* mp = nullptr;
};

TEST_F(Entries, ValueCleanupRunsOnceWithThePoolsCopyForEveryLength) {
    for (std::uint32_t length : {1U, 4U, 8U, 9U, 16U, 100U, 70000U}) {
        cleanup_log().clear();
        std::vector<std::uint8_t> bytes(length, 0);
        bytes[0] = static_cast<std::uint8_t>(length);
        void (*cleanup)(void*) = length >= 4 ? mempool_test::log_u32 : mempool_test::log_pointer;
        ASSERT_EQ(add_single_mempool(mp, length, cleanup, length, bytes.data()), 0);
        void* copy = get_mempool_ptr(mp, length);
        ASSERT_NE(copy, nullptr);
        EXPECT_NE(copy, bytes.data()) << "a value is copied";
        EXPECT_TRUE(cleanup_log().pointers.empty());
        remove_mempool(mp, length);
        ASSERT_EQ(cleanup_log().pointers.size(), 1U) << "length " << length;
        EXPECT_EQ(cleanup_log().pointers[0], copy) << "cleanup gets the pool's copy";
        remove_mempool(mp, length);
        EXPECT_EQ(cleanup_log().pointers.size(), 1U) << "never twice";
    }
}

TEST_F(Entries, ReferenceCleanupGetsTheCallersPointer) {
    int target = 5;
    ASSERT_EQ(add_raw_ptr_mempool(mp, 1, mempool_test::log_pointer, &target), 0);
    EXPECT_EQ(get_mempool_ptr(mp, 1), &target) << "a reference is not copied";
    remove_mempool(mp, 1);
    ASSERT_EQ(cleanup_log().pointers.size(), 1U);
    EXPECT_EQ(cleanup_log().pointers[0], &target);
}

TEST_F(Entries, ListCleanupRunsForEachElementInOrder) {
    for (std::uint32_t v = 0; v < 1000; ++v)
        ASSERT_EQ(add_lst_mempool(mp, 3, mempool_test::log_u32, sizeof v, &v), 0);
    remove_mempool(mp, 3);
    ASSERT_EQ(cleanup_log().values.size(), 1000U);
    for (std::uint32_t v = 0; v < 1000; ++v) EXPECT_EQ(cleanup_log().values[v], v);
}

TEST_F(Entries, DeleteRunsEveryCleanupOnce) {
    std::uint64_t big[4] = {7, 0, 0, 0};
    std::uint32_t small = 8;
    int target = 0;
    ASSERT_EQ(add_single_mempool(mp, 1, mempool_test::log_u64, sizeof big, big), 0);
    ASSERT_EQ(add_single_mempool(mp, 2, mempool_test::log_u32, sizeof small, &small), 0);
    ASSERT_EQ(add_raw_ptr_mempool(mp, 3, mempool_test::log_pointer, &target), 0);
    for (std::uint32_t v = 100; v < 103; ++v)
        ASSERT_EQ(add_lst_mempool(mp, 4, mempool_test::log_u32, sizeof v, &v), 0);
    delete_mempool(mp);
    mp = nullptr;
    EXPECT_EQ(cleanup_log().pointers.size(), 6U);
    std::multiset<std::uint64_t> seen(cleanup_log().values.begin(), cleanup_log().values.end());
    EXPECT_EQ(seen, (std::multiset<std::uint64_t>{7, 8, 0, 100, 101, 102}));
}

TEST_F(Entries, NoCleanupMeansNoCall) {
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    remove_mempool(mp, 1);
    EXPECT_TRUE(cleanup_log().pointers.empty());
}

TEST_F(Entries, InvalidArgumentsFail) {
    std::uint64_t v = 1;
    EXPECT_EQ(add_single_mempool(mp, 1, nullptr, 0, &v), -1);
    EXPECT_EQ(add_single_mempool(mp, 1, nullptr, 8, nullptr), -1);
    EXPECT_EQ(add_single_mempool(nullptr, 1, nullptr, 8, &v), -1);
    EXPECT_EQ(set_single_mempool(mp, 1, nullptr, 0, &v), -1);
    EXPECT_EQ(set_single_mempool(mp, 1, nullptr, 8, nullptr), -1);
    EXPECT_EQ(set_single_mempool(nullptr, 1, nullptr, 8, &v), -1);
    EXPECT_EQ(add_lst_mempool(mp, 1, nullptr, 0, &v), -1);
    EXPECT_EQ(add_lst_mempool(mp, 1, nullptr, 8, nullptr), -1);
    EXPECT_EQ(add_lst_mempool(nullptr, 1, nullptr, 8, &v), -1);
    EXPECT_EQ(add_raw_ptr_mempool(mp, 1, nullptr, nullptr), -1);
    EXPECT_EQ(add_raw_ptr_mempool(nullptr, 1, nullptr, &v), -1);
    EXPECT_EQ(get_mempool_ptr(mp, 1), nullptr) << "nothing was stored";
    EXPECT_EQ(get_mempool_u64(nullptr, 1), 0U);
    EXPECT_EQ(get_mempool_ptr(nullptr, 1), nullptr);
}

TEST_F(Entries, ListElementSizeIsFixedByTheFirstElement) {
    std::uint32_t four = 4;
    std::uint64_t eight = 8;
    ASSERT_EQ(add_lst_mempool(mp, 1, nullptr, sizeof four, &four), 0);
    EXPECT_EQ(add_lst_mempool(mp, 1, nullptr, sizeof eight, &eight), -1);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_NE(it, nullptr);
    auto* first = static_cast<std::uint32_t*>(next_lst_mempool_iterator(it));
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(*first, 4U);
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr) << "the failed append left the list as it was";
    destroy_lst_mempool_iterator(it);
}

TEST_F(Entries, ListCleanupIsFixedByTheFirstElement) {
    std::uint32_t v = 1;
    ASSERT_EQ(add_lst_mempool(mp, 1, mempool_test::log_u32, sizeof v, &v), 0);
    EXPECT_EQ(add_lst_mempool(mp, 1, mempool_test::log_u32_other, sizeof v, &v), -1);
    EXPECT_EQ(add_lst_mempool(mp, 1, nullptr, sizeof v, &v), -1);
    EXPECT_EQ(add_lst_mempool(mp, 1, mempool_test::log_u32, sizeof v, &v), 0);
    remove_mempool(mp, 1);
    EXPECT_EQ(cleanup_log().pointers.size(), 2U);
}

}  // namespace
