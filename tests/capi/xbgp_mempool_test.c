/* libxbgp's Memory Pool API (mempool/xbgp_mempool.h) from a C host.
 *
 * The first six cases are those of libxbgp's own mempool tests (a list of
 * ten ints walked in order, a 16-bit value, a struct copied in, a raw
 * pointer freed by its cleanup, a struct owning heap memory released by its
 * cleanup, ten keys walked with mempool_hasnext), restated here; the others
 * pin down what xbgp_mempool.h documents: the first element and its length,
 * the failures, the raw/copy rules, the hash, and the cleanups' counts.
 * Pure C11; prints "N passed, N failed" and exits non-zero on any failure.
 * Run it under valgrind too: the cleanup cases are leak checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mempool/xbgp_mempool.h"

#include "check.h"

enum { KEY_INTS = 1, KEY_RAW, KEY_U64, KEY_U16, KEY_TRIPLE };

struct triple {
    uint64_t first, second, third;
};

/* A record owning two heap blocks, released by its cleanup. */
struct owner {
    uint64_t id;
    uint64_t flags;
    uint64_t *counter;
    char *label;
};

static int owners_released;

static void release_owner(void *data) {
    struct owner *o = data;
    free(o->label);
    free(o->counter);
    ++owners_released;
}

static int raw_freed;

static void free_raw(void *pointer) {
    free(pointer);
    ++raw_freed;
}

/* libxbgp: ten ints appended to one key come back in insertion order. */
static void list_walked_in_order(void) {
    mem_pool *mp = new_mempool();
    CHECK(mp != NULL);
    for (int i = 1; i <= 10; i++) CHECK(add_mempool(mp, KEY_INTS, NULL, sizeof i, &i, 0) == 0);

    mempool_iterator *it = new_mempool_iterator(mp);
    CHECK(it != NULL);
    int expected = 1;
    int *value;
    while ((value = next_mempool_iterator(it)) != NULL) {
        CHECK(*value == expected);
        expected++;
    }
    CHECK(expected == 11);
    delete_mempool_iterator(it);
    delete_mempool(mp);
}

/* libxbgp: a 16-bit value is read back through get_mempool_data. */
static void u16_value(void) {
    mem_pool *mp = new_mempool();
    uint16_t port = 63311;
    CHECK(add_mempool(mp, KEY_U16, NULL, sizeof port, &port, 0) == 0);

    struct mempool_data data = {0, NULL};
    CHECK(get_mempool_data(mp, KEY_U16, &data) == 0);
    CHECK(data.data != NULL);
    CHECK(data.length == (int)sizeof port);
    CHECK(data.data != NULL && *(uint16_t *)data.data == 63311);
    delete_mempool(mp);
}

/* libxbgp: a struct is copied in; the pool's copy has every field. */
static void struct_copied(void) {
    mem_pool *mp = new_mempool();
    struct triple t = {4937063535816211458ull, 74391594270028887ull, 2836770417ull};
    CHECK(add_mempool(mp, KEY_TRIPLE, NULL, sizeof t, &t, 0) == 0);
    t.first = 0;  /* the pool holds a copy, not the caller's struct */

    struct mempool_data data = {0, NULL};
    CHECK(get_mempool_data(mp, KEY_TRIPLE, &data) == 0);
    const struct triple *copy = data.data;
    CHECK(copy != NULL && copy != &t);
    CHECK(copy != NULL && copy->first == 4937063535816211458ull);
    CHECK(copy != NULL && copy->second == 74391594270028887ull);
    CHECK(copy != NULL && copy->third == 2836770417ull);
    CHECK(data.length == (int)sizeof t);
    delete_mempool(mp);
}

/* libxbgp: a raw pointer is stored as is and freed by its cleanup. */
static void raw_pointer_owned(void) {
    mem_pool *mp = new_mempool();
    const char *text = "Bonjour le monde!";
    char *mine = malloc(strlen(text) + 1);
    CHECK(mine != NULL);
    if (mine == NULL) return;
    strcpy(mine, text);
    raw_freed = 0;
    CHECK(add_mempool(mp, KEY_RAW, free_raw, sizeof(uintptr_t), mine, 1) == 0);

    struct mempool_data data = {0, NULL};
    CHECK(get_mempool_data(mp, KEY_RAW, &data) == 0);
    CHECK(data.data == mine);  /* the pointer itself, not a copy */
    CHECK(data.length == (int)sizeof(uintptr_t));
    CHECK(data.data != NULL && strcmp(data.data, text) == 0);
    delete_mempool(mp);
    CHECK(raw_freed == 1);  /* valgrind: nothing leaked */
}

/* libxbgp: a copied struct owning heap memory is released by its cleanup
 * when the pool is deleted. */
