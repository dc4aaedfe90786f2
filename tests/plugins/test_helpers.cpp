// The built-in pool helpers, driven from plugins (tests/plugins/probes/
// helper_probes.c) under the JIT and the interpreter: bounds, wrong kinds,
// missing keys, clamped lengths, the overwrite of set_state_u64.
#include "test_support.hpp"

#include <array>
#include <cstring>

namespace mempool::test {
namespace {

class Helpers : public ::testing::TestWithParam<bool> {
protected:
    Helpers() : rt(options_for(GetParam())) { rt.set_global_pool(&global); }

    // Runs probe `name` with numeric arguments (bytes arguments via run()).
    std::uint64_t call(const char* name, std::initializer_list<std::uint64_t> nums, CallScope scope = {}) {
        std::vector<Arg> args;
        for (std::uint64_t n : nums) args.push_back(Arg::u64(n));
        return call_args(name, args, scope);
    }
    std::uint64_t call_args(const char* name, std::span<const Arg> args, CallScope scope = {}) {
        const std::string section = std::string("probe/") + name;
        PointId p = rt.find_point(section);
        if (!p.valid()) p = attach_probe(rt, probes("helper_probes.o"), section);
        RunResult r = rt.run(p, args, scope);
        EXPECT_EQ(r.ran, 1u) << name;
        return r.value;
    }
    // Probe `name` loaded under its own limits, the only plugin at point
    // `label`: the program (its counters) and the point, or a null program.
    struct Limited {
        ProgramPtr program;
        PointId point;
    };
    Limited load_limited(const char* name, const char* label, const PluginLimits& limits) {
        PluginSource src{probes("helper_probes.o"), std::string("probe/") + name, label};
        src.limits = limits;
        LoadResult r = rt.load(src);
        if (!r) {
            ADD_FAILURE() << r.error().to_string();
            return {};
        }
        const PointId p = rt.point(label);
        if (!rt.attach(p, r.value()).ok()) {
            ADD_FAILURE() << "cannot attach " << name;
            return {};
        }
        return {r.value(), p};
    }
    std::string bytes_at(Pool& pool, Key key) {
        auto b = pool.bytes(key);
        return b ? to_string(b.value()) : std::string("<none>");
    }

