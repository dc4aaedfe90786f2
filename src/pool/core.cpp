// The pool's operations over the layout of mempool/detail/layout.hpp.
//
// Every operation that can fail builds what it needs (a Box, a List, room in
// the index) before touching any entry, so a failure leaves the pool exactly
// as it was.
#include "core.hpp"

#include <bit>
#include <cstring>

namespace mempool::detail {
namespace {

// ---- ordinals ----------------------------------------------------------

Entry* entry_at_big(const mem_pool* mp, const Big* big, std::uint32_t ordinal) noexcept {
    if (ordinal == 0) return const_cast<Entry*>(&mp->first);
    const int page = std::bit_width(ordinal) - 1;
    return big->pages[page] + (ordinal - (std::uint32_t{1} << page));
}

// ---- index of big pools --------------------------------------------------

std::uint32_t home_slot(const Big* big, Key key) noexcept {
    // Fibonacci hashing: the multiply spreads sequential keys over the high bits.
    return static_cast<std::uint32_t>((std::uint64_t{key} * 0x9E3779B97F4A7C15ULL) >> big->shift);
}

void index_insert(Big* big, Key key, std::uint32_t ordinal) noexcept {
    std::uint32_t i = home_slot(big, key);
    while (big->slots[i].ref != 0) i = (i + 1) & big->mask;
    big->slots[i] = Slot{key, ordinal + 1};
}

// Slot index of `key`, or kNoOrdinal.
std::uint32_t index_find(const Big* big, Key key) noexcept {
    for (std::uint32_t i = home_slot(big, key);; i = (i + 1) & big->mask) {
        const Slot s = big->slots[i];
        if (s.ref == 0) return kNoOrdinal;
        if (s.key == key) return i;
    }
}

// Backward-shift deletion keeps linear probing free of tombstones.
void index_erase(Big* big, std::uint32_t hole) noexcept {
    for (std::uint32_t j = (hole + 1) & big->mask; big->slots[j].ref != 0; j = (j + 1) & big->mask) {
        const std::uint32_t home = home_slot(big, big->slots[j].key);
        if (((j - home) & big->mask) >= ((j - hole) & big->mask)) {
            big->slots[hole] = big->slots[j];
            hole = j;
        }
    }
    big->slots[hole] = Slot{0, 0};
}

bool set_index_capacity(Big* big, std::uint32_t log2_capacity) noexcept {
    const std::uint64_t capacity = std::uint64_t{1} << log2_capacity;
    auto* slots = static_cast<Slot*>(allocate_zeroed(capacity * sizeof(Slot)));
    if (slots == nullptr) return false;
    Slot* old = big->slots;
    const std::uint64_t old_capacity = old != nullptr ? std::uint64_t{big->mask} + 1 : 0;
    big->slots = slots;
    big->mask = static_cast<std::uint32_t>(capacity - 1);
    big->shift = 64 - log2_capacity;
    for (std::uint64_t i = 0; i < old_capacity; ++i)
        if (old[i].ref != 0) index_insert(big, old[i].key, old[i].ref - 1);
    deallocate(old);
    return true;
}

// Keeps the index at most half full, where linear probing stays short.
bool reserve_index(Big* big) noexcept {
    const std::uint64_t capacity = std::uint64_t{big->mask} + 1;
    if ((std::uint64_t{big->count} + 1) * 2 <= capacity) return true;
    if (capacity >= (std::uint64_t{1} << 31)) return false;
    return set_index_capacity(big, static_cast<std::uint32_t>(std::countr_zero(capacity)) + 1);
}

// Small pool full: build the index over its 8 entries.
bool go_big(mem_pool* mp) noexcept {
    Ext* ext = mp->ext;
    auto* big = static_cast<Big*>(allocate_zeroed(sizeof(Big)));
    auto* page3 = static_cast<Entry*>(allocate_zeroed(8 * sizeof(Entry)));
    if (big == nullptr || page3 == nullptr || !set_index_capacity(big, 5)) {
        deallocate(big);
        deallocate(page3);
        return false;
    }
    big->pages[0] = &ext->page0[0];
    big->pages[1] = &ext->page0[1];
    big->pages[2] = ext->page1;
    big->pages[3] = page3;
    big->fresh = kSmallCapacity;
    for (std::uint32_t ordinal = kSmallCapacity; ordinal-- > 0;) {
        Entry* e = entry_at_big(mp, big, ordinal);
        if (e->meta != kEmpty) {
            index_insert(big, e->key, ordinal);
            ++big->count;
        } else {
            e->payload = big->free_head;
            big->free_head = ordinal + 1;
        }
    }
    ext->big = big;
    return true;
}

Entry* claim_big(mem_pool* mp, Key key) noexcept {
    Big* big = mp->ext->big;
    if (!reserve_index(big)) return nullptr;
    std::uint32_t ordinal;
    if (big->free_head != 0) {
        ordinal = big->free_head - 1;
        big->free_head = static_cast<std::uint32_t>(entry_at_big(mp, big, ordinal)->payload);
    } else {
        ordinal = big->fresh;
        if (ordinal == kNoOrdinal - 1) return nullptr;
        const int page = std::bit_width(ordinal) - 1;
        if (big->pages[page] == nullptr) {
            big->pages[page] = static_cast<Entry*>(
                allocate_zeroed((std::size_t{1} << page) * sizeof(Entry)));
            if (big->pages[page] == nullptr) return nullptr;
        }
        ++big->fresh;
    }
    index_insert(big, key, ordinal);
    ++big->count;
    Entry* e = entry_at_big(mp, big, ordinal);
    e->payload = 0;
    return e;
}

Entry* first_empty(Entry* page, std::uint32_t n) noexcept {
    for (std::uint32_t i = 0; i < n; ++i)
        if (page[i].meta == kEmpty) return &page[i];
    return nullptr;
}

// An empty entry for the new key `key` (known absent), making room if
// needed. The caller must fill it at once. nullptr if memory is exhausted.
Entry* claim(mem_pool* mp, Key key) noexcept {
    Ext* ext = mp->ext;
    if (ext != nullptr && ext->big != nullptr) return claim_big(mp, key);
    if (mp->first.meta == kEmpty) return &mp->first;
    if (ext == nullptr) {
        ext = static_cast<Ext*>(allocate_zeroed(sizeof(Ext)));
        if (ext == nullptr) return nullptr;
        mp->ext = ext;
        return &ext->page0[0];
    }
    if (Entry* e = first_empty(ext->page0, 3)) return e;
    if (ext->page1 == nullptr) {
        ext->page1 = static_cast<Entry*>(allocate_zeroed(4 * sizeof(Entry)));
        return ext->page1;
    }
    if (Entry* e = first_empty(ext->page1, 4)) return e;
    if (!go_big(mp)) return nullptr;
    return claim_big(mp, key);
}

// ---- payloads ------------------------------------------------------------

struct Payload {
    std::uint32_t meta;
    std::uint64_t bits;
};

// A value's storage: inline up to 8 bytes, else a Box. false if out of memory.
bool make_value(const void* bytes, std::uint32_t length, std::uint32_t cleanup, Payload& out) noexcept {
    if (length <= 8) {
        out.bits = 0;
        std::memcpy(&out.bits, bytes, length);
        out.meta = kValue | (length << kInlineLengthShift) | (cleanup << kCleanupShift);
        return true;
    }
    auto* box = static_cast<Box*>(allocate(sizeof(Box) + std::size_t{length}));
    if (box == nullptr) return false;
    box->length = length;
    std::memcpy(box->data(), bytes, length);
    out.meta = kValue | kBoxed | (cleanup << kCleanupShift);
    out.bits = reinterpret_cast<std::uintptr_t>(box);
    return true;
}

void drop_unused_value(const Payload& p) noexcept {
    if ((p.meta & kBoxed) != 0) deallocate(reinterpret_cast<Box*>(p.bits));
}

// Runs the entry's cleanups and frees what it owns; the entry itself stays.
void release_payload(Entry* e) noexcept {
    const Cleanup cleanup = cleanup_fn(cleanup_id_of(e->meta));
    switch (kind_of(e->meta)) {
    case kValue:
        if ((e->meta & kBoxed) != 0) {
            auto* box = reinterpret_cast<Box*>(e->payload);
            if (cleanup != nullptr) cleanup(box->data());
            deallocate(box);
        } else if (cleanup != nullptr) {
            cleanup(&e->payload);
        }
        break;
    case kReference:
        if (cleanup != nullptr) cleanup(reinterpret_cast<void*>(e->payload));
        break;
    case kList:
        list_destroy(reinterpret_cast<List*>(e->payload), cleanup);
        break;
    default:
        break;
    }
}

Status insert_new(mem_pool* mp, Key key, const Payload& p) noexcept {
    Entry* e = claim(mp, key);
    if (e == nullptr) return Error::out_of_memory;
    e->key = key;
    e->meta = p.meta;
    e->payload = p.bits;
    return {};
}

Status insert_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                    std::uint32_t cleanup) noexcept {
    Payload p;
    if (!make_value(bytes, length, cleanup, p)) return Error::out_of_memory;
    Status s = insert_new(mp, key, p);
    if (!s) drop_unused_value(p);
    return s;
}

Entry* find_small(const mem_pool* mp, Key key) noexcept {
    auto* self = const_cast<mem_pool*>(mp);
    if (mp->first.key == key && mp->first.meta != kEmpty) return &self->first;
    const Ext* ext = mp->ext;
    if (ext == nullptr) return nullptr;
    for (const Entry& e : ext->page0)
        if (e.key == key && e.meta != kEmpty) return const_cast<Entry*>(&e);
    if (const Entry* page = ext->page1)
        for (std::uint32_t i = 0; i < 4; ++i)
            if (page[i].key == key && page[i].meta != kEmpty) return const_cast<Entry*>(&page[i]);
    return nullptr;
}

}  // namespace

