// The pool's core: the data layout drawn in mempool/detail/layout.hpp, and
// the operations both the C API and mempool::Pool are thin layers over.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) && !defined(MEMPOOL_PORTABLE_INDEX)
#include <emmintrin.h>
#define MEMPOOL_INDEX_SSE2 1
#endif

#include "mempool/detail/layout.hpp"
#include "mempool/pool.hpp"
#include "mempool/result.hpp"

namespace mempool::detail {

// Entry::meta
inline constexpr std::uint32_t kKindMask = 0x3;
inline constexpr std::uint32_t kEmpty = 0;
inline constexpr std::uint32_t kValue = 1;
inline constexpr std::uint32_t kReference = 2;
inline constexpr std::uint32_t kList = 3;
inline constexpr std::uint32_t kBoxed = 1U << 2;  // value lives in a Box
inline constexpr int kInlineLengthShift = 3;      // 4 bits: 1..8
inline constexpr int kCleanupShift = 8;           // 12 bits: cleanup id, 0 = none

[[nodiscard]] constexpr std::uint32_t kind_of(std::uint32_t meta) noexcept { return meta & kKindMask; }
[[nodiscard]] constexpr std::uint32_t cleanup_id_of(std::uint32_t meta) noexcept {
    return meta >> kCleanupShift;
}
[[nodiscard]] constexpr std::uint32_t inline_length_of(std::uint32_t meta) noexcept {
    return (meta >> kInlineLengthShift) & 0xF;
}

// A value longer than 8 bytes. The header keeps data 16-byte aligned.
struct Box {
    std::uint32_t length;
    std::uint32_t reserved[3];
    [[nodiscard]] std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
};
static_assert(sizeof(Box) == 16);

inline constexpr std::uint32_t kSmallCapacity = 8;  // ordinals 0..7 before the index
inline constexpr std::uint32_t kNoOrdinal = UINT32_MAX;

// Entries 1..7 of a small pool. page1 is allocated when the 5th key comes.
struct Ext {
    Entry* page1;     // ordinals 4..7
    Entry page0[3];   // ordinals 1..3
};
static_assert(sizeof(Ext) == 56, "Ext must fit a 64-byte malloc chunk");

// The index of a big pool: 2^log2 groups of 12 slots, each group one cache
// line, after a BigHeader in the same 64-byte aligned allocation. A slot is a
// tag byte, 0 if the slot is empty, else 1..255 from 8 bits of the key's hash,
// and the 32-bit ordinal of its entry (ordinals instead of pointers halve the
// index; BigHeader::page_base turns them into entries). A lookup compares the
// group's tags at once (SSE2, or SWAR without it) and reads an entry only on a
// tag match. Probing goes on to the next group only if the group's overflow
// bit for the key is set: an insertion sets it in every full group it passes
// (as boost::unordered_flat_map does), so a miss usually touches one cache
// line of the index, even when its home group is full. Removals just empty
// the slot; overflow bits stay until the index is rebuilt.
inline constexpr std::uint32_t kSlotsPerGroup = 12;
inline constexpr std::uint8_t kEmptyTag = 0x00;
inline constexpr std::uint32_t kMinLog2Groups = 1;   // home_group shifts by 64 - log2
inline constexpr std::uint32_t kMaxLog2Groups = 28;  // 12 * 2^28 slots, under 2^32

struct alignas(64) Group {
    std::uint8_t tags[kSlotsPerGroup];
    std::uint8_t overflow;     // bit overflow_bit(hash): some key went past
    std::uint8_t padding[3];   // zero: never a tag
    std::uint32_t ordinals[kSlotsPerGroup];
};
static_assert(sizeof(Group) == 64);

// Precedes the groups; read on lookups for `page_base` only.
struct alignas(64) BigHeader {
    // Page k holds ordinals [2^k / 2, 2^k), so that an ordinal's page is its
    // bit width: page 0 is the handle's entry (ordinal 0), pages 1..3 alias
    // Ext, pages 4 and up hold 2^(k-1) entries each. page_base[k] is page k's
    // address less 16 bytes per ordinal before it, so that the entry of an
    // ordinal is page_base[bit width] + 16 * ordinal (modulo 2^64).
    std::uintptr_t page_base[33];
    std::uint64_t page_mask;   // bit k: page k exists
    Entry* free_head;          // removed entries, linked through their payload
    Ext* ext;
    std::uint32_t count;       // live entries
    std::uint32_t fresh;       // next ordinal never used
    std::uint32_t tombstones;  // removals from groups with overflow bits since the rebuild
    std::uint32_t log2_groups;
};
static_assert(sizeof(BigHeader) == 320);

// mem_pool::ext: 0, an Ext*, or a big pool's groups (64-byte aligned) with
// kBigBit set and 64 - log2 of their number in the low 6 bits: the shift that
// takes a hash to its home group, so a lookup reaches the index in one step
// from the handle. (User-space addresses use at most 56 bits.)
inline constexpr std::uint64_t kBigBit = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kShiftBits = 63;
inline constexpr std::uint64_t kAddressMask = ~(kBigBit | kShiftBits);

// Cleanup functions by id (cleanup_registry.cpp).
inline constexpr std::uint32_t kNoCleanupId = UINT32_MAX;
[[nodiscard]] std::uint32_t register_cleanup(Cleanup fn) noexcept;  // kNoCleanupId if full
[[nodiscard]] Cleanup cleanup_fn(std::uint32_t id) noexcept;
[[nodiscard]] inline std::uint32_t cleanup_id(Cleanup fn) noexcept {
    return fn == nullptr ? 0 : register_cleanup(fn);
}

// Every allocation of the library goes through these two (alloc.cpp).
[[nodiscard]] void* allocate(std::size_t bytes) noexcept;
[[nodiscard]] void* allocate_zeroed(std::size_t bytes) noexcept;
[[nodiscard]] void* allocate_aligned(std::size_t alignment, std::size_t bytes) noexcept;
void deallocate(void* p) noexcept;

// Lists (list.cpp).
[[nodiscard]] List* list_create(std::uint32_t element_size) noexcept;
[[nodiscard]] bool list_append(List* list, const void* element) noexcept;
void list_destroy(List* list, Cleanup cleanup) noexcept;
// Moves (chunk, index) forward to a live element; false at the end, where it
// leaves (chunk, index) just past the last element so later appends are seen.
[[nodiscard]] bool list_settle(ListChunk*& chunk, std::uint32_t& index) noexcept;
[[nodiscard]] bool list_remove_at(List* list, ListChunk* chunk, std::uint32_t index,
                                  Cleanup cleanup) noexcept;

}  // namespace mempool::detail