    Pool global;
    Runtime rt;
};

constexpr std::uint64_t big_key = std::uint64_t{1} << 32;  // beyond the 32-bit key space
const std::string pattern = [] {
    std::string s(MEMPOOL_ARG_SIZE, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('A' + i % 26);
    return s;
}();

TEST_P(Helpers, GetStateU64ReadsSmallValuesAndZeroOtherwise) {
    EXPECT_EQ(call("get_state_u64", {1}), 0u);  // missing
    ASSERT_TRUE(global.set<std::uint64_t>(1, 42));
    EXPECT_EQ(call("get_state_u64", {1}), 42u);
    ASSERT_TRUE(global.set<std::uint16_t>(2, 0x1234));
    EXPECT_EQ(call("get_state_u64", {2}), 0x1234u);  // zero-extended
    ASSERT_TRUE(global.assign(3, as_bytes(std::string(16, 'x'))));
    EXPECT_EQ(call("get_state_u64", {3}), 0u);  // too long for a number
    ASSERT_TRUE(global.push<std::uint32_t>(4, 9));
    EXPECT_EQ(call("get_state_u64", {4}), 0u);  // a list
    ASSERT_TRUE(global.set<std::uint64_t>(0, 77));
    EXPECT_EQ(call("get_state_u64", {big_key}), 0u);  // not truncated to key 0
    rt.set_global_pool(nullptr);
    EXPECT_EQ(call("get_state_u64", {1}), 0u);
}

TEST_P(Helpers, SetStateU64CreatesAndOverwrites) {
    EXPECT_EQ(call("set_state_u64", {5, 7}), MEMPOOL_OK);
    EXPECT_EQ(global.get_u64(5).value_or(0), 7u);
    EXPECT_EQ(call("set_state_u64", {5, 8}), MEMPOOL_OK);  // overwrite, not refuse
    EXPECT_EQ(global.get_u64(5).value_or(0), 8u);
    EXPECT_EQ(call("set_state", {5, 9}), MEMPOOL_OK);  // the specification's alias
    EXPECT_EQ(global.get_u64(5).value_or(0), 9u);
    ASSERT_TRUE(global.set<std::uint32_t>(6, 1));
    EXPECT_EQ(call("set_state_u64", {6, 0x1122334455}), MEMPOOL_OK);  // 4-byte value replaced
    EXPECT_EQ(global.get_u64(6).value_or(0), 0x1122334455u);
}

int cleanups_run = 0;
void count_cleanup(void*) { ++cleanups_run; }

// The heap pool's overwrite takes a shortcut for a small pool's plain 8-byte
// number; a value with a cleanup, and every key of a big pool, take the
// general path. Each must end as Pool::set<std::uint64_t> would.
TEST_P(Helpers, SetStateU64OverwritesHeapPoolsSmallAndBig) {
    ASSERT_TRUE(global.set<std::uint64_t>(1, 1));
    ASSERT_TRUE(global.set<std::uint64_t>(2, 2));  // two keys: a heap pool
    EXPECT_EQ(call("set_state_u64", {2, 0x1122334455667788}), MEMPOOL_OK);
    EXPECT_EQ(global.get_u64(2).value_or(0), 0x1122334455667788u);
    EXPECT_EQ(global.get_u64(1).value_or(0), 1u);

    cleanups_run = 0;
    const std::uint64_t old_value = 3;
    ASSERT_TRUE(global.assign(3, std::as_bytes(std::span(&old_value, 1)), count_cleanup));
    EXPECT_EQ(call("set_state_u64", {3, 4}), MEMPOOL_OK);
    EXPECT_EQ(global.get_u64(3).value_or(0), 4u);
    EXPECT_EQ(cleanups_run, 1);  // the replaced value's cleanup, once
    EXPECT_EQ(call("set_state_u64", {3, 5}), MEMPOOL_OK);
    EXPECT_EQ(cleanups_run, 1);  // the new value came without one

    for (Key k = 10; k < 40; ++k) ASSERT_TRUE(global.set<std::uint64_t>(k, k));  // a big pool
    for (Key k = 10; k < 40; ++k) EXPECT_EQ(call("set_state_u64", {k, 1000 + k}), MEMPOOL_OK);
    for (Key k = 10; k < 40; ++k) EXPECT_EQ(global.get_u64(k).value_or(0), 1000u + k);
    EXPECT_EQ(call("set_state_u64", {40, 7}), MEMPOOL_OK);  // a new key in a big pool
    EXPECT_EQ(global.get_u64(40).value_or(0), 7u);
}

TEST_P(Helpers, SetStateU64RefusesOtherKindsAndBadKeys) {
    ASSERT_TRUE(global.push<std::uint32_t>(1, 3));
    EXPECT_EQ(call("set_state_u64", {1, 7}), MEMPOOL_ERR_WRONG_KIND);
    EXPECT_EQ(global.list(1).value().size(), 1u);
    int host_object = 0;
    ASSERT_TRUE(global.add_reference(2, &host_object));
    EXPECT_EQ(call("set_state_u64", {2, 7}), MEMPOOL_ERR_WRONG_KIND);
    EXPECT_EQ(global.reference(2).value(), &host_object);
    EXPECT_EQ(call("set_state_u64", {big_key, 7}), MEMPOOL_ERR_INVALID);
    EXPECT_FALSE(global.contains(0));
    rt.set_global_pool(nullptr);
    EXPECT_EQ(call("set_state_u64", {3, 7}), MEMPOOL_ERR_NO_POOL);
}

TEST_P(Helpers, GetStateLen) {
    EXPECT_EQ(call("get_state_len", {1}), 0u);
    ASSERT_TRUE(global.assign(1, as_bytes("hello")));
    EXPECT_EQ(call("get_state_len", {1}), 5u);
    ASSERT_TRUE(global.push<std::uint64_t>(2, 1));
    EXPECT_EQ(call("get_state_len", {2}), 0u);
}

TEST_P(Helpers, GetStateBufCopiesClampedLengths) {
    const std::string ten = "0123456789";
    ASSERT_TRUE(global.assign(1, as_bytes(ten)));
    EXPECT_EQ(call("get_state_buf", {1, MEMPOOL_BUF_SIZE, 100}), 10u);
    EXPECT_EQ(bytes_at(global, 100), ten + std::string(MEMPOOL_BUF_SIZE - 10, '\0'));
    EXPECT_EQ(call("get_state_buf", {1, 4, 101}), 4u);  // shorter than the value
    EXPECT_EQ(bytes_at(global, 101), "0123" + std::string(MEMPOOL_BUF_SIZE - 4, '\0'));

    ASSERT_TRUE(global.assign(2, as_bytes(pattern)));  // 128 bytes: more than a buffer
    EXPECT_EQ(call("get_state_buf", {2, 1000, 102}), std::uint64_t{MEMPOOL_BUF_SIZE});
    EXPECT_EQ(bytes_at(global, 102), pattern.substr(0, MEMPOOL_BUF_SIZE));

    EXPECT_EQ(call("get_state_buf", {3, MEMPOOL_BUF_SIZE, 103}), 0u);  // missing
    EXPECT_EQ(bytes_at(global, 103), std::string(MEMPOOL_BUF_SIZE, '\0'));
    ASSERT_TRUE(global.push<std::uint32_t>(4, 1));
    EXPECT_EQ(call("get_state_buf", {4, MEMPOOL_BUF_SIZE, 104}), 0u);  // a list
    EXPECT_EQ(call("get_state_buf", {1, 0, 105}), 0u);                 // zero length
    EXPECT_EQ(call("get_state_buf", {big_key + 1, 8, 106}), 0u);
}

TEST_P(Helpers, SetStateBufStoresClampedLengths) {
    const Arg bytes = Arg::bytes(as_bytes(pattern));
    std::array<Arg, 3> args{Arg::u64(1), bytes, Arg::u64(10)};
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_OK);
    EXPECT_EQ(bytes_at(global, 1), pattern.substr(0, 10));
    args = {Arg::u64(1), bytes, Arg::u64(3)};  // overwrite with another length
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_OK);
    EXPECT_EQ(bytes_at(global, 1), pattern.substr(0, 3));
    args = {Arg::u64(2), bytes, Arg::u64(100000)};
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_OK);
    EXPECT_EQ(bytes_at(global, 2), pattern.substr(0, MEMPOOL_BUF_SIZE));
    args = {Arg::u64(3), bytes, Arg::u64(0)};
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_ERR_INVALID);
    EXPECT_FALSE(global.contains(3));
    ASSERT_TRUE(global.push<std::uint32_t>(4, 1));
    args = {Arg::u64(4), bytes, Arg::u64(8)};
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_ERR_WRONG_KIND);
    args = {Arg::u64(big_key), bytes, Arg::u64(8)};
    EXPECT_EQ(call_args("set_state_buf", args), MEMPOOL_ERR_INVALID);
}

