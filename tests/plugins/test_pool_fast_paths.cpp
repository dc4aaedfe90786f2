// The pool helpers' first-key shortcuts (src/plugins/pool_helpers.cpp): a
// number read or overwritten in the Pool's own word, or in a heap pool's
// handle entry, before any other test. These check that the shortcuts take
// exactly the cases they should: the key compared whole (one past 2^32 is
// not its low half), a removed or non-number handle entry, a value of
// another length, a pool gone big; every other case must end as the general
// path decides. Driven from plugins (probes/helper_probes.c), JIT and
// interpreter.
#include "test_support.hpp"

#include <mempool/mempool.h>

namespace mempool::test {
namespace {

constexpr std::uint64_t past_key_space = std::uint64_t{1} << 32;

class PoolFastPaths : public ::testing::TestWithParam<bool> {
protected:
    PoolFastPaths() : rt(options_for(GetParam())) { rt.set_global_pool(&global); }
    ~PoolFastPaths() override {
        rt.set_global_pool(&global);
        (void)c_view.release();
        delete_mempool(c_pool);
    }

    void SetUp() override { ASSERT_NE(c_pool, nullptr); }

    // key = value in c_pool (a C host's mem_pool*), as a C host adds it.
    template <class T>
    [[nodiscard]] bool add_c(std::uint32_t key, T value) {
        return add_single_mempool(c_pool, key, nullptr, sizeof value, &value) == 0;
    }
    // c_pool as the runtime's global pool, from here to the end of the test.
    void use_c_global() {
        c_view = Pool::adopt(c_pool);
        rt.set_global_pool(&c_view);
    }

    std::uint64_t call(const char* name, std::initializer_list<std::uint64_t> nums, const CallScope& scope = {}) {
        const std::string section = std::string("probe/") + name;
        PointId p = rt.find_point(section);
        if (!p.valid()) p = attach_probe(rt, probes("helper_probes.o"), section);
        std::vector<Arg> args;
        for (std::uint64_t n : nums) args.push_back(Arg::u64(n));
        const RunResult r = rt.run(p, args, scope);
        EXPECT_EQ(r.ran, 1u) << name;
        return r.value;
    }

