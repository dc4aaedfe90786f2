// A failed allocation fails the call and changes nothing. (The full sweep
// over every allocation site of a scripted workload is the last test here.)
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <vector>

#include "cleanup_log.hpp"
#include "mempool/mempool.h"
#include "mempool/pool.hpp"
#include "pool/alloc_failure.hpp"

using mempool_test::cleanup_log;

namespace {

struct NoFailures {
    ~NoFailures() { mempool::detail::fail_allocation_after(0); }
};

// Fills a pool through every growth step (ext, page1, index, pages, list
// chunks, boxes), failing the first allocation each call makes; each failed
// call must leave the pool reading as before, and retrying must succeed.
TEST(AllocationFailure, EveryGrowthStepFailsCleanly) {
    NoFailures guard;
    cleanup_log().clear();
    mem_pool* mp = new_mempool();
    std::uint32_t failures = 0;
    for (std::uint32_t k = 0; k < 300; ++k) {
        std::uint64_t small = k;
        std::uint64_t big[3] = {k, k, k};
        std::uint32_t element = k;
        for (int kind = 0; kind < 3; ++kind) {
            const std::uint32_t key = k * 3 + static_cast<std::uint32_t>(kind);
            auto call = [&] {
                switch (kind) {
                case 0: return add_single_mempool(mp, key, mempool_test::log_u64, sizeof small, &small);
                case 1: return add_single_mempool(mp, key, mempool_test::log_u64, sizeof big, big);
                default: return add_lst_mempool(mp, 1u << 31, mempool_test::log_u32, sizeof element, &element);
                }
            };
            mempool::detail::fail_allocation_after(1);
            const int first = call();
            const bool allocated = mempool::detail::allocations_before_failure() == 0;
            mempool::detail::fail_allocation_after(0);
            if (allocated) {
                ++failures;
                ASSERT_EQ(first, -1);
                if (kind != 2) {
                    ASSERT_EQ(get_mempool_ptr(mp, key), nullptr);
                }
                ASSERT_EQ(call(), 0);
            } else {
                ASSERT_EQ(first, 0);
            }
        }
    }
    EXPECT_GT(failures, 300U) << "boxes alone fail 300 times";
    for (std::uint32_t k = 0; k < 300; ++k) ASSERT_EQ(get_mempool_u64(mp, k * 3), k);
    std::uint32_t count = 0;
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1u << 31);
    while (void* e = next_lst_mempool_iterator(it)) ASSERT_EQ(*static_cast<std::uint32_t*>(e), count++);
    destroy_lst_mempool_iterator(it);
    EXPECT_EQ(count, 300U);
    EXPECT_TRUE(cleanup_log().pointers.empty()) << "failed calls run no cleanup";
    delete_mempool(mp);
    EXPECT_EQ(cleanup_log().pointers.size(), 900U);
}

TEST(AllocationFailure, NewMempoolAndIteratorsReturnNull) {
    NoFailures guard;
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_mempool(), nullptr);
    mem_pool* mp = new_mempool();
    std::uint32_t v = 1;
    ASSERT_EQ(add_lst_mempool(mp, 1, nullptr, sizeof v, &v), 0);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_mempool_iterator(mp), nullptr);
    mempool::detail::fail_allocation_after(1);
    EXPECT_EQ(new_lst_iterator_mempool(mp, 1), nullptr);
    mempool::detail::fail_allocation_after(0);
    delete_mempool(mp);
}

TEST(AllocationFailure, RemovingAListElementMayFailAndKeepsIt) {
    NoFailures guard;
    cleanup_log().clear();
    mem_pool* mp = new_mempool();
    for (std::uint32_t v = 0; v < 3; ++v) ASSERT_EQ(add_lst_mempool(mp, 1, mempool_test::log_u32, sizeof v, &v), 0);
    lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 1);
    mempool::detail::fail_allocation_after(1);  // the removal bitmap
    EXPECT_EQ(remove_lst_mempool_iterator(it), -1);
    mempool::detail::fail_allocation_after(0);
    EXPECT_TRUE(cleanup_log().pointers.empty());
    EXPECT_EQ(*static_cast<std::uint32_t*>(get_lst_mempool_iterator(it)), 0U);
    EXPECT_EQ(remove_lst_mempool_iterator(it), 0);
    destroy_lst_mempool_iterator(it);
    delete_mempool(mp);
    EXPECT_EQ(cleanup_log().pointers.size(), 3U);
}

}  // namespace

