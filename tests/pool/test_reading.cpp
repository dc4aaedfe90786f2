// docs/semantics.md, "Reading": get_mempool_u64 and get_mempool_ptr on each kind.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "mempool/mempool.h"

namespace {

class Reading : public ::testing::Test {
protected:
    void SetUp() override { mp = new_mempool(); }
    void TearDown() override { delete_mempool(mp); }
    mem_pool* mp = nullptr;
};

TEST_F(Reading, ShortValuesReadBackZeroExtendedLittleEndian) {
    std::uint8_t u8 = 0xAB;
    std::uint16_t u16 = 0xBEEF;
    std::uint8_t three[3] = {0x01, 0x02, 0x03};
    std::uint32_t u32 = 0xDEADBEEF;
    std::uint64_t u64 = 0x0123456789ABCDEFULL;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, 1, &u8), 0);
    ASSERT_EQ(add_single_mempool(mp, 2, nullptr, 2, &u16), 0);
    ASSERT_EQ(add_single_mempool(mp, 3, nullptr, 3, three), 0);
    ASSERT_EQ(add_single_mempool(mp, 4, nullptr, 4, &u32), 0);
    ASSERT_EQ(add_single_mempool(mp, 8, nullptr, 8, &u64), 0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 0xABU);
    EXPECT_EQ(get_mempool_u64(mp, 2), 0xBEEFU);
    EXPECT_EQ(get_mempool_u64(mp, 3), 0x030201U);
    EXPECT_EQ(get_mempool_u64(mp, 4), 0xDEADBEEFU);
    EXPECT_EQ(get_mempool_u64(mp, 8), 0x0123456789ABCDEFULL);
}

TEST_F(Reading, ShortValuesWithACleanupReadTheSame) {
    std::uint16_t u16 = 0x1234;
    ASSERT_EQ(add_single_mempool(mp, 1, [](void*) {}, 2, &u16), 0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 0x1234U);
}

TEST_F(Reading, U64IsZeroForMissingLongReferenceAndList) {
    std::uint8_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    int target = 0;
    std::uint32_t element = 3;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, 9, nine), 0);
    ASSERT_EQ(add_raw_ptr_mempool(mp, 2, nullptr, &target), 0);
    ASSERT_EQ(add_lst_mempool(mp, 3, nullptr, 4, &element), 0);
    EXPECT_EQ(get_mempool_u64(mp, 1), 0U);
    EXPECT_EQ(get_mempool_u64(mp, 2), 0U);
    EXPECT_EQ(get_mempool_u64(mp, 3), 0U);
    EXPECT_EQ(get_mempool_u64(mp, 4), 0U);
}

TEST_F(Reading, PtrGivesTheCopyOfAnyLengthTheReferenceOrNull) {
    char text[] = "a value longer than eight bytes";
    int target = 0;
    std::uint32_t element = 3;
    std::uint32_t small = 77;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof text, text), 0);
    ASSERT_EQ(add_single_mempool(mp, 2, nullptr, sizeof small, &small), 0);
    ASSERT_EQ(add_raw_ptr_mempool(mp, 3, nullptr, &target), 0);
    ASSERT_EQ(add_lst_mempool(mp, 4, nullptr, 4, &element), 0);
    auto* copy = static_cast<char*>(get_mempool_ptr(mp, 1));
    ASSERT_NE(copy, nullptr);
    EXPECT_NE(copy, text);
    EXPECT_STREQ(copy, text);
    text[0] = 'X';
    EXPECT_EQ(copy[0], 'a') << "the pool holds its own copy";
    auto* small_copy = static_cast<std::uint32_t*>(get_mempool_ptr(mp, 2));
    ASSERT_NE(small_copy, nullptr);
    EXPECT_EQ(*small_copy, 77U);
    EXPECT_EQ(get_mempool_ptr(mp, 3), &target);
    EXPECT_EQ(get_mempool_ptr(mp, 4), nullptr);
    EXPECT_EQ(get_mempool_ptr(mp, 5), nullptr);
}

TEST_F(Reading, LongValuesAreAlignedLikeMalloc) {
    std::uint8_t bytes[40] = {};
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof bytes, bytes), 0);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(get_mempool_ptr(mp, 1)) % alignof(std::max_align_t), 0U);
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 2, nullptr, sizeof v, &v), 0);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(get_mempool_ptr(mp, 2)) % 8, 0U);
}

TEST_F(Reading, WritesThroughThePointerAreSeen) {
    std::uint64_t v = 1;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    *static_cast<std::uint64_t*>(get_mempool_ptr(mp, 1)) = 42;
    EXPECT_EQ(get_mempool_u64(mp, 1), 42U);
}

}  // namespace
