// The pool's core: the operations the C API and mempool::Pool are thin
// layers over, on the layout drawn in mempool/detail/layout.hpp.
//
// This comment is the map of the core: what each operation does to the
// layout, and the invariants that make it right. core.cpp holds the
// operations that change a pool; the lookups are inline below so that the C
// API and Pool compile them in place.
//
// Entries and ordinals
// --------------------
// A pool stores each key in one 16-byte Entry (key, meta, payload), and an
// entry never moves while its key lives: that is the whole of the pointer
// stability promise, since a value of up to 8 bytes lives in the entry's
// payload, a longer one in a Box that never moves either, and a list in
// chunks that never move. Entries are numbered by ordinals:
//
//   ordinal 0        mem_pool::first, inside the 24-byte handle
//   ordinals 1..3    Ext::page0, allocated with the 2nd key
//   ordinals 4..7    Ext::page1, allocated with the 5th key
//   ordinals 8..15   page 4, allocated when the pool goes big (9th key)
//   ordinals 2^(k-1)..2^k - 1   page k, allocated when the first of them is
//                    needed; so the page of an ordinal is its bit width.
//
// Small pools (at most 8 keys)
// ----------------------------
// find_small scans the occupied entries (at most 8, in 3 cache lines) for
// the key. An empty entry of a small pool has meta kEmpty and key 0. An
// insertion takes the first empty entry in ordinal order (`claim`), a
// removal runs the cleanups and zeroes the entry. Nothing else is kept: no
// count, no hash, so a pool of one u64 is the 32-byte malloc chunk of its
// handle and nothing more.
//
// Below the core: one value in the C++ handle
// ---------------------------------------------
// A mempool::Pool that holds a single small value (key below 2^28, 1..8
// bytes reading as a number below 2^32, no cleanup) keeps it in its own
// 8-byte word and has no mem_pool at all (pool.hpp, "One value in the
// handle"); pool.cpp makes the mem_pool and inserts that value with
// add_value when a second key, a value that does not fit, or an address is
// asked for. The core never sees an inline value: everything here is about
// heap pools.
//
// Going big
// ---------
// The 9th key turns the pool big (`go_big`): it allocates page 4 and one
// allocation holding a BigHeader and the index groups, fills the page table
// (pages 0..3 alias the handle and Ext), threads the small pool's empty
// entries onto the free list and indexes the occupied ones. If any
// allocation fails the pool stays small and unchanged. A pool never goes
// back to small, and its index never shrinks: a pool that was big once is
// likely to be big again, and shrinking would buy memory back at the price
// of a rebuild on every oscillation.
//
// The index
// ---------
// 2^log2 groups of 12 slots. A group is a 16-byte word of 12 tag bytes (0:
// empty; else 1..255, 8 bits of the key's hash) and 8 overflow bits, four
// groups to a cache line; the slots' ordinals live apart, 48 bytes a group,
// so that a miss reads the tags alone (boost::unordered_flat_map keeps its
// metadata words apart from its slots for the same reason). The key's home
// group is the top log2 bits of its hash; a lookup compares the 12 tags of
// a group with the key's tag at once (`match_tag`, SSE2 or portable SWAR,
// the same answer), reads the ordinal and the entry of each matching slot
// (a false match is 1 in 255 per occupied slot) and compares keys. All
// three walks over the index, lookup, removal and insertion, go through one
// loop, `probe`, which visits the home group and then the next ones in
// order, wrapping around.
//
// Invariants of a big pool, true between any two operations:
//
//   (I1) Each live entry has exactly one slot, holding its tag and ordinal;
//        no slot holds a free ordinal.
//   (I2) Overflow bits. Each group has 8 overflow bits; a hash selects one
//        (`overflow_bit`). If a key's slot is not in its home group, every
//        group from the home group up to (not including) the slot's group
//        has that key's overflow bit set. So a probe may stop, with a miss,
//        at the first group where the key's tag does not match and its
//        overflow bit is clear: usually the home group, even when that
//        group is full (boost::unordered_flat_map does the same).
//   (I3) Free list. The entries of ordinals below `fresh` that hold no key
//        are exactly the entries on the free list (from `free_head`, linked
//        through their payloads), and each keeps its own ordinal in `key`
//        (so that reusing one needs no search). Ordinals at or above
//        `fresh` were never used. An insertion reuses the most recently
//        freed entry first, else takes ordinal `fresh`, allocating its page
//        if it is the first of its page.
//   (I4) Load. count + tombstones <= 7/8 of the slots (see below), which
//        keeps every probe finite and short.
//
// Recent keys
// -----------
// A plugin's counter is read and then written, two lookups of one key in a
// row, and a few counters take turns (plugin A's per-peer count and its
// total). So the plugin helpers' reads and overwrites of numbers first try
// the last two keys found in the pool (find_recent; on a miss,
// find_big_remembering looks the key up and remembers it). They are kept
// in BigHeader::recent, ordinal and key in one word each, most recent
// first: the entry of a remembered ordinal is one page-table read away,
// and it is still the key's if it holds that key and is live, since
// entries never move (a removed entry is kEmpty on the free
// list; a reused one holds its new key). Nothing has to forget a key: a
// stale word just fails that check. Both words start at 0, key 0 at
// ordinal 0, the handle's own entry, which always exists. A lookup writes
// them, even a read on a const pool, so they are relaxed atomics: readers
// on several threads stay free of data races (and a lost update only costs
// a later lookup its shortcut). Other lookups do not use them: with keys
// drawn at random (bench_pool's big-pool cases) the two words only add a
// miss, and removals and insertions need the slot as well as the entry.
//
// Tombstones
// ----------
// A removal empties its slot outright (tag 0): the index needs no
// "deleted" marker, because whether a probe goes on is decided by overflow
// bits, not by the state of the slots. What a removal cannot undo is the
// overflow bits that insertions set while passing the group: they stay, and
// a probe for another key with the same bit still walks past the group. So
// a removal from a group with any overflow bit set counts as a tombstone in
// BigHeader::tombstones: a measure of how stale the overflow bits may be.
// (A removal from a group without overflow bits leaves nothing stale.)
//
// Why probes end: an overflow bit was only ever set in a full group, and
// since then each key that left that group counted one tombstone. So
// (count + tombstones) >= 12 per overflowed group, and with (I4) at most
// 7/8 of the groups have overflowed: a probe, which stops at the first
// group without its bit, meets one within the table.
//
// Rebuild policy
// --------------
// Before an insertion, `reserve_index` keeps (I4) for one more key:
//   - count + tombstones + 1 fits in 7/8 of the slots: nothing to do;
//   - else, if the live keys alone would fill more than half of that, the
//     index doubles (a rebuild at 2^(log2+1) groups);
//   - else it is rebuilt at the same size: stale overflow bits go, the
//     tombstones go to zero.
// A rebuild (`build_index`) allocates a new header and groups, copies the
// header (page table, free list, counters) and inserts every live ordinal
// into the empty groups in ordinal order; only then is the old index freed,
// so an allocation failure leaves the pool as it was. Entries do not move:
// only their slots do. Rebuilds cost O(1) per insertion, amortised: a
// rebuild leaves count + tombstones at most half of 7/8 of the slots; only
// an insertion raises that sum (a removal at most moves one from count to
// tombstones); and the next rebuild waits until the sum passes 7/8. So
// between two rebuilds come at least as many insertions as half the keys
// the second one can rehash.
//
// Operations that can fail
// ------------------------
// Every operation that can fail builds what it needs (a Box, a List, a page,
// room in the index, a cleanup id) before it writes any entry, so a failed
// call leaves the pool exactly as it was and leaks nothing.
//
// Overwrites (`assign_value`): a value of the same length is overwritten in
// place (the old copy's cleanup first), without allocating, so pointers
// handed out stay right; another length builds the new payload first, then
// releases the old one.
//
// Iteration walks ordinals 0, 1, 2, ... up to `fresh` (8 for a small pool)
// and skips empty entries: the order depends only on the sequence of calls.
// Iterators hold ordinals and list positions, never slots, so a rebuild of
// the index under an open iterator changes nothing for it.
//
// Cost of a lookup, in cache lines, besides the handle: a small pool reads
// its Ext (and page1 past 4 keys). A big pool reads the home group's tags,
// the header's page-table line (shared by all lookups of that pool, so
// cached when the pool is hot) and, on a tag match, the slot's ordinal and
// the entry: a hit is three lines (tags, ordinal, entry), a miss usually
// the one line of tags, in an array a quarter the size of the index.
// docs/benchmarks.md ("The floor with stable pointers") sets these against
// the flat maps'.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) && !defined(MEMPOOL_PORTABLE_INDEX)
#include <emmintrin.h>
#define MEMPOOL_INDEX_SSE2 1
#endif