namespace {

// What the pool reads as, through the public API: key -> kind and content.
std::map<std::uint32_t, std::vector<std::uint8_t>> dump(mem_pool* mp) {
    std::map<std::uint32_t, std::vector<std::uint8_t>> out;
    mempool::Pool view = mempool::Pool::adopt(mp);
    for (const mempool::EntryView& e : view) {
        std::vector<std::uint8_t>& bytes = out[e.key];
        bytes.push_back(static_cast<std::uint8_t>(e.kind));
        for (std::byte b : e.bytes) bytes.push_back(static_cast<std::uint8_t>(b));
        if (e.kind == mempool::Kind::reference) bytes.push_back(static_cast<std::uint8_t>(
            reinterpret_cast<std::uintptr_t>(e.reference)));
        for (std::span<std::byte> el : e.list)
            for (std::byte b : el) bytes.push_back(static_cast<std::uint8_t>(b));
    }
    (void)view.release();
    return out;
}

// A scripted workload touching every allocation site: the first entries,
// page 1, the switch to an index, index growth, new pages, boxes, lists and
// their chunks, removal bitmaps, iterators. Each step returns 0 on success.
std::vector<std::function<int(mem_pool*)>> workload() {
    std::vector<std::function<int(mem_pool*)>> steps;
    static int targets[4];
    for (std::uint32_t k = 0; k < 40; ++k) {
        steps.push_back([k](mem_pool* mp) {
            std::uint64_t v = k;
            return add_single_mempool(mp, k, mempool_test::log_u64, sizeof v, &v);
        });
        if (k % 5 == 0) steps.push_back([k](mem_pool* mp) {
            std::uint64_t big[4] = {k + 100, 0, 0, 0};
            return set_single_mempool(mp, 1000 + k, mempool_test::log_u64, sizeof big, big);
        });
        if (k % 7 == 0) steps.push_back([k](mem_pool* mp) {
            return add_raw_ptr_mempool(mp, 2000 + k, nullptr, &targets[k % 4]);
        });
    }
    for (std::uint32_t e = 0; e < 70; ++e)
        steps.push_back([e](mem_pool* mp) {
            std::uint32_t v = 500 + e;
            return add_lst_mempool(mp, 3000, mempool_test::log_u32, sizeof v, &v);
        });
    steps.push_back([](mem_pool* mp) {  // resize a value: a new box
        std::uint64_t bigger[6] = {9, 9, 9, 9, 9, 9};
        return set_single_mempool(mp, 1000, mempool_test::log_u64, sizeof bigger, bigger);
    });
    steps.push_back([](mem_pool* mp) {  // remove list elements: a bitmap
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp, 3000);
        if (it == nullptr) return -1;
        const int r = remove_lst_mempool_iterator(it);
        destroy_lst_mempool_iterator(it);
        return r;
    });
    steps.push_back([](mem_pool* mp) {
        mempool_iterator* it = new_mempool_iterator(mp);
        if (it == nullptr) return -1;
        delete_mempool_iterator(it);
        return 0;
    });
    for (std::uint32_t k = 0; k < 40; k += 3) steps.push_back([k](mem_pool* mp) {
        remove_mempool(mp, k);
        return 0;
    });
    return steps;
}

TEST(AllocationFailure, EverySiteOfAScriptedWorkload) {
    NoFailures guard;
    std::size_t sites = 0;
    for (std::uint64_t n = 1;; ++n) {
        cleanup_log().clear();
        mem_pool* mp = new_mempool();
        ASSERT_NE(mp, nullptr);
        std::size_t stored_with_cleanup = 0, failures_seen = 0;
        mempool::detail::fail_allocation_after(n);
        for (auto& step : workload()) {
            const std::uint64_t armed = mempool::detail::allocations_before_failure();
            mempool::detail::fail_allocation_after(0);
            const auto before = dump(mp);
            const std::size_t cleaned_before = cleanup_log().pointers.size();
            mempool::detail::fail_allocation_after(armed);

            const int r = step(mp);
            const std::uint64_t left = mempool::detail::allocations_before_failure();
            const bool hit = armed != 0 && left == 0;
            mempool::detail::fail_allocation_after(0);
            if (hit) {
                ++failures_seen;
                ASSERT_EQ(r, -1) << "allocation " << n;
                ASSERT_EQ(dump(mp), before) << "allocation " << n << ": the pool changed";
                ASSERT_EQ(cleanup_log().pointers.size(), cleaned_before) << "allocation " << n;
                ASSERT_EQ(step(mp), 0) << "allocation " << n << ": retry";
            } else {
                ASSERT_EQ(r, 0) << "allocation " << n;
                mempool::detail::fail_allocation_after(left);
            }
        }
        mempool::detail::fail_allocation_after(0);
        for (const auto& [key, bytes] : dump(mp)) stored_with_cleanup += key < 2000 ? 1 : 0;
        const std::size_t list_left = 69;  // 70 appended, 1 removed
        const std::size_t cleaned_before_delete = cleanup_log().pointers.size();
        delete_mempool(mp);
        EXPECT_EQ(cleanup_log().pointers.size() - cleaned_before_delete, stored_with_cleanup + list_left)
            << "allocation " << n << ": every cleanup once at the end";
        if (failures_seen == 0) break;  // the workload made fewer than n allocations
        ++sites;
    }
    EXPECT_GE(sites, 20U) << "the workload reaches every kind of allocation";
    std::printf("allocation-failure sites tested: %zu\n", sites);
}

}  // namespace
