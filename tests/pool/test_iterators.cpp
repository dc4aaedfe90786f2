// docs/semantics.md, "Iterators": the whole-pool iterator and the list iterator,
// including a pool changed under an open iterator.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"

using mempool_test::cleanup_log;

namespace {

class Iterators : public ::testing::Test {
protected:
    void SetUp() override {
        cleanup_log().clear();
        mp = new_mempool();
    }
    void TearDown() override { delete_mempool(mp); }

    std::vector<void*> walk() {
        std::vector<void*> seen;
        mempool_iterator* it = new_mempool_iterator(mp);
        EXPECT_NE(it, nullptr);
        while (hasnext_mempool_iterator(it)) seen.push_back(next_mempool_iterator(it));
        EXPECT_EQ(next_mempool_iterator(it), nullptr);
        delete_mempool_iterator(it);
        return seen;
    }
    std::vector<std::uint32_t> list_values(std::uint32_t key) {
        std::vector<std::uint32_t> out;
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, key);
        EXPECT_NE(it, nullptr);
        while (void* v = next_lst_mempool_iterator(it)) out.push_back(*static_cast<std::uint32_t*>(v));
        destroy_lst_mempool_iterator(it);
        return out;
    }
    void fill_list(std::uint32_t key, std::uint32_t from, std::uint32_t to) {
        for (std::uint32_t v = from; v < to; ++v)
            ASSERT_EQ(add_lst_mempool(mp, key, mempool_test::log_u32, sizeof v, &v), 0);
    }
    mem_pool* mp = nullptr;
};

TEST_F(Iterators, EmptyPoolGivesAValidIteratorWithNothingNext) {
    mempool_iterator* it = new_mempool_iterator(mp);
    ASSERT_NE(it, nullptr);
    EXPECT_EQ(hasnext_mempool_iterator(it), 0);
    EXPECT_EQ(next_mempool_iterator(it), nullptr);
    delete_mempool_iterator(it);
}

TEST_F(Iterators, NullArguments) {
    EXPECT_EQ(new_mempool_iterator(nullptr), nullptr);
    EXPECT_EQ(hasnext_mempool_iterator(nullptr), 0);
    EXPECT_EQ(next_mempool_iterator(nullptr), nullptr);
    delete_mempool_iterator(nullptr);
    EXPECT_EQ(new_lst_iterator_mempool(nullptr, 1), nullptr);
    EXPECT_EQ(get_lst_mempool_iterator(nullptr), nullptr);
    EXPECT_EQ(next_lst_mempool_iterator(nullptr), nullptr);
    EXPECT_EQ(hasnext_lst_mempool_iterator(nullptr), 0);
    EXPECT_EQ(remove_lst_mempool_iterator(nullptr), -1);
    destroy_lst_mempool_iterator(nullptr);
}

TEST_F(Iterators, VisitsEveryDatumOnceIncludingListElements) {
    for (std::size_t keys : {3U, 12U, 200U}) {  // small and indexed pools
        delete_mempool(mp);
        mp = new_mempool();
        std::set<void*> expected;
        int targets[2];
        for (std::uint32_t k = 0; k < keys; ++k) {
            std::uint64_t v = k;
            ASSERT_EQ(add_single_mempool(mp, k, nullptr, sizeof v, &v), 0);
            expected.insert(get_mempool_ptr(mp, k));
        }
        ASSERT_EQ(add_raw_ptr_mempool(mp, 1000, nullptr, &targets[0]), 0);
        expected.insert(&targets[0]);
        fill_list(1001, 0, 50);
        lst_mempool_iterator* lit = new_lst_iterator_mempool(mp, 1001);
        while (void* e = next_lst_mempool_iterator(lit)) expected.insert(e);
        destroy_lst_mempool_iterator(lit);

        std::vector<void*> seen = walk();
        EXPECT_EQ(seen.size(), expected.size());
        EXPECT_EQ(std::set<void*>(seen.begin(), seen.end()), expected);
        EXPECT_EQ(walk(), seen) << "the same pool walks in the same order";
    }
}

TEST_F(Iterators, DeleteIteratorFreesOnlyTheIterator) {
    std::uint64_t v = 3;
    ASSERT_EQ(add_single_mempool(mp, 1, mempool_test::log_u64, sizeof v, &v), 0);
    mempool_iterator* it = new_mempool_iterator(mp);
    ASSERT_TRUE(hasnext_mempool_iterator(it));
    delete_mempool_iterator(it);
    EXPECT_TRUE(cleanup_log().pointers.empty());
    EXPECT_EQ(get_mempool_u64(mp, 1), 3U);
}

