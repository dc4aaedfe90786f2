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

struct Big;

struct Ext {
    Entry* page1;     // ordinals 4..7
    Big* big;
    Entry page0[3];   // ordinals 1..3
};
static_assert(sizeof(Ext) == 64);

// Index slot: key, and ordinal + 1 (0 marks an empty slot).
struct Slot {
    std::uint32_t key;
    std::uint32_t ref;
};

struct Big {
    std::uint32_t count;      // live entries
    std::uint32_t fresh;      // next ordinal never used
    std::uint32_t free_head;  // ordinal + 1 of a reusable hole, 0 = none
    std::uint32_t mask;       // index capacity - 1
    std::uint32_t shift;      // 64 - log2(index capacity), for Fibonacci hashing
    std::uint32_t reserved;
    Slot* slots;
    Entry* pages[32];         // page k: ordinals [2^k, 2^(k+1)); pages 0..2 alias Ext
};

// Cleanup functions by id (cleanup_registry.cpp).
[[nodiscard]] std::uint32_t cleanup_id(Cleanup fn) noexcept;  // 0 for null, kNoCleanupId if full
inline constexpr std::uint32_t kNoCleanupId = UINT32_MAX;
[[nodiscard]] Cleanup cleanup_fn(std::uint32_t id) noexcept;

// Every allocation of the library goes through these two (alloc.cpp).
[[nodiscard]] void* allocate(std::size_t bytes) noexcept;
[[nodiscard]] void* allocate_zeroed(std::size_t bytes) noexcept;
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
    mempool::detail::Ext* ext;
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
