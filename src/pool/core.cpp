// The pool's operations over the layout of mempool/detail/layout.hpp.
//
// Every operation that can fail builds what it needs (a Box, a List, room in
// the index) before touching any entry, so a failure leaves the pool exactly
// as it was.
#include "core.hpp"

#include <bit>
#include <cstring>
#include <utility>

namespace mempool::detail {
namespace {

// ---- the handle's ext word -------------------------------------------------

bool is_big(const mem_pool* mp) noexcept { return (mp->ext & kBigBit) != 0; }
Ext* small_ext(const mem_pool* mp) noexcept { return reinterpret_cast<Ext*>(mp->ext); }
Group* groups_of(std::uint64_t ext) noexcept { return reinterpret_cast<Group*>(ext & kAddressMask); }
std::uint32_t log2_groups_of(std::uint64_t ext) noexcept {
    return static_cast<std::uint32_t>((ext & ~kBigBit) >> kLog2Shift);
}
BigHeader* header_of(std::uint64_t ext) noexcept { return reinterpret_cast<BigHeader*>(groups_of(ext)) - 1; }
std::uint64_t encode_big(Group* groups, std::uint32_t log2_groups) noexcept {
    return kBigBit | (std::uint64_t{log2_groups} << kLog2Shift) | reinterpret_cast<std::uintptr_t>(groups);
}

Entry* entry_at_big(const mem_pool* mp, const BigHeader* big, std::uint32_t ordinal) noexcept {
    if (ordinal == 0) return const_cast<Entry*>(&mp->first);
    const int page = std::bit_width(ordinal) - 1;
    return big->pages[page] + (ordinal - (std::uint32_t{1} << page));
}

// ---- the index of big pools -------------------------------------------------

constexpr std::uint64_t kEmptyTag = 0x00;
constexpr std::uint64_t kDeletedTag = 0x01;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kSlotBytes = 0x00FFFFFFFFFFFFFFULL;  // the 7 slot tags
constexpr std::uint64_t kSentinel = kDeletedTag << 56;       // byte 7: never empty, never a match
constexpr std::uint32_t kSlotsPerGroup = 7;

std::uint64_t hash(Key key) noexcept { return std::uint64_t{key} * 0x9E3779B97F4A7C15ULL; }
std::uint64_t tag_of(std::uint64_t h) noexcept { return 0x80 | ((h >> 24) & 0x7F); }
std::uint32_t home_group(std::uint64_t h, std::uint32_t log2_groups) noexcept {
    return static_cast<std::uint32_t>(h >> (64 - log2_groups));
}

// High bit of each byte of `word` that is zero; exact, no false positives.
std::uint64_t zero_bytes(std::uint64_t word) noexcept {
    const std::uint64_t low7 = (word & ~kHighBits) + ~kHighBits;
    return ~(low7 | word | ~kHighBits);
}
std::uint64_t matching(std::uint64_t tags, std::uint64_t tag) noexcept {
    return zero_bytes(tags ^ (tag * kLowBits));
}
std::uint64_t empties(std::uint64_t tags) noexcept { return zero_bytes(tags); }
// Empty or deleted slots: tags without the high bit, less the sentinel.
std::uint64_t free_slots(std::uint64_t tags) noexcept { return ~tags & kHighBits & kSlotBytes; }
std::uint32_t byte_index(std::uint64_t bits) noexcept {
    return static_cast<std::uint32_t>(std::countr_zero(bits)) / 8;
}
void set_tag(Group& g, std::uint32_t slot, std::uint64_t tag) noexcept {
    g.tags = (g.tags & ~(std::uint64_t{0xFF} << (slot * 8))) | (tag << (slot * 8));
}

Entry* find_big(std::uint64_t ext, Key key) noexcept {
    Group* groups = groups_of(ext);
    const std::uint32_t log2 = log2_groups_of(ext);
    const std::uint32_t mask = (std::uint32_t{1} << log2) - 1;
    const std::uint64_t h = hash(key);
    const std::uint64_t tag = tag_of(h);
    for (std::uint32_t g = home_group(h, log2);; g = (g + 1) & mask) {
        const Group& group = groups[g];
        for (std::uint64_t m = matching(group.tags, tag); m != 0; m &= m - 1) {
            Entry* e = group.slots[byte_index(m)];
            if (e->key == key) return e;
        }
        if (empties(group.tags) != 0) return nullptr;
    }
}

// Where `key` is in the index: its group and slot. The key must be present.
std::pair<Group*, std::uint32_t> locate_big(std::uint64_t ext, const Entry* e) noexcept {
    Group* groups = groups_of(ext);
    const std::uint32_t log2 = log2_groups_of(ext);
    const std::uint32_t mask = (std::uint32_t{1} << log2) - 1;
    const std::uint64_t h = hash(e->key);
    for (std::uint32_t g = home_group(h, log2);; g = (g + 1) & mask)
        for (std::uint64_t m = matching(groups[g].tags, tag_of(h)); m != 0; m &= m - 1)
            if (groups[g].slots[byte_index(m)] == e) return {&groups[g], byte_index(m)};
}

void index_insert(Group* groups, std::uint32_t log2, Entry* e) noexcept {
    const std::uint32_t mask = (std::uint32_t{1} << log2) - 1;
    const std::uint64_t h = hash(e->key);
    for (std::uint32_t g = home_group(h, log2);; g = (g + 1) & mask) {
        if (const std::uint64_t f = free_slots(groups[g].tags)) {
            const std::uint32_t slot = byte_index(f);
            set_tag(groups[g], slot, tag_of(h));
            groups[g].slots[slot] = e;
            return;
        }
    }
}

std::uint64_t capacity_of(std::uint32_t log2_groups) noexcept {
    return (std::uint64_t{kSlotsPerGroup} << log2_groups) * 7 / 8;  // at most 7/8 full
}

// A new index of 2^log2 groups over the entries of `old` (a header whose
// pages and counters are copied); nullptr if out of memory.
BigHeader* build_index(const mem_pool* mp, const BigHeader& old, std::uint32_t log2) noexcept {
    const std::size_t groups = std::size_t{1} << log2;
    void* block = allocate_aligned(alignof(Group), sizeof(BigHeader) + groups * sizeof(Group));
    if (block == nullptr) return nullptr;
    auto* big = static_cast<BigHeader*>(block);
    *big = old;
    big->log2_groups = log2;
    big->tombstones = 0;
    auto* g = reinterpret_cast<Group*>(big + 1);
    for (std::size_t i = 0; i < groups; ++i) {
        g[i].tags = kSentinel;
        for (Entry*& slot : g[i].slots) slot = nullptr;
    }
    for (std::uint32_t ordinal = 0; ordinal < big->fresh; ++ordinal) {
        Entry* e = entry_at_big(mp, big, ordinal);
        if (e->meta != kEmpty) index_insert(g, log2, e);
    }
    return big;
}

// Makes room in the index for one more key: rehashes in place of the
// tombstones, or doubles.
bool reserve_index(mem_pool* mp) noexcept {
    BigHeader* big = header_of(mp->ext);
    if (std::uint64_t{big->count} + big->tombstones + 1 <= capacity_of(big->log2_groups)) return true;
    std::uint32_t log2 = big->log2_groups;
    if (std::uint64_t{big->count} + 1 > capacity_of(log2) / 2) ++log2;
    if (log2 > 31) return false;
    BigHeader* grown = build_index(mp, *big, log2);
    if (grown == nullptr) return false;
    deallocate(big);
    mp->ext = encode_big(reinterpret_cast<Group*>(grown + 1), log2);
    return true;
}

// Small pool full: build the index over its 8 entries.
bool go_big(mem_pool* mp) noexcept {
    Ext* ext = small_ext(mp);
    auto* page3 = static_cast<Entry*>(allocate_zeroed(8 * sizeof(Entry)));
    if (page3 == nullptr) return false;
    BigHeader header{};
    header.ext = ext;
    header.pages[0] = &ext->page0[0];
    header.pages[1] = &ext->page0[1];
    header.pages[2] = ext->page1;
    header.pages[3] = page3;
    header.fresh = kSmallCapacity;
    for (std::uint32_t ordinal = kSmallCapacity; ordinal-- > 0;) {
        Entry* e = entry_at_big(mp, &header, ordinal);
        if (e->meta != kEmpty) {
            ++header.count;
        } else {
            e->payload = reinterpret_cast<std::uintptr_t>(header.free_head);
            header.free_head = e;
        }
    }
    BigHeader* big = build_index(mp, header, 1);
    if (big == nullptr) {
        deallocate(page3);
        return false;
    }
    mp->ext = encode_big(reinterpret_cast<Group*>(big + 1), 1);
    return true;
}

Entry* claim_big(mem_pool* mp, Key key) noexcept {
    if (!reserve_index(mp)) return nullptr;
    BigHeader* big = header_of(mp->ext);
    Entry* e;
    if (big->free_head != nullptr) {
        e = big->free_head;
        big->free_head = reinterpret_cast<Entry*>(e->payload);
    } else {
        const std::uint32_t ordinal = big->fresh;
        if (ordinal == kNoOrdinal - 1) return nullptr;
        const int page = std::bit_width(ordinal) - 1;
        if (big->pages[page] == nullptr) {
            big->pages[page] = static_cast<Entry*>(
                allocate_zeroed((std::size_t{1} << page) * sizeof(Entry)));
            if (big->pages[page] == nullptr) return nullptr;
        }
        ++big->fresh;
        e = entry_at_big(mp, big, ordinal);
    }
    *e = Entry{key, kEmpty, 0};
    index_insert(groups_of(mp->ext), big->log2_groups, e);
    ++big->count;
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
    if (is_big(mp)) return claim_big(mp, key);
    if (mp->first.meta == kEmpty) return &mp->first;
    Ext* ext = small_ext(mp);
    if (ext == nullptr) {
        ext = static_cast<Ext*>(allocate_zeroed(sizeof(Ext)));
        if (ext == nullptr) return nullptr;
        mp->ext = reinterpret_cast<std::uintptr_t>(ext);
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

// Up to 8 bytes as the inline payload, zero-filled; constant-size copies so
// that no call to memcpy is made on the hot paths.
std::uint64_t inline_bits(const void* bytes, std::uint32_t length) noexcept {
    std::uint64_t bits = 0;
    switch (length) {
    case 8: std::memcpy(&bits, bytes, 8); break;
    case 4: std::memcpy(&bits, bytes, 4); break;
    case 2: std::memcpy(&bits, bytes, 2); break;
    case 1: std::memcpy(&bits, bytes, 1); break;
    default: std::memcpy(&bits, bytes, length); break;
    }
    return bits;
}

// A value's storage: inline up to 8 bytes, else a Box. false if out of memory.
bool make_value(const void* bytes, std::uint32_t length, std::uint32_t cleanup, Payload& out) noexcept {
    if (length <= 8) {
        out.bits = inline_bits(bytes, length);
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
    const Ext* ext = small_ext(mp);
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
    Ext* ext = small_ext(mp);
    if (is_big(mp)) {
        BigHeader* big = header_of(mp->ext);
        for (int page = 3; page < 32; ++page) deallocate(big->pages[page]);
        ext = big->ext;
        deallocate(big);
    }
    if (ext != nullptr) {
        deallocate(ext->page1);
        deallocate(ext);
    }
    deallocate(mp);
}

// ---- lookup --------------------------------------------------------------

Entry* find(const mem_pool* mp, Key key) noexcept {
    return is_big(mp) ? find_big(mp->ext, key) : find_small(mp, key);
}

Entry* entry_at(const mem_pool* mp, std::uint32_t ordinal) noexcept {
    if (mp == nullptr) return nullptr;
    if (ordinal == 0) return const_cast<Entry*>(&mp->first);
    if (is_big(mp)) {
        const BigHeader* big = header_of(mp->ext);
        return ordinal < big->fresh ? entry_at_big(mp, big, ordinal) : nullptr;
    }
    Ext* ext = small_ext(mp);
    if (ext == nullptr) return nullptr;
    if (ordinal < 4) return &ext->page0[ordinal - 1];
    if (ordinal < kSmallCapacity && ext->page1 != nullptr) return &ext->page1[ordinal - 4];
    return nullptr;
}

std::size_t live_count(const mem_pool* mp) noexcept {
    if (mp == nullptr) return 0;
    if (is_big(mp)) return header_of(mp->ext)->count;
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
    Entry* e = find(mp, key);
    // The common case, a counter or a metric: one store.
    if (e != nullptr && cleanup == nullptr && length <= 8 &&
        e->meta == (kValue | (length << kInlineLengthShift))) {
        e->payload = inline_bits(bytes, length);
        return {};
    }
    const std::uint32_t id = cleanup_id(cleanup);
    if (id == kNoCleanupId) return Error::out_of_memory;
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
    if (!is_big(mp)) {
        Entry* e = find_small(mp, key);
        if (e == nullptr) return false;
        release_payload(e);
        *e = Entry{0, kEmpty, 0};
        return true;
    }
    Entry* e = find_big(mp->ext, key);
    if (e == nullptr) return false;
    auto [group, slot] = locate_big(mp->ext, e);
    BigHeader* big = header_of(mp->ext);
    // A group with an empty slot never sent a probe further, so the slot can
    // become empty again; otherwise probes may pass it: leave a tombstone.
    if (empties(group->tags) != 0) {
        set_tag(*group, slot, kEmptyTag);
    } else {
        set_tag(*group, slot, kDeletedTag);
        ++big->tombstones;
    }
    group->slots[slot] = nullptr;
    release_payload(e);
    *e = Entry{0, kEmpty, reinterpret_cast<std::uintptr_t>(big->free_head)};
    big->free_head = e;
    --big->count;
    return true;
}

}  // namespace mempool::detail
