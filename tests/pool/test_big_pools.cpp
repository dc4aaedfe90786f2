// Pools past 8 keys switch to a hash index; they must behave exactly like
// small ones. Checked against std::map over random operations.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

#include "mempool/mempool.h"

namespace {

void check_against_model(std::uint32_t key_space, std::uint64_t operations, std::uint32_t seed) {
    mem_pool* mp = new_mempool();
    std::map<std::uint32_t, std::uint64_t> model;
    std::mt19937 rng(seed);
    for (std::uint64_t op = 0; op < operations; ++op) {
        const std::uint32_t key = rng() % key_space;
        const std::uint64_t value = rng();
        switch (rng() % 4) {
        case 0: {
            const int expected = model.count(key) ? -1 : 0;
            ASSERT_EQ(add_single_mempool(mp, key, nullptr, sizeof value, const_cast<std::uint64_t*>(&value)),
                      expected);
            model.emplace(key, value);
            break;
        }
        case 1:
            ASSERT_EQ(set_single_mempool(mp, key, nullptr, sizeof value, const_cast<std::uint64_t*>(&value)), 0);
            model[key] = value;
            break;
        case 2:
            remove_mempool(mp, key);
            model.erase(key);
            break;
        default: {
            auto it = model.find(key);
            ASSERT_EQ(get_mempool_u64(mp, key), it == model.end() ? 0 : it->second);
            ASSERT_EQ(get_mempool_ptr(mp, key) != nullptr, it != model.end());
        }
        }
    }
    std::size_t walked = 0;
    mempool_iterator* it = new_mempool_iterator(mp);
    while (next_mempool_iterator(it) != nullptr) ++walked;
    delete_mempool_iterator(it);
    EXPECT_EQ(walked, model.size());
    for (const auto& [key, value] : model) ASSERT_EQ(get_mempool_u64(mp, key), value);
    delete_mempool(mp);
}

TEST(BigPools, SmallKeySpaceCrossesTheSmallBigBoundaryOften) { check_against_model(12, 200000, 1); }
TEST(BigPools, MediumKeySpace) { check_against_model(5000, 300000, 2); }
TEST(BigPools, WideKeySpace) { check_against_model(UINT32_MAX, 200000, 3); }

TEST(BigPools, AMillionSequentialKeys) {
    mem_pool* mp = new_mempool();
    for (std::uint32_t k = 0; k < 1000000; ++k) {
        std::uint64_t v = std::uint64_t{k} * 3;
        ASSERT_EQ(add_single_mempool(mp, k, nullptr, sizeof v, &v), 0);
    }
    for (std::uint32_t k = 0; k < 1000000; ++k) ASSERT_EQ(get_mempool_u64(mp, k), std::uint64_t{k} * 3);
    EXPECT_EQ(get_mempool_u64(mp, 1000000), 0U);
    for (std::uint32_t k = 0; k < 1000000; k += 2) remove_mempool(mp, k);
    for (std::uint32_t k = 0; k < 1000000; ++k)
        ASSERT_EQ(get_mempool_u64(mp, k), k % 2 ? std::uint64_t{k} * 3 : 0U);
    delete_mempool(mp);
}

}  // namespace
