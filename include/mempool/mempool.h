/* mempool/mempool.h: the Memory Pool's C API, as documented by the
 * specification (memory_pool.rst), with the behaviour settled by docs/semantics.md.
 *
 * A memory pool maps 32-bit keys to one entry each. An entry is, for the
 * whole of its life, one of three kinds:
 *   - a value:     a copy of the caller's bytes      (add_single_mempool)
 *   - a reference: the caller's pointer, not copied  (add_raw_ptr_mempool)
 *   - a list:      copies of fixed-size elements     (add_lst_mempool)
 * A cleanup given with an entry runs exactly once per datum: when its key is
 * removed, when the pool is deleted, or when set_single_mempool replaces it;
 * never after a failed call.
 *
 *   #include <mempool/mempool.h>
 *
 *   mem_pool *mp = new_mempool();
 *   uint32_t hops = 3;
 *   if (add_single_mempool(mp, 12, NULL, sizeof hops, &hops) != 0) { ... }
 *   uint64_t v = get_mempool_u64(mp, 12);          // 3
 *   uint64_t next = v + 1;
 *   set_single_mempool(mp, 12, NULL, sizeof next, &next);  // overwrite
 *   delete_mempool(mp);
 *
 * Pointers returned by get_mempool_ptr and by the iterators stay valid until
 * their key is removed or the pool deleted, whatever else is added or
 * removed meanwhile.
 *
 * Threads: a pool is not synchronised. Use each pool (and its iterators) from
 * one thread at a time. Distinct pools may be used from distinct threads.
 *
 * Iterators must be destroyed before the pool they walk is deleted. Changing
 * the pool while an iterator is open is allowed: the iterator carries on over
 * what is still there, and never reads freed memory.
 *
 * Cleanups must not call back into the pool whose entry they clean.
 * At most 4095 distinct cleanup functions can be used in one process; an
 * add with a 4096th fails with -1.
 */
#ifndef MEMPOOL_MEMPOOL_H
#define MEMPOOL_MEMPOOL_H

#include <stdint.h>

#include "mempool/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mem_pool mem_pool;
typedef struct mempool_iterator mempool_iterator;
struct lst_mempool_iterator;
typedef struct lst_mempool_iterator lst_mempool_iterator;

/* Creates an empty pool (24 bytes on the heap).
 * Returns NULL if memory is exhausted. */
MEMPOOL_API struct mem_pool *new_mempool(void) MEMPOOL_NOEXCEPT;

/* Appends a copy of the `length` bytes at `val` to the list held by key
 * `type`, creating the list if the key is absent. The element size and the
 * cleanup of a list are fixed by its first element.
 * Returns 0 on success, and -1, changing nothing, when: `mp` or `val` is NULL,
 * `length` is 0, the key holds a value or a reference, `length` differs from
 * the list's element size, `cleanup` differs from the list's cleanup, or
 * memory is exhausted. */
MEMPOOL_API int add_lst_mempool(struct mem_pool *mp, uint32_t type, void (*cleanup)(void *),
                                uint32_t length, void *val) MEMPOOL_NOEXCEPT;

/* Stores a copy of the `length` bytes at `val` under key `type`.
 * `cleanup`, if not NULL, is called with a pointer to the pool's copy just
 * before that copy is freed.
 * Returns 0 on success, and -1, changing nothing, when: `mp` or `val` is NULL,
 * `length` is 0, the key already exists (whatever its kind), or memory is
 * exhausted. */
MEMPOOL_API int add_single_mempool(struct mem_pool *mp, uint32_t type, void (*cleanup)(void *),
                                   uint32_t length, void *val) MEMPOOL_NOEXCEPT;

/* Creates or overwrites the value held by key `type` with a copy of the
 * `length` bytes at `val` (the in-place update the specification's plugin
 * example needs). When replacing, the old copy's cleanup runs first. An
 * overwrite with the same length does not allocate and keeps the address
 * that get_mempool_ptr returned.
 * Returns 0 on success, and -1, changing nothing, when: `mp` or `val` is NULL,
 * `length` is 0, the key holds a reference or a list, or memory is exhausted. */
MEMPOOL_API int set_single_mempool(struct mem_pool *mp, uint32_t type, void (*cleanup)(void *),
                                   uint32_t length, void *val) MEMPOOL_NOEXCEPT;