// ---- lifetime ------------------------------------------------------------

mem_pool* pool_create() noexcept { return static_cast<mem_pool*>(allocate_zeroed(sizeof(mem_pool))); }

void pool_destroy(mem_pool* mp) noexcept {
    if (mp == nullptr) return;
    for (std::uint32_t ordinal = 0; Entry* e = entry_at(mp, ordinal); ++ordinal)
        if (e->meta != kEmpty) release_payload(e);
    if (Ext* ext = mp->ext) {
        if (Big* big = ext->big) {
            for (int page = 3; page < 32; ++page) deallocate(big->pages[page]);
            deallocate(big->slots);
            deallocate(big);
        }
        deallocate(ext->page1);
        deallocate(ext);
    }
    deallocate(mp);
}

// ---- lookup --------------------------------------------------------------

Entry* find(const mem_pool* mp, Key key) noexcept {
    const Ext* ext = mp->ext;
    if (ext == nullptr || ext->big == nullptr) return find_small(mp, key);
    const Big* big = ext->big;
    const std::uint32_t slot = index_find(big, key);
    return slot == kNoOrdinal ? nullptr : entry_at_big(mp, big, big->slots[slot].ref - 1);
}

Entry* entry_at(const mem_pool* mp, std::uint32_t ordinal) noexcept {
    if (mp == nullptr) return nullptr;
    if (ordinal == 0) return const_cast<Entry*>(&mp->first);
    Ext* ext = mp->ext;
    if (ext == nullptr) return nullptr;
    if (ext->big != nullptr)
        return ordinal < ext->big->fresh ? entry_at_big(mp, ext->big, ordinal) : nullptr;
    if (ordinal < 4) return &ext->page0[ordinal - 1];
    if (ordinal < kSmallCapacity && ext->page1 != nullptr) return &ext->page1[ordinal - 4];
    return nullptr;
}

