// attr_store.hpp: interned path attribute sets, shared by every route that
// carries the same ones.
//
// A full table has far fewer distinct attribute sets than routes (one UPDATE
// announces many prefixes with one set, and peers repeat each other), so a
// route holds a 4-byte id into this store instead of its own copy.
//
//   AttrSet  { bytes*; u64 hash; u32 size; u32 refs; u32 path_length (L); u8 origin }
//            // bytes: the canonical form, see canonical_attributes()
//   index    open addressing, linear probing, u64 slots (hash tag << 32 | id),
//            load ≤ 1/2, backward-shift deletion (no tombstones)
//
// Sets are reference counted: the last route that lets go frees its set, and
// the id is reused. Ids are stable while referenced.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "byte_reader.hpp"
#include "mapped_array.hpp"

namespace mempool::bgp {

using AttrId = std::uint32_t;

// The hash used for attribute sets (64-bit, over any bytes).
std::uint64_t hash_bytes(Bytes b) noexcept;

struct AttrSet {
    std::unique_ptr<std::uint8_t[]> bytes;
    std::uint64_t hash = 0;
    std::uint32_t size = 0;
    std::uint32_t refs = 0;
    std::uint32_t path_length = 0;  // L of issue 4 item 5
    std::uint8_t origin = 2;

    [[nodiscard]] Bytes key() const noexcept { return {bytes.get(), size}; }
};

class AttrStore {
public:
    AttrStore();

    // Returns the id of the set with these canonical bytes, creating it if
    // needed, with one more reference.
    AttrId intern(Bytes canonical, std::uint8_t origin, std::uint32_t path_length);
    // Starts loading the index slot intern(canonical) will read first (in a
    // large store, a cache miss at a random place), so that the load overlaps
    // other work. Changes nothing.
    void prefetch(Bytes canonical) const noexcept {
        __builtin_prefetch(&slots_[hash_bytes(canonical) & mask_]);
    }
    void ref(AttrId id) noexcept { ++sets_[id].refs; }
    void unref(AttrId id) noexcept;

    [[nodiscard]] const AttrSet& operator[](AttrId id) const noexcept { return sets_[id]; }
    [[nodiscard]] std::size_t live() const noexcept { return live_; }
    // Heap bytes held by the store (sets, their bytes, the index).
    [[nodiscard]] std::size_t heap_bytes() const noexcept;
    // Of those, the bytes in mappings of the store's own (the index, once
    // large), which malloc's statistics do not see.
    [[nodiscard]] std::size_t mapped_bytes() const noexcept { return slots_.mapped_bytes(); }

private:
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
    void grow();

    std::vector<AttrSet> sets_;
    std::vector<AttrId> free_;
    MappedArray<std::uint64_t> slots_;
    std::uint64_t mask_ = 0;
    std::size_t live_ = 0;
    std::size_t payload_ = 0;
};

}  // namespace mempool::bgp