/* Stores the pointer `val` itself (not a copy) under key `type`; `cleanup`,
 * if not NULL, is called with `val` when the key is removed. The pointee must
 * outlive the entry.
 * Returns 0 on success, and -1, changing nothing, when: `mp` or `val` is NULL,
 * the key already exists, or memory is exhausted. */
MEMPOOL_API int add_raw_ptr_mempool(struct mem_pool *mp, uint32_t type, void (*cleanup)(void *),
                                    void *val) MEMPOOL_NOEXCEPT;

/* Runs the cleanups of the key's data and removes the key.
 * A missing key, or `mp` NULL, is a no-op. */
MEMPOOL_API void remove_mempool(struct mem_pool *mp, uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns the value held by key `type` if it is at most 8 bytes long, read
 * as a little-endian unsigned integer and zero-extended.
 * Returns 0 when: `mp` is NULL, the key is missing, the value is longer than
 * 8 bytes, or the key holds a reference or a list. (A stored 0 also reads 0;
 * the C++ API tells these apart.) */
MEMPOOL_API uint64_t get_mempool_u64(struct mem_pool *mp, uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns a pointer to the pool's copy of a value (any length), or the
 * stored pointer of a reference.
 * Returns NULL when: `mp` is NULL, the key is missing, or it holds a list. */
MEMPOOL_API void *get_mempool_ptr(struct mem_pool *mp, uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns the length in bytes of the value held by key `type`, or the
 * element size of the list held by it (the length get_mempool_ptr's bytes
 * or get_lst_mempool_elem's element have).
 * Returns 0 when: `mp` is NULL, the key is missing, or it holds a
 * reference. */
MEMPOOL_API uint32_t get_mempool_len(struct mem_pool *mp, uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns the number of elements of the list held by key `type` (removed
 * elements not counted).
 * Returns 0 when: `mp` is NULL, the key is missing, or it is not a list. */
MEMPOOL_API uint64_t get_lst_mempool_count(struct mem_pool *mp, uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns element `index` (0-based, in insertion order, removed elements not
 * counted) of the list held by key `type`, in constant time while no element
 * of that list has been removed (afterwards, in time proportional to its
 * chunks). The element is get_mempool_len(mp, type) bytes long.
 * Returns NULL when: `mp` is NULL, the key is missing or not a list, or
 * `index` is not below get_lst_mempool_count(mp, type). */
MEMPOOL_API void *get_lst_mempool_elem(struct mem_pool *mp, uint32_t type,
                                       uint64_t index) MEMPOOL_NOEXCEPT;

/* Runs every cleanup once and frees the pool and all it holds.
 * NULL is a no-op. */
MEMPOOL_API void delete_mempool(struct mem_pool *mp) MEMPOOL_NOEXCEPT;

/* Creates an iterator over every datum of the pool: each value's copy, each
 * reference's pointer, and each element of each list. The order is
 * unspecified but the same for the same sequence of calls.
 * Returns NULL when `mp` is NULL or memory is exhausted. */
MEMPOOL_API mempool_iterator *new_mempool_iterator(struct mem_pool *mp) MEMPOOL_NOEXCEPT;

/* Returns the next datum and moves past it.
 * Returns NULL when: `it` is NULL, or no datum is left. */
MEMPOOL_API void *next_mempool_iterator(mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Returns 1 if next_mempool_iterator would return a datum, 0 otherwise
 * (also for `it` NULL). */
MEMPOOL_API int hasnext_mempool_iterator(mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Frees the iterator, and nothing else. NULL is a no-op. */
MEMPOOL_API void delete_mempool_iterator(mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Creates an iterator over the list held by key `type`, standing on its
 * first element.
 * Returns NULL when: `mp` is NULL, the key is missing or not a list, or
 * memory is exhausted. */
MEMPOOL_API struct lst_mempool_iterator *new_lst_iterator_mempool(struct mem_pool *mp,
                                                                  uint32_t type) MEMPOOL_NOEXCEPT;

/* Returns the element the iterator stands on, without moving.
 * Returns NULL when: `it` is NULL, it is past the end, or the list was
 * removed. */
MEMPOOL_API void *get_lst_mempool_iterator(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Returns the element the iterator stands on and moves one step, so
 * `while ((v = next_lst_mempool_iterator(it)) != NULL)` visits the list in
 * insertion order.
 * Returns NULL when: `it` is NULL, it is past the end, or the list was
 * removed. */
MEMPOOL_API void *next_lst_mempool_iterator(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* An addition to the specification, for long lists: returns the element the
 * iterator stands on and sets `*count` to the number of elements, that one
 * included, that lie one after the other from it, each
 * get_mempool_len(mp, type) bytes after the previous; the iterator moves
 * past all of them. So a loop walks a list a run at a time with no call per
 * element:
 *
 *   uint64_t n;
 *   for (char *run; (run = next_run_lst_mempool_iterator(it, &n)) != NULL;)
 *       for (uint64_t i = 0; i < n; i++) use(run + i * element_size);
 *
 * The elements of a run stay valid like any element pointer: until their
 * key is removed or the pool deleted. An element removed after the run was
 * returned is still in the run (its cleanup has run).
 * Returns NULL and sets `*count` to 0 when: `it` is NULL, it is past the
 * end, or the list was removed; returns NULL when `count` is NULL. */
MEMPOOL_API void *next_run_lst_mempool_iterator(struct lst_mempool_iterator *it,
                                                uint64_t *count) MEMPOOL_NOEXCEPT;

/* Returns 1 while the iterator stands on an element, 0 otherwise (also for
 * `it` NULL). */
MEMPOOL_API int hasnext_lst_mempool_iterator(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Removes the element the iterator stands on, running its cleanup, and
 * moves to the next one. Other elements keep their addresses.
 * Returns 0 on success, -1 when: `it` is NULL, it is past the end, or the
 * list was removed. */
MEMPOOL_API int remove_lst_mempool_iterator(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* Frees the list iterator, and nothing else. NULL is a no-op. */
MEMPOOL_API void destroy_lst_mempool_iterator(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT;

/* next_lst_mempool_iterator's common case, inline, as stdio's getc is over
 * FILE's buffer: a call per element costs more than the step itself (a
 * store-to-load chain through the iterator), so the step is taken in the
 * caller while the iterator's window is open, and the function is called
 * only to open it (a new chunk) or when some list, anywhere, lost an element
 * or was destroyed since (mempool_list_changes_). The function itself stays
 * exported: `(next_lst_mempool_iterator)(it)` and its address are the call.
 * Not part of the API: the window is the first member of every list
 * iterator, and its layout goes with the library's version. Define
 * MEMPOOL_NO_INLINE_ITERATOR before including this header to call always. */
#if defined(__GNUC__) || defined(__clang__)
struct mempool_lst_window_ {
    unsigned char *next; /* the element to hand out; NULL while closed */
    unsigned char *end;  /* past the window's last element */
    uint64_t changes;    /* mempool_list_changes_ when the window opened */
    uint64_t step;       /* the element size */
};
/* Counts, process-wide, list destructions and element removals (appends
 * do not count). Read with a relaxed atomic load; written by the library
 * alone. */
MEMPOOL_API extern uint64_t mempool_list_changes_;

#ifdef __cplusplus /* clean under C++ consumers' -Wold-style-cast and -Wzero-as-null-pointer-constant */
#define MEMPOOL_WINDOW_OF_(it) static_cast<struct mempool_lst_window_ *>(static_cast<void *>(it))
#define MEMPOOL_NULL_ nullptr
#else
#define MEMPOOL_WINDOW_OF_(it) ((struct mempool_lst_window_ *)(void *)(it))
#define MEMPOOL_NULL_ ((void *)0)
#endif

/* Takes the window's next element into `*element`, moving past it: 1, or 0
 * when the window is closed or may hold a removed element. */
static inline int mempool_lst_window_take_(struct lst_mempool_iterator *it, void **element) MEMPOOL_NOEXCEPT {
    struct mempool_lst_window_ *w = MEMPOOL_WINDOW_OF_(it);
    unsigned char *next = w->next;
    if (next == w->end || w->changes != __atomic_load_n(&mempool_list_changes_, __ATOMIC_RELAXED)) return 0;
    w->next = next + w->step;
    *element = next;
    return 1;
}

#ifndef MEMPOOL_NO_INLINE_ITERATOR
static inline void *mempool_next_lst_inline_(struct lst_mempool_iterator *it) MEMPOOL_NOEXCEPT {
    void *element;
    if (it != MEMPOOL_NULL_ && mempool_lst_window_take_(it, &element)) return element;
    return (next_lst_mempool_iterator)(it);
}
#define next_lst_mempool_iterator(it) mempool_next_lst_inline_(it)
#endif
#undef MEMPOOL_WINDOW_OF_
#undef MEMPOOL_NULL_
#endif

#ifdef __cplusplus
}
#endif

#endif /* MEMPOOL_MEMPOOL_H */
