// entry_set_cache.hpp: the attribute set of a RIB entry, found by the bytes
// of its attribute field as dumped, without decoding them again.
//
// A table dump repeats attribute fields far more often than it holds
// distinct ones (bview.20020722.2337.gz: 115,521 entries, 20,934 sets), but
// rarely twice in a row, which is all the decoder's own reuse catches
// (UpdateDecoder::decode_rib_attributes). Decoding, the canonical form and
// interning cost about 800 instructions an entry; a hit here costs a hash
// and one comparison of the field.
//
// The cache is direct-mapped (kSlots slots, fields of up to kMaxField
// bytes) and holds a reference on every set it names (AttrStore::ref), so
// a cached id never names another set; clear() gives them back (before a
// report counts the live sets). `context` tells apart fields that decode
// differently (family, 4-byte AS, add-path): equal bytes in another context
// are another key. Only a field that decoded without a report and was
// installed belongs here; the replay decides that (replay.cpp).
//
//   EntrySetCache cache;
//   const std::uint64_t h = EntrySetCache::hash(field, context);
//   if (AttrId id; cache.find(field, context, h, id)) { store.ref(id); ... }   // no decode
//   else { ...decode, intern...; cache.put(field, context, h, id, store); }
//   cache.clear(store);
#pragma once

#include <cstdint>
#include <memory>

#include "attr_store.hpp"
#include "byte_reader.hpp"

namespace mempool::bgp {

class EntrySetCache {
public:
    static constexpr std::size_t kSlots = 1024;
    static constexpr std::size_t kMaxField = 256;

    EntrySetCache() = default;
    EntrySetCache(const EntrySetCache&) = delete;
    EntrySetCache& operator=(const EntrySetCache&) = delete;

    [[nodiscard]] static std::uint64_t hash(Bytes field, std::uint32_t context) noexcept {
        return hash_bytes(field) ^ (std::uint64_t{context} * 0x9e3779b97f4a7c15ull);
    }
    // Whether `field` under `context` (hash(field, context): `h`) is cached;
    // its set in `id` if so (no reference taken).
    [[nodiscard]] bool find(Bytes field, std::uint32_t context, std::uint64_t h, AttrId& id) const noexcept;
    // Caches `id` for the field, with a reference of the cache's own; the
    // field it replaces in its slot gives its reference back. A field longer
    // than kMaxField is not cached.
    void put(Bytes field, std::uint32_t context, std::uint64_t h, AttrId id, AttrStore& store);
    // Forgets every field, giving back the references.
    void clear(AttrStore& store) noexcept;

private:
    struct Slot {
        std::uint64_t hash = 0;
        std::uint32_t context = 0;
        std::uint32_t size = 0;  // 0: empty (an empty field is never cached)
        AttrId id = 0;
    };
    std::unique_ptr<Slot[]> slots_;            // kSlots, made at the first put
    std::unique_ptr<std::uint8_t[]> fields_;   // kSlots x kMaxField
};

}  // namespace mempool::bgp