static void cleanup_releases_owned_memory(void) {
    mem_pool *mp = new_mempool();
    struct owner o;
    memset(&o, 0, sizeof o);
    o.id = 461871689768ull;
    o.flags = UINT64_MAX;
    o.counter = malloc(sizeof *o.counter);
    o.label = malloc(13);
    CHECK(o.counter != NULL && o.label != NULL);
    if (o.counter == NULL || o.label == NULL) return;
    *o.counter = 6554;
    memcpy(o.label, "Hello World!", 13);
    owners_released = 0;
    CHECK(add_mempool(mp, KEY_TRIPLE, release_owner, sizeof o, &o, 0) == 0);

    struct mempool_data data = {0, NULL};
    CHECK(get_mempool_data(mp, KEY_TRIPLE, &data) == 0);
    const struct owner *copy = data.data;
    CHECK(copy != NULL && strcmp(copy->label, "Hello World!") == 0);
    CHECK(copy != NULL && *copy->counter == 6554);
    CHECK(copy != NULL && copy->id == 461871689768ull);
    CHECK(copy != NULL && copy->flags == UINT64_MAX);
    delete_mempool(mp);
    CHECK(owners_released == 1);
}

/* libxbgp: ten keys of one int each, walked with mempool_hasnext: each
 * datum is seen exactly once. */
static void whole_pool_walked(void) {
    mem_pool *mp = new_mempool();
    for (int i = 1; i <= 10; i++) CHECK(add_mempool(mp, (uint32_t)i, NULL, sizeof i, &i, 0) == 0);

    int seen[10] = {0};
    mempool_iterator *it = new_mempool_iterator(mp);
    CHECK(it != NULL);
    while (mempool_hasnext(it)) {
        int *value = next_mempool_iterator(it);
        CHECK(value != NULL);
        if (value == NULL) break;
        CHECK(*value >= 1 && *value <= 10);
        if (*value >= 1 && *value <= 10) seen[*value - 1]++;
    }
    CHECK(next_mempool_iterator(it) == NULL);
    for (int i = 0; i < 10; i++) CHECK(seen[i] == 1);
    delete_mempool_iterator(it);
    delete_mempool(mp);
}

/* get_mempool_data gives the first element of a list, with its length, and
 * leaves `data` alone when it fails. */
static void first_element_and_failures(void) {
    mem_pool *mp = new_mempool();
    uint64_t values[3] = {30, 10, 20};
    for (int i = 0; i < 3; i++) CHECK(add_mempool(mp, KEY_U64, NULL, sizeof values[i], &values[i], 0) == 0);

    struct mempool_data data = {0, NULL};
    CHECK(get_mempool_data(mp, KEY_U64, &data) == 0);
    CHECK(data.length == 8 && data.data != NULL && *(uint64_t *)data.data == 30);
    CHECK(get_lst_mempool_count(mp, KEY_U64) == 3);

    struct mempool_data untouched = {-7, &untouched};
    CHECK(get_mempool_data(mp, 999, &untouched) == -1);
    CHECK(get_mempool_data(NULL, KEY_U64, &untouched) == -1);
    CHECK(untouched.length == -7 && untouched.data == &untouched);
    CHECK(get_mempool_data(mp, KEY_U64, NULL) == -1);

    /* A list whose elements were all removed has no first element. */
    struct lst_mempool_iterator *lit = new_lst_iterator_mempool(mp, KEY_U64);
    while (hasnext_lst_mempool_iterator(lit)) CHECK(remove_lst_mempool_iterator(lit) == 0);
    destroy_lst_mempool_iterator(lit);
    CHECK(get_mempool_data(mp, KEY_U64, &untouched) == -1);

    /* A value stored through mempool.h reads as a one-element key. */
    uint32_t single = 0xabcdef01u;
    CHECK(add_single_mempool(mp, 77, NULL, sizeof single, &single) == 0);
    CHECK(get_mempool_data(mp, 77, &data) == 0);
    CHECK(data.length == 4 && data.data != NULL && *(uint32_t *)data.data == single);
    delete_mempool(mp);
}

/* What add_mempool refuses, each time changing nothing. */
static void add_refusals(void) {
    mem_pool *mp = new_mempool();
    uint32_t four = 4;
    uint64_t eight = 8;
    char *text = malloc(4);
    CHECK(text != NULL);
    if (text == NULL) return;
    raw_freed = 0;

    CHECK(add_mempool(NULL, 1, NULL, sizeof four, &four, 0) == -1);
    CHECK(add_mempool(mp, 1, NULL, 0, &four, 0) == -1);
    CHECK(add_mempool(mp, 1, NULL, sizeof four, NULL, 0) == -1);
    CHECK(add_mempool(mp, 2, free_raw, 4, text, 1) == -1);  /* raw: length must be a pointer's */
    CHECK(get_mempool_data(mp, 2, &(struct mempool_data){0, NULL}) == -1);

    CHECK(add_mempool(mp, 1, NULL, sizeof four, &four, 0) == 0);
    CHECK(add_mempool(mp, 1, NULL, sizeof eight, &eight, 0) == -1);  /* another length */
    CHECK(add_mempool(mp, 1, free_raw, sizeof four, &four, 0) == -1);  /* another cleanup */
    CHECK(add_mempool(mp, 1, free_raw, sizeof(uintptr_t), text, 1) == -1);  /* raw on a list */
    CHECK(get_lst_mempool_count(mp, 1) == 1);

    CHECK(add_mempool(mp, 2, free_raw, sizeof(uintptr_t), text, 1) == 0);
    CHECK(add_mempool(mp, 2, NULL, sizeof(uintptr_t), text, 1) == -1);  /* one raw pointer a key */
    CHECK(add_mempool(mp, 2, NULL, sizeof four, &four, 0) == -1);       /* no copy beside it */

    /* The iterator gives the raw pointer itself. */
    int raw_seen = 0, ints_seen = 0;
    mempool_iterator *it = new_mempool_iterator(mp);
    void *datum;
    while ((datum = next_mempool_iterator(it)) != NULL) {
        if (datum == text) raw_seen++;
        else if (*(uint32_t *)datum == 4) ints_seen++;
    }
    delete_mempool_iterator(it);
    CHECK(raw_seen == 1 && ints_seen == 1);

    remove_mempool(mp, 2);
    CHECK(raw_freed == 1);
    delete_mempool(mp);
    CHECK(raw_freed == 1);
}

