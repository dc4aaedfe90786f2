// One small value in the Pool handle (pool.hpp, "One value in the handle";
// docs/semantics.md, "One value in the C++ handle"): when a value goes
// inline and when it does not, promotion to a heap pool on a second key, a
// longer value or a request for an address, removal, iteration, the C
// handle, allocation failures, and the runtime's inline lookups
// (src/pool/inline_access.hpp).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "mempool/mempool.h"
#include "mempool/pool.hpp"
#include "pool/alloc_failure.hpp"
#include "pool/inline_access.hpp"

namespace {

using mempool::Error;
using mempool::Kind;
using mempool::Pool;

struct NoFailures {
    ~NoFailures() { mempool::detail::fail_allocation_after(0); }
};

// The allocations `fn` makes in the library.
template <class Fn>
std::uint64_t allocations_of(Fn&& fn) {
    constexpr std::uint64_t kBudget = 1'000'000;
    mempool::detail::fail_allocation_after(kBudget);
    fn();
    const std::uint64_t left = mempool::detail::allocations_before_failure();
    mempool::detail::fail_allocation_after(0);
    return kBudget - left;
}

std::span<const std::byte> as_bytes(const char* s, std::size_t n) {
    return {reinterpret_cast<const std::byte*>(s), n};
}

void noop_cleanup(void*) {}

TEST(InlineValue, ASmallU64GoesInTheHandleWithoutAllocating) {
    NoFailures guard;
    Pool p;
    EXPECT_EQ(allocations_of([&] { ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value()); }), 0u);
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_EQ(p.size(), 1u);
    EXPECT_FALSE(p.empty());
    EXPECT_EQ(p.get_u64(1).value(), 17u);
    EXPECT_EQ(p.get<std::uint64_t>(1).value(), 17u);
    EXPECT_EQ(p.get<std::uint32_t>(1).error(), Error::wrong_size);
    EXPECT_EQ(p.value_size(1).value(), 8u);
    EXPECT_EQ(p.kind(1).value(), Kind::value);
    EXPECT_TRUE(p.contains(1));
    EXPECT_FALSE(p.contains(2));
    EXPECT_EQ(p.get_u64(2).error(), Error::missing);
    EXPECT_EQ(p.reference(1).error(), Error::wrong_kind);
    EXPECT_EQ(p.list(1).error(), Error::wrong_kind);
    EXPECT_EQ(p.reference(2).error(), Error::missing);
    EXPECT_EQ(p.value_size(2).error(), Error::missing);
    // Reads never move it.
    EXPECT_TRUE(p.holds_inline_value());
}

TEST(InlineValue, EveryLengthUpToEightReadsBackByteForByte) {
    const unsigned char bytes[8] = {0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0};
    for (std::size_t n = 1; n <= 8; ++n) {
        Pool p;
        ASSERT_TRUE(p.add(7, {reinterpret_cast<const std::byte*>(bytes), n}).has_value());
        EXPECT_TRUE(p.holds_inline_value()) << n;
        std::array<std::byte, 16> out{};
        out.fill(std::byte{0xEE});
        EXPECT_EQ(p.read(7, out).value(), n);
        EXPECT_EQ(std::memcmp(out.data(), bytes, n), 0) << n;
        EXPECT_EQ(out[n], std::byte{0xEE}) << n;
        // A short buffer gets a prefix and the full length is reported.
        std::array<std::byte, 2> two{};
        EXPECT_EQ(p.read(7, two).value(), n);
        EXPECT_EQ(std::memcmp(two.data(), bytes, n < 2 ? n : 2), 0);
        // get_u64 is the little-endian number, as for a heap pool.
        std::uint64_t expect = 0;
        for (std::size_t i = n; i-- > 0;) expect = (expect << 8) | bytes[i];
        EXPECT_EQ(p.get_u64(7).value(), expect) << n;
    }
}

