// The specification's first code chunk, with its typos fixed (`retrived_int`
// and `mp` for `retrieved_int` and `my_mp`), compiled and run as written.
#include <gtest/gtest.h>

#include <cassert>
#include <cstdio>

#include "mempool/mempool.h"

namespace {

TEST(SpecExample, FirstCodeChunk) {
#define MY_KEY 12

    int custom_int = 56;
    int retrieved_int;
    mem_pool *my_mp = new_mempool();

    if (add_single_mempool(my_mp, MY_KEY, NULL, sizeof(custom_int), &custom_int) != 0) {
        fprintf(stderr, "Failed to add my custom value\n");
    }

    // now lets retrieve the stored value
    retrieved_int = get_mempool_u64(my_mp, MY_KEY);

    // retrieved_int
    assert(custom_int == retrieved_int);
    EXPECT_EQ(custom_int, retrieved_int);  // assert() vanishes under NDEBUG
    delete_mempool(my_mp);
#undef MY_KEY
}

}  // namespace