std::size_t live_count(const mem_pool* mp) noexcept {
    if (mp == nullptr) return 0;
    if (mp->ext != nullptr && mp->ext->big != nullptr) return mp->ext->big->count;
    std::size_t n = 0;
    for (std::uint32_t ordinal = 0; const Entry* e = entry_at(mp, ordinal); ++ordinal)
        n += e->meta != kEmpty ? 1 : 0;
    return n;
}

Result<std::uint64_t> read_u64(const Entry* e) noexcept {
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

std::span<std::byte> value_bytes(Entry* e) noexcept {
    if ((e->meta & kBoxed) != 0) {
        auto* box = reinterpret_cast<Box*>(e->payload);
        return {box->data(), box->length};
    }
    return {reinterpret_cast<std::byte*>(&e->payload), inline_length_of(e->meta)};
}

// ---- changes -------------------------------------------------------------

Status add_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                 Cleanup cleanup) noexcept {
    if (mp == nullptr || bytes == nullptr || length == 0) return Error::invalid_argument;
    if (find(mp, key) != nullptr) return Error::exists;
    const std::uint32_t id = cleanup_id(cleanup);
    if (id == kNoCleanupId) return Error::out_of_memory;
    return insert_value(mp, key, bytes, length, id);
}

Status assign_value(mem_pool* mp, Key key, const void* bytes, std::uint32_t length,
                    Cleanup cleanup) noexcept {
    if (mp == nullptr || bytes == nullptr || length == 0) return Error::invalid_argument;
    const std::uint32_t id = cleanup_id(cleanup);
    if (id == kNoCleanupId) return Error::out_of_memory;
    Entry* e = find(mp, key);
    if (e == nullptr) return insert_value(mp, key, bytes, length, id);
    if (kind_of(e->meta) != kValue) return Error::wrong_kind;

    const Cleanup old_cleanup = cleanup_fn(cleanup_id_of(e->meta));
    const std::span<std::byte> old = value_bytes(e);
    const std::uint32_t cleanup_bits = id << kCleanupShift;
    if (old.size() == length) {
        // In place: no allocation, and the address callers hold stays right.
        if (old_cleanup != nullptr) old_cleanup(old.data());
        std::memmove(old.data(), bytes, length);
        e->meta = (e->meta & ((1U << kCleanupShift) - 1)) | cleanup_bits;
        return {};
    }
    Payload p;
    if (!make_value(bytes, length, id, p)) return Error::out_of_memory;
    release_payload(e);
    e->meta = p.meta;
    e->payload = p.bits;
    return {};
}