// The C handle. Defined in the global namespace because mempool.h declares
// `struct mem_pool` there.
struct mem_pool {
    mempool::detail::Entry first;
    std::uint64_t ext;  // see kBigBit
};
static_assert(sizeof(mem_pool) == 24, "an empty pool must fit a 32-byte malloc chunk");

namespace mempool::detail {

[[nodiscard]] mem_pool* pool_create() noexcept;
void pool_destroy(mem_pool* mp) noexcept;

// ---- lookup, inline so that the C API and Pool compile it in place ----------

[[nodiscard]] inline bool is_big(const mem_pool* mp) noexcept { return (mp->ext & kBigBit) != 0; }
[[nodiscard]] inline Ext* small_ext(const mem_pool* mp) noexcept { return reinterpret_cast<Ext*>(mp->ext); }
[[nodiscard]] inline Group* groups_of(std::uint64_t ext) noexcept {
    return reinterpret_cast<Group*>(ext & kAddressMask);
}
[[nodiscard]] inline std::uint32_t log2_groups_of(std::uint64_t ext) noexcept {
    return 64 - static_cast<std::uint32_t>(ext & kShiftBits);
}
[[nodiscard]] inline BigHeader* header_of(Group* groups) noexcept { return reinterpret_cast<BigHeader*>(groups) - 1; }
[[nodiscard]] inline std::uint32_t first_ordinal_of_page(int page) noexcept {
    return (std::uint32_t{1} << page) >> 1;
}
[[nodiscard]] inline Entry* entry_of(const BigHeader* big, std::uint32_t ordinal) noexcept {
    // The bit width of `ordinal`, from one BSR without a zero test.
    const auto page = static_cast<std::size_t>(63 ^ __builtin_clzll(2 * std::uint64_t{ordinal} + 1));
    return reinterpret_cast<Entry*>(big->page_base[page] + std::uintptr_t{ordinal} * sizeof(Entry));
}
[[nodiscard]] inline Entry* page_of(const BigHeader* big, int page) noexcept {
    if (((big->page_mask >> page) & 1) == 0) return nullptr;
    return reinterpret_cast<Entry*>(big->page_base[page] + std::uintptr_t{first_ordinal_of_page(page)} * sizeof(Entry));
}
inline void set_page(BigHeader* big, int page, Entry* entries) noexcept {
    big->page_base[page] =
        reinterpret_cast<std::uintptr_t>(entries) - std::uintptr_t{first_ordinal_of_page(page)} * sizeof(Entry);
    big->page_mask |= std::uint64_t{1} << page;
}

[[nodiscard]] inline std::uint64_t index_hash(Key key) noexcept {
    return std::uint64_t{key} * 0x9E3779B97F4A7C15ULL;
}
// 1..255: never empty.
[[nodiscard]] inline std::uint8_t tag_of(std::uint64_t h) noexcept {
    const auto t = static_cast<std::uint8_t>(h >> 24);
    return t == 0 ? 1 : t;
}
[[nodiscard]] inline std::uint8_t overflow_bit(std::uint64_t h) noexcept {
    return static_cast<std::uint8_t>(1U << ((h >> 32) & 7));
}
// The home group: the hash's top log2 bits.
[[nodiscard]] inline std::uint32_t home_group(std::uint64_t h, std::uint64_t ext) noexcept {
    return static_cast<std::uint32_t>(h >> (ext & kShiftBits));
}

#if !defined(MEMPOOL_INDEX_SSE2)
// High bit of each zero byte of `word`; exact, no false positives.
[[nodiscard]] inline std::uint64_t zero_bytes(std::uint64_t word) noexcept {
    constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
    return ~(((word & kLow7) + kLow7) | word | kLow7);
}
// Gathers the high bits of the 8 bytes into bits 0..7 (byte order: memory order).
[[nodiscard]] inline std::uint32_t gather_high_bits(std::uint64_t high) noexcept {
    if constexpr (std::endian::native == std::endian::big) high = __builtin_bswap64(high);
    return static_cast<std::uint32_t>(((high >> 7) * 0x0102040810204080ULL) >> 56);
}
#endif
// The slots of `group` whose tag is `byte`, as a bit mask (bit i: slot i).
[[nodiscard]] inline std::uint32_t match_tag(const Group& group, std::uint8_t byte) noexcept {
    constexpr std::uint32_t kSlotMask = (1U << kSlotsPerGroup) - 1;
#if defined(MEMPOOL_INDEX_SSE2)
    const __m128i tags = _mm_load_si128(reinterpret_cast<const __m128i*>(group.tags));
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(tags, _mm_set1_epi8(static_cast<char>(byte))))) &
           kSlotMask;