#include "mempool/detail/layout.hpp"
#include "mempool/mempool.h"
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

// The index of a big pool: 2^log2 groups of 12 slots, in two arrays around
// a BigHeader, in one 64-byte aligned allocation of 320 + 64 * 2^log2 bytes:
//
//   u32       ordinals[2^log2][12];   // group g's at [2^log2 - 1 - g]: counted
//                                     // back from the header, so that no
//                                     // lookup needs the groups' number
//   BigHeader header;                 // 320 bytes
//   Group     groups[2^log2];         // 16 bytes each: 4 groups per cache line
//
// A slot is a tag byte in its group, 0 if the slot is empty, else 1..255
// from 8 bits of the key's hash, and the 32-bit ordinal of its entry in the
// first array (ordinals instead of pointers halve the index;
// BigHeader::page_base turns them into entries). A lookup compares the
// group's tags at once (SSE2, or SWAR without it) and reads an ordinal and
// an entry only on a tag match. Probing goes on to the next group only if
// the group's overflow bit for the key is set: an insertion sets it in every
// full group it passes (as boost::unordered_flat_map does), so a miss
// usually reads one 16-byte group, as boost's does, and the tags of a pool
// are a quarter of its index, dense enough to stay cached. Removals just
// empty the slot; overflow bits stay until the index is rebuilt.
inline constexpr std::uint32_t kSlotsPerGroup = 12;
inline constexpr std::uint8_t kEmptyTag = 0x00;
inline constexpr std::uint32_t kMinLog2Groups = 1;   // the home group is h >> (64 - log2)
inline constexpr std::uint32_t kMaxLog2Groups = 28;  // 12 * 2^28 slots, under 2^32