TEST_P(Helpers, ListAppendLengthAndBoundedRead) {
    const std::string abcd = "abcdefgh";
    std::array<Arg, 3> args{Arg::u64(1), Arg::bytes(as_bytes("abcd")), Arg::u64(4)};
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_OK);
    args[1] = Arg::bytes(as_bytes("efgh"));
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_OK);
    args[1] = Arg::bytes(as_bytes("ijkl"));
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_OK);
    EXPECT_EQ(call("state_list_len", {1}), 3u);
    ASSERT_EQ(global.list(1).value().size(), 3u);

    EXPECT_EQ(call("get_state_elem", {1, 1, MEMPOOL_BUF_SIZE, 100}), 4u);
    EXPECT_EQ(bytes_at(global, 100), "efgh" + std::string(MEMPOOL_BUF_SIZE - 4, '\0'));
    EXPECT_EQ(call("get_state_elem", {1, 2, 2, 101}), 2u);  // shorter read
    EXPECT_EQ(bytes_at(global, 101), "ij" + std::string(MEMPOOL_BUF_SIZE - 2, '\0'));
    EXPECT_EQ(call("get_state_elem", {1, 3, MEMPOOL_BUF_SIZE, 102}), 0u);  // past the end
    EXPECT_EQ(call("get_state_elem", {1, std::uint64_t{1} << 40, 8, 103}), 0u);
    EXPECT_EQ(bytes_at(global, 103), std::string(MEMPOOL_BUF_SIZE, '\0'));

    args = {Arg::u64(1), Arg::bytes(as_bytes(abcd)), Arg::u64(8)};  // another element size
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_ERR_WRONG_SIZE);
    args = {Arg::u64(1), Arg::bytes(as_bytes(abcd)), Arg::u64(0)};
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_ERR_INVALID);
    EXPECT_EQ(call("state_list_len", {1}), 3u);

    ASSERT_TRUE(global.set<std::uint64_t>(2, 5));
    args = {Arg::u64(2), Arg::bytes(as_bytes(abcd)), Arg::u64(4)};
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_ERR_WRONG_KIND);  // a value
    EXPECT_EQ(call("state_list_len", {2}), 0u);
    EXPECT_EQ(call("get_state_elem", {2, 0, 8, 104}), 0u);
    EXPECT_EQ(call("state_list_len", {9}), 0u);  // missing

    args = {Arg::u64(3), Arg::bytes(as_bytes(pattern)), Arg::u64(5000)};  // clamped element
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_OK);
    EXPECT_EQ(global.list(3).value().element_size(), std::uint32_t{MEMPOOL_BUF_SIZE});
    EXPECT_EQ(call("get_state_elem", {3, 0, 1000, 105}), std::uint64_t{MEMPOOL_BUF_SIZE});
    EXPECT_EQ(bytes_at(global, 105), pattern.substr(0, MEMPOOL_BUF_SIZE));
}

