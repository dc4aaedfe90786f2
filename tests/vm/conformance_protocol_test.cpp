// conformance_protocol_test.cpp: our conformance suite (tests/vm/conformance)
// through mempool-bpf-conformance-plugin, driven the way the bpf_conformance
// runner drives a plugin: the program's bytecode as hex bytes on standard
// input (two spaces after each byte, as the runner writes them), the memory
// as hex in the first argument when there is any, the options after it, and
// R0 read back from standard output. Both modes: the JIT, and
// `--interpreter` as the runner's --plugin_options passes it.
//
// Files with read-only data are left out (the protocol carries bytecode
// only), and so are those whose -- asm the runner could not hand over.
#include "conformance_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#ifndef MEMPOOL_CONFORMANCE_DIR
#error "MEMPOOL_CONFORMANCE_DIR must name tests/vm/conformance"
#endif
#ifndef MEMPOOL_CONFORMANCE_PLUGIN
#error "MEMPOOL_CONFORMANCE_PLUGIN must name the built mempool-bpf-conformance-plugin"
#endif

namespace mempool::vm {
namespace {

// Bytes as the runner encodes them: "b7  00  ...".
std::string runner_hex(const std::uint8_t* p, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
        s += "  ";
    }
    return s;
}

// Single quotes around `s` for sh (it holds hex digits and spaces only).
std::string quoted(const std::string& s) { return "'" + s + "'"; }

struct PluginRun {
    int status = -1;
    std::string out;
};

PluginRun run_plugin(const std::filesystem::path& program_hex, const std::string& args) {
    const std::string command = std::string(MEMPOOL_CONFORMANCE_PLUGIN) + " " + args + " < " +
                                quoted(program_hex.string()) + " 2>&1";
    PluginRun r;
    std::FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    r.status = ::pclose(p);
    return r;
}

TEST(ConformanceProtocol, EveryFileRunsThroughTheRunnersPluginProtocolInBothModes) {
    const std::filesystem::path work = std::filesystem::temp_directory_path() /
                                       ("mempool_conformance_protocol_" + std::to_string(::getpid()));
    std::filesystem::create_directories(work);
    std::size_t runs = 0;
    for (const std::filesystem::path& file : conformance::files_in(MEMPOOL_CONFORMANCE_DIR)) {
        const conformance::Case c = conformance::load(file);
        ASSERT_EQ(c.error, "") << file;
        if (!c.program.rodata.empty() || !c.result) continue;
        const auto* code = reinterpret_cast<const std::uint8_t*>(c.program.code.data());
        const std::filesystem::path hex_file = work / (c.name + ".hex");
        std::ofstream(hex_file) << runner_hex(code, c.program.code.size() * sizeof(Insn)) << "\n";
        // The runner leaves the memory argument out when there is none.
        const std::string memory = c.memory.empty() ? "" : quoted(runner_hex(c.memory.data(), c.memory.size()));
        for (const char* options : {"", "--interpreter"}) {
            SCOPED_TRACE(c.name + (*options != 0 ? " (interpreter)" : " (JIT)"));
            const PluginRun r = run_plugin(hex_file, memory + " " + options);
            ++runs;
            ASSERT_EQ(r.status, 0) << r.out;
            // What the runner parses: the output, as one hex number.
            EXPECT_EQ(std::stoull(r.out, nullptr, 16), *c.result) << r.out << c.asm_text;
        }
    }
    std::filesystem::remove_all(work);
    EXPECT_GT(runs, 400u) << "most of the suite goes through the protocol";
}

}  // namespace
}  // namespace mempool::vm