TEST_F(Iterators, OrderIsDeterministicForTheSameCalls) {
    auto build = [](mem_pool* p) {
        for (std::uint32_t k = 0; k < 100; ++k) {
            std::uint64_t v = k * 7919U;
            EXPECT_EQ(add_single_mempool(p, k * 7919U, nullptr, sizeof v, &v), 0);
            if (k % 3 == 0) remove_mempool(p, (k / 2) * 7919U);
        }
    };
    mem_pool* other = new_mempool();
    build(mp);
    build(other);
    std::vector<std::uint64_t> a, b;
    for (void* d : walk()) a.push_back(*static_cast<std::uint64_t*>(d));
    mempool_iterator* it = new_mempool_iterator(other);
    while (void* d = next_mempool_iterator(it)) b.push_back(*static_cast<std::uint64_t*>(d));
    delete_mempool_iterator(it);
    delete_mempool(other);
    EXPECT_EQ(a, b);
}

TEST_F(Iterators, ListIteratorOnlyForLists) {
    std::uint64_t v = 1;
    int target = 0;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    ASSERT_EQ(add_raw_ptr_mempool(mp, 2, nullptr, &target), 0);
    EXPECT_EQ(new_lst_iterator_mempool(mp, 1), nullptr);
    EXPECT_EQ(new_lst_iterator_mempool(mp, 2), nullptr);
    EXPECT_EQ(new_lst_iterator_mempool(mp, 3), nullptr);
}

TEST_F(Iterators, ListIteratorGetNextHasnext) {
    fill_list(1, 10, 13);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_NE(it, nullptr);
    EXPECT_EQ(hasnext_lst_mempool_iterator(it), 1);
    void* first = get_lst_mempool_iterator(it);
    EXPECT_EQ(get_lst_mempool_iterator(it), first) << "get does not move";
    EXPECT_EQ(*static_cast<std::uint32_t*>(first), 10U);
    EXPECT_EQ(next_lst_mempool_iterator(it), first) << "next returns where it stood";
    EXPECT_EQ(*static_cast<std::uint32_t*>(get_lst_mempool_iterator(it)), 11U);
    EXPECT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 11U);
    EXPECT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 12U);
    EXPECT_EQ(hasnext_lst_mempool_iterator(it), 0);
    EXPECT_EQ(get_lst_mempool_iterator(it), nullptr);
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr);
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, ListIteratorVisitsInsertionOrderAcrossChunks) {
    fill_list(1, 0, 100000);
    std::vector<std::uint32_t> got = list_values(1);
    ASSERT_EQ(got.size(), 100000U);
    for (std::uint32_t v = 0; v < got.size(); ++v) ASSERT_EQ(got[v], v);
}

TEST_F(Iterators, RemoveThroughListIteratorRunsCleanupAndKeepsOtherAddresses) {
    fill_list(1, 0, 100);
    std::vector<void*> addresses;
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    while (void* e = next_lst_mempool_iterator(it)) addresses.push_back(e);
    destroy_lst_mempool_iterator(it);

    it = new_lst_iterator_mempool(mp, 1);
    for (std::uint32_t v = 0; v < 100; ++v) {
        if (v % 2 == 0) {
            ASSERT_EQ(remove_lst_mempool_iterator(it), 0);
        } else {
            ASSERT_EQ(next_lst_mempool_iterator(it), addresses[v]);
        }
    }
    EXPECT_EQ(remove_lst_mempool_iterator(it), -1) << "past the end";
    destroy_lst_mempool_iterator(it);
    ASSERT_EQ(cleanup_log().values.size(), 50U);
    for (std::uint32_t i = 0; i < 50; ++i) EXPECT_EQ(cleanup_log().values[i], 2 * i);

    std::vector<std::uint32_t> left = list_values(1);
    ASSERT_EQ(left.size(), 50U);
    for (std::uint32_t i = 0; i < 50; ++i) EXPECT_EQ(left[i], 2 * i + 1);

    remove_mempool(mp, 1);
    EXPECT_EQ(cleanup_log().values.size(), 100U) << "removed elements are not cleaned twice";
}

TEST_F(Iterators, ListIteratorSeesAppendsMadeAfterItReachedTheEnd) {
    fill_list(1, 0, 3);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    while (next_lst_mempool_iterator(it) != nullptr) {
    }
    fill_list(1, 3, 40);
    std::vector<std::uint32_t> rest;
    while (void* e = next_lst_mempool_iterator(it)) rest.push_back(*static_cast<std::uint32_t*>(e));
    ASSERT_EQ(rest.size(), 37U);
    EXPECT_EQ(rest.front(), 3U);
    EXPECT_EQ(rest.back(), 39U);
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, ListIteratorEndsWhenItsKeyIsRemovedOrReplaced) {
    fill_list(1, 0, 10);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_NE(next_lst_mempool_iterator(it), nullptr);
    remove_mempool(mp, 1);
    EXPECT_EQ(hasnext_lst_mempool_iterator(it), 0);
    EXPECT_EQ(get_lst_mempool_iterator(it), nullptr);
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr);
    EXPECT_EQ(remove_lst_mempool_iterator(it), -1);
    fill_list(1, 100, 110);  // a new list under the same key, maybe at the same address
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr) << "a new list is not the one it walked";
    std::uint64_t v = 5;
    remove_mempool(mp, 1);
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr);
    destroy_lst_mempool_iterator(it);
}