TEST(InlineValue, WhatDoesNotFitGoesToTheHeapAsBefore) {
    Pool big_number;
    ASSERT_TRUE(big_number.set<std::uint64_t>(1, std::uint64_t{1} << 32).has_value());
    EXPECT_FALSE(big_number.holds_inline_value());
    EXPECT_EQ(big_number.get_u64(1).value(), std::uint64_t{1} << 32);

    Pool long_value;
    ASSERT_TRUE(long_value.add(1, as_bytes("123456789", 9)).has_value());
    EXPECT_FALSE(long_value.holds_inline_value());

    Pool with_cleanup;
    ASSERT_TRUE(with_cleanup.add(1, as_bytes("ab", 2), noop_cleanup).has_value());
    EXPECT_FALSE(with_cleanup.holds_inline_value());

    Pool big_key;
    ASSERT_TRUE(big_key.set<std::uint32_t>(mempool::detail::kMaxInlineKey + 1, 5).has_value());
    EXPECT_FALSE(big_key.holds_inline_value());
    EXPECT_EQ(big_key.get<std::uint32_t>(mempool::detail::kMaxInlineKey + 1).value(), 5u);

    Pool largest_key;
    ASSERT_TRUE(largest_key.set<std::uint32_t>(mempool::detail::kMaxInlineKey, 5).has_value());
    EXPECT_TRUE(largest_key.holds_inline_value());
    EXPECT_EQ(largest_key.get<std::uint32_t>(mempool::detail::kMaxInlineKey).value(), 5u);
    EXPECT_EQ(largest_key.get_u64(0).error(), Error::missing);

    Pool reference;
    int x = 0;
    ASSERT_TRUE(reference.add_reference(1, &x).has_value());
    EXPECT_FALSE(reference.holds_inline_value());

    Pool list;
    ASSERT_TRUE(list.push<std::uint8_t>(1, 3).has_value());
    EXPECT_FALSE(list.holds_inline_value());
}

TEST(InlineValue, ASecondKeyPromotesAndKeepsBoth) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    ASSERT_TRUE(p.set<std::uint16_t>(2, 9).has_value());
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(p.size(), 2u);
    EXPECT_EQ(p.get<std::uint64_t>(1).value(), 17u);
    EXPECT_EQ(p.get<std::uint16_t>(2).value(), 9u);
    // Removing the second key does not bring the first back inline: its
    // address may have been handed out.
    EXPECT_TRUE(p.remove(2));
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(p.get<std::uint64_t>(1).value(), 17u);
}

TEST(InlineValue, AReferenceOrListUnderAnotherKeyPromotes) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint32_t>(1, 5).has_value());
    int x = 0;
    ASSERT_TRUE(p.add_reference(2, &x).has_value());
    ASSERT_TRUE(p.push<std::uint32_t>(3, 8).has_value());
    EXPECT_EQ(p.size(), 3u);
    EXPECT_EQ(p.get<std::uint32_t>(1).value(), 5u);
    EXPECT_EQ(p.reference(2).value(), &x);
    EXPECT_EQ(p.list(3).value().size(), 1u);
}

TEST(InlineValue, TheInlineKeyRefusesWhatTheHeapPoolRefuses) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint32_t>(1, 5).has_value());
    const std::uint32_t other = 6;
    EXPECT_EQ(p.put<std::uint32_t>(1, other).error(), Error::exists);
    int x = 0;
    EXPECT_EQ(p.add_reference(1, &x).error(), Error::exists);
    EXPECT_EQ(p.push<std::uint32_t>(1, other).error(), Error::wrong_kind);
    EXPECT_EQ(p.add(1, {}).error(), Error::invalid_argument);
    EXPECT_EQ(p.add_reference(1, nullptr).error(), Error::invalid_argument);
    EXPECT_EQ(p.append(1, {}).error(), Error::invalid_argument);
    // Nothing changed, nothing moved.
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_EQ(p.get<std::uint32_t>(1).value(), 5u);

    // The same answers from a heap pool holding the same value.
    Pool h;
    ASSERT_TRUE(h.add(1, as_bytes("\5\0\0\0", 4), noop_cleanup).has_value());
    EXPECT_EQ(h.put<std::uint32_t>(1, other).error(), Error::exists);
    EXPECT_EQ(h.add_reference(1, &x).error(), Error::exists);
    EXPECT_EQ(h.push<std::uint32_t>(1, other).error(), Error::wrong_kind);
    EXPECT_EQ(h.add(1, {}).error(), Error::invalid_argument);
}

TEST(InlineValue, OverwritesStayInlineWhileTheyFit) {
    NoFailures guard;
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    EXPECT_EQ(allocations_of([&] {
                  ASSERT_TRUE(p.set<std::uint64_t>(1, 18).has_value());
                  ASSERT_TRUE(p.set<std::uint16_t>(1, 3).has_value());  // another length, still fits
              }),
              0u);
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_EQ(p.get<std::uint16_t>(1).value(), 3u);
    EXPECT_EQ(p.value_size(1).value(), 2u);
}

