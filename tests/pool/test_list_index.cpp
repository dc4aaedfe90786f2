// Indexed access to list elements (ListView::at, get_lst_mempool_elem): the
// element an iteration would reach at the same position, at the same
// address, for every element size and across the chunk boundaries, before
// and after removals; plus get_mempool_len and get_lst_mempool_count.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"
#include "mempool/pool.hpp"

namespace {

using mempool::Error;
using mempool::Pool;

// Appends `count` elements of `size` bytes, element i filled with the bytes
// of i, and checks at(i) against an iteration after each growth step.
void check_size(std::uint32_t size, std::uint32_t count) {
    Pool pool;
    std::vector<std::byte> element(size);
    for (std::uint32_t i = 0; i < count; ++i) {
        for (std::uint32_t b = 0; b < size; ++b) element[b] = static_cast<std::byte>((i >> (8 * (b % 4))) + b);
        ASSERT_TRUE(pool.append(3, element)) << "size " << size << " element " << i;
    }
    const mempool::ListView list = pool.list(3).value();
    ASSERT_EQ(list.size(), count);
    std::uint32_t i = 0;
    for (std::span<std::byte> e : list) {
        auto at = list.at(i);
        ASSERT_TRUE(at) << "size " << size << " index " << i;
        ASSERT_EQ(at->data(), e.data()) << "size " << size << " index " << i;
        ASSERT_EQ(at->size(), size);
        ++i;
    }
    EXPECT_EQ(list.at(count).error(), Error::missing);
    EXPECT_EQ(list.at(SIZE_MAX).error(), Error::missing);
}

TEST(ListIndex, MatchesIterationForEveryShapeOfChunkChain) {
    // 1 and 4 bytes reach the 64 KiB chunks; 3 and 40 have capacities that
    // are not powers of two; 70000 holds one element per chunk.
    for (std::uint32_t size : {1U, 2U, 3U, 4U, 8U, 12U, 16U, 40U, 100U, 4096U, 70000U}) {
        const std::uint32_t count = size >= 4096 ? 40 : 200000 / size + 3;
        check_size(size, count);
    }
}

TEST(ListIndex, AMillionElementsByIndex) {
    Pool pool;
    for (std::uint32_t v = 0; v < 1000000; ++v) ASSERT_TRUE(pool.push(9, v));
    const mempool::ListView list = pool.list(9).value();
    for (std::uint32_t i = 0; i < 1000000; i += 997) {
        std::uint32_t v;
        std::memcpy(&v, list.at(i)->data(), sizeof v);
        ASSERT_EQ(v, i);
    }
    std::uint32_t last;
    std::memcpy(&last, list.at(999999)->data(), sizeof last);
    EXPECT_EQ(last, 999999U);
}

TEST(ListIndex, CountsOnlyLiveElementsAfterRemovals) {
    mem_pool* mp = new_mempool();
    for (std::uint32_t v = 0; v < 300; ++v) ASSERT_EQ(add_lst_mempool(mp, 4, nullptr, sizeof v, &v), 0);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 4);
    while (void* e = get_lst_mempool_iterator(it)) {
        std::uint32_t v;
        std::memcpy(&v, e, sizeof v);
        if (v % 3 == 0) {
            ASSERT_EQ(remove_lst_mempool_iterator(it), 0);
        } else {
            (void)next_lst_mempool_iterator(it);
        }
    }
    destroy_lst_mempool_iterator(it);
    ASSERT_EQ(get_lst_mempool_count(mp, 4), 200U);
    for (std::uint64_t i = 0; i < 200; ++i) {
        std::uint32_t v;
        std::memcpy(&v, get_lst_mempool_elem(mp, 4, i), sizeof v);
        ASSERT_EQ(v, i / 2 * 3 + 1 + i % 2);  // 1, 2, 4, 5, 7, 8, ...
    }
    EXPECT_EQ(get_lst_mempool_elem(mp, 4, 200), nullptr);
    delete_mempool(mp);
}

TEST(ListIndex, CApiRefusesWhatIsNotAList) {
    mem_pool* mp = new_mempool();
    std::uint16_t small = 7;
    char text[20] = "nineteen characters";
    int target = 0;
    std::uint64_t element = 5;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof small, &small), 0);
    ASSERT_EQ(add_single_mempool(mp, 2, nullptr, sizeof text, text), 0);
    ASSERT_EQ(add_raw_ptr_mempool(mp, 3, nullptr, &target), 0);
    ASSERT_EQ(add_lst_mempool(mp, 4, nullptr, sizeof element, &element), 0);

    EXPECT_EQ(get_mempool_len(mp, 1), sizeof small);
    EXPECT_EQ(get_mempool_len(mp, 2), sizeof text);
    EXPECT_EQ(get_mempool_len(mp, 3), 0U);
    EXPECT_EQ(get_mempool_len(mp, 4), sizeof element);
    EXPECT_EQ(get_mempool_len(mp, 5), 0U);
    EXPECT_EQ(get_mempool_len(nullptr, 1), 0U);

    for (std::uint32_t key : {1U, 2U, 3U, 5U}) {
        EXPECT_EQ(get_lst_mempool_count(mp, key), 0U);
        EXPECT_EQ(get_lst_mempool_elem(mp, key, 0), nullptr);
    }
    EXPECT_EQ(get_lst_mempool_count(mp, 4), 1U);
    EXPECT_EQ(*static_cast<std::uint64_t*>(get_lst_mempool_elem(mp, 4, 0)), 5U);
    EXPECT_EQ(get_lst_mempool_elem(mp, 4, 1), nullptr);
    EXPECT_EQ(get_lst_mempool_elem(nullptr, 4, 0), nullptr);
    EXPECT_EQ(get_lst_mempool_count(nullptr, 4), 0U);
    delete_mempool(mp);
}

TEST(ListIndex, AnEmptyViewHasNoElements) {
    const mempool::ListView none;
    EXPECT_EQ(none.at(0).error(), Error::missing);
}

}  // namespace