// next_lst_mempool_iterator walks a chunk from a cached range; these change
// the list between two calls, with nothing else touching the iterator.
TEST_F(Iterators, ListIteratorMidChunkNoticesAListReplacedBetweenTwoNexts) {
    fill_list(1, 0, 10);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_NE(next_lst_mempool_iterator(it), nullptr);
    ASSERT_NE(next_lst_mempool_iterator(it), nullptr);
    remove_mempool(mp, 1);
    fill_list(1, 100, 110);  // same key, same sizes: likely the same addresses
    EXPECT_EQ(next_lst_mempool_iterator(it), nullptr) << "a new list is not the one it walked";
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, ListIteratorMidChunkSkipsAnElementAnotherIteratorRemoved) {
    fill_list(1, 0, 6);  // one chunk of 8
    lst_mempool_iterator* walker = new_lst_iterator_mempool(mp, 1);
    ASSERT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(walker)), 0U);
    lst_mempool_iterator* remover = new_lst_iterator_mempool(mp, 1);
    ASSERT_NE(next_lst_mempool_iterator(remover), nullptr);  // stands on 1
    ASSERT_EQ(remove_lst_mempool_iterator(remover), 0);      // removes 1
    destroy_lst_mempool_iterator(remover);
    std::vector<std::uint32_t> rest;
    while (void* e = next_lst_mempool_iterator(walker)) rest.push_back(*static_cast<std::uint32_t*>(e));
    EXPECT_EQ(rest, (std::vector<std::uint32_t>{2, 3, 4, 5}));
    destroy_lst_mempool_iterator(walker);
}

TEST_F(Iterators, ListIteratorMidChunkSeesAppendsToItsChunk) {
    fill_list(1, 0, 2);  // a chunk of 8 with room left
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 0U);
    fill_list(1, 2, 20);
    std::vector<std::uint32_t> rest;
    while (void* e = next_lst_mempool_iterator(it)) rest.push_back(*static_cast<std::uint32_t*>(e));
    ASSERT_EQ(rest.size(), 19U);
    for (std::uint32_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i], i + 1);
    destroy_lst_mempool_iterator(it);
}

// next_run_lst_mempool_iterator: the list a run at a time, runs being the
// contiguous live elements of a chunk.
TEST_F(Iterators, ListRunsVisitEveryElementInOrderAcrossChunks) {
    fill_list(1, 0, 5000);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_EQ(next_lst_mempool_iterator(it), get_lst_mempool_elem(mp, 1, 0));  // one step first
    std::vector<std::uint32_t> seen{0};
    std::uint64_t n = 99, runs = 0;
    while (auto* run = static_cast<std::uint32_t*>(next_run_lst_mempool_iterator(it, &n))) {
        ASSERT_GT(n, 0U);
        EXPECT_EQ(static_cast<void*>(run), get_lst_mempool_elem(mp, 1, seen.size()));
        for (std::uint64_t i = 0; i < n; ++i) seen.push_back(run[i]);
        ++runs;
    }
    EXPECT_EQ(n, 0U);
    ASSERT_EQ(seen.size(), 5000U);
    for (std::uint32_t i = 0; i < 5000; ++i) ASSERT_EQ(seen[i], i);
    EXPECT_GT(runs, 1U);
    EXPECT_LT(runs, 20U) << "a run is the rest of a chunk, and chunks double";
    EXPECT_EQ(hasnext_lst_mempool_iterator(it), 0);
    fill_list(1, 5000, 5003);  // appends after the end are the next run
    ASSERT_NE(next_run_lst_mempool_iterator(it, &n), nullptr);
    EXPECT_EQ(n, 3U);
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, ListRunsStopAtRemovedElements) {
    fill_list(1, 0, 8);  // one chunk of 8
    lst_mempool_iterator* remover = new_lst_iterator_mempool(mp, 1);
    for (int i = 0; i < 3; ++i) ASSERT_NE(next_lst_mempool_iterator(remover), nullptr);
    ASSERT_EQ(remove_lst_mempool_iterator(remover), 0);  // removes 3
    destroy_lst_mempool_iterator(remover);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    std::uint64_t n = 0;
    auto* run = static_cast<std::uint32_t*>(next_run_lst_mempool_iterator(it, &n));
    ASSERT_NE(run, nullptr);
    EXPECT_EQ(n, 3U);
    EXPECT_EQ(run[0], 0U);
    run = static_cast<std::uint32_t*>(next_run_lst_mempool_iterator(it, &n));
    ASSERT_NE(run, nullptr);
    EXPECT_EQ(n, 4U);
    EXPECT_EQ(run[0], 4U);
    EXPECT_EQ(next_run_lst_mempool_iterator(it, &n), nullptr);
    EXPECT_EQ(n, 0U);
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, ListRunsNullArgumentsAndARemovedList) {
    std::uint64_t n = 7;
    EXPECT_EQ(next_run_lst_mempool_iterator(nullptr, &n), nullptr);
    EXPECT_EQ(n, 0U);
    fill_list(1, 0, 10);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    EXPECT_EQ(next_run_lst_mempool_iterator(it, nullptr), nullptr);
    EXPECT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 0U) << "a NULL count moves nothing";
    remove_mempool(mp, 1);
    n = 7;
    EXPECT_EQ(next_run_lst_mempool_iterator(it, &n), nullptr);
    EXPECT_EQ(n, 0U);
    destroy_lst_mempool_iterator(it);
}

