// docs/semantics.md, "Removal and deletion".
#include <gtest/gtest.h>

#include <cstdint>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"

using mempool_test::cleanup_log;

namespace {

TEST(Removal, RemovesTheKeyOnlyAndRunsItsCleanups) {
    cleanup_log().clear();
    mem_pool* mp = new_mempool();
    for (std::uint32_t k = 0; k < 20; ++k) {
        std::uint64_t v = k;
        ASSERT_EQ(add_single_mempool(mp, k, mempool_test::log_u64, sizeof v, &v), 0);
    }
    remove_mempool(mp, 7);
    ASSERT_EQ(cleanup_log().values.size(), 1U);
    EXPECT_EQ(cleanup_log().values[0], 7U);
    EXPECT_EQ(get_mempool_ptr(mp, 7), nullptr);
    for (std::uint32_t k = 0; k < 20; ++k)
        if (k != 7) {
            EXPECT_EQ(get_mempool_u64(mp, k), k);
        }
    std::uint64_t again = 70;
    EXPECT_EQ(add_single_mempool(mp, 7, nullptr, sizeof again, &again), 0) << "a removed key can be added again";
    EXPECT_EQ(get_mempool_u64(mp, 7), 70U);
    delete_mempool(mp);
    EXPECT_EQ(cleanup_log().values.size(), 20U) << "19 left with cleanups, plus the one removed";
}

TEST(Removal, MissingKeyAndNullPoolAreNoOps) {
    mem_pool* mp = new_mempool();
    remove_mempool(mp, 1);
    remove_mempool(nullptr, 1);
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    remove_mempool(mp, 2);
    EXPECT_EQ(get_mempool_u64(mp, 1), 1U);
    delete_mempool(mp);
}

TEST(Removal, DeleteNullIsANoOp) { delete_mempool(nullptr); }

TEST(Removal, EmptyPoolCanBeDeleted) { delete_mempool(new_mempool()); }

}  // namespace
