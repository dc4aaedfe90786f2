// The C iterators. They hold positions (an entry's ordinal, a list chunk and
// index) and re-check them on every call against the list's unique id, so a
// pool changed under an open iterator is walked on correctly or ended, never
// read after free. Entries never move while their pool lives, which is what
// makes keeping an Entry* here safe.
#include <cstring>
#include <new>

#include "mempool/mempool.h"
#include "mempool/pool.hpp"

#include "../pool/core.hpp"

namespace detail = mempool::detail;

namespace {

// A position inside the list held by an entry, valid while that entry still
// holds the same list.
struct ListCursor {
    detail::List* list = nullptr;
    std::uint64_t list_id = 0;
    detail::ListChunk* chunk = nullptr;
    std::uint32_t index = 0;

    // Points the cursor at `e`'s list; false if `e` holds no list. A list
    // replaced under the cursor is walked from its start.
    bool follow(const detail::Entry* e) noexcept {
        if (e == nullptr || detail::kind_of(e->meta) != detail::kList) return false;
        auto* current = reinterpret_cast<detail::List*>(e->payload);
        if (current != list || current->id != list_id) {
            list = current;
            list_id = current->id;
            chunk = nullptr;
            index = 0;
        }
        if (chunk == nullptr) chunk = list->head;  // the list was empty when last seen
        return true;
    }
    [[nodiscard]] void* element() const noexcept {
        return chunk->data() + std::size_t{index} * list->element_size;
    }
};

template <class T, class... Args>
T* make(Args&&... args) noexcept {
    void* memory = detail::allocate(sizeof(T));
    return memory != nullptr ? new (memory) T{std::forward<Args>(args)...} : nullptr;
}

template <class T>
void destroy(T* p) noexcept {
    if (p == nullptr) return;
    p->~T();
    detail::deallocate(p);
}

}  // namespace

struct mempool_iterator {
    mem_pool* pool;
    std::uint32_t ordinal;  // entry it stands on, kNoOrdinal at the end
    ListCursor cursor;      // within that entry, when it is a list

    // Moves to the next datum at or after the current position.
    void* settle() noexcept {
        while (ordinal != detail::kNoOrdinal) {
            detail::Entry* e = detail::entry_at(pool, ordinal);
            if (e == nullptr) {
                ordinal = detail::kNoOrdinal;
                break;
            }
            if (e->meta != detail::kEmpty) {
                if (!cursor.follow(e)) {
                    cursor = ListCursor{};
                    return detail::kind_of(e->meta) == detail::kValue
                               ? static_cast<void*>(detail::value_bytes(e).data())
                               : reinterpret_cast<void*>(e->payload);
                }
                if (detail::list_settle(cursor.chunk, cursor.index)) return cursor.element();
            }
            ordinal = detail::next_live(pool, ordinal + 1);
            cursor = ListCursor{};
        }
        return nullptr;
    }
    void step() noexcept {
        if (cursor.list != nullptr) {
            ++cursor.index;
        } else {
            ordinal = detail::next_live(pool, ordinal + 1);
        }
    }
};

struct lst_mempool_iterator {
    // next_lst_mempool_iterator's fast path, first so that mempool.h's
    // inline step finds it (mempool_lst_window_take_): the rest of the
    // current chunk as it was when last settled, [next, end), `step` bytes
    // apart, walked while no list anywhere was destroyed and no element
    // removed since (detail::list_epoch() still reads `changes`): then this
    // list and its chunk are alive and hold no removed element in the
    // range. Appends made meanwhile are picked up when the range runs out.
    // While the window is open, `next` is the position and cursor.index is
    // stale (sync()).
    mempool_lst_window_ window{};
    mem_pool* pool;
    detail::Entry* entry;  // stable while the pool lives
    mempool::Key key;
    ListCursor cursor;

    lst_mempool_iterator(mem_pool* mp, detail::Entry* e, mempool::Key k) noexcept : pool(mp), entry(e), key(k) {}

    // Brings cursor.index up to the window's position and closes it.
    // Pointer arithmetic only: the chunk is not read, since it may be gone.
    void sync() noexcept {
        if (window.next == nullptr) return;
        const auto data = reinterpret_cast<std::uintptr_t>(cursor.chunk + 1);
        cursor.index = static_cast<std::uint32_t>((reinterpret_cast<std::uintptr_t>(window.next) - data) / window.step);
        window.next = window.end = nullptr;
    }

