// docs/semantics.md, "Insertion": adds never overwrite; a failed call changes nothing.
#include <gtest/gtest.h>

#include <cstdint>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"

using mempool_test::cleanup_log;

namespace {

class Insertion : public ::testing::Test {
protected:
    void SetUp() override {
        cleanup_log().clear();
        mp = new_mempool();
        ASSERT_NE(mp, nullptr);
        std::uint64_t value = 11;
        ASSERT_EQ(add_single_mempool(mp, kValue, mempool_test::log_u64, sizeof value, &value), 0);
        ASSERT_EQ(add_raw_ptr_mempool(mp, kReference, mempool_test::log_pointer, &target), 0);
        std::uint32_t element = 21;
        ASSERT_EQ(add_lst_mempool(mp, kList, mempool_test::log_u32, sizeof element, &element), 0);
    }
    void TearDown() override { delete_mempool(mp); }

    void expect_unchanged() {
        EXPECT_EQ(get_mempool_u64(mp, kValue), 11U);
        EXPECT_EQ(get_mempool_ptr(mp, kReference), &target);
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, kList);
        ASSERT_NE(it, nullptr);
        auto* e = static_cast<std::uint32_t*>(next_lst_mempool_iterator(it));
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(*e, 21U);
        EXPECT_EQ(next_lst_mempool_iterator(it), nullptr);
        destroy_lst_mempool_iterator(it);
        EXPECT_TRUE(cleanup_log().pointers.empty()) << "a failed call runs no cleanup";
    }

    static constexpr std::uint32_t kValue = 1, kReference = 2, kList = 3;
    mem_pool* mp = nullptr;
    int target = 0;
};

TEST_F(Insertion, AddSingleOnAnyExistingKeyFails) {
    std::uint64_t other = 99;
    for (std::uint32_t key : {kValue, kReference, kList})
        EXPECT_EQ(add_single_mempool(mp, key, mempool_test::log_u64, sizeof other, &other), -1);
    expect_unchanged();
}

TEST_F(Insertion, AddRawPointerOnAnyExistingKeyFails) {
    int other = 0;
    for (std::uint32_t key : {kValue, kReference, kList})
        EXPECT_EQ(add_raw_ptr_mempool(mp, key, mempool_test::log_pointer, &other), -1);
    expect_unchanged();
}

TEST_F(Insertion, AddListOnValueOrReferenceFails) {
    std::uint32_t element = 5;
    EXPECT_EQ(add_lst_mempool(mp, kValue, mempool_test::log_u32, sizeof element, &element), -1);
    EXPECT_EQ(add_lst_mempool(mp, kReference, mempool_test::log_u32, sizeof element, &element), -1);
    expect_unchanged();
}

TEST_F(Insertion, AddListOnListAppends) {
    std::uint32_t element = 22;
    ASSERT_EQ(add_lst_mempool(mp, kList, mempool_test::log_u32, sizeof element, &element), 0);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, kList);
    EXPECT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 21U);
    EXPECT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 22U);
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr);
    destroy_lst_mempool_iterator(it);
}

TEST_F(Insertion, KeysSpanTheWholeRange) {
    std::uint64_t lo = 1, hi = 2;
    ASSERT_EQ(add_single_mempool(mp, 0, nullptr, sizeof lo, &lo), 0);
    ASSERT_EQ(add_single_mempool(mp, UINT32_MAX, nullptr, sizeof hi, &hi), 0);
    EXPECT_EQ(get_mempool_u64(mp, 0), 1U);
    EXPECT_EQ(get_mempool_u64(mp, UINT32_MAX), 2U);
    expect_unchanged();
}

}  // namespace