// A plugin that keeps appending to the global pool stops at its limit, with
// MEMPOOL_ERR_LIMIT, and the pool keeps what was added before; the limit is
// the plugin's own (manifest "global_pool_bytes", PluginSource::limits).
TEST_P(Helpers, AppendingStopsAtTheGlobalPoolLimit) {
    const auto [program, p] = load_limited("append_state", "greedy", PluginLimits{.global_pool_bytes = 1000});
    ASSERT_TRUE(program);
    EXPECT_EQ(program->global_pool_limit(), 1000u);
    std::array<Arg, 3> args{Arg::u64(1), Arg::bytes(as_bytes(pattern)), Arg::u64(16)};
    std::uint64_t ok = 0, refused = 0;
    for (int i = 0; i < 200; ++i) {
        const std::uint64_t v = rt.run(p, args).value;
        if (v == MEMPOOL_OK) ++ok;
        else if (v == MEMPOOL_ERR_LIMIT) ++refused;
    }
    // 32 + 16 for the first element (a new key), then 16 each: 1 + (1000 - 48) / 16 = 60.
    EXPECT_EQ(ok, 60u);
    EXPECT_EQ(refused, 200u - ok);
    EXPECT_EQ(global.list(1).value().size(), ok);
    EXPECT_LE(program->global_pool_added(), 1000u);
    EXPECT_EQ(program->limit_hits(), refused);
    // Another plugin has its own budget (the default, 16 MiB).
    EXPECT_EQ(call_args("append_state", args), MEMPOOL_OK);
}

