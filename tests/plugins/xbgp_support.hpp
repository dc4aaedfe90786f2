// xbgp_support.hpp: what the xBGP runtime tests share: where the xBGP probes
// are (tests/plugins/probes/xbgp, compiled against our xBGP API headers),
// a runtime with the generic xBGP helpers in either mode, and small test
// helpers the probes call (test_mode, test_trace, test_fail) over a
// per-test record. Every test runs twice: JIT and interpreter.
//
//   XbgpProbeTest::modes[1] = MODE_NEXT;      // what probe 1 does
//   auto r = rt->run(point, {}, {}, DefaultCode::of(builtin));
//   EXPECT_EQ(XbgpProbeTest::trace, (Trace{{1, 0}, {2, 0}, {1, 1002}}));
#pragma once

#include "test_support.hpp"

#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace mempool::test {

inline std::string xbgp_probe(const char* file) { return std::string(MEMPOOL_TEST_XBGP_PROBES_DIR) + "/" + file; }

using Trace = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

class XbgpProbeTest : public ::testing::TestWithParam<bool> {
public:
    // What probe `id` does (anchors.c's MODE_*); 100: the far offset of MODE_ABORT.
    static inline std::map<std::uint64_t, std::uint64_t> modes;
    static inline Trace trace;

protected:
    void SetUp() override {
        modes.clear();
        trace.clear();
        modes[100] = 1u << 30;
        RuntimeOptions o = options_for(GetParam());
        o.xbgp_helpers = true;
        rt = std::make_unique<Runtime>(o);
        for (auto [name, fn, n] : {std::tuple{"test_mode", &test_mode, 1}, std::tuple{"test_trace", &test_trace, 2},
                                   std::tuple{"test_fail", &test_fail, 0}}) {
            HelperSpec h;
            h.name = name;
            h.fn = fn;
            h.arg_count = static_cast<std::uint8_t>(n);
            ASSERT_TRUE(rt->register_helper(h).ok()) << name;
        }
    }

    // Loads section `section` of an xBGP probe object as an xBGP code.
    ProgramPtr load(const char* file, const std::string& section, std::string name = {}) {
        PluginSource src{xbgp_probe(file), section, std::move(name)};
        src.abi = PluginAbi::xbgp;
        LoadResult r = rt->load(src);
        EXPECT_TRUE(r) << r.error().to_string() << "\n" << join(r.error().diagnostics);
        if (r) EXPECT_EQ(r.value()->jitted(), GetParam()) << section;
        return r ? r.value() : nullptr;
    }

    static std::string join(const std::vector<std::string>& lines) {
        std::string s;
        for (const auto& l : lines) s += l + "\n";
        return s;
    }

    std::unique_ptr<Runtime> rt;

    // The probes' helpers (protected: a fixture registers them on a second Runtime too).
    static std::uint64_t test_mode(std::uint64_t id, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
        auto it = modes.find(id);
        return it == modes.end() ? 0 : it->second;
    }
    static std::uint64_t test_trace(std::uint64_t id, std::uint64_t v, std::uint64_t, std::uint64_t, std::uint64_t) {
        trace.emplace_back(id, v);
        return 0;
    }
    static std::uint64_t test_fail(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
        fail_current_plugin();
        return 0;
    }
};

}  // namespace mempool::test