struct alignas(16) Group {
    std::uint8_t tags[kSlotsPerGroup];
    std::uint8_t overflow;     // bit overflow_bit(hash): some key went past
    std::uint8_t padding[3];   // zero: never a tag
};
static_assert(sizeof(Group) == 16);
inline constexpr std::size_t kIndexBytesPerGroup = sizeof(Group) + kSlotsPerGroup * sizeof(std::uint32_t);
static_assert(kIndexBytesPerGroup == 64, "the index costs what it did with ordinals inside the groups");
// 48 * 2^log2 bytes of ordinals and the 320-byte header put the groups
// 32 bytes past a 64-byte boundary when there are 2 of them, on one when
// there are 4 or more: 32-byte aligned at least, which leaves mem_pool::ext
// the 5 low bits it needs for log2.
inline constexpr std::size_t kGroupAlignment = 32;

// Precedes the groups; read on lookups for `page_base` only.
struct alignas(kGroupAlignment) BigHeader {
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
    // The last two keys the plugin helpers' lookups found (find_recent,
    // find_big_remembering), most recent first, each as ordinal << 32 | key
    // ("Recent keys" above); in the header's padding.
    std::uint64_t recent[2];
};
static_assert(sizeof(BigHeader) == 320);

// mem_pool::ext: 0, an Ext*, or a big pool's groups (32-byte aligned) with
// kBigBit set and log2 of their number in the low 5 bits, so that a lookup
// reaches the index in one step from the handle. (User-space addresses use
// at most 56 bits.)
inline constexpr std::uint64_t kBigBit = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kLog2Bits = kGroupAlignment - 1;
inline constexpr std::uint64_t kAddressMask = ~(kBigBit | kLog2Bits);
static_assert(kMaxLog2Groups <= kLog2Bits);

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
// Counts, process-wide, the changes after which a list iterator must look
// again before it reads on: a list destroyed (its key removed or its pool
// deleted) or an element removed. Appends do not count: they move no
// element. So a C list iterator that read the counter when it checked its
// range may walk that range while the counter still reads the same: one
// load from a line every pool operation leaves in cache. Lists of other
// pools, even other threads', only send iterators through the slow path
// once more (relaxed: nothing is published through it). The counter is
// mempool.h's mempool_list_changes_, which the header's inline
// next_lst_mempool_iterator reads too.
[[nodiscard]] inline std::uint64_t list_epoch() noexcept {
    return std::atomic_ref<std::uint64_t>(mempool_list_changes_).load(std::memory_order_relaxed);
}

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
    return static_cast<std::uint32_t>(ext & kLog2Bits);
}
[[nodiscard]] inline BigHeader* header_of(Group* groups) noexcept { return reinterpret_cast<BigHeader*>(groups) - 1; }
// The ordinals of the 12 slots of group g: the (g + 1)-th row back from the
// header, a constant offset from the groups whatever their number.
[[nodiscard]] inline std::uint32_t* ordinals_of(Group* groups, std::uint32_t g) noexcept {
    return reinterpret_cast<std::uint32_t*>(header_of(groups)) - (std::size_t{g} + 1) * kSlotsPerGroup;
}
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