Status add_reference(mem_pool* mp, Key key, void* pointer, Cleanup cleanup) noexcept {
    if (mp == nullptr || pointer == nullptr) return Error::invalid_argument;
    if (find(mp, key) != nullptr) return Error::exists;
    const std::uint32_t id = cleanup_id(cleanup);
    if (id == kNoCleanupId) return Error::out_of_memory;
    return insert_new(mp, key, Payload{kReference | (id << kCleanupShift),
                                       reinterpret_cast<std::uintptr_t>(pointer)});
}

Status append(mem_pool* mp, Key key, const void* element, std::uint32_t length,
              Cleanup cleanup) noexcept {
    if (mp == nullptr || element == nullptr || length == 0) return Error::invalid_argument;
    const std::uint32_t id = cleanup_id(cleanup);
    if (id == kNoCleanupId) return Error::out_of_memory;
    if (Entry* e = find(mp, key)) {
        if (kind_of(e->meta) != kList) return Error::wrong_kind;
        auto* list = reinterpret_cast<List*>(e->payload);
        if (list->element_size != length) return Error::wrong_size;
        if (cleanup_id_of(e->meta) != id) return Error::invalid_argument;
        return list_append(list, element) ? Status{} : Status{Error::out_of_memory};
    }
    List* list = list_create(length);
    if (list == nullptr) return Error::out_of_memory;
    Status s = list_append(list, element) ? Status{} : Status{Error::out_of_memory};
    if (s) s = insert_new(mp, key, Payload{kList | (id << kCleanupShift),
                                           reinterpret_cast<std::uintptr_t>(list)});
    if (!s) list_destroy(list, nullptr);
    return s;
}

bool remove(mem_pool* mp, Key key) noexcept {
    if (mp == nullptr) return false;
    Ext* ext = mp->ext;
    if (ext == nullptr || ext->big == nullptr) {
        Entry* e = find_small(mp, key);
        if (e == nullptr) return false;
        release_payload(e);
        *e = Entry{0, kEmpty, 0};
        return true;
    }
    Big* big = ext->big;
    const std::uint32_t slot = index_find(big, key);
    if (slot == kNoOrdinal) return false;
    const std::uint32_t ordinal = big->slots[slot].ref - 1;
    Entry* e = entry_at_big(mp, big, ordinal);
    release_payload(e);
    index_erase(big, slot);
    *e = Entry{0, kEmpty, big->free_head};
    big->free_head = ordinal + 1;
    --big->count;
    return true;
}

}  // namespace mempool::detail
