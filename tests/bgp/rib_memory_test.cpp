// The RIB's own memory: MappedArray (the prefix table and the indexes) and
// ListSlabs (the route lists), alone and under a RIB compared with a model.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "address.hpp"
#include "list_slabs.hpp"
#include "mapped_array.hpp"
#include "rib.hpp"

using namespace mempool::bgp;

namespace {

struct Forty {  // the size of a PrefixRoutes: elements that straddle pages
    std::uint64_t words[5];
};

TEST(MappedArray, KeepsEveryElementAsItGrowsPastTheMappedSize) {
    MappedArray<Forty> a;
    const std::size_t n = 5 * mapped_storage::kMapFromBytes / sizeof(Forty) + 123;
    for (std::size_t i = 0; i < n; ++i) {
        Forty f{};
        for (std::uint64_t& w : f.words) w = i * 31 + (&w - f.words);
        const Forty& stored = a.push_back(f);
        ASSERT_EQ(std::memcmp(&stored, &f, sizeof f), 0);
    }
    ASSERT_EQ(a.size(), n);
    EXPECT_GE(a.capacity(), n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < 5; ++k) ASSERT_EQ(a[i].words[k], i * 31 + k) << i;
    std::size_t walked = 0;
    for (const Forty& f : a) walked += f.words[0] == walked * 31;
    EXPECT_EQ(walked, n);
}

TEST(MappedArray, AssignMakesAFreshTableOfExactlyThatMany) {
    MappedArray<std::uint64_t> a;
    for (const std::size_t n : {std::size_t{1} << 20, std::size_t{1024}, std::size_t{0}, std::size_t{1} << 16}) {
        a.assign(n, ~std::uint64_t{0});
        ASSERT_EQ(a.size(), n);
        std::size_t all_set = 0;
        for (const std::uint64_t v : a) all_set += v == ~std::uint64_t{0};
        EXPECT_EQ(all_set, n);
        if (n != 0) a[n - 1] = 7;
    }
}

TEST(MappedArray, MovesAndSwapsHandOverTheStorage) {
    MappedArray<std::uint32_t> a;
    for (std::uint32_t i = 0; i < 100000; ++i) (void)a.push_back(i);
    const std::uint32_t* data = a.data();
    MappedArray<std::uint32_t> b(std::move(a));
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(b.data(), data);
    MappedArray<std::uint32_t> c;
    (void)c.push_back(5);
    c.swap(b);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0], 5u);
    ASSERT_EQ(c.size(), 100000u);
    EXPECT_EQ(c[99999], 99999u);
    (void)a.push_back(1);  // a moved-from array is usable
    EXPECT_EQ(a.size(), 1u);
}

TEST(ListSlabs, AReleasedBlockIsHandedOutAgainForItsSize) {
    ListSlabs slabs(24);
    void* four = slabs.allocate(4);
    void* two = slabs.allocate(2);
    EXPECT_NE(two, four);
    slabs.release(four, 4);
    EXPECT_EQ(slabs.allocate(4), four);
    slabs.release(nullptr, 4);  // nothing to release
}

// Lists that all outgrow one size leave its slabs to the next size: memory
// follows the live lists, not every size they went through.
TEST(ListSlabs, SlabsEmptiedByOneSizeServeTheNext) {
    ListSlabs slabs(24);
    std::vector<void*> blocks;
    for (int i = 0; i < 40000; ++i) blocks.push_back(slabs.allocate(2));  // 1.9 MB of lists of 2
    const std::size_t after_twos = slabs.reserved_bytes();
    for (std::uint32_t units = 2; units < 16; units *= 2)
        for (void*& b : blocks) {  // every list grows: a block of twice the size, the old one back
            void* grown = slabs.allocate(units * 2);
            slabs.release(b, units);
            b = grown;
        }
    // 40,000 lists of 16 need 15.4 MB; the sizes they went through added
    // at most a few regions, not their 13.4 MB.
    EXPECT_LE(slabs.reserved_bytes(), after_twos + 40000u * 16 * 24 + 3 * ListSlabs::kRegionBytes);
    for (void* b : blocks) slabs.release(b, 16);
}