// ---- matching a group's tags: two implementations, one answer -------------
//
// Both return the slots of `group` whose tag is `byte`, as a bit mask (bit i:
// slot i). The SSE2 one is used wherever the compiler targets SSE2 (every
// x86-64); the portable one everywhere else, and both are tested against
// each other on every build (tests/pool/test_group_match.cpp).
inline constexpr std::uint32_t kSlotMask = (1U << kSlotsPerGroup) - 1;

struct PortableMatch {
    // High bit of each zero byte of `word`; exact, no false positives.
    [[nodiscard]] static std::uint64_t zero_bytes(std::uint64_t word) noexcept {
        constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
        return ~(((word & kLow7) + kLow7) | word | kLow7);
    }
    // Gathers the high bits of the 8 bytes into bits 0..7, in memory order.
    [[nodiscard]] static std::uint32_t gather_high_bits(std::uint64_t high) noexcept {
        if constexpr (std::endian::native == std::endian::big) high = __builtin_bswap64(high);
        return static_cast<std::uint32_t>(((high >> 7) * 0x0102040810204080ULL) >> 56);
    }
    [[nodiscard]] static std::uint32_t match(const Group& group, std::uint8_t byte) noexcept {
        std::uint64_t w[2];
        std::memcpy(w, group.tags, 16);
        const std::uint64_t pattern = byte * 0x0101010101010101ULL;
        return (gather_high_bits(zero_bytes(w[0] ^ pattern)) | gather_high_bits(zero_bytes(w[1] ^ pattern)) << 8) &
               kSlotMask;
    }
};

#if defined(MEMPOOL_INDEX_SSE2)
struct Sse2Match {
    [[nodiscard]] static std::uint32_t match(const Group& group, std::uint8_t byte) noexcept {
        const __m128i tags = _mm_load_si128(reinterpret_cast<const __m128i*>(group.tags));
        // One multiply and a shuffle, where _mm_set1_epi8 costs SSE2 three
        // unpacks.
        const __m128i pattern = _mm_set1_epi32(static_cast<int>(byte * 0x01010101U));
        return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(tags, pattern))) & kSlotMask;
    }
};
using GroupMatch = Sse2Match;
#else
using GroupMatch = PortableMatch;
#endif

[[nodiscard]] inline std::uint32_t match_tag(const Group& group, std::uint8_t byte) noexcept {
    return GroupMatch::match(group, byte);
}

// ---- the probe loop ---------------------------------------------------------

