/* The C API used the way a C routing daemon would: a pool per route for
 * plugin attributes, a global pool for shared counters, strings owned by
 * the pool through a cleanup, lists of communities, and iteration.
 * Pure C11; prints "N passed, N failed" and exits non-zero on any failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mempool/mempool.h"

#include "check.h"

/* The specification's string example, with its cleanup. */
struct string {
    int length;
    char *my_string;
};

static int strings_freed;

static void my_string_cleanup(void *data) {
    struct string *str = data;
    if (!str) return;
    free(str->my_string);
    ++strings_freed;
}

struct protocol_route {
    uint8_t route[16];
    uint8_t prefix;
    uint32_t metric;
    uint8_t next_hop[16];
    uint32_t interface;
    mem_pool *attributes;
};

enum { KEY_METRIC = 1, KEY_LABEL = 2, KEY_COMMUNITIES = 3, KEY_PEER = 4, UPDATE_MSG_KEY = 2 };

static void test_route_attributes(void) {
    struct protocol_route routes[100];
    int i;
    strings_freed = 0;
    for (i = 0; i < 100; ++i) {
        uint64_t metric = (uint64_t)i * 10;
        struct string label;
        uint32_t community;
        memset(&routes[i], 0, sizeof routes[i]);
        routes[i].attributes = new_mempool();
        CHECK(routes[i].attributes != NULL);
        CHECK(add_single_mempool(routes[i].attributes, KEY_METRIC, NULL, sizeof metric, &metric) == 0);
        label.length = 8;
        label.my_string = malloc(16);
        snprintf(label.my_string, 16, "route%d", i);
        CHECK(add_single_mempool(routes[i].attributes, KEY_LABEL, my_string_cleanup, sizeof label, &label) == 0);
        for (community = 0; community < (uint32_t)(i % 5); ++community)
            CHECK(add_lst_mempool(routes[i].attributes, KEY_COMMUNITIES, NULL, sizeof community, &community) == 0);
    }
    for (i = 0; i < 100; ++i) {
        struct string *label = get_mempool_ptr(routes[i].attributes, KEY_LABEL);
        char expect[16];
        snprintf(expect, sizeof expect, "route%d", i);
        CHECK(get_mempool_u64(routes[i].attributes, KEY_METRIC) == (uint64_t)i * 10);
        CHECK(label != NULL && strcmp(label->my_string, expect) == 0);
        if (i % 5 == 0) {
            CHECK(new_lst_iterator_mempool(routes[i].attributes, KEY_COMMUNITIES) == NULL);
        } else {
            lst_mempool_iterator *it = new_lst_iterator_mempool(routes[i].attributes, KEY_COMMUNITIES);
            uint32_t *c;
            uint32_t n = 0;
            while ((c = next_lst_mempool_iterator(it)) != NULL) CHECK(*c == n++);
            CHECK(n == (uint32_t)(i % 5));
            destroy_lst_mempool_iterator(it);
        }
    }
    for (i = 0; i < 100; ++i) delete_mempool(routes[i].attributes);
    CHECK(strings_freed == 100);
}

static void test_counter_like_plugin_a(void) {
    mem_pool *global = new_mempool();
    int message;
    for (message = 0; message < 50; ++message) {
        uint64_t seen = get_mempool_u64(global, UPDATE_MSG_KEY);
        ++seen;
        CHECK(set_single_mempool(global, UPDATE_MSG_KEY, NULL, sizeof seen, &seen) == 0);
    }
    CHECK(get_mempool_u64(global, UPDATE_MSG_KEY) == 50);
    delete_mempool(global);
}

static void test_kinds_and_errors(void) {
    mem_pool *mp = new_mempool();
    int peer = 7;
    uint64_t v = 1;
    uint32_t e = 2;
    CHECK(add_raw_ptr_mempool(mp, KEY_PEER, NULL, &peer) == 0);
    CHECK(get_mempool_ptr(mp, KEY_PEER) == &peer);
    CHECK(get_mempool_u64(mp, KEY_PEER) == 0);
    CHECK(add_single_mempool(mp, KEY_PEER, NULL, sizeof v, &v) == -1);
    CHECK(set_single_mempool(mp, KEY_PEER, NULL, sizeof v, &v) == -1);
    CHECK(add_lst_mempool(mp, KEY_PEER, NULL, sizeof e, &e) == -1);
    CHECK(add_single_mempool(mp, 9, NULL, 0, &v) == -1);
    CHECK(add_single_mempool(mp, 9, NULL, sizeof v, NULL) == -1);
    CHECK(add_single_mempool(NULL, 9, NULL, sizeof v, &v) == -1);
    remove_mempool(mp, 12345);
    remove_mempool(NULL, 1);
    remove_mempool(mp, KEY_PEER);
    CHECK(get_mempool_ptr(mp, KEY_PEER) == NULL);
    delete_mempool(mp);
    delete_mempool(NULL);
}

static void test_whole_pool_iteration(void) {
    mem_pool *mp = new_mempool();
    mempool_iterator *it;
    uint32_t k;
    int data = 0;
    for (k = 0; k < 40; ++k) {
        uint64_t v = k;
        CHECK(add_single_mempool(mp, k, NULL, sizeof v, &v) == 0);
    }
    for (k = 0; k < 10; ++k) CHECK(add_lst_mempool(mp, 1000, NULL, sizeof k, &k) == 0);
    it = new_mempool_iterator(mp);
    CHECK(it != NULL);
    while (hasnext_mempool_iterator(it)) {
        CHECK(next_mempool_iterator(it) != NULL);
        ++data;
    }
    CHECK(data == 50);
    CHECK(next_mempool_iterator(it) == NULL);
    delete_mempool_iterator(it);
    delete_mempool(mp);
}

