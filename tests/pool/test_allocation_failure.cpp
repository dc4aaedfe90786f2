// A failed allocation fails the call and changes nothing. (The full sweep
// over every allocation site of a scripted workload belongs to hardening.)
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"
#include "pool/alloc_failure.hpp"

using mempool_test::cleanup_log;

namespace {

struct NoFailures {
    ~NoFailures() { mempool::detail::fail_allocation_after(0); }
};

// Fills a pool through every growth step (ext, page1, index, pages, list
// chunks, boxes), failing the first allocation each call makes; each failed
// call must leave the pool reading as before, and retrying must succeed.
TEST(AllocationFailure, EveryGrowthStepFailsCleanly) {
    NoFailures guard;
    cleanup_log().clear();
    mem_pool* mp = new_mempool();
    std::uint32_t failures = 0;
    for (std::uint32_t k = 0; k < 300; ++k) {
        std::uint64_t small = k;
        std::uint64_t big[3] = {k, k, k};
        std::uint32_t element = k;
        for (int kind = 0; kind < 3; ++kind) {
            const std::uint32_t key = k * 3 + static_cast<std::uint32_t>(kind);
            auto call = [&] {
                switch (kind) {
                case 0: return add_single_mempool(mp, key, mempool_test::log_u64, sizeof small, &small);
                case 1: return add_single_mempool(mp, key, mempool_test::log_u64, sizeof big, big);
                default: return add_lst_mempool(mp, 1u << 31, mempool_test::log_u32, sizeof element, &element);
                }
            };
            mempool::detail::fail_allocation_after(1);
            const int first = call();
            const bool allocated = mempool::detail::allocations_before_failure() == 0;
            mempool::detail::fail_allocation_after(0);
            if (allocated) {
                ++failures;
                ASSERT_EQ(first, -1);
                if (kind != 2) {
                    ASSERT_EQ(get_mempool_ptr(mp, key), nullptr);
                }
                ASSERT_EQ(call(), 0);
            } else {
                ASSERT_EQ(first, 0);
            }
        }
    }
    EXPECT_GT(failures, 300U) << "boxes alone fail 300 times";
    for (std::uint32_t k = 0; k < 300; ++k) ASSERT_EQ(get_mempool_u64(mp, k * 3), k);
    std::uint32_t count = 0;
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1u << 31);
    while (void* e = next_lst_mempool_iterator(it)) ASSERT_EQ(*static_cast<std::uint32_t*>(e), count++);
    destroy_lst_mempool_iterator(it);
    EXPECT_EQ(count, 300U);
    EXPECT_TRUE(cleanup_log().pointers.empty()) << "failed calls run no cleanup";
    delete_mempool(mp);
    EXPECT_EQ(cleanup_log().pointers.size(), 900U);
}

TEST(AllocationFailure, NewMempoolAndIteratorsReturnNull) {
    NoFailures guard;
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_mempool(), nullptr);
    mem_pool* mp = new_mempool();
    std::uint32_t v = 1;
    ASSERT_EQ(add_lst_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_mempool_iterator(mp), nullptr);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_lst_iterator_mempool(mp, 1), nullptr);
    mempool::detail::fail_allocation_after(0);
    delete_mempool(mp);
}

TEST(AllocationFailure, RemovingAListElementMayFailAndKeepsIt) {
    NoFailures guard;
    cleanup_log().clear();
    mem_pool* mp = new_mempool();
    for (std::uint32_t v = 0; v < 3; ++v) ASSERT_EQ(add_lst_mempool(mp, 1, mempool_test::log_u32, sizeof v, &v), 0);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    mempool::detail::fail_allocation_after(1);  // the removal bitmap
    EXPECT_EQ(remove_lst_mempool_iterator(it), -1);
    mempool::detail::fail_allocation_after(0);
    EXPECT_TRUE(cleanup_log().pointers.empty());
    EXPECT_EQ(*static_cast<std::uint32_t*>(get_lst_mempool_iterator(it)), 0U);
    EXPECT_EQ(remove_lst_mempool_iterator(it), 0);
    destroy_lst_mempool_iterator(it);
    delete_mempool(mp);
    EXPECT_EQ(cleanup_log().pointers.size(), 3U);
}

}  // namespace