// The one probe loop: visits the groups of an index of 2^log2 groups that a
// key with hash `h` probes, its home group first, then the next ones
// (wrapping), until `visit(group, g)` returns true (g: the group's number,
// which places its ordinals). Lookups, removals and insertions all walk the
// index through it; what they do in each group is theirs (see the essay
// above).
template <class Visit>
[[gnu::always_inline]] inline void probe(Group* groups, std::uint32_t log2, std::uint64_t h, Visit&& visit) noexcept {
    auto g = static_cast<std::uint32_t>(h >> (64 - log2));
    // The home group settles almost every probe (I2): keep the wrap-around
    // arithmetic off that path.
    if (visit(groups[g], g)) [[likely]] return;
    const std::uint32_t mask = (std::uint32_t{1} << log2) - 1;
    do g = (g + 1) & mask;
    while (!visit(groups[g], g));
}

// Where a key sits in a big pool: its group, slot, ordinal and entry, or a
// null group and entry.
struct SlotRef {
    Group* group;
    std::uint32_t slot;
    std::uint32_t ordinal;
    Entry* entry;
};

// The lookup of (I1)/(I2): in each group, the slots with the key's tag, then
// stop unless the group's overflow bit for the key is set.
[[nodiscard]] inline SlotRef find_slot(std::uint64_t ext, Key key) noexcept {
    Group* const groups = groups_of(ext);
    const BigHeader* const big = header_of(groups);
    const std::uint64_t h = index_hash(key);
    const std::uint8_t tag = tag_of(h);
    SlotRef found{nullptr, 0, 0, nullptr};
    const std::uint32_t log2 = log2_groups_of(ext);
    // The home group's ordinals, fetched beside its tags rather than after
    // them: a hit then waits for two lines in a row (tags and ordinal, then
    // the entry), as a flat map's does, not three.
    const std::uint32_t* const home_ordinals = ordinals_of(groups, static_cast<std::uint32_t>(h >> (64 - log2)));
    __builtin_prefetch(home_ordinals);
    __builtin_prefetch(home_ordinals + kSlotsPerGroup - 1);
    probe(groups, log2, h, [&](Group& group, std::uint32_t g) {
        for (std::uint32_t m = match_tag(group, tag); m != 0; m &= m - 1) {
            const auto slot = static_cast<std::uint32_t>(std::countr_zero(m));
            const std::uint32_t ordinal = ordinals_of(groups, g)[slot];
            Entry* e = entry_of(big, ordinal);
            if (e->key == key) [[likely]] {
                found = {&group, slot, ordinal, e};
                return true;
            }
        }
        return (group.overflow & overflow_bit(h)) == 0;
    });
    return found;
}

[[nodiscard]] inline Entry* find_big(std::uint64_t ext, Key key) noexcept { return find_slot(ext, key).entry; }

// The entry of `key` if one of the two recent keys is it (then first), else
// nullptr: the caller looks it up with find_big_remembering. Apart, so that
// a hit, the usual case, needs none of the registers a probe does.
[[nodiscard]] inline Entry* find_recent(std::uint64_t ext, Key key) noexcept {
    BigHeader* const big = header_of(groups_of(ext));
    const std::atomic_ref<std::uint64_t> first(big->recent[0]), second(big->recent[1]);
    const auto live = [big, key](std::uint64_t remembered) -> Entry* {
        Entry* e = entry_of(big, static_cast<std::uint32_t>(remembered >> 32));
        return e->key == key && e->meta != kEmpty ? e : nullptr;
    };
    const std::uint64_t a = first.load(std::memory_order_relaxed);
    if (static_cast<Key>(a) == key) return live(a);
    const std::uint64_t b = second.load(std::memory_order_relaxed);
    if (static_cast<Key>(b) != key) return nullptr;
    Entry* e = live(b);
    if (e != nullptr) {
        first.store(b, std::memory_order_relaxed);
        second.store(a, std::memory_order_relaxed);
    }
    return e;
}

