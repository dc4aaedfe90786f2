// The index's group matchers: the SSE2 one (where the build targets SSE2)
// and the portable SWAR one are run through the same typed test, so the
// portable code the index falls back to elsewhere is checked on every build,
// and both must agree with a plain loop over the tags.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "pool/core.hpp"

namespace {

using mempool::detail::Group;
using mempool::detail::kSlotsPerGroup;

// The answer by definition: bit i set iff tags[i] == byte.
std::uint32_t reference_match(const Group& group, std::uint8_t byte) {
    std::uint32_t m = 0;
    for (std::uint32_t i = 0; i < kSlotsPerGroup; ++i)
        if (group.tags[i] == byte) m |= 1U << i;
    return m;
}

template <class Match>
class GroupMatch : public ::testing::Test {};

using Matchers = ::testing::Types<mempool::detail::PortableMatch
#if defined(MEMPOOL_INDEX_SSE2)
                                  ,
                                  mempool::detail::Sse2Match
#endif
                                  >;
TYPED_TEST_SUITE(GroupMatch, Matchers);

TYPED_TEST(GroupMatch, EmptyGroupMatchesEveryEmptySlotAndNoTag) {
    Group group{};
    EXPECT_EQ(TypeParam::match(group, 0), (1U << kSlotsPerGroup) - 1);
    for (int byte = 1; byte < 256; ++byte) EXPECT_EQ(TypeParam::match(group, static_cast<std::uint8_t>(byte)), 0U);
}

TYPED_TEST(GroupMatch, IgnoresOverflowAndPadding) {
    Group group{};
    for (std::uint32_t i = 0; i < kSlotsPerGroup; ++i) group.tags[i] = 7;
    group.overflow = 0x55;  // would match 0x55 if the mask let it through
    for (std::uint8_t& pad : group.padding) pad = 0x55;
    EXPECT_EQ(TypeParam::match(group, 0x55), 0U);
    EXPECT_EQ(TypeParam::match(group, 0), 0U);
    EXPECT_EQ(TypeParam::match(group, 7), (1U << kSlotsPerGroup) - 1);
}

TYPED_TEST(GroupMatch, AgreesWithTheDefinitionOnRandomGroups) {
    std::mt19937 rng(12);
    for (int round = 0; round < 20000; ++round) {
        Group group{};
        // Few distinct tags, so that repeated tags and every byte pattern
        // (0x80 high bits, 0x01 low bits, neighbours of the pattern) occur.
        const std::uint8_t palette[4] = {static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng()), 0,
                                         static_cast<std::uint8_t>(rng() | 0x80)};
        for (std::uint32_t i = 0; i < kSlotsPerGroup; ++i) group.tags[i] = palette[rng() % 4];
        group.overflow = static_cast<std::uint8_t>(rng());
        const auto probe = static_cast<std::uint8_t>(round % 3 == 0 ? rng() : palette[rng() % 4]);
        ASSERT_EQ(TypeParam::match(group, probe), reference_match(group, probe)) << "round " << round;
    }
}

TYPED_TEST(GroupMatch, EveryByteAgainstEverySlot) {
    for (std::uint32_t slot = 0; slot < kSlotsPerGroup; ++slot)
        for (int byte = 0; byte < 256; ++byte) {
            Group group{};
            for (std::uint32_t i = 0; i < kSlotsPerGroup; ++i) group.tags[i] = static_cast<std::uint8_t>(byte ^ 1);
            group.tags[slot] = static_cast<std::uint8_t>(byte);
            ASSERT_EQ(TypeParam::match(group, static_cast<std::uint8_t>(byte)), 1U << slot)
                << "slot " << slot << " byte " << byte;
        }
}

}  // namespace