// The fast path of next_lst_mempool_iterator notices a change to another
// list too (it cannot tell whose), and carries on correctly.
TEST_F(Iterators, ListIteratorMidChunkCarriesOnAfterAnotherListChanged) {
    fill_list(1, 0, 6);
    fill_list(2, 0, 3);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    ASSERT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 0U);
    remove_mempool(mp, 2);
    ASSERT_EQ(*static_cast<std::uint32_t*>(next_lst_mempool_iterator(it)), 1U);
    mem_pool* other = new_mempool();
    std::uint32_t x = 9;
    ASSERT_EQ(add_lst_mempool(other, 1, nullptr, sizeof x, &x), 0);
    delete_mempool(other);
    std::vector<std::uint32_t> rest;
    while (void* e = next_lst_mempool_iterator(it)) rest.push_back(*static_cast<std::uint32_t*>(e));
    EXPECT_EQ(rest, (std::vector<std::uint32_t>{2, 3, 4, 5}));
    destroy_lst_mempool_iterator(it);
}

TEST_F(Iterators, PoolIteratorCarriesOnWhenTheKeyItStandsOnIsRemoved) {
    for (std::uint32_t k = 0; k < 50; ++k) {
        std::uint64_t v = k;
        ASSERT_EQ(add_single_mempool(mp, k, nullptr, sizeof v, &v), 0);
    }
    fill_list(100, 0, 20);
    std::set<std::uint64_t> seen;
    mempool_iterator* it = new_mempool_iterator(mp);
    int step = 0;
    while (hasnext_mempool_iterator(it)) {
        void* d = next_mempool_iterator(it);
        ASSERT_NE(d, nullptr);
        if (++step == 10) remove_mempool(mp, 100);  // the list, maybe ahead
        if (step == 20) {
            for (std::uint32_t k = 0; k < 50; k += 2) remove_mempool(mp, k);
        }
        if (step == 25) {
            std::uint64_t v = 1000;
            ASSERT_EQ(add_single_mempool(mp, 1000, nullptr, sizeof v, &v), 0);
        }
        ASSERT_LT(step, 200) << "the iterator ends";
    }
    delete_mempool_iterator(it);
}

TEST_F(Iterators, PoolIteratorInsideAListWhoseKeyIsRemoved) {
    fill_list(1, 0, 100);
    std::uint64_t v = 9;
    ASSERT_EQ(add_single_mempool(mp, 2, nullptr, sizeof v, &v), 0);
    mempool_iterator* it = new_mempool_iterator(mp);
    std::vector<void*> before;
    for (int i = 0; i < 5; ++i) before.push_back(next_mempool_iterator(it));
    remove_mempool(mp, 1);  // frees the chunk the iterator stands in
    std::vector<void*> after;
    while (void* d = next_mempool_iterator(it)) after.push_back(d);
    delete_mempool_iterator(it);
    // Whatever it visits next is live data: the value of key 2, at most.
    for (void* d : after) EXPECT_EQ(d, get_mempool_ptr(mp, 2));
}

TEST_F(Iterators, PoolIteratorSeesAValueThatReplacedAListUnderIt) {
    fill_list(1, 0, 10);
    mempool_iterator* it = new_mempool_iterator(mp);
    ASSERT_NE(next_mempool_iterator(it), nullptr);
    remove_mempool(mp, 1);
    std::uint64_t v = 77;
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    int visits = 0;
    while (void* d = next_mempool_iterator(it)) {
        EXPECT_EQ(d, get_mempool_ptr(mp, 1));
        ASSERT_LT(++visits, 2) << "a value is one datum";
    }
    delete_mempool_iterator(it);
}

}  // namespace