// Object pools: the limit is per run (each run is one object, one route).
TEST_P(Helpers, ObjectPoolLimitIsPerRun) {
    const auto [program, p] = load_limited("append_attr", "attr_greedy", PluginLimits{.object_pool_bytes = 40});
    ASSERT_TRUE(program);
    Pool route;
    CallScope scope;
    scope.objects[0] = &route;
    std::array<Arg, 4> args{Arg::u64(MEMPOOL_OBJ_FIRST), Arg::u64(5), Arg::bytes(as_bytes(pattern)), Arg::u64(8)};
    EXPECT_EQ(rt.run(p, args, scope).value, MEMPOOL_OK);  // 8 + 32 = 40: just fits
    EXPECT_EQ(rt.run(p, args, scope).value, MEMPOOL_OK);  // a new run, a new budget: 8
    args[3] = Arg::u64(16);
    args[1] = Arg::u64(6);
    EXPECT_EQ(rt.run(p, args, scope).value, MEMPOOL_ERR_LIMIT);  // 16 + 32 > 40
    EXPECT_FALSE(route.contains(6));
    EXPECT_EQ(route.list(5).value().size(), 2u);
}

// A route's first number (set_attr_u64 on an empty pool) is stored in the
// pool's handle without a call into the pool, and is charged as any new key:
// past the plugin's object limit it is refused and the pool stays empty.
TEST_P(Helpers, AFirstNumberIsChargedLikeAnyNewKey) {
    // 8 + 32 for a new key: one byte short.
    const auto [program, p] = load_limited("set_attr_u64", "first_number", PluginLimits{.object_pool_bytes = 39});
    ASSERT_TRUE(program);
    Pool route;
    CallScope scope;
    scope.objects[0] = &route;
    std::array<Arg, 3> args{Arg::u64(MEMPOOL_OBJ_FIRST), Arg::u64(7), Arg::u64(42)};
    EXPECT_EQ(rt.run(p, args, scope).value, MEMPOOL_ERR_LIMIT);
    EXPECT_EQ(route.size(), 0u);
    EXPECT_EQ(program->limit_hits(), 1u);

    // The default limit: the number lands, readable through the pool's API.
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 7, 42}, scope), MEMPOOL_OK);
    EXPECT_EQ(route.get_u64(7).value_or(0), 42u);
    EXPECT_EQ(route.size(), 1u);
    // One that does not fit the handle (at least 2^32) goes through the pool.
    Pool other;
    scope.objects[0] = &other;
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 7, std::uint64_t{1} << 40}, scope), MEMPOOL_OK);
    EXPECT_EQ(other.get_u64(7).value_or(0), std::uint64_t{1} << 40);
}

TEST_P(Helpers, AttrHelpersActOnTheObjectsOfTheCall) {
    Pool route_a, route_b;
    CallScope one;
    one.objects[0] = &route_a;
    CallScope two;
    two.objects[0] = &route_a;
    two.objects[1] = &route_b;

    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 1, 17}, one), MEMPOOL_OK);
    EXPECT_EQ(route_a.get_u64(1).value_or(0), 17u);
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 1, 18}, one), MEMPOOL_OK);  // overwrite
    EXPECT_EQ(route_a.get_u64(1).value_or(0), 18u);
    EXPECT_FALSE(global.contains(1));  // not the global pool
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_SECOND, 1, 5}, one), MEMPOOL_ERR_NO_POOL);
    EXPECT_EQ(call("set_attr_u64", {7, 1, 5}, two), MEMPOOL_ERR_INVALID);  // no such object
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_SECOND, 1, 5}, two), MEMPOOL_OK);
    EXPECT_EQ(route_b.get_u64(1).value_or(0), 5u);

    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 1}, two), 18u);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_SECOND, 1}, two), 5u);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_SECOND, 1}, one), 0u);
    EXPECT_EQ(call("get_attr_u64", {2, 1}, two), 0u);
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 1}), 0u);  // no scope at all
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, big_key + 1}, two), 0u);
    EXPECT_EQ(call("get_attr_len", {MEMPOOL_OBJ_FIRST, 1}, two), 8u);
    EXPECT_EQ(call("get_attr_len", {MEMPOOL_OBJ_FIRST, 2}, two), 0u);
}