    // The element it stands on, or nullptr at the end or if the list is gone.
    void* settle() noexcept {
        sync();
        if (detail::kind_of(entry->meta) != detail::kList || entry->key != key) return nullptr;
        auto* current = reinterpret_cast<detail::List*>(entry->payload);
        if (current != cursor.list || current->id != cursor.list_id) return nullptr;  // replaced
        if (cursor.chunk == nullptr) cursor.chunk = current->head;
        if (!detail::list_settle(cursor.chunk, cursor.index)) return nullptr;
        void* element = cursor.element();
        if (cursor.chunk->dead == nullptr) {
            window.changes = detail::list_epoch();
            window.step = current->element_size;
            window.next = static_cast<unsigned char*>(element);
            window.end = reinterpret_cast<unsigned char*>(cursor.chunk->data()) +
                         std::size_t{cursor.chunk->used} * current->element_size;
        }
        return element;
    }

    // The live elements from the one it stands on that lie one after the
    // other in its chunk: their number, and the iterator moved past them.
    std::uint64_t take_run() noexcept {
        const detail::ListChunk* chunk = cursor.chunk;
        std::uint32_t last = cursor.index + 1;
        if (chunk->dead == nullptr) {
            last = chunk->used;
        } else {
            while (last < chunk->used && !chunk->is_dead(last)) ++last;
        }
        const std::uint64_t count = last - cursor.index;
        cursor.index = last;
        window.next = window.end = nullptr;
        return count;
    }
};

extern "C" {

mempool_iterator* new_mempool_iterator(mem_pool* mp) noexcept {
    if (mp == nullptr) return nullptr;
    return make<mempool_iterator>(mp, detail::next_live(mp, 0), ListCursor{});
}

int hasnext_mempool_iterator(mempool_iterator* it) noexcept {
    return it != nullptr && it->settle() != nullptr ? 1 : 0;
}

void* next_mempool_iterator(mempool_iterator* it) noexcept {
    if (it == nullptr) return nullptr;
    void* datum = it->settle();
    if (datum != nullptr) it->step();
    return datum;
}

void delete_mempool_iterator(mempool_iterator* it) noexcept { destroy(it); }

lst_mempool_iterator* new_lst_iterator_mempool(mem_pool* mp, uint32_t type) noexcept {
    if (mp == nullptr) return nullptr;
    detail::Entry* e = detail::find(mp, type);
    if (e == nullptr || detail::kind_of(e->meta) != detail::kList) return nullptr;
    lst_mempool_iterator* it = make<lst_mempool_iterator>(mp, e, type);
    if (it != nullptr) (void)it->cursor.follow(e);
    return it;
}

void* get_lst_mempool_iterator(lst_mempool_iterator* it) noexcept {
    return it != nullptr ? it->settle() : nullptr;
}

// Parenthesised: mempool.h makes the name a macro for its inline step.
void* (next_lst_mempool_iterator)(lst_mempool_iterator* it) noexcept {
    // The window's step first, for callers that call for every element
    // (the address taken, MEMPOOL_NO_INLINE_ITERATOR); everything else
    // settles first.
    if (it == nullptr) return nullptr;
    if (void* element; mempool_lst_window_take_(it, &element)) return element;
    void* element = it->settle();
    if (element != nullptr) {
        if (it->window.next != nullptr) {
            it->window.next += it->window.step;  // settle opened the window at `element`
        } else {
            ++it->cursor.index;
        }
    }
    return element;
}

void* next_run_lst_mempool_iterator(lst_mempool_iterator* it, uint64_t* count) noexcept {
    if (count != nullptr) *count = 0;
    if (count == nullptr || get_lst_mempool_iterator(it) == nullptr) return nullptr;
    void* first = it->cursor.element();
    *count = it->take_run();
    return first;
}

int hasnext_lst_mempool_iterator(lst_mempool_iterator* it) noexcept {
    return get_lst_mempool_iterator(it) != nullptr ? 1 : 0;
}

int remove_lst_mempool_iterator(lst_mempool_iterator* it) noexcept {
    if (get_lst_mempool_iterator(it) == nullptr) return -1;
    const mempool::Cleanup cleanup = detail::cleanup_fn(detail::cleanup_id_of(it->entry->meta));
    it->sync();  // settle opened the range; the removal ends it
    if (!detail::list_remove_at(it->cursor.list, it->cursor.chunk, it->cursor.index, cleanup)) return -1;
    ++it->cursor.index;
    return 0;
}

void destroy_lst_mempool_iterator(lst_mempool_iterator* it) noexcept { destroy(it); }

}  // extern "C"
