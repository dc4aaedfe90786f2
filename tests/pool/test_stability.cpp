// docs/semantics.md, "Pointer stability": pointers stay valid until their key is
// removed, across 100k inserts and removals around them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include "mempool/mempool.h"

namespace {

struct Held {
    void* pointer;
    std::uint64_t tag;
    std::uint32_t length;
};

std::vector<std::uint8_t> bytes_for(std::uint64_t tag, std::uint32_t length) {
    std::vector<std::uint8_t> out(length);
    for (std::uint32_t i = 0; i < length; ++i) out[i] = static_cast<std::uint8_t>(tag * 31 + i);
    return out;
}

TEST(Stability, PointersSurvive100kInsertsAndRemovals) {
    mem_pool* mp = new_mempool();
    std::mt19937 rng(12345);
    std::unordered_map<std::uint32_t, Held> held;
    std::vector<std::uint32_t> keys;
    for (std::uint64_t op = 0; op < 100000; ++op) {
        if (keys.empty() || rng() % 3 != 0) {
            const std::uint32_t key = static_cast<std::uint32_t>(rng());
            if (held.count(key) != 0) continue;
            const std::uint32_t length = 1 + rng() % 40;
            std::vector<std::uint8_t> data = bytes_for(op, length);
            ASSERT_EQ(add_single_mempool(mp, key, nullptr, length, data.data()), 0);
            held[key] = Held{get_mempool_ptr(mp, key), op, length};
            keys.push_back(key);
        } else {
            const std::size_t pick = rng() % keys.size();
            remove_mempool(mp, keys[pick]);
            held.erase(keys[pick]);
            keys[pick] = keys.back();
            keys.pop_back();
        }
    }
    ASSERT_GT(held.size(), 10000U);
    for (const auto& [key, h] : held) {
        ASSERT_EQ(get_mempool_ptr(mp, key), h.pointer) << "key " << key;
        ASSERT_EQ(std::memcmp(h.pointer, bytes_for(h.tag, h.length).data(), h.length), 0);
    }
    delete_mempool(mp);
}

TEST(Stability, ListElementPointersSurviveGrowthAndOtherKeys) {
    mem_pool* mp = new_mempool();
    std::vector<std::uint32_t*> first_elements;
    for (std::uint32_t v = 0; v < 100000; ++v) {
        const std::uint32_t key = v % 16;
        ASSERT_EQ(add_lst_mempool(mp, key, nullptr, sizeof v, &v), 0);
        if (v < 16) {
            lst_mempool_iterator* it = new_lst_iterator_mempool(mp, key);
            first_elements.push_back(static_cast<std::uint32_t*>(get_lst_mempool_iterator(it)));
            destroy_lst_mempool_iterator(it);
        }
        std::uint64_t filler = v;
        ASSERT_EQ(set_single_mempool(mp, 1000 + v % 500, nullptr, sizeof filler, &filler), 0);
    }
    for (std::uint32_t k = 0; k < 16; ++k) {
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, k);
        EXPECT_EQ(get_lst_mempool_iterator(it), first_elements[k]);
        EXPECT_EQ(*first_elements[k], k);
        destroy_lst_mempool_iterator(it);
    }
    delete_mempool(mp);
}

}  // namespace