#else
    std::uint64_t w[2];
    std::memcpy(w, group.tags, 16);
    const std::uint64_t pattern = byte * 0x0101010101010101ULL;
    return (gather_high_bits(zero_bytes(w[0] ^ pattern)) | gather_high_bits(zero_bytes(w[1] ^ pattern)) << 8) &
           kSlotMask;
#endif
}

[[nodiscard]] inline Entry* find_big(std::uint64_t ext, Key key) noexcept {
    const Group* const groups = groups_of(ext);
    const std::uint32_t log2 = log2_groups_of(ext);
    const BigHeader* const big = header_of(const_cast<Group*>(groups));
    const std::uint32_t mask = (std::uint32_t{1} << log2) - 1;
    const std::uint64_t h = index_hash(key);
    const std::uint8_t tag = tag_of(h);
    for (std::uint32_t g = home_group(h, ext);; g = (g + 1) & mask) {
        const Group& group = groups[g];
        for (std::uint32_t m = match_tag(group, tag); m != 0; m &= m - 1) {
            Entry* e = entry_of(big, group.ordinals[std::countr_zero(m)]);
            if (e->key == key) [[likely]] return e;
        }
        if ((group.overflow & overflow_bit(h)) == 0) [[likely]] return nullptr;
    }
}

[[nodiscard]] inline Entry* find_small(const mem_pool* mp, Key key) noexcept {
    auto* self = const_cast<mem_pool*>(mp);
    if (mp->first.key == key && mp->first.meta != kEmpty) return &self->first;
    const Ext* ext = small_ext(mp);
    if (ext == nullptr) return nullptr;
    for (const Entry& e : ext->page0)
        if (e.key == key && e.meta != kEmpty) return const_cast<Entry*>(&e);
    if (const Entry* page = ext->page1)
        for (std::uint32_t i = 0; i < 4; ++i)
            if (page[i].key == key && page[i].meta != kEmpty) return const_cast<Entry*>(&page[i]);
    return nullptr;
}

[[nodiscard]] inline Entry* find(const mem_pool* mp, Key key) noexcept {
    return is_big(mp) ? find_big(mp->ext, key) : find_small(mp, key);
}

[[nodiscard]] Entry* entry_at(const mem_pool* mp, std::uint32_t ordinal) noexcept;
[[nodiscard]] std::size_t live_count(const mem_pool* mp) noexcept;

[[nodiscard]] Status add_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                               Cleanup cleanup) noexcept;
[[nodiscard]] Status assign_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                                  Cleanup cleanup) noexcept;
[[nodiscard]] Status add_reference(mem_pool* mp, Key key, void* pointer, Cleanup cleanup) noexcept;
[[nodiscard]] Status append(mem_pool* mp, Key key, const void* element, std::uint32_t length,
                            Cleanup cleanup) noexcept;
bool remove(mem_pool* mp, Key key) noexcept;

[[nodiscard]] inline Result<std::uint64_t> read_u64(const Entry* e) noexcept {
    if (e == nullptr) return Error::missing;
    if (kind_of(e->meta) != kValue) return Error::wrong_kind;
    if ((e->meta & kBoxed) == 0) {
        if constexpr (std::endian::native == std::endian::little) return e->payload;
        std::uint64_t v = 0;
        const auto* b = reinterpret_cast<const unsigned char*>(&e->payload);
        for (std::uint32_t i = inline_length_of(e->meta); i-- > 0;) v = (v << 8) | b[i];
        return v;
    }
    return Error::wrong_size;  // boxed values are longer than 8 bytes
}
[[nodiscard]] std::span<std::byte> value_bytes(Entry* e) noexcept;  // kind must be value

}  // namespace mempool::detail
