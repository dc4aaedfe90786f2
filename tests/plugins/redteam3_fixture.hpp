// redteam3_fixture.hpp: what the third red-team pass's tests share
// (redteam3_test.cpp): the xBGP probe fixture (JIT and interpreter), the
// attackers of probes/xbgp/redteam3.c loaded with a heap, group and shared
// memory of the test's choosing, each alone at a point of its own, the
// probes' traces, and run_other(), a host helper that runs another point
// from inside a plugin (a nested run()).
//
//   const PointId p = alone(code("r3/scan_arena", 64u << 10), "scan");
//   modes[2] = 64u << 10;                      // what the probe reads
//   EXPECT_EQ(rt->run(p, {}, {}, {}).value, 0u);
#pragma once

#include "xbgp_support.hpp"

#include <string>

namespace mempool::test {

inline constexpr std::uint64_t secret = 0x5e5e5e5e5e5e5e5eull;

class Redteam3Test : public XbgpProbeTest {
protected:
    void SetUp() override {
        XbgpProbeTest::SetUp();
        current = this;
        HelperSpec h;
        h.name = "run_other";
        h.fn = &run_other;
        h.arg_count = 0;
        ASSERT_TRUE(rt->register_helper(h).ok());
    }
    void TearDown() override { current = nullptr; }

    // Section `section` of redteam3.o as an xBGP code with its own heap (and
    // shared memory, in group `group`, when `shared` is not 0).
    ProgramPtr code(const std::string& section, std::uint32_t heap, const std::string& group = {},
                    std::uint32_t shared = 0, const char* file = "redteam3.o", Runtime* in = nullptr) {
        PluginSource src{xbgp_probe(file), section, section + "@" + std::to_string(heap) + group};
        src.abi = PluginAbi::xbgp;
        src.limits.heap = heap;
        src.group = group;
        if (shared != 0) src.limits.shared_memory = shared;
        LoadResult r = (in != nullptr ? *in : *rt).load(src);
        EXPECT_TRUE(r) << section << ": " << r.error().to_string() << "\n" << join(r.error().diagnostics);
        return r ? r.value() : nullptr;
    }
    // A point of its own holding `p` as its one replace plugin.
    PointId alone(const ProgramPtr& p, const std::string& name, Runtime* in = nullptr) {
        Runtime& r = in != nullptr ? *in : *rt;
        const PointId point = r.point(name);
        EXPECT_TRUE(r.attach(point, p, Anchor::replace, 0).ok()) << name;
        return point;
    }
    // The last value traced under `id` (UINT64_MAX: none).
    static std::uint64_t traced(std::uint64_t id) {
        std::uint64_t v = UINT64_MAX;
        for (auto [i, value] : trace)
            if (i == id) v = value;
        return v;
    }
    static std::size_t times_traced(std::uint64_t id) {
        std::size_t n = 0;
        for (auto [i, value] : trace) n += i == id;
        return n;
    }

    // run_other(): the test's host helper that runs `other` from inside a
    // plugin (a nested run()).
    static std::uint64_t run_other(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
        if (current == nullptr || !current->other.valid()) return 0;
        const RunResult r = current->rt->run(current->other, {});
        current->other_result = r.value;
        return r.value;
    }
    static inline Redteam3Test* current = nullptr;
    PointId other;
    std::uint64_t other_result = 0;
};

}  // namespace mempool::test