TEST(InlineValue, AnOverwriteWithALongerValuePromotes) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint32_t>(1, 5).has_value());
    ASSERT_TRUE(p.assign(1, as_bytes("a longer value", 14)).has_value());
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(p.size(), 1u);
    EXPECT_EQ(p.value_size(1).value(), 14u);
    std::span<std::byte> b = p.bytes(1).value();
    EXPECT_EQ(std::memcmp(b.data(), "a longer value", 14), 0);

    Pool q;
    ASSERT_TRUE(q.set<std::uint64_t>(1, 5).has_value());
    ASSERT_TRUE(q.set<std::uint64_t>(1, ~std::uint64_t{0}).has_value());  // bytes 4..7 not zero
    EXPECT_FALSE(q.holds_inline_value());
    EXPECT_EQ(q.get_u64(1).value(), ~std::uint64_t{0});

    Pool r;
    ASSERT_TRUE(r.set<std::uint64_t>(1, 5).has_value());
    ASSERT_TRUE(r.assign(1, as_bytes("\7", 1), noop_cleanup).has_value());  // a cleanup needs an address
    EXPECT_FALSE(r.holds_inline_value());
    EXPECT_EQ(r.get_u64(1).value(), 7u);
}

TEST(InlineValue, RemovalEmptiesTheHandle) {
    NoFailures guard;
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    EXPECT_FALSE(p.remove(2));
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_TRUE(p.remove(1));
    EXPECT_FALSE(p.remove(1));
    EXPECT_TRUE(p.empty());
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(p.get_u64(1).error(), Error::missing);
    EXPECT_EQ(p.begin(), p.end());
    // And it can hold a new inline value.
    EXPECT_EQ(allocations_of([&] { ASSERT_TRUE(p.set<std::uint32_t>(3, 4).has_value()); }), 0u);
    EXPECT_TRUE(p.holds_inline_value());
    p.clear();
    EXPECT_TRUE(p.empty());
}

TEST(InlineValue, MovingAPoolMovesItsValue) {
    Pool a;
    ASSERT_TRUE(a.set<std::uint64_t>(1, 17).has_value());
    Pool b = std::move(a);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(b.get_u64(1).value(), 17u);
    Pool c;
    ASSERT_TRUE(c.set<std::uint64_t>(9, 1).has_value());
    c = std::move(b);
    EXPECT_EQ(c.get_u64(1).value(), 17u);
    EXPECT_EQ(c.get_u64(9).error(), Error::missing);
    std::vector<Pool> pools;
    for (std::uint64_t i = 0; i < 100; ++i) {  // reallocations move the handles
        pools.emplace_back();
        ASSERT_TRUE(pools.back().set<std::uint64_t>(1, i).has_value());
    }
    for (std::uint64_t i = 0; i < 100; ++i) EXPECT_EQ(pools[i].get_u64(1).value(), i);
}

TEST(InlineValue, AnAddressIsOnTheHeapAndStaysValid) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    std::span<std::byte> b = p.bytes(1).value();  // promotes
    EXPECT_FALSE(p.holds_inline_value());
    ASSERT_EQ(b.size(), 8u);
    std::uint64_t v = 0;
    std::memcpy(&v, b.data(), 8);
    EXPECT_EQ(v, 17u);
    // Writable in place, as for any heap value.
    v = 21;
    std::memcpy(b.data(), &v, 8);
    EXPECT_EQ(p.get_u64(1).value(), 21u);
    // Stable while the handle moves and other keys come and go.
    Pool moved = std::move(p);
    for (std::uint32_t k = 2; k < 40; ++k) ASSERT_TRUE(moved.set<std::uint32_t>(k, k).has_value());
    for (std::uint32_t k = 2; k < 40; k += 2) ASSERT_TRUE(moved.remove(k));
    EXPECT_EQ(moved.bytes(1).value().data(), b.data());
    std::memcpy(&v, b.data(), 8);
    EXPECT_EQ(v, 21u);
}

TEST(InlineValue, AskingForAnotherKeysAddressDoesNotPromote) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    EXPECT_EQ(p.bytes(2).error(), Error::missing);
    EXPECT_TRUE(p.holds_inline_value());
}

TEST(InlineValue, IterationVisitsTheValueFromTheHeap) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint32_t>(5, 0xABCD).has_value());
    const Pool& cp = p;
    std::vector<mempool::EntryView> seen;
    for (const mempool::EntryView& e : cp) seen.push_back(e);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].key, 5u);
    EXPECT_EQ(seen[0].kind, Kind::value);
    ASSERT_EQ(seen[0].bytes.size(), 4u);
    std::uint32_t v = 0;
    std::memcpy(&v, seen[0].bytes.data(), 4);
    EXPECT_EQ(v, 0xABCDu);
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(p.bytes(5).value().data(), seen[0].bytes.data());
}

