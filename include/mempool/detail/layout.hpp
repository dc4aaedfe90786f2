// mempool/detail/layout.hpp: how a pool lays out its data in memory.
//
// Not an API: the C++ views in pool.hpp read lists inline through these
// structs, so they are installed, but nothing here is stable across versions.
//
// A pool is built for two opposite loads: tens of millions of tiny pools (one
// per route, holding a metric or two) and a few big ones (a global pool with a
// key per peer or per prefix). Every entry is 16 bytes and never moves once
// written, which is what keeps pointers returned to callers valid:
//
//   struct mem_pool {              // 24 bytes: the C handle, a 32-byte malloc chunk
//       Entry first;               // ordinal 0
//       u64   ext;                 // 0, Ext*, or (big) the index's groups | log2
//   };
//   struct Ext {                   // 56 bytes (a 64-byte malloc chunk), allocated once
//       Entry *page1;              // ordinals 4..7, NULL until needed
//       Entry  page0[3];           // ordinals 1..3
//   };
//   struct BigIndex {              // pools past 8 entries: one allocation,
//       u32 ordinals[n][12];       // the slots' entries, group g's at row n-1-g
//       BigHeader header;          // 320 bytes: page_base[33] (page k holds
//                                  // ordinals [2^k / 2, 2^k)), counters, free list
//       Group groups[n];           // n = 2^log2, 16 bytes each:
//   };                             //   u8 tags[12]: 0 = empty, else 8 bits of the hash
//                                  //   u8 overflow: some key probed past this group
//
//   struct Entry {                 // 16 bytes
//       u32 key;
//       u32 meta;                  // kind:2 | boxed:1 | inline length:4 | cleanup id:12
//       u64 payload;               // <= 8 value bytes, or Box*, or the
//   };                             // reference, or List*
//
// Small pools are scanned (at most 8 entries in 3 cache lines); from the 9th
// key on, a hash index maps keys to ordinals and a free list recycles holes.
// A lookup in the index compares a group's 12 tags at once (SSE2) and reads
// an ordinal and an entry only on a tag match. Besides the handle, a hit
// reads the key's group (tags live apart from ordinals, four groups to a
// line), the slot's ordinal, the line of BigHeader::page_base that turns the
// ordinal into an address (the table spans 5 lines per pool, so they stay
// cached while the pool is in use) and the entry's line; a miss usually
// reads the group's 16 bytes alone (a false tag match, 1 in 255 per
// occupied slot, adds the others). The essay at the top of
// src/pool/core.hpp describes the operations and invariants.
// Values longer than 8 bytes live in a `Box` of their own. A cleanup function
// is stored as a 12-bit id into a process-wide table, so a value with a
// cleanup costs no more than one without.
//
// A list is a chain of chunks that never move; chunk capacity doubles up to
// about 64 KiB, so a long list of 4-byte elements costs about 4 bytes per
// element. Since the capacities follow from the element size alone, the
// chunk and offset of element i are computed, and a table of the chunks
// (from the third one on) makes element i one lookup: constant time while no
// element was removed. Removed elements are marked in a bitmap allocated on
// first removal.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mempool::detail {

struct alignas(8) Entry {
    std::uint32_t key;
    std::uint32_t meta;
    std::uint64_t payload;
};
static_assert(sizeof(Entry) == 16);

// Chunk of list elements. `data` starts 16-byte aligned, like malloc's memory.
struct ListChunk {
    ListChunk* next;
    std::uint64_t* dead;      // bitmap of removed elements, or nullptr
    std::uint32_t used;       // slots written (live or dead)
    std::uint32_t capacity;   // slots
    std::uint32_t number;     // place in the chain, 0 for the head
    std::uint32_t reserved;   // keeps data 16-byte aligned

    [[nodiscard]] std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    [[nodiscard]] bool is_dead(std::uint32_t i) const noexcept {
        return dead != nullptr && ((dead[i / 64] >> (i % 64)) & 1U) != 0;
    }
};
static_assert(sizeof(ListChunk) == 32);

struct List {
    std::uint32_t element_size;
    std::uint32_t live;       // elements not removed
    ListChunk* head;
    ListChunk* tail;
    std::uint64_t id;         // unique per process: lets iterators detect a replaced list
    ListChunk** chunks;       // every chunk by number once there are 3 or more, else nullptr
};
static_assert(sizeof(List) == 40, "a List must stay in a 48-byte malloc chunk");

}  // namespace mempool::detail
