// The pool's operations that change a pool, over the layout of
// mempool/detail/layout.hpp. The essay at the top of core.hpp describes each
// of them and the invariants (I1)-(I4) of a big pool they keep; read it
// first.
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

// ---- the index of big pools --------------------------------------------------

std::uint64_t encode_big(Group* groups, std::uint32_t log2_groups) noexcept {
    return kBigBit | reinterpret_cast<std::uintptr_t>(groups) | log2_groups;
}
// The start of the allocation holding `big`: its ordinals come first.
void* index_block_of(BigHeader* big) noexcept {
    return reinterpret_cast<std::byte*>(big) -
           (std::size_t{kSlotsPerGroup} * sizeof(std::uint32_t) << big->log2_groups);
}
BigHeader* big_of(const mem_pool* mp) noexcept { return header_of(groups_of(mp->ext)); }

// Gives `ordinal` a slot for `key` (known absent): the first empty slot on
// the key's probe path, setting the key's overflow bit in every full group
// it passes, which is what (I2) asks.
void index_insert(Group* groups, std::uint32_t log2, Key key, std::uint32_t ordinal) noexcept {
    const std::uint64_t h = index_hash(key);
    probe(groups, log2, h, [&](Group& group, std::uint32_t g) {
        if (const std::uint32_t empty = match_tag(group, kEmptyTag)) {
            const auto slot = static_cast<std::uint32_t>(std::countr_zero(empty));
            group.tags[slot] = tag_of(h);
            ordinals_of(groups, g)[slot] = ordinal;
            return true;
        }
        group.overflow |= overflow_bit(h);
        return false;
    });
}

std::uint64_t capacity_of(std::uint32_t log2_groups) noexcept {
    return (std::uint64_t{kSlotsPerGroup} << log2_groups) * 7 / 8;  // at most 7/8 full
}

// A new index of 2^log2 groups over the entries of `old` (a header whose
// pages and counters are copied); nullptr if out of memory.
BigHeader* build_index(const BigHeader& old, std::uint32_t log2) noexcept {
    const std::size_t n = std::size_t{1} << log2;
    const std::size_t ordinal_bytes = n * kSlotsPerGroup * sizeof(std::uint32_t);
    void* block = allocate_aligned(64, ordinal_bytes + sizeof(BigHeader) + n * sizeof(Group));
    if (block == nullptr) return nullptr;
    std::memset(block, 0, ordinal_bytes + sizeof(BigHeader) + n * sizeof(Group));
    auto* big = reinterpret_cast<BigHeader*>(static_cast<std::byte*>(block) + ordinal_bytes);
    *big = old;
    big->log2_groups = log2;
    big->tombstones = 0;
    auto* groups = reinterpret_cast<Group*>(big + 1);
    for (std::uint32_t ordinal = 0; ordinal < big->fresh; ++ordinal) {
        const Entry* e = entry_of(big, ordinal);
        if (e->meta != kEmpty) index_insert(groups, log2, e->key, ordinal);
    }
    return big;
}

// Keeps (I4) for one more key: the rebuild policy of the essay in core.hpp
// (nothing, a doubling, or a same-size rebuild that drops stale overflow
// bits and tombstones).
bool reserve_index(mem_pool* mp) noexcept {
    BigHeader* big = big_of(mp);
    if (std::uint64_t{big->count} + big->tombstones + 1 <= capacity_of(big->log2_groups)) return true;
    std::uint32_t log2 = big->log2_groups;
    if (std::uint64_t{big->count} + 1 > capacity_of(log2) / 2) ++log2;
    if (log2 > kMaxLog2Groups) return false;
    BigHeader* grown = build_index(*big, log2);
    if (grown == nullptr) return false;
    deallocate(index_block_of(big));
    mp->ext = encode_big(reinterpret_cast<Group*>(grown + 1), log2);
    return true;
}

// Small pool full: build the index over its 8 entries.
bool go_big(mem_pool* mp) noexcept {
    Ext* ext = small_ext(mp);
    auto* page4 = static_cast<Entry*>(allocate_zeroed(8 * sizeof(Entry)));
    if (page4 == nullptr) return false;
    BigHeader header{};
    header.ext = ext;
    set_page(&header, 0, &mp->first);
    set_page(&header, 1, &ext->page0[0]);
    set_page(&header, 2, &ext->page0[1]);
    set_page(&header, 3, ext->page1);
    set_page(&header, 4, page4);
    header.fresh = kSmallCapacity;
    for (std::uint32_t ordinal = kSmallCapacity; ordinal-- > 0;) {
        Entry* e = entry_of(&header, ordinal);
        if (e->meta != kEmpty) {
            ++header.count;
        } else {
            // A free entry keeps its ordinal in `key`.
            *e = Entry{ordinal, kEmpty, reinterpret_cast<std::uintptr_t>(header.free_head)};
            header.free_head = e;
        }
    }
    BigHeader* big = build_index(header, kMinLog2Groups);
    if (big == nullptr) {
        // Free entries of a small pool have key 0.
        for (Entry* e = header.free_head; e != nullptr;) {
            Entry* next = reinterpret_cast<Entry*>(e->payload);
            *e = Entry{0, kEmpty, 0};
            e = next;
        }
        deallocate(page4);
        return false;
    }
    mp->ext = encode_big(reinterpret_cast<Group*>(big + 1), kMinLog2Groups);
    return true;
}