TEST(InlineValue, TheCHandleHoldsTheValue) {
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    mem_pool* mp = p.c_pool().value();
    ASSERT_NE(mp, nullptr);
    EXPECT_FALSE(p.holds_inline_value());
    EXPECT_EQ(get_mempool_u64(mp, 1), 17u);
    EXPECT_EQ(p.c_pool().value(), mp);

    Pool q;
    ASSERT_TRUE(q.set<std::uint16_t>(3, 0x1234).has_value());
    mem_pool* released = q.release();
    ASSERT_NE(released, nullptr);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(get_mempool_u64(released, 3), 0x1234u);
    EXPECT_EQ(get_mempool_len(released, 3), 2u);
    Pool back = Pool::adopt(released);
    EXPECT_EQ(back.get<std::uint16_t>(3).value(), 0x1234u);
    EXPECT_FALSE(back.holds_inline_value());
    // A heap pool stays one: a value set later is not taken into the handle.
    EXPECT_TRUE(back.remove(3));
    ASSERT_TRUE(back.set<std::uint16_t>(4, 1).has_value());
    EXPECT_FALSE(back.holds_inline_value());

    Pool empty;
    EXPECT_EQ(empty.release(), nullptr);
}

TEST(InlineValue, AFailedPromotionLeavesTheInlineValue) {
    NoFailures guard;
    for (std::uint64_t n = 1; n <= 3; ++n) {
        Pool p;
        ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
        mempool::detail::fail_allocation_after(n);
        const mempool::Status s = p.assign(2, as_bytes("a value of 12", 12));
        mempool::detail::fail_allocation_after(0);
        if (s) {
            EXPECT_EQ(p.size(), 2u);
            continue;
        }
        EXPECT_EQ(s.error(), Error::out_of_memory);
        EXPECT_TRUE(p.holds_inline_value()) << n;
        EXPECT_EQ(p.size(), 1u);
        EXPECT_EQ(p.get_u64(1).value(), 17u);
    }
    Pool p;
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(p.bytes(1).error(), Error::out_of_memory);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(p.c_pool().error(), Error::out_of_memory);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(p.release(), nullptr);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(p.begin(), p.end());
    mempool::detail::fail_allocation_after(0);
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_EQ(p.get_u64(1).value(), 17u);
    EXPECT_EQ(p.bytes(1).value().size(), 8u);
}

TEST(InlineValue, TheRuntimesInlineLookupsSeeIt) {
    Pool p;
    EXPECT_FALSE(mempool::detail::has_key(p, 1));
    EXPECT_EQ(mempool::detail::get_u64_or_0(p, 1), 0u);
    EXPECT_FALSE(mempool::detail::overwrite_u64(p, 1, 5));  // nothing to overwrite
    ASSERT_TRUE(p.set<std::uint64_t>(1, 17).has_value());
    EXPECT_TRUE(mempool::detail::has_key(p, 1));
    EXPECT_FALSE(mempool::detail::has_key(p, 2));
    EXPECT_EQ(mempool::detail::core_of(p), nullptr);
    EXPECT_EQ(mempool::detail::get_u64_or_0(p, 1), 17u);
    EXPECT_EQ(mempool::detail::get_u64_or_0(p, 2), 0u);
    EXPECT_TRUE(mempool::detail::overwrite_u64(p, 1, 40));
    EXPECT_TRUE(p.holds_inline_value());
    EXPECT_EQ(p.get_u64(1).value(), 40u);
    EXPECT_FALSE(mempool::detail::overwrite_u64(p, 2, 40));            // another key
    EXPECT_FALSE(mempool::detail::overwrite_u64(p, 1, std::uint64_t{1} << 40));  // does not fit
    EXPECT_EQ(p.get_u64(1).value(), 40u);
    Pool q;
    ASSERT_TRUE(q.set<std::uint32_t>(1, 3).has_value());
    EXPECT_FALSE(mempool::detail::overwrite_u64(q, 1, 5));  // another length
    EXPECT_EQ(q.get<std::uint32_t>(1).value(), 3u);
    ASSERT_TRUE(q.set<std::uint32_t>(2, 3).has_value());
    EXPECT_NE(mempool::detail::core_of(q), nullptr);
    EXPECT_TRUE(mempool::detail::has_key(q, 2));
}

}  // namespace
