/* check.h: the pure-C tests' one assertion, counting instead of stopping.
 *
 *     CHECK(get_mempool_u64(mp, KEY) == 42);
 *     ...
 *     return check_summary();   prints "N passed, N failed"; 0 if none failed
 */
#ifndef MEMPOOL_TESTS_CHECK_H
#define MEMPOOL_TESTS_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            ++passed;                                                                \
        } else {                                                                     \
            ++failed;                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
