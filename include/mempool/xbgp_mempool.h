/* mempool/xbgp_mempool.h: the Memory Pool API of libxbgp's current version
 * (its ubpf_mempool_hdr.h), for C hosts written against it, over mempool's
 * own pool (mempool.h, which this header includes).
 *
 * libxbgp changed its Memory Pool API after the specification: one add
 * function with a `raw` switch, where every key holds a list, and one getter
 * that returns the first element with its length. This header gives a host
 * those functions with their names and signatures; the rest of that API
 * (new_mempool, remove_mempool, delete_mempool, new_mempool_iterator,
 * next_mempool_iterator, delete_mempool_iterator) is mempool.h's own, with
 * the same names and signatures.
 *
 *     #include <mempool/xbgp_mempool.h>
 *
 *     mem_pool *mp = new_mempool();
 *     for (int i = 1; i <= 3; i++)
 *         add_mempool(mp, 7, NULL, sizeof i, &i, 0);      // key 7: [1, 2, 3]
 *     struct mempool_data first;
 *     if (get_mempool_data(mp, 7, &first) == 0)           // length 4, *data 1
 *         printf("%d\n", *(int *)first.data);
 *     char *name = strdup("peer A");
 *     add_mempool(mp, 8, free, sizeof(uintptr_t), name, 1);  // the pointer itself
 *     delete_mempool(mp);                                 // frees name
 *
 * How it maps onto mempool, and where it differs from libxbgp's code:
 *   - A copied datum (raw 0) is appended to the key's list (add_lst_mempool).
 *     All elements of a key have the length and the cleanup of its first
 *     one; libxbgp also accepts other lengths in one key, mempool refuses
 *     them (-1).
 *   - A raw datum (raw != 0, length sizeof(uintptr_t)) stores the pointer
 *     `val` itself, as a reference (add_raw_ptr_mempool): its cleanup gets
 *     that pointer, as in libxbgp. A key holds one raw pointer: adding a
 *     second one, or mixing raw and copied data in one key, returns -1.
 *   - new_mempool_iterator visits each list in insertion order (libxbgp does
 *     too) and the keys in an unspecified order. For a raw datum it returns
 *     the stored pointer; libxbgp returns the address of its copy of it. An
 *     empty pool gives an iterator with nothing to visit, where libxbgp
 *     returns NULL.
 *   - jhash_mempool hashes every datum with its key and does not depend on
 *     the order keys were added; libxbgp hashes the first datum of each key
 *     in the order the keys were added. A raw datum is hashed by its pointer
 *     value (libxbgp reads 8 bytes behind the pointer).
 *   - libxbgp's header types the argument of mempool_hasnext as
 *     `struct mem_pool_it *`; here `struct mem_pool_it` is another name for
 *     mempool.h's iterator, so code written either way compiles.
 *
 * Every function is safe to call with a NULL pool (it fails or does
 * nothing) and never throws.
 */
#ifndef MEMPOOL_XBGP_MEMPOOL_H
#define MEMPOOL_XBGP_MEMPOOL_H

#include <stdint.h>

#include "mempool/export.h"
#include "mempool/mempool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libxbgp's name for the pool iterator's struct (see above). */
#define mem_pool_it mempool_iterator

/* A datum as get_mempool_data returns it. */
struct mempool_data {
  int length; /* bytes at data; sizeof(uintptr_t) for a raw datum */
  void *data; /* the pool's copy, or the stored pointer of a raw datum */
};

/* Adds a datum to the list of key `type`, creating the key if absent.
 * raw == 0: appends a copy of the `length` bytes at `val`; `cleanup`, if not
 *           NULL, is called with a pointer to that copy before it is freed.
 * raw != 0: `length` must be sizeof(uintptr_t); stores the pointer `val`
 *           itself, and `cleanup`, if not NULL, is called with `val` when the
 *           key is removed or the pool deleted.
 * Returns 0 on success, and -1, changing nothing, when: `mp` or `val` is NULL,
 * `length` is 0, raw with a length other than sizeof(uintptr_t), raw on a key
 * that exists, a copy on a key holding a raw pointer or a value of
 * mempool.h's, a length or cleanup other than those of the key's first
 * element, or memory is exhausted. */
MEMPOOL_API int add_mempool(struct mem_pool *mp, uint32_t type, void (*cleanup)(void *),
                            uint32_t length, void *val, int raw) MEMPOOL_NOEXCEPT;

/* Fills `data` with the first datum of key `type` and its length: the first
 * element of a list, the pointer of a raw datum (length sizeof(uintptr_t)),
 * or a value stored through mempool.h. The datum stays the pool's.
 * Returns 0 on success, and -1, leaving `data` untouched, when: `mp` or
 * `data` is NULL, the key is missing, or its list has no element left. */
MEMPOOL_API int get_mempool_data(struct mem_pool *mp, uint32_t type,
                                 struct mempool_data *data) MEMPOOL_NOEXCEPT;

/* A 32-bit hash of the pool's contents (Bob Jenkins' lookup3 hash, as the
 * Linux kernel's jhash() computes it, over each datum seeded with its key,
 * the keys' hashes summed): pools holding the same keys with the same data
 * hash alike, whatever order the keys were added in. Returns 0 for a NULL or
 * empty pool. */
MEMPOOL_API uint32_t jhash_mempool(struct mem_pool *mp) MEMPOOL_NOEXCEPT;

/* Returns 1 if next_mempool_iterator would return a datum, 0 otherwise (also
 * for `it` NULL): hasnext_mempool_iterator under libxbgp's name. */
MEMPOOL_API int mempool_hasnext(mempool_iterator *it) MEMPOOL_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MEMPOOL_XBGP_MEMPOOL_H */
