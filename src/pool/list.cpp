// Lists: chains of chunks that never move, so element pointers stay valid.
// Chunk capacity doubles from about 32 bytes up to 64 KiB, which keeps tiny
// lists small and long lists within a few bytes of their payload.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "core.hpp"

namespace mempool::detail {
namespace {
constexpr std::uint32_t kFirstChunkBytes = 32;
constexpr std::uint32_t kMaxChunkBytes = 64 * 1024;

std::atomic<std::uint64_t> g_next_list_id{1};

std::uint32_t chunk_capacity(const List& list) noexcept {
    const std::uint32_t size = list.element_size;
    if (list.tail == nullptr) return std::max<std::uint32_t>(1, kFirstChunkBytes / size);
    const std::uint32_t limit = std::max<std::uint32_t>(1, kMaxChunkBytes / size);
    return std::min(limit, list.tail->capacity * 2);
}

std::byte* element(ListChunk* chunk, std::uint32_t index, std::uint32_t size) noexcept {
    return chunk->data() + std::size_t{index} * size;
}
}  // namespace

List* list_create(std::uint32_t element_size) noexcept {
    auto* list = static_cast<List*>(allocate(sizeof(List)));
    if (list == nullptr) return nullptr;
    *list = List{element_size, 0, nullptr, nullptr,
                 g_next_list_id.fetch_add(1, std::memory_order_relaxed)};
    return list;
}

bool list_append(List* list, const void* bytes) noexcept {
    if (list->live == UINT32_MAX) return false;
    ListChunk* tail = list->tail;
    if (tail == nullptr || tail->used == tail->capacity) {
        const std::uint32_t capacity = chunk_capacity(*list);
        auto* chunk = static_cast<ListChunk*>(
            allocate(sizeof(ListChunk) + std::size_t{capacity} * list->element_size));
        if (chunk == nullptr) return false;
        *chunk = ListChunk{nullptr, nullptr, 0, capacity, 0};
        (tail != nullptr ? tail->next : list->head) = chunk;
        list->tail = tail = chunk;
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
    if (cleanup != nullptr) cleanup(element(chunk, index, list->element_size));
    chunk->dead[index / 64] |= std::uint64_t{1} << (index % 64);
    --list->live;
    return true;
}

}  // namespace mempool::detail