// find_big, remembering the key it finds as the most recent.
[[nodiscard]] inline Entry* find_big_remembering(std::uint64_t ext, Key key) noexcept {
    const SlotRef found = find_slot(ext, key);
    if (found.entry != nullptr) {
        BigHeader* const big = header_of(groups_of(ext));
        const std::atomic_ref<std::uint64_t> first(big->recent[0]), second(big->recent[1]);
        second.store(first.load(std::memory_order_relaxed), std::memory_order_relaxed);
        first.store(std::uint64_t{found.ordinal} << 32 | key, std::memory_order_relaxed);
    }
    return found.entry;
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
// Every case of an overwrite; callers try overwrite_small_value first.
[[nodiscard]] Status assign_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                                  Cleanup cleanup) noexcept;
[[nodiscard]] Status add_reference(mem_pool* mp, Key key, void* pointer, Cleanup cleanup) noexcept;
[[nodiscard]] Status append(mem_pool* mp, Key key, const void* element, std::uint32_t length,
                            Cleanup cleanup) noexcept;
bool remove(mem_pool* mp, Key key) noexcept;

// Up to 8 bytes as an inline payload, zero-filled; constant-size copies so
// that no call to memcpy is made on the hot paths (8 bytes, the common
// case, first).
[[nodiscard]] inline std::uint64_t inline_bits(const void* bytes, std::uint32_t length) noexcept {
    std::uint64_t bits = 0;
    if (length == 8) [[likely]] {
        std::memcpy(&bits, bytes, 8);
        return bits;
    }
    switch (length) {
    case 4: std::memcpy(&bits, bytes, 4); break;
    case 2: std::memcpy(&bits, bytes, 2); break;
    case 1: std::memcpy(&bits, bytes, 1); break;
    default: std::memcpy(&bits, bytes, length); break;
    }
    return bits;
}
[[nodiscard]] constexpr std::uint32_t inline_value_meta(std::uint32_t length) noexcept {
    return kValue | (length << kInlineLengthShift);
}

// The overwrite's one store: the key (the entry, for a caller that found it
// itself) holds an inline value without cleanup whose meta word is `meta`
// (so of the same length), which becomes `bits`. False, having changed
// nothing, in every other case. Only the key, the bits and the meta word
// are live across the lookup: the callers keep the rest of their arguments
// off this path (see set_single_mempool).
[[nodiscard]] inline bool overwrite_entry_bits(Entry* e, std::uint64_t bits, std::uint32_t meta) noexcept {
    if (e == nullptr || e->meta != meta) return false;
    e->payload = bits;
    return true;
}
[[nodiscard]] inline bool overwrite_inline_bits(mem_pool* mp, Key key, std::uint64_t bits,
                                                std::uint32_t meta) noexcept {
    return overwrite_entry_bits(find(mp, key), bits, meta);
}

// The common overwrite, a counter or a metric: the key holds a value of the
// same length, at most 8 bytes, without cleanup, and none is given. Then it
// is one store; true if done, false for assign_value to handle whatever
// else was asked. Inline, so that the C API and Pool compile it in place.
[[nodiscard]] inline bool overwrite_small_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                                                Cleanup cleanup) noexcept {
    if (mp == nullptr || bytes == nullptr || cleanup != nullptr || length - 1 >= 8) return false;
    return overwrite_inline_bits(mp, key, inline_bits(bytes, length), inline_value_meta(length));
}

[[nodiscard]] inline Result<std::uint64_t> read_u64(const Entry* e) noexcept {
    if (e == nullptr) return Error::missing;
    if ((e->meta & (kKindMask | kBoxed)) == kValue) [[likely]] {  // an inline value
        if constexpr (std::endian::native == std::endian::little) return e->payload;
        std::uint64_t v = 0;
        const auto* b = reinterpret_cast<const unsigned char*>(&e->payload);
        for (std::uint32_t i = inline_length_of(e->meta); i-- > 0;) v = (v << 8) | b[i];
        return v;
    }
    if (kind_of(e->meta) != kValue) return Error::wrong_kind;
    return Error::wrong_size;  // boxed values are longer than 8 bytes
}
[[nodiscard]] std::span<std::byte> value_bytes(Entry* e) noexcept;  // kind must be value

}  // namespace mempool::detail