Entry* claim_big(mem_pool* mp, Key key) noexcept {
    if (!reserve_index(mp)) return nullptr;
    BigHeader* big = big_of(mp);
    Entry* e;
    std::uint32_t ordinal;
    if (big->free_head != nullptr) {
        e = big->free_head;
        ordinal = e->key;
        big->free_head = reinterpret_cast<Entry*>(e->payload);
    } else {
        ordinal = big->fresh;
        if (ordinal == kNoOrdinal - 1) return nullptr;
        const int page = std::bit_width(ordinal);
        if (page_of(big, page) == nullptr) {
            auto* entries = static_cast<Entry*>(allocate_zeroed((std::size_t{1} << (page - 1)) * sizeof(Entry)));
            if (entries == nullptr) return nullptr;
            set_page(big, page, entries);
        }
        ++big->fresh;
        e = entry_of(big, ordinal);
    }
    *e = Entry{key, kEmpty, 0};
    index_insert(groups_of(mp->ext), big->log2_groups, key, ordinal);
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

}  // namespace

// ---- lifetime ------------------------------------------------------------

mem_pool* pool_create() noexcept { return static_cast<mem_pool*>(allocate_zeroed(sizeof(mem_pool))); }

void pool_destroy(mem_pool* mp) noexcept {
    if (mp == nullptr) return;
    for (std::uint32_t ordinal = 0; Entry* e = entry_at(mp, ordinal); ++ordinal)
        if (e->meta != kEmpty) release_payload(e);
    Ext* ext = small_ext(mp);
    if (is_big(mp)) {
        BigHeader* big = big_of(mp);
        for (int page = 4; page <= 32; ++page) deallocate(page_of(big, page));
        ext = big->ext;
        deallocate(index_block_of(big));
    }
    if (ext != nullptr) {
        deallocate(ext->page1);
        deallocate(ext);
    }
    deallocate(mp);
}

// ---- lookup --------------------------------------------------------------

Entry* entry_at(const mem_pool* mp, std::uint32_t ordinal) noexcept {
    if (mp == nullptr) return nullptr;
    if (ordinal == 0) return const_cast<Entry*>(&mp->first);
    if (is_big(mp)) {
        const BigHeader* big = big_of(mp);
        return ordinal < big->fresh ? entry_of(big, ordinal) : nullptr;
    }
    Ext* ext = small_ext(mp);
    if (ext == nullptr) return nullptr;
    if (ordinal < 4) return &ext->page0[ordinal - 1];
    if (ordinal < kSmallCapacity && ext->page1 != nullptr) return &ext->page1[ordinal - 4];
    return nullptr;
}

std::size_t live_count(const mem_pool* mp) noexcept {
    if (mp == nullptr) return 0;
    if (is_big(mp)) return big_of(mp)->count;
    std::size_t n = 0;
    for (std::uint32_t ordinal = 0; const Entry* e = entry_at(mp, ordinal); ++ordinal)
        n += e->meta != kEmpty ? 1 : 0;
    return n;
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
    if (!is_big(mp)) {
        Entry* e = find_small(mp, key);
        if (e == nullptr) return false;
        release_payload(e);
        *e = Entry{0, kEmpty, 0};
        return true;
    }
    const SlotRef ref = find_slot(mp->ext, key);
    if (ref.group == nullptr) return false;
    BigHeader* big = big_of(mp);
    Entry* e = ref.entry;
    const std::uint32_t ordinal = ref.ordinal;
    // Probes that went past this group still do (its overflow bits stay):
    // count the removal as a tombstone towards a rebuild that drops them.
    ref.group->tags[ref.slot] = kEmptyTag;
    if (ref.group->overflow != 0) ++big->tombstones;
    release_payload(e);
    *e = Entry{ordinal, kEmpty, reinterpret_cast<std::uintptr_t>(big->free_head)};  // (I3): keeps its ordinal
    big->free_head = e;
    --big->count;
    return true;
}

}  // namespace mempool::detail