TEST(ListSlabs, BlocksNeverOverlapAcrossSlabsAndLargeBlocks) {
    ListSlabs slabs(24);
    std::mt19937 rng(7);
    struct Block {
        unsigned char* p;
        std::uint32_t units;
        unsigned char fill;
    };
    std::vector<Block> live;
    for (int step = 0; step < 200000; ++step) {
        if (!live.empty() && rng() % 3 == 0) {
            const std::size_t k = rng() % live.size();
            const Block b = live[k];
            for (std::size_t i = 0; i < b.units * 24u; ++i) ASSERT_EQ(b.p[i], b.fill) << step;
            slabs.release(b.p, b.units);
            live[k] = live.back();
            live.pop_back();
            continue;
        }
        const std::uint32_t units = rng() % 50 == 0 ? 65 + rng() % 200 : 1 + rng() % 64;
        auto* p = static_cast<unsigned char*>(slabs.allocate(units));
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % 8, 0u);
        const auto fill = static_cast<unsigned char>(step);
        std::memset(p, fill, units * 24u);
        live.push_back({p, units, fill});
    }
    EXPECT_GT(slabs.reserved_bytes(), ListSlabs::kRegionBytes);
    for (const Block& b : live) {
        for (std::size_t i = 0; i < b.units * 24u; ++i) ASSERT_EQ(b.p[i], b.fill);
        slabs.release(b.p, b.units);
    }
}

Prefix prefix_number(std::uint32_t n) {
    Prefix p;
    if (n % 4 == 3) {
        p.afi = Afi::ipv6;
        p.len = 48;
        p.addr = {0x20, 0x01, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                  static_cast<std::uint8_t>(n)};
    } else {
        p.len = 24;
        p.addr = {static_cast<std::uint8_t>(1 + (n >> 16)), static_cast<std::uint8_t>(n >> 8),
                  static_cast<std::uint8_t>(n)};
    }
    return p;
}

// Random announcements, withdrawals and peer resets on a table large enough
// for every structure to leave malloc for its own mapping and the route
// lists to fill many slabs: the RIB holds what a map of routes holds.
TEST(RibMemory, ARibAgreesWithAMapOfRoutesThroughGrowth) {
    Rib rib;
    using Key = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;  // prefix number, peer, path id
    std::map<Key, std::uint8_t> model;                                  // the set's one byte
    std::mt19937 rng(11);
    constexpr std::uint32_t kPrefixes = 60000, kPeers = 12;
    for (int step = 0; step < 400000; ++step) {
        const std::uint32_t n = rng() % kPrefixes, peer = rng() % kPeers, path = rng() % 8 == 0 ? rng() % 3 : 0;
        const std::uint32_t what = rng() % 1000;
        if (what < 700) {
            const auto b = static_cast<std::uint8_t>(rng());
            rib.announce(prefix_number(n), peer, path, rib.attribute_store().intern(Bytes(&b, 1), 0, 1), path != 0);
            model[{n, peer, path}] = b;
        } else if (what < 999) {
            EXPECT_EQ(rib.withdraw(prefix_number(n), peer, path), model.erase({n, peer, path}) == 1);
        } else {
            std::size_t gone = 0;
            for (auto it = model.begin(); it != model.end();)
                if (std::get<1>(it->first) == peer) {
                    it = model.erase(it);
                    ++gone;
                } else {
                    ++it;
                }
            EXPECT_EQ(rib.clear_peer(peer), gone);
        }
    }
    ASSERT_EQ(rib.route_count(), model.size());
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint8_t>> held, expected;
    for (const auto& [k, b] : model) expected.emplace(std::get<0>(k), std::get<1>(k), std::get<2>(k), b);
    std::map<std::string, std::uint32_t> number_of;
    for (std::uint32_t n = 0; n < kPrefixes; ++n) number_of[to_string(prefix_number(n))] = n;
    for (std::size_t i = 0; i < rib.prefixes().size(); ++i) {
        const PrefixRoutes& pr = rib.prefixes()[i];
        EXPECT_EQ(rib.index_of(pr.prefix), i);
        for (const Route& r : pr.routes)
            held.emplace(number_of.at(to_string(pr.prefix)), r.peer, r.path_id,
                         rib.attribute_store()[r.path_attributes].key()[0]);
    }
    EXPECT_EQ(held, expected);
}

}  // namespace