static void test_list_removal(void) {
    mem_pool *mp = new_mempool();
    lst_mempool_iterator *it;
    uint32_t k, *first_kept = NULL;
    for (k = 0; k < 10; ++k) CHECK(add_lst_mempool(mp, 1, NULL, sizeof k, &k) == 0);
    it = new_lst_iterator_mempool(mp, 1);
    while (hasnext_lst_mempool_iterator(it)) {
        uint32_t *e = get_lst_mempool_iterator(it);
        if (*e % 2 == 0) {
            CHECK(remove_lst_mempool_iterator(it) == 0);
        } else {
            if (!first_kept) first_kept = e;
            CHECK(next_lst_mempool_iterator(it) == e);
        }
    }
    destroy_lst_mempool_iterator(it);
    it = new_lst_iterator_mempool(mp, 1);
    CHECK(get_lst_mempool_iterator(it) == first_kept);
    CHECK(*first_kept == 1);
    k = 0;
    while (next_lst_mempool_iterator(it)) ++k;
    CHECK(k == 5);
    destroy_lst_mempool_iterator(it);
    delete_mempool(mp);
}

/* A long list a run at a time (next_run_lst_mempool_iterator), from C. */
static void test_list_runs(void) {
    mem_pool *mp = new_mempool();
    lst_mempool_iterator *it;
    uint32_t k, *run;
    uint64_t n, seen = 0, sum = 0, runs = 0;
    for (k = 0; k < 100000; ++k) CHECK(add_lst_mempool(mp, 4, NULL, sizeof k, &k) == 0);
    it = new_lst_iterator_mempool(mp, 4);
    while ((run = next_run_lst_mempool_iterator(it, &n)) != NULL) {
        uint64_t i;
        CHECK(run == get_lst_mempool_elem(mp, 4, seen));
        for (i = 0; i < n; ++i) sum += run[i];
        seen += n;
        ++runs;
    }
    CHECK(seen == 100000);
    CHECK(sum == (uint64_t)99999 * 100000 / 2);
    CHECK(runs > 1 && runs < 100);
    CHECK(n == 0);
    destroy_lst_mempool_iterator(it);
    delete_mempool(mp);
}

/* The header's inline step and the exported function walk the same list
 * the same way, mixed in one walk, and both notice an element another
 * iterator removed from the window they stand in. */
static void test_list_inline_step_and_call(void) {
    mem_pool *mp = new_mempool();
    lst_mempool_iterator *it, *remover;
    void *(*call)(struct lst_mempool_iterator *) = &next_lst_mempool_iterator;
    uint32_t k, *e, expected = 0;
    for (k = 0; k < 10000; ++k) CHECK(add_lst_mempool(mp, 5, NULL, sizeof k, &k) == 0);
    it = new_lst_iterator_mempool(mp, 5);
    for (k = 0; (e = (k % 3 == 0 ? (next_lst_mempool_iterator)(it)
                      : k % 3 == 1 ? call(it)
                                   : next_lst_mempool_iterator(it))) != NULL;
         ++k)
        CHECK(*e == expected++);
    CHECK(expected == 10000);
    destroy_lst_mempool_iterator(it);

    /* Stand in the first chunk's window, remove the next element through a
     * second iterator: the inline step must not hand it out. */
    it = new_lst_iterator_mempool(mp, 5);
    CHECK(*(uint32_t *)next_lst_mempool_iterator(it) == 0);
    remover = new_lst_iterator_mempool(mp, 5);
    CHECK(next_lst_mempool_iterator(remover) != NULL);
    CHECK(remove_lst_mempool_iterator(remover) == 0); /* removes element 1 */
    destroy_lst_mempool_iterator(remover);
    CHECK(*(uint32_t *)next_lst_mempool_iterator(it) == 2);
    CHECK(*(uint32_t *)(next_lst_mempool_iterator)(it) == 3);
    destroy_lst_mempool_iterator(it);
    delete_mempool(mp);
}

/* A list read by index, the way a plugin helper reads element i. */
static void test_list_by_index(void) {
    mem_pool *mp = new_mempool();
    uint64_t k, count;
    for (k = 0; k < 5000; ++k) CHECK(add_lst_mempool(mp, 2, NULL, sizeof k, &k) == 0);
    count = get_lst_mempool_count(mp, 2);
    CHECK(count == 5000);
    CHECK(get_mempool_len(mp, 2) == sizeof k);
    for (k = 0; k < count; k += 7) CHECK(*(uint64_t *)get_lst_mempool_elem(mp, 2, k) == k);
    CHECK(get_lst_mempool_elem(mp, 2, count) == NULL);
    CHECK(get_lst_mempool_elem(mp, 3, 0) == NULL);
    delete_mempool(mp);
}

int main(void) {
    test_list_inline_step_and_call();
    test_route_attributes();
    test_counter_like_plugin_a();
    test_kinds_and_errors();
    test_whole_pool_iteration();
    test_list_removal();
    test_list_by_index();
    test_list_runs();
    return check_summary();
}
