// Lists: chains of chunks that never move, so element pointers stay valid.
// Chunk capacity doubles from about 32 bytes up to 64 KiB, which keeps tiny
// lists small and long lists within a few bytes of their payload. Because the
// capacities depend on the element size only, element i's chunk and offset
// are arithmetic, and a table of chunk pointers (allocated with the third
// chunk) turns them into an address: `list_element` is constant time while
// the list has no removed elements.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include "core.hpp"

// mempool.h declares it (the inline list step reads it); see list_epoch() in core.hpp.
extern "C" {
MEMPOOL_API std::uint64_t mempool_list_changes_ = 0;
}

namespace mempool::detail {
namespace {
constexpr std::uint32_t kFirstChunkBytes = 32;
constexpr std::uint32_t kMaxChunkBytes = 64 * 1024;

std::atomic<std::uint64_t> g_next_list_id{1};

void count_list_change() noexcept {
    std::atomic_ref<std::uint64_t>(mempool_list_changes_).fetch_add(1, std::memory_order_relaxed);
}

// Chunk capacities follow from the element size alone: chunk k holds
// min(limit, first << k) elements. The first `doubling` chunks double; every
// later one holds `limit`.
struct Geometry {
    std::uint32_t first;
    std::uint32_t limit;
    std::uint32_t doubling;  // smallest m with first << m >= limit

    explicit Geometry(std::uint32_t element_size) noexcept
        : first(std::max<std::uint32_t>(1, kFirstChunkBytes / element_size)),
          limit(std::max<std::uint32_t>(1, kMaxChunkBytes / element_size)),
          doubling(static_cast<std::uint32_t>(std::bit_width((limit + first - 1) / first - 1))) {}

    [[nodiscard]] std::uint32_t capacity(std::uint32_t chunk) const noexcept {
        return chunk < doubling ? first << chunk : limit;
    }
    // Slots in the chunks before chunk `chunk`.
    [[nodiscard]] std::uint64_t slots_before(std::uint32_t chunk) const noexcept {
        if (chunk <= doubling) return std::uint64_t{first} * ((std::uint64_t{1} << chunk) - 1);
        return slots_before(doubling) + std::uint64_t{chunk - doubling} * limit;
    }
    // The chunk holding slot `slot`, and the slot's place in it.
    struct Place {
        std::uint32_t chunk;
        std::uint32_t offset;
    };
    [[nodiscard]] Place place(std::uint64_t slot) const noexcept {
        const std::uint64_t doubled = slots_before(doubling);
        if (slot < doubled) {
            // slots_before(k) = first * (2^k - 1) <= slot  <=>  2^k <= slot / first + 1
            const auto chunk = static_cast<std::uint32_t>(std::bit_width(slot / first + 1) - 1);
            return {chunk, static_cast<std::uint32_t>(slot - slots_before(chunk))};
        }
        const std::uint64_t beyond = slot - doubled;
        return {static_cast<std::uint32_t>(doubling + beyond / limit), static_cast<std::uint32_t>(beyond % limit)};
    }
};

std::byte* element(ListChunk* chunk, std::uint32_t index, std::uint32_t size) noexcept {
    return chunk->data() + std::size_t{index} * size;
}

// Chunk number `n` of `list` (n <= the tail's number).
ListChunk* chunk_number(const List& list, std::uint32_t n) noexcept {
    if (list.chunks != nullptr) return list.chunks[n];
    return n == 0 ? list.head : list.tail;  // at most two chunks
}

// Room in the chunk table for chunk number `n`, about to be added: the table
// starts at 4 entries with the third chunk and doubles when full.
bool reserve_chunk_table(List& list, std::uint32_t n) noexcept {
    const bool first_table = n == 2;
    const bool table_full = n >= 4 && std::has_single_bit(n);
    if (!first_table && !table_full) return true;
    const std::uint32_t capacity = n == 2 ? 4 : 2 * n;
    auto* table = static_cast<ListChunk**>(allocate(std::size_t{capacity} * sizeof(ListChunk*)));
    if (table == nullptr) return false;
    if (list.chunks != nullptr) {
        std::memcpy(table, list.chunks, std::size_t{n} * sizeof(ListChunk*));
        deallocate(list.chunks);
    } else {
        table[0] = list.head;
        table[1] = list.tail;
    }
    list.chunks = table;
    return true;
}

// The live element `index` when some were removed: a walk over the chunks.
std::byte* element_after_removals(const List& list, std::uint64_t index) noexcept {
    for (ListChunk* c = list.head; c != nullptr; c = c->next) {
        std::uint32_t live = c->used;
        if (c->dead != nullptr)
            for (std::uint32_t w = 0; w * 64 < c->used; ++w) {
                const std::uint32_t valid = std::min<std::uint32_t>(64, c->used - w * 64);
                const std::uint64_t mask = valid == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << valid) - 1;
                live -= static_cast<std::uint32_t>(std::popcount(c->dead[w] & mask));
            }
        if (index >= live) {
            index -= live;
            continue;
        }
        for (std::uint32_t i = 0;; ++i)
            if (!c->is_dead(i) && index-- == 0) return element(c, i, list.element_size);
    }
    return nullptr;
}
}  // namespace