    Pool global;
    Runtime rt;
    mem_pool* const c_pool = new_mempool();
    Pool c_view;
};

// A Pool holding one number keeps it in its word: the key is compared whole.
TEST_P(PoolFastPaths, TheHandleWordMatchesItsKeyOnly) {
    ASSERT_TRUE(global.set<std::uint64_t>(5, 40));
    ASSERT_TRUE(global.holds_inline_value());
    EXPECT_EQ(call("get_state_u64", {5}), 40u);
    EXPECT_EQ(call("get_state_u64", {5 + past_key_space}), 0u);
    EXPECT_EQ(call("get_state_u64", {5 + (std::uint64_t{1} << 60)}), 0u);
    EXPECT_EQ(call("set_state_u64", {5 + past_key_space, 1}), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(call("set_state_u64", {5 + (std::uint64_t{1} << 60), 1}), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(global.get_u64(5).value_or(0), 40u);
    EXPECT_EQ(call("set_state_u64", {5, 41}), MEMPOOL_OK);
    EXPECT_EQ(global.get_u64(5).value_or(0), 41u);
    ASSERT_TRUE(global.holds_inline_value());
    // A number that does not fit the word: the general path moves it out.
    EXPECT_EQ(call("set_state_u64", {5, std::uint64_t{1} << 40}), MEMPOOL_OK);
    EXPECT_EQ(global.get_u64(5).value_or(0), std::uint64_t{1} << 40);
    EXPECT_EQ(call("get_state_u64", {5}), std::uint64_t{1} << 40);
}

// A shorter number in the word is not overwritten as an 8-byte one.
TEST_P(PoolFastPaths, AShorterNumberInTheWordBecomesEightBytes) {
    ASSERT_TRUE(global.set<std::uint16_t>(7, 3));
    ASSERT_TRUE(global.holds_inline_value());
    EXPECT_EQ(call("get_state_u64", {7}), 3u);
    EXPECT_EQ(call("set_state_u64", {7, 9}), MEMPOOL_OK);
    EXPECT_EQ(global.value_size(7).value_or(0), sizeof(std::uint64_t));
    EXPECT_EQ(call("get_state_u64", {7}), 9u);
}

// A C host's pool (a mem_pool*): its first key is in the handle entry.
TEST_P(PoolFastPaths, TheHandleEntryOfAHeapPoolMatchesItsKeyOnly) {
    mem_pool* mp = c_pool;
    ASSERT_TRUE(add_c<std::uint64_t>(2, 40));
    use_c_global();
    EXPECT_EQ(call("get_state_u64", {2}), 40u);
    EXPECT_EQ(call("get_state_u64", {2 + past_key_space}), 0u);
    EXPECT_EQ(call("set_state_u64", {2 + past_key_space, 1}), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(get_mempool_u64(mp, 2), 40u);
    EXPECT_EQ(call("set_state_u64", {2, 41}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 2), 41u);
    // A second key lives past the handle entry: the small pool's scan.
    EXPECT_EQ(call("set_state_u64", {3, 7}), MEMPOOL_OK);
    EXPECT_EQ(call("get_state_u64", {3}), 7u);
    EXPECT_EQ(call("set_state_u64", {3, 8}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 3), 8u);
    EXPECT_EQ(call("get_state_u64", {3 + past_key_space}), 0u);
    // The handle entry removed: key 2 is absent, and a set makes it again.
    remove_mempool(mp, 2);
    EXPECT_EQ(call("get_state_u64", {2}), 0u);
    EXPECT_EQ(call("set_state_u64", {2, 5}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 2), 5u);
}

// Not a number of 8 bytes in the handle entry: the general path decides.
TEST_P(PoolFastPaths, AHandleEntryOfAnotherKindIsNotOverwritten) {
    mem_pool* mp = c_pool;
    ASSERT_TRUE(add_c<std::uint32_t>(1, 6));
    use_c_global();
    EXPECT_EQ(call("get_state_u64", {1}), 6u);  // zero-extended
    EXPECT_EQ(call("set_state_u64", {1, 9}), MEMPOOL_OK);
    EXPECT_EQ(c_view.value_size(1).value_or(0), sizeof(std::uint64_t));
    EXPECT_EQ(call("get_state_u64", {1}), 9u);
    remove_mempool(mp, 1);
    char text[16] = "fifteen chars..";
    ASSERT_EQ(add_single_mempool(mp, 1, nullptr, sizeof text, text), 0);
    EXPECT_EQ(call("get_state_u64", {1}), 0u);  // too long for a number
    EXPECT_EQ(c_view.value_size(1).value_or(0), sizeof text);
}

// A pool gone big keeps its first key in the handle entry; a removed one
// there is empty (it keeps ordinal 0 as its key).
TEST_P(PoolFastPaths, ABigPoolsHandleEntry) {
    mem_pool* mp = c_pool;
    for (std::uint32_t k = 0; k < 20; ++k) ASSERT_TRUE(add_c<std::uint64_t>(k, 100 + k));
    use_c_global();
    EXPECT_EQ(call("get_state_u64", {0}), 100u);
    EXPECT_EQ(call("get_state_u64", {19}), 119u);
    EXPECT_EQ(call("get_state_u64", {past_key_space}), 0u);
    EXPECT_EQ(call("set_state_u64", {0, 1}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 0), 1u);
    remove_mempool(mp, 0);
    EXPECT_EQ(call("get_state_u64", {0}), 0u);
    EXPECT_EQ(call("set_state_u64", {0, 2}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 0), 2u);
    EXPECT_EQ(call("get_state_u64", {0}), 2u);
}

// A big pool's two recent keys (src/pool/core.hpp, "Recent keys") only
// shorten a lookup: a remembered key that was removed, whose entry another
// key took, or that now holds something other than an 8-byte number, is
// looked up again and read or set as without them.
TEST_P(PoolFastPaths, ABigPoolsRecentKeysFollowTheirEntries) {
    mem_pool* mp = c_pool;
    for (std::uint32_t k = 1; k <= 20; ++k) ASSERT_TRUE(add_c<std::uint64_t>(k, 100 + k));
    use_c_global();
    // Both words start at key 0 (ordinal 0, the handle's entry): key 0 is
    // not in the pool, and the handle entry holds key 1.
    EXPECT_EQ(call("get_state_u64", {0}), 0u);
    EXPECT_EQ(call("get_state_u64", {7}), 107u);
    EXPECT_EQ(call("get_state_u64", {12}), 112u);
    EXPECT_EQ(call("set_state_u64", {7, 1007}), MEMPOOL_OK);  // the second word
    EXPECT_EQ(call("set_state_u64", {12, 1012}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 7), 1007u);
    EXPECT_EQ(get_mempool_u64(mp, 12), 1012u);
    // Removed: its entry goes to the free list, then to the next new key.
    remove_mempool(mp, 12);
    EXPECT_EQ(call("get_state_u64", {12}), 0u);
    ASSERT_TRUE(add_c<std::uint64_t>(40, 140));
    EXPECT_EQ(call("get_state_u64", {12}), 0u);
    EXPECT_EQ(call("get_state_u64", {40}), 140u);
    EXPECT_EQ(call("set_state_u64", {12, 5}), MEMPOOL_OK);  // a new key again
    EXPECT_EQ(get_mempool_u64(mp, 12), 5u);
    EXPECT_EQ(get_mempool_u64(mp, 40), 140u);
    // Another kind of value at a remembered key: not overwritten as a number.
    EXPECT_EQ(call("get_state_u64", {7}), 1007u);
    std::uint32_t four = 4;
    remove_mempool(mp, 7);
    ASSERT_EQ(add_single_mempool(mp, 7, nullptr, sizeof four, &four), 0);
    EXPECT_EQ(call("set_state_u64", {7, 9}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 7), 9u);
    EXPECT_EQ(call("get_state_u64", {7}), 9u);
    // Many more keys (the index rebuilt, entries unmoved): still found.
    for (std::uint32_t k = 100; k < 400; ++k) ASSERT_TRUE(add_c<std::uint64_t>(k, k));
    EXPECT_EQ(call("get_state_u64", {7}), 9u);
    EXPECT_EQ(call("get_state_u64", {399}), 399u);
    for (std::uint32_t k = 1; k <= 20; ++k)
        if (k != 7 && k != 12) EXPECT_EQ(call("get_state_u64", {k}), 100u + k) << k;
}

// A free entry of a big pool keeps its ordinal as its key: with keys equal
// to their ordinals, a removed remembered key finds its own number there,
// and must still read as absent.
TEST_P(PoolFastPaths, ABigPoolsRecentKeyRemovedWhereKeysAreOrdinals) {
    mem_pool* mp = c_pool;
    for (std::uint32_t k = 0; k < 20; ++k) ASSERT_TRUE(add_c<std::uint64_t>(k, 100 + k));
    use_c_global();
    EXPECT_EQ(call("get_state_u64", {0}), 100u);  // the words' first key, present
    EXPECT_EQ(call("get_state_u64", {5}), 105u);
    EXPECT_EQ(call("get_state_u64", {9}), 109u);
    remove_mempool(mp, 5);
    remove_mempool(mp, 9);
    EXPECT_EQ(call("get_state_u64", {9}), 0u);
    EXPECT_EQ(call("get_state_u64", {5}), 0u);
    EXPECT_EQ(call("set_state_u64", {9, 1}), MEMPOOL_OK);
    EXPECT_EQ(get_mempool_u64(mp, 9), 1u);
    EXPECT_EQ(call("get_state_u64", {5}), 0u);
}

// The object pools go through the same shortcuts.
TEST_P(PoolFastPaths, ObjectPoolsMatchTheirKeyOnly) {
    Pool route;
    ASSERT_TRUE(route.set<std::uint64_t>(9, 30));
    CallScope scope;
    scope.objects[0] = &route;
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 9}, scope), 30u);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 9 + past_key_space}, scope), 0u);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 9 + past_key_space, 1}, scope), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 9, 31}, scope), MEMPOOL_OK);
    EXPECT_EQ(route.get_u64(9).value_or(0), 31u);
    ASSERT_TRUE(route.set<std::uint64_t>(10, 4));  // now a heap pool
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 9 + past_key_space}, scope), 0u);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 9, 32}, scope), MEMPOOL_OK);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 9}, scope), 32u);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 10}, scope), 4u);
    // No scope: no object pool, whatever the key.
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 9}), 0u);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 9, 1}), MEMPOOL_ERR_NO_POOL);
}

