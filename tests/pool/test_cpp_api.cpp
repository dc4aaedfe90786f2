// mempool::Pool: RAII, move-only, lazy, typed, and results that tell
// "missing" from "wrong kind" from "stored 0".
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <type_traits>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/pool.hpp"
#include "pool/alloc_failure.hpp"

using mempool::Error;
using mempool::Kind;
using mempool::Pool;
using mempool_test::cleanup_log;

namespace {

static_assert(sizeof(Pool) == 8);
static_assert(!std::is_copy_constructible_v<Pool> && !std::is_copy_assignable_v<Pool>);
static_assert(std::is_nothrow_move_constructible_v<Pool> && std::is_nothrow_move_assignable_v<Pool>);

struct Point {
    std::int32_t x, y;
    friend bool operator==(const Point&, const Point&) = default;
};

TEST(CppApi, AnEmptyPoolAllocatesNothing) {
    mempool::detail::fail_allocation_after(1);
    Pool pool;
    EXPECT_TRUE(pool.empty());
    EXPECT_EQ(pool.get_u64(1).error(), Error::missing);
    EXPECT_EQ(pool.begin(), pool.end());
    Pool moved = std::move(pool);
    EXPECT_EQ(mempool::detail::allocations_before_failure(), 1U);
    mempool::detail::fail_allocation_after(0);
}

TEST(CppApi, MissingWrongKindWrongSizeAndStoredZeroAreDistinct) {
    Pool pool;
    int target = 0;
    ASSERT_TRUE(pool.put<std::uint64_t>(1, 0));
    ASSERT_TRUE(pool.add_reference(2, &target));
    ASSERT_TRUE(pool.push<std::uint32_t>(3, 5));
    ASSERT_TRUE(pool.put(4, std::array<std::uint64_t, 2>{1, 2}));

    EXPECT_EQ(pool.get_u64(1).value(), 0U);
    EXPECT_EQ(pool.get_u64(2).error(), Error::wrong_kind);
    EXPECT_EQ(pool.get_u64(3).error(), Error::wrong_kind);
    EXPECT_EQ(pool.get_u64(4).error(), Error::wrong_size);
    EXPECT_EQ(pool.get_u64(5).error(), Error::missing);
    EXPECT_EQ(pool.get<std::uint32_t>(1).error(), Error::wrong_size);
    EXPECT_EQ(pool.reference(1).error(), Error::wrong_kind);
    EXPECT_EQ(pool.reference(2).value(), &target);
    EXPECT_EQ(pool.list(1).error(), Error::wrong_kind);
    EXPECT_EQ(pool.kind(3).value(), Kind::list);
    EXPECT_EQ(pool.kind(9).error(), Error::missing);
    EXPECT_EQ(pool.size(), 4U);
}

TEST(CppApi, TypedValuesRoundTrip) {
    Pool pool;
    ASSERT_TRUE(pool.put(1, Point{3, -4}));
    EXPECT_EQ(pool.get<Point>(1).value(), (Point{3, -4}));
    EXPECT_EQ(pool.put(1, Point{0, 0}).error(), Error::exists);
    ASSERT_TRUE(pool.set(1, Point{5, 6}));
    EXPECT_EQ(pool.get<Point>(1).value(), (Point{5, 6}));
    ASSERT_TRUE(pool.set<std::uint16_t>(2, 0xBEEF));
    EXPECT_EQ(pool.get_u64(2).value(), 0xBEEFU);
}

TEST(CppApi, BytesAreTheWritablePoolCopy) {
    Pool pool;
    const char text[] = "seventeen bytes!";
    ASSERT_TRUE(pool.add(1, std::as_bytes(std::span(text))));
    auto b = pool.bytes(1);
    ASSERT_TRUE(b);
    ASSERT_EQ(b->size(), sizeof text);
    (*b)[0] = std::byte{'S'};
    EXPECT_EQ(static_cast<char>(pool.bytes(1).value()[0]), 'S');
    EXPECT_EQ(pool.add(2, {}).error(), Error::invalid_argument);
}

TEST(CppApi, ListsIterateInOrder) {
    Pool pool;
    for (std::uint32_t v = 0; v < 5000; ++v) ASSERT_TRUE(pool.push(7, v));
    auto list = pool.list(7);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), 5000U);
    EXPECT_EQ(list->element_size(), 4U);
    std::uint32_t expect = 0;
    for (std::span<std::byte> e : *list) {
        std::uint32_t v;
        std::memcpy(&v, e.data(), sizeof v);
        ASSERT_EQ(v, expect++);
    }
    EXPECT_EQ(expect, 5000U);
    std::uint64_t sum = 0;
    ASSERT_TRUE(list->for_each<std::uint32_t>([&](const std::uint32_t& v) { sum += v; }));
    EXPECT_EQ(sum, 4999U * 5000U / 2);
    EXPECT_EQ(list->for_each<std::uint64_t>([](const std::uint64_t&) {}).error(), Error::wrong_size);
    EXPECT_EQ(pool.push<std::uint64_t>(7, 1).error(), Error::wrong_size);
}