TEST_P(Helpers, AttrBuffersAndLists) {
    Pool route;
    CallScope scope;
    scope.objects[0] = &route;
    std::array<Arg, 4> args{Arg::u64(MEMPOOL_OBJ_FIRST), Arg::u64(3), Arg::bytes(as_bytes(pattern)),
                            Arg::u64(100000)};
    EXPECT_EQ(call_args("set_attr_buf", args, scope), MEMPOOL_OK);
    EXPECT_EQ(bytes_at(route, 3), pattern.substr(0, MEMPOOL_BUF_SIZE));
    EXPECT_EQ(call("get_attr_buf", {MEMPOOL_OBJ_FIRST, 3, 5, 200}, scope), 5u);
    EXPECT_EQ(bytes_at(global, 200), pattern.substr(0, 5) + std::string(MEMPOOL_BUF_SIZE - 5, '\0'));
    EXPECT_EQ(call("get_attr_buf", {MEMPOOL_OBJ_SECOND, 3, 5, 201}, scope), 0u);
    args[0] = Arg::u64(MEMPOOL_OBJ_SECOND);
    EXPECT_EQ(call_args("set_attr_buf", args, scope), MEMPOOL_ERR_NO_POOL);

    args = {Arg::u64(MEMPOOL_OBJ_FIRST), Arg::u64(4), Arg::bytes(as_bytes("wxyz")), Arg::u64(2)};
    EXPECT_EQ(call_args("append_attr", args, scope), MEMPOOL_OK);
    args[2] = Arg::bytes(as_bytes("qrst"));
    EXPECT_EQ(call_args("append_attr", args, scope), MEMPOOL_OK);
    EXPECT_EQ(call("attr_list_len", {MEMPOOL_OBJ_FIRST, 4}, scope), 2u);
    EXPECT_EQ(call("attr_list_len", {MEMPOOL_OBJ_SECOND, 4}, scope), 0u);
    EXPECT_EQ(call("get_attr_elem", {MEMPOOL_OBJ_FIRST, 4, 1, 64, 202}, scope), 2u);
    EXPECT_EQ(bytes_at(global, 202), "qr" + std::string(MEMPOOL_BUF_SIZE - 2, '\0'));
    EXPECT_EQ(call("get_attr_elem", {MEMPOOL_OBJ_FIRST, 4, 2, 64, 203}, scope), 0u);
    args = {Arg::u64(MEMPOOL_OBJ_FIRST), Arg::u64(3), Arg::bytes(as_bytes("wxyz")), Arg::u64(2)};
    EXPECT_EQ(call_args("append_attr", args, scope), MEMPOOL_ERR_WRONG_KIND);
    args = {Arg::u64(9), Arg::u64(5), Arg::bytes(as_bytes("wxyz")), Arg::u64(2)};
    EXPECT_EQ(call_args("append_attr", args, scope), MEMPOOL_ERR_INVALID);
}

TEST_P(Helpers, AttrPoolStartsEmptyAndAllocatesOnFirstStore) {
    Pool route;  // an embedded pool with nothing in it yet
    CallScope scope;
    scope.objects[0] = &route;
    EXPECT_EQ(call("get_attr_u64", {MEMPOOL_OBJ_FIRST, 1}, scope), 0u);
    EXPECT_TRUE(route.empty());
    EXPECT_EQ(call("set_attr_u64", {MEMPOOL_OBJ_FIRST, 1, 3}, scope), MEMPOOL_OK);
    EXPECT_EQ(route.get_u64(1).value_or(0), 3u);
}

INSTANTIATE_TEST_SUITE_P(Modes, Helpers, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