// An empty pool's first number (a new route's first attribute) goes
// straight into the Pool's word when key and value fit there, and through
// the pool otherwise; a key past the key space is refused, the pool left
// empty. (Its charge: Helpers.AFirstNumberIsChargedLikeAnyNewKey.)
TEST_P(PoolFastPaths, AnEmptyPoolsFirstNumber) {
    EXPECT_EQ(call("set_state_u64", {past_key_space, 1}), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(global.size(), 0u);
    EXPECT_EQ(call("set_state_u64", {3, 5}), MEMPOOL_OK);
    EXPECT_TRUE(global.holds_inline_value());
    EXPECT_EQ(global.get_u64(3).value_or(0), 5u);
    EXPECT_EQ(call("get_state_u64", {3}), 5u);

    Pool big_key, big_value;
    CallScope scope;
    scope.objects[0] = &big_key;
    scope.objects[1] = &big_value;
    const std::uint64_t past_inline = std::uint64_t{detail::kMaxInlineKey} + 1;
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, past_inline, 6}, scope), MEMPOOL_OK);
    EXPECT_FALSE(big_key.holds_inline_value());
    EXPECT_EQ(big_key.get_u64(static_cast<Key>(past_inline)).value_or(0), 6u);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_SECOND, 4, std::uint64_t{1} << 32}, scope), MEMPOOL_OK);
    EXPECT_FALSE(big_value.holds_inline_value());
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_SECOND, 4}, scope), std::uint64_t{1} << 32);
}

// Outside a run there is no frame for the helpers (current_call() null).
TEST_P(PoolFastPaths, NoFrameOutsideARun) {
    ASSERT_TRUE(global.set<std::uint64_t>(1, 1));
    EXPECT_EQ(call("get_state_u64", {1}), 1u);
    EXPECT_EQ(current_call(), nullptr);
    for (const HelperSpec& h : pool_helpers()) {
        if (h.name == "get_state_u64") EXPECT_EQ(h.fn(1, 0, 0, 0, 0), 0u);
        if (h.name == "set_state_u64") EXPECT_EQ(h.fn(1, 5, 0, 0, 0), MEMPOOL_ERR_NO_POOL);
    }
    EXPECT_EQ(global.get_u64(1).value_or(0), 1u);
}

std::string mode_name(const ::testing::TestParamInfo<bool>& info) { return info.param ? "jit" : "interpreter"; }
INSTANTIATE_TEST_SUITE_P(Modes, PoolFastPaths, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