List* list_create(std::uint32_t element_size) noexcept {
    auto* list = static_cast<List*>(allocate(sizeof(List)));
    if (list == nullptr) return nullptr;
    *list = List{element_size, 0, nullptr, nullptr,
                 g_next_list_id.fetch_add(1, std::memory_order_relaxed), nullptr};
    return list;
}

bool list_append(List* list, const void* bytes) noexcept {
    if (list->live == UINT32_MAX) return false;
    ListChunk* tail = list->tail;
    if (tail == nullptr || tail->used == tail->capacity) {
        const std::uint32_t number = tail == nullptr ? 0 : tail->number + 1;
        if (number == UINT32_MAX) return false;
        const std::uint32_t capacity = Geometry(list->element_size).capacity(number);
        auto* chunk = static_cast<ListChunk*>(
            allocate(sizeof(ListChunk) + std::size_t{capacity} * list->element_size));
        if (chunk == nullptr) return false;
        if (!reserve_chunk_table(*list, number)) {
            deallocate(chunk);
            return false;
        }
        *chunk = ListChunk{nullptr, nullptr, 0, capacity, number, 0};
        (tail != nullptr ? tail->next : list->head) = chunk;
        list->tail = tail = chunk;
        if (list->chunks != nullptr) list->chunks[number] = chunk;
    }
    std::byte* slot = element(tail, tail->used, list->element_size);
    switch (list->element_size) {  // constant sizes compile to plain moves
    case 4: std::memcpy(slot, bytes, 4); break;
    case 8: std::memcpy(slot, bytes, 8); break;
    case 16: std::memcpy(slot, bytes, 16); break;
    default: std::memcpy(slot, bytes, list->element_size); break;
    }
    ++tail->used;
    ++list->live;
    return true;
}

void list_destroy(List* list, Cleanup cleanup) noexcept {
    count_list_change();
    ListChunk* chunk = list->head;
    while (chunk != nullptr) {
        if (cleanup != nullptr)
            for (std::uint32_t i = 0; i < chunk->used; ++i)
                if (!chunk->is_dead(i)) cleanup(element(chunk, i, list->element_size));
        ListChunk* next = chunk->next;
        deallocate(chunk->dead);
        deallocate(chunk);
        chunk = next;
    }
    deallocate(list->chunks);
    deallocate(list);
}

bool list_settle(ListChunk*& chunk, std::uint32_t& index) noexcept {
    while (chunk != nullptr) {
        if (index < chunk->used) {
            if (!chunk->is_dead(index)) return true;
            ++index;
        } else if (chunk->next != nullptr) {
            chunk = chunk->next;
            index = 0;
        } else {
            return false;
        }
    }
    return false;
}

bool list_remove_at(List* list, ListChunk* chunk, std::uint32_t index, Cleanup cleanup) noexcept {
    if (chunk->dead == nullptr) {
        chunk->dead = static_cast<std::uint64_t*>(
            allocate_zeroed((std::size_t{chunk->capacity} + 63) / 64 * sizeof(std::uint64_t)));
        if (chunk->dead == nullptr) return false;
    }
    count_list_change();
    if (cleanup != nullptr) cleanup(element(chunk, index, list->element_size));
    chunk->dead[index / 64] |= std::uint64_t{1} << (index % 64);
    --list->live;
    return true;
}

std::byte* list_element(const List* list, std::size_t index) noexcept {
    if (list == nullptr || index >= list->live) return nullptr;
    const ListChunk* tail = list->tail;
    const Geometry geometry(list->element_size);
    if (geometry.slots_before(tail->number) + tail->used != list->live)
        return element_after_removals(*list, index);
    const Geometry::Place place = geometry.place(index);
    return element(chunk_number(*list, place.chunk), place.offset, list->element_size);
}

}  // namespace mempool::detail
