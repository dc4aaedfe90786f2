// xbgp_print_test.cpp: ebpf_print, log_msg and ubpf_sprintf as xBGP plugins
// write them (probes/xbgp/print.c): LOG_* values in struct vtype arrays on
// the stack, strings in .rodata and on the stack, the log mask and file;
// and an xBGP code's writable global kept across runs. JIT and interpreter.
#include "xbgp_support.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mempool::test {
namespace {

namespace fs = std::filesystem;

class XbgpPrint : public XbgpProbeTest {
protected:
    void SetUp() override {
        XbgpProbeTest::SetUp();
        log_path = (fs::temp_directory_path() / ("xbgp_print_" + std::to_string(::getpid()) + ".txt")).string();
        fs::remove(log_path);
    }
    void TearDown() override { fs::remove(log_path); }
    RunResult run(const std::string& section) {
        const PointId p = rt->point(section);
        if (rt->attached_count(p) == 0) {
            ProgramPtr prog = load("print.o", section);
            EXPECT_NE(prog, nullptr);
            if (prog == nullptr) return {};
            EXPECT_TRUE(rt->attach(p, prog, Anchor::replace, 0).ok());
        }
        return rt->run(p, {});
    }
    std::string log_text() {
        std::ifstream in(log_path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::uint64_t traced(std::uint64_t id) {
        for (auto [i, v] : trace)
            if (i == id) return v;
        ADD_FAILURE() << "nothing traced for " << id;
        return 0;
    }
    std::string log_path;
};

TEST_P(XbgpPrint, PrintAndLogWriteFormattedTextUnderTheMask) {
    ASSERT_TRUE(rt->set_log_file(log_path).ok());
    const std::string printed = "u=42 d=-7 x=ff s=ro t=stack %\n";
    RunResult r = run("xbgp/print");
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(r.value, printed.size());
    EXPECT_EQ(log_text(), printed + "WARN: peer AS65001 down\nDEBUG: debug 1\n");
    rt->set_log_mask(~0u & ~(1u << 1) & ~1u);  // DEBUG (bit 1) and ebpf_print (bit 0) masked out
    r = run("xbgp/print");
    EXPECT_EQ(log_text(), printed + "WARN: peer AS65001 down\nDEBUG: debug 1\n" + "WARN: peer AS65001 down\n");
    const PluginStatus s = rt->set_log_file("/nonexistent/dir/log.txt");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error.message.find("/nonexistent/dir/log.txt"), std::string::npos);
}

TEST_P(XbgpPrint, SprintfFormatsIntoThePluginsBufferAndSaysWhenItTruncates) {
    const RunResult r = run("xbgp/sprintf");
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(r.value, 11u);  // "-3-00042|ok"
    const std::uint64_t first8 = traced(10);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&first8), 8), "-3-00042");
    EXPECT_EQ(traced(11), ~0ull);  // "123456" in 4 bytes: -1, and "123" NUL-terminated
    EXPECT_EQ(traced(12), 0u);
}

TEST_P(XbgpPrint, SprintfNeverReadsAStringFromTheStack) {
    const RunResult r = run("xbgp/sprintf_stack");
    EXPECT_EQ(r.aborted, 0u);
    // "(invalid)(ptr)": the number after the stack pointer is past the bytes
    // the verifier proved pointer-free, so it is never printed as digits
    EXPECT_EQ(r.value, 14u);
    const std::uint64_t first8 = traced(14);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&first8), 8), "(invalid");
}

TEST_P(XbgpPrint, AForgedStringAddressIsNotRead) {
    ASSERT_TRUE(rt->set_log_file(log_path).ok());
    const RunResult r = run("xbgp/forged");
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(log_text(), "[(invalid)][hp][(ptr)]\n");
}

TEST_P(XbgpPrint, AWritableGlobalIsKeptAcrossRuns) {
    PluginSource src{xbgp_probe("globals.o"), ".text", "globals"};
    src.abi = PluginAbi::xbgp;
    LoadResult l = rt->load(src);
    ASSERT_TRUE(l) << l.error().to_string();
    const PointId p = rt->point("g");
    ASSERT_TRUE(rt->attach(p, l.value(), Anchor::pre, 0).ok());
    EXPECT_EQ(rt->run(p, {}).value, 1u);
    EXPECT_EQ(rt->run(p, {}).value, 2u);
    EXPECT_EQ(rt->run(p, {}).value, 3u);
}

INSTANTIATE_TEST_SUITE_P(Modes, XbgpPrint, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
