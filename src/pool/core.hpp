// The pool's core: the data layout drawn in mempool/detail/layout.hpp, and
// the operations both the C API and mempool::Pool are thin layers over.
#pragma once

#include <cstdint>

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

// The index of a big pool: groups of 7 slots in one cache line. A tag byte
// per slot says empty (0x00), deleted (0x01) or full (0x80 | 7 bits of the
// key's hash); a lookup compares the 7 tags at once and reads an entry only
// on a tag match, so a miss usually touches one cache line of the index.
struct alignas(64) Group {
    std::uint64_t tags;   // byte i for slot i; byte 7 is always kDeletedTag
    Entry* slots[7];
};
static_assert(sizeof(Group) == 64);

// Precedes the groups in the same allocation; read on inserts and removals
// and when walking entries, never on lookups.
struct alignas(64) BigHeader {
    std::uint32_t count;       // live entries
    std::uint32_t fresh;       // next ordinal never used
    std::uint32_t tombstones;  // deleted tags in the groups
    std::uint32_t log2_groups;
    Entry* free_head;          // removed entries, linked through their payload
    Ext* ext;
    Entry* pages[32];          // page k: ordinals [2^k, 2^(k+1)); pages 0..2 alias Ext
};

// mem_pool::ext: 0, an Ext*, or a big pool's groups with log2 of their
// number in bits 57..62 and kBigBit set, so a lookup reaches the index in
// one step from the handle. (User-space addresses use at most 56 bits.)
inline constexpr std::uint64_t kBigBit = std::uint64_t{1} << 63;
inline constexpr int kLog2Shift = 57;
inline constexpr std::uint64_t kAddressMask = (std::uint64_t{1} << kLog2Shift) - 1;

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

[[nodiscard]] Entry* find(const mem_pool* mp, Key key) noexcept;
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

[[nodiscard]] Result<std::uint64_t> read_u64(const Entry* e) noexcept;
[[nodiscard]] std::span<std::byte> value_bytes(Entry* e) noexcept;  // kind must be value

}  // namespace mempool::detail
