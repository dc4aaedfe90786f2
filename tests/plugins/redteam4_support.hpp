// redteam4_support.hpp: what the fourth red-team pass's tests share
// (redteam4_test.cpp, redteam4_holes_test.cpp): the probe objects' paths, a
// scratch folder per test, and mempool-bgp run on a real MRT file with
// manifests the test writes, under the JIT or the interpreter.
//
//   Redteam4Bgp t;                                    // a fixture, JIT/interpreter by parameter
//   const std::string m = t.manifest("p", R"("bgp_encode_attr": {"replace": {"0": "x"}})",
//                                     {{"x", "redteam4_encode_replace.o"}});
//   const ToolRun r = t.replay({"--plugins", m, "--export-to", kExportConfig, ...});
//   EXPECT_EQ(r.status, 0) << r.output;
#pragma once

#include <gtest/gtest.h>

#include "xbgp_support.hpp"  // XbgpProbeTest (MEMPOOL_TEST_XBGP_PROBES_DIR: the redteam4 probes)

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace mempool::test::redteam4 {

inline const std::string kProbes = MEMPOOL_TEST_REDTEAM4_PROBES_DIR;
// mempool-bgp: this build's, or MEMPOOL_REDTEAM4_BGP_TOOL (another build,
// e.g. one with a patch applied).
inline const std::string kTool = [] {
    const char* env = std::getenv("MEMPOOL_REDTEAM4_BGP_TOOL");
    return std::string(env != nullptr && *env != 0 ? env : MEMPOOL_TEST_BGP_TOOL);
}();
inline const std::string kExportConfig = MEMPOOL_TEST_EXPORT_CONFIG;

// A real MRT file: MEMPOOL_MRT_DATA from the environment first.
inline std::string mrt_file(const std::string& name) {
    const char* env = std::getenv("MEMPOOL_MRT_DATA");
    return std::string(env != nullptr && *env != 0 ? env : MEMPOOL_TEST_MRT_DATA) + "/" + name;
}

inline std::string probe(const std::string& object) { return kProbes + "/" + object; }

struct ToolRun {
    int status = -1;     // the exit status, or -1 if the process did not exit (a signal)
    std::string output;  // standard output and standard error together
};

// Runs mempool-bgp with `args` (each quoted for the shell), stopped after
// 120 s (status 124): an attack that hangs the host fails its test instead
// of the suite.
inline ToolRun run_tool(const std::vector<std::string>& args) {
    std::string cmd = "timeout 120 '" + kTool + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " 2>&1";
    ToolRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A scratch folder per test, removed afterwards; GetParam() true: interpreter.
class Redteam4Bgp : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = std::string(info->test_suite_name()) + "_" + info->name();
        for (char& c : name)
            if (c == '/') c = '_';
        dir = std::filesystem::temp_directory_path() / ("mempool_redteam4_" + name + "_" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    // A *.plugin named `name` in the scratch folder: codes (code name,
    // probe object) with every permission, and `points` (the JSON members
    // of "insertion_points").
    std::string manifest(const std::string& name, const std::string& points,
                         const std::vector<std::pair<std::string, std::string>>& codes,
                         const std::string& extra = "\"extra_mem\": 4096") {
        std::string list;
        for (const auto& [code, object] : codes) {
            if (!list.empty()) list += ", ";
            list += "\"" + code + "\": {\"obj\": \"" + probe(object) +
                    "\", \"permissions\": [\"read\", \"write\", \"usr_ptr\"]}";
        }
        const std::filesystem::path path = dir / (name + ".plugin");
        write_file(path, "{\"name\": \"" + name + "\", \"jit_all\": true, " + extra + ", \"obj_code_list\": {" + list +
                             "}, \"insertion_points\": {" + points + "}}\n");
        return path.string();
    }

    // mempool-bgp replay with `args`, then --interpreter if the parameter says so.
    ToolRun replay(std::vector<std::string> args) {
        args.insert(args.begin(), "replay");
        if (GetParam()) args.insert(args.begin() + 1, "--interpreter");
        return run_tool(args);
    }

    std::filesystem::path dir;
};

inline std::string mode_name(const ::testing::TestParamInfo<bool>& info) { return info.param ? "interpreter" : "jit"; }

// Runtime-level cases (no mempool-bgp): the generic xBGP helpers on the
// probes of redteam4_stack.c, JIT and interpreter (XbgpProbeTest's
// parameter: true is the JIT there; name them with test::mode_name).
class Redteam4Runtime : public XbgpProbeTest {
protected:
    // Section `section` as an xBGP code alone at a point of its own; an
    // invalid PointId if the verifier refused it (`refusal` says why).
    PointId try_alone(const char* section, std::string* refusal = nullptr) {
        PluginSource src{xbgp_probe("redteam4_stack.o"), section, section};
        src.abi = PluginAbi::xbgp;
        LoadResult r = rt->load(src);
        if (!r) {
            if (refusal != nullptr) *refusal = r.error().to_string();
            return PointId{};
        }
        const PointId point = rt->point(section);
        EXPECT_TRUE(rt->attach(point, r.value(), Anchor::replace, 0).ok()) << section;
        return point;
    }
    PointId alone(const char* section) {
        std::string why;
        const PointId p = try_alone(section, &why);
        EXPECT_TRUE(p.valid()) << section << ": " << why;
        return p;
    }
};

}  // namespace mempool::test::redteam4