TEST(CppApi, EntriesExposeKeyAndKind) {
    Pool pool;
    int target = 0;
    for (std::uint32_t k = 0; k < 20; ++k) ASSERT_TRUE(pool.put<std::uint64_t>(k, k * 10));
    ASSERT_TRUE(pool.add_reference(100, &target));
    ASSERT_TRUE(pool.push<std::uint32_t>(200, 1));
    ASSERT_TRUE(pool.push<std::uint32_t>(200, 2));
    std::map<std::uint32_t, Kind> seen;
    for (const mempool::EntryView& e : pool) {
        seen[e.key] = e.kind;
        if (e.kind == Kind::value) {
            ASSERT_EQ(e.bytes.size(), 8U);
            std::uint64_t v;
            std::memcpy(&v, e.bytes.data(), 8);
            EXPECT_EQ(v, e.key * 10U);
        }
        if (e.kind == Kind::reference) {
            EXPECT_EQ(e.reference, &target);
        }
        if (e.kind == Kind::list) {
            EXPECT_EQ(e.list.size(), 2U);
        }
    }
    EXPECT_EQ(seen.size(), 22U);
    EXPECT_EQ(seen[100], Kind::reference);
    EXPECT_EQ(seen[200], Kind::list);
}

TEST(CppApi, DestructionAndMoveRunCleanupsExactlyOnce) {
    cleanup_log().clear();
    {
        Pool a;
        ASSERT_TRUE(a.add(1, std::as_bytes(std::span<const std::uint64_t, 1>(std::array<std::uint64_t, 1>{9})),
                          mempool_test::log_u64));
        Pool b = std::move(a);
        Pool c;
        c = std::move(b);
        c = std::move(c);
        EXPECT_TRUE(cleanup_log().pointers.empty());
    }
    ASSERT_EQ(cleanup_log().values.size(), 1U);
    EXPECT_EQ(cleanup_log().values[0], 9U);
}

TEST(CppApi, AssigningOverAPoolCleansTheOldOne) {
    cleanup_log().clear();
    Pool a;
    ASSERT_TRUE(a.add_reference(1, &a, mempool_test::log_pointer));
    a = Pool{};
    EXPECT_EQ(cleanup_log().pointers.size(), 1U);
    EXPECT_TRUE(a.empty());
}

TEST(CppApi, ReleaseAndAdoptInteroperateWithTheCApi) {
    Pool pool;
    ASSERT_TRUE(pool.put<std::uint32_t>(1, 123));
    mem_pool* raw = pool.release();
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(get_mempool_u64(raw, 1), 123U);
    std::uint64_t v = 5;
    ASSERT_EQ(add_single_mempool(raw, 2, nullptr, sizeof v, &v), 0);
    Pool back = Pool::adopt(raw);
    EXPECT_EQ(back.get_u64(2).value(), 5U);
    auto handle = back.c_pool();
    ASSERT_TRUE(handle);
    EXPECT_EQ(handle.value(), raw);
}

TEST(CppApi, RemoveReportsWhetherTheKeyExisted) {
    Pool pool;
    EXPECT_FALSE(pool.remove(1));
    ASSERT_TRUE(pool.put<std::uint8_t>(1, 1));
    EXPECT_TRUE(pool.remove(1));
    EXPECT_FALSE(pool.contains(1));
}

TEST(CppApi, AFailedFirstInsertLeavesTheHandleEmpty) {
    Pool pool;
    mempool::detail::fail_allocation_after(1);
    // A number of 2^32 or more does not fit the handle: the insert allocates.
    EXPECT_EQ(pool.put<std::uint64_t>(1, std::uint64_t{1} << 40).error(), Error::out_of_memory);
    mempool::detail::fail_allocation_after(0);
    EXPECT_EQ(pool.release(), nullptr);
}

}  // namespace