/* Every element's cleanup runs once when its key is removed. */
static int elements_cleaned;
static void count_element(void *element) {
    (void)element;
    ++elements_cleaned;
}

static void cleanups_per_element(void) {
    mem_pool *mp = new_mempool();
    elements_cleaned = 0;
    for (uint16_t i = 0; i < 100; i++) CHECK(add_mempool(mp, 5, count_element, sizeof i, &i, 0) == 0);
    CHECK(add_mempool(mp, 6, count_element, sizeof(uint16_t), &(uint16_t){1}, 0) == 0);
    remove_mempool(mp, 5);
    CHECK(elements_cleaned == 100);
    delete_mempool(mp);
    CHECK(elements_cleaned == 101);
}

/* jhash_mempool: a function of the contents, not of the order keys came in. */
static void hash_of_contents(void) {
    CHECK(jhash_mempool(NULL) == 0);
    mem_pool *empty = new_mempool();
    CHECK(jhash_mempool(empty) == 0);
    delete_mempool(empty);

    /* One key: the kernel's jhash() of its bytes seeded with the key. The
     * expected values were computed with the Linux kernel's jhash(). */
    const char *alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    const char *greeting = "hello world!!";
    mem_pool *a = new_mempool();
    CHECK(add_mempool(a, 0, NULL, (uint32_t)strlen(alphabet), (void *)alphabet, 0) == 0);
    CHECK(jhash_mempool(a) == 798257562u);
    CHECK(add_mempool(a, 7, NULL, (uint32_t)strlen(greeting), (void *)greeting, 0) == 0);
    CHECK(jhash_mempool(a) == (uint32_t)(798257562u + 3512475080u));

    mem_pool *b = new_mempool();  /* the same, keys the other way round */
    CHECK(add_mempool(b, 7, NULL, (uint32_t)strlen(greeting), (void *)greeting, 0) == 0);
    CHECK(add_mempool(b, 0, NULL, (uint32_t)strlen(alphabet), (void *)alphabet, 0) == 0);
    CHECK(jhash_mempool(a) == jhash_mempool(b));

    /* Every element of a list counts, and so does its order. */
    uint32_t x = 1, y = 2;
    CHECK(add_mempool(a, 9, NULL, sizeof x, &x, 0) == 0);
    CHECK(add_mempool(a, 9, NULL, sizeof y, &y, 0) == 0);
    CHECK(add_mempool(b, 9, NULL, sizeof y, &y, 0) == 0);
    CHECK(jhash_mempool(a) != jhash_mempool(b));
    CHECK(add_mempool(b, 9, NULL, sizeof x, &x, 0) == 0);
    CHECK(jhash_mempool(a) != jhash_mempool(b));  /* [1, 2] is not [2, 1] */

    /* The same data under another key hashes differently. */
    mem_pool *c = new_mempool();
    mem_pool *d = new_mempool();
    CHECK(add_mempool(c, 1, NULL, sizeof x, &x, 0) == 0);
    CHECK(add_mempool(d, 2, NULL, sizeof x, &x, 0) == 0);
    CHECK(jhash_mempool(c) != jhash_mempool(d));
    delete_mempool(a);
    delete_mempool(b);
    delete_mempool(c);
    delete_mempool(d);
}

/* libxbgp's header spells the iterator `struct mem_pool_it`; that compiles. */
static void libxbgp_iterator_spelling(void) {
    mem_pool *mp = new_mempool();
    int one = 1;
    CHECK(add_mempool(mp, 3, NULL, sizeof one, &one, 0) == 0);
    struct mem_pool_it *it = new_mempool_iterator(mp);
    CHECK(mempool_hasnext(it) == 1);
    CHECK(*(int *)next_mempool_iterator(it) == 1);
    CHECK(mempool_hasnext(it) == 0);
    CHECK(mempool_hasnext(NULL) == 0);
    delete_mempool_iterator(it);
    delete_mempool(mp);
}

int main(void) {
    list_walked_in_order();
    u16_value();
    struct_copied();
    raw_pointer_owned();
    cleanup_releases_owned_memory();
    whole_pool_walked();
    first_element_and_failures();
    add_refusals();
    cleanups_per_element();
    hash_of_contents();
    libxbgp_iterator_spelling();
    return check_summary();
}
