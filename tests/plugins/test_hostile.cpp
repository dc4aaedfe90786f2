// Hostile plugins: the corpus in tests/plugins/bad/, raw bytecode written by
// the test, and malformed objects made from a good one. For each: how the
// load ends (the loader or the verifier refuses it, with which words, and
// every problem listed), and that the host still loads and runs a good
// plugin afterwards. Some of the corpus was refused by the first runtime
// (librte_bpf) only because it could not handle honest code; those load now
// and are run (test_plugins_accepted below).
#include "test_support.hpp"

#include "elf_writer.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace mempool::test {
namespace {

struct Hostile {
    const char* stem;  // tests/plugins/bad/<stem>.c, section plugin/<stem>
    PluginErrc code;
    const char* words;  // in the full load's message
};

const Hostile corpus[] = {
    // What librte_bpf 22.11 let through (our first check refused them in front of it).
    {"regreg_read", PluginErrc::out_of_bounds, "reads 8 bytes at offsets [0, 65543) of the context, which has 1096"},
    {"regreg_write", PluginErrc::out_of_bounds, "writes 8 bytes at offsets [0, 65543) of the context"},
    {"ptr_add_ptr", PluginErrc::pointer_leak, "addition on a pointer into the context would expose its address"},
    {"ptr_mul", PluginErrc::pointer_leak, "multiplication on a pointer into the context"},
    {"ptr_mask", PluginErrc::pointer_leak, "bitwise and on a pointer into the context"},
    {"ptr_shift", PluginErrc::pointer_leak, "a shift on a pointer into the context"},
    {"pointer_to_helper", PluginErrc::pointer_leak, "as a number to helper set_state_u64"},
    {"return_pointer", PluginErrc::pointer_leak, "R0 at exit is a pointer into the stack"},
    {"compare_pointer", PluginErrc::pointer_leak, "compares a pointer into the context with the number"},
    // Refused by both.
    {"oob_write_arg", PluginErrc::out_of_bounds, "writes 8 bytes at offsets [1112, 1120) of the context"},
    {"oob_arg", PluginErrc::out_of_bounds, "reads 8 bytes at offsets [1128, 1136) of the context"},
    {"stack_var_offset", PluginErrc::out_of_bounds, "from the top of a frame of 512 bytes"},
    {"stack_overflow", PluginErrc::stack_too_large, "offsets [-1024, -1016) from the top of a frame of 512 bytes"},
    {"extern_var", PluginErrc::global_variable, "uses 'host_secret', which the object does not define"},
    {"global_var", PluginErrc::global_variable, "global variable 'calls' in .bss"},
    {"unknown_helper", PluginErrc::unknown_helper, "calls 'launch_missiles', which the host does not provide"},
    {"loop", PluginErrc::loop, "may run more than the 1000000 instructions a run is allowed; bound the loop"},
    {"jump_back_first", PluginErrc::loop, "loop at pc 0-0 cannot be proven to end"},
    {"jump_past_end", PluginErrc::rejected, "jumps out of its function, to pc 6"},
    {"no_exit", PluginErrc::rejected, "jumps out of its function, to pc 3"},
};

std::string obj(const Hostile& h) { return bad((std::string(h.stem) + ".o").c_str()); }
std::string sec(const Hostile& h) { return std::string("plugin/") + h.stem; }

// The host is still fine: it loads, attaches and runs a good plugin.
void host_still_runs(Runtime& rt) {
    Pool global;
    rt.set_global_pool(&global);
    PointId p = rt.point("hostile_check");
    LoadResult good = rt.load(shipped("count_updates.o"), "plugin/count_updates", "good");
    ASSERT_TRUE(good) << good.error().to_string();
    ASSERT_TRUE(rt.attach(p, good.value()).ok());
    EXPECT_EQ(rt.run(p, {Arg::u8(2), Arg::u32(0), Arg::u64(0)}).ran, 1u);
    EXPECT_EQ(global.get_u64(2).value_or(0), 1u);
    rt.detach(p, "good");
    rt.set_global_pool(nullptr);
}

class HostileCorpus : public ::testing::TestWithParam<std::tuple<Hostile, bool>> {};

TEST_P(HostileCorpus, TheLoadRefusesItWithItsReasonAndTheHostCarriesOn) {
    const auto& [h, jit] = GetParam();
    Runtime rt(options_for(jit));
    LoadResult r = rt.load(obj(h), sec(h), "hostile");
    ASSERT_FALSE(r) << h.stem;
    EXPECT_EQ(r.error().code, h.code) << r.error().to_string();
    EXPECT_EQ(r.error().plugin, "hostile");
    EXPECT_NE(r.error().message.find(h.words), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
    EXPECT_FALSE(r.error().diagnostics.empty());
    EXPECT_EQ(r.error().diagnostics.front().rfind("pc ", 0), 0u) << r.error().diagnostics.front();
    EXPECT_FALSE(rt.verify(obj(h), sec(h)).ok());
    host_still_runs(rt);
}

std::string hostile_name(const ::testing::TestParamInfo<std::tuple<Hostile, bool>>& info) {
    return std::string(std::get<0>(info.param).stem) + (std::get<1>(info.param) ? "_jit" : "_interpreter");
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileCorpus, ::testing::Combine(::testing::ValuesIn(corpus), ::testing::Bool()),
                         hostile_name);

// Every problem is reported, not just the first: two reads out of bounds,
// one on each path of a branch.
TEST(HostileCorpusAll, EveryProblemIsListed) {
    Runtime rt;
    const std::string f = (std::filesystem::temp_directory_path() /
                           ("mempool_two_problems_" + std::to_string(::getpid()) + ".o")).string();
    write_file(f, bpf_object({ldx(sz_w, 2, 1, 0), jmp_imm(jeq, 2, 0, 2), ldx(sz_dw, 0, 1, 2000), exit_insn(),
                              ldx(sz_dw, 0, 1, 3000), exit_insn()},
                             "plugin/raw"));
    LoadResult r = rt.load(f, "plugin/raw");
    std::filesystem::remove(f);
    ASSERT_FALSE(r);
    ASSERT_EQ(r.error().diagnostics.size(), 2u) << r.error().to_string();
    EXPECT_EQ(r.error().diagnostics[0].rfind("pc 2: ", 0), 0u) << r.error().diagnostics[0];
    EXPECT_EQ(r.error().diagnostics[1].rfind("pc 4: ", 0), 0u) << r.error().diagnostics[1];
    EXPECT_NE(r.error().message.find("(and 1 more problem)"), std::string::npos) << r.error().message;
}

// What the first runtime refused although it is honest code: each loads now
// and computes what C says it does.
class NowAccepted : public ::testing::TestWithParam<bool> {
protected:
    NowAccepted() : rt(options_for(GetParam())) { rt.set_global_pool(&global); }
    std::uint64_t run(const char* stem, std::initializer_list<Arg> args) {
        const std::string section = std::string("plugin/") + stem;
        LoadResult r = rt.load(bad((std::string(stem) + ".o").c_str()), section);
        EXPECT_TRUE(r) << r.error().to_string();
        if (!r) return ~std::uint64_t{0};
        EXPECT_EQ(r.value()->jitted(), GetParam());
        PointId p = rt.point(section);
        rt.detach_all();
        EXPECT_TRUE(rt.attach(p, r.value()).ok());
        return rt.run(p, args).value;
    }
    Pool global;
    Runtime rt;
};

TEST_P(NowAccepted, HonestCodeTheFirstRuntimeRefused) {
    // Division by a value that may be 0: RFC 9669 defines it (0).
    EXPECT_EQ(run("div_by_reg", {Arg::u64(10)}), 100u);
    EXPECT_EQ(run("div_by_reg", {Arg::u64(0)}), 0u);
    // A non-inlined function (a bpf-to-bpf call).
    ASSERT_TRUE(global.set<std::uint64_t>(4, 20));
    EXPECT_EQ(run("noinline_call", {Arg::u64(4)}), 41u);
    // A pointer spilled to the stack and reloaded: reads args->count.
    EXPECT_EQ(run("store_pointer", {Arg::u8(1), Arg::u8(2)}), 2u);
    // A string literal (read-only data).
    EXPECT_EQ(run("string_literal", {}), static_cast<std::uint64_t>('c'));
    EXPECT_EQ(run("string_literal", {Arg::u32(1)}), static_cast<std::uint64_t>('t'));  // name[4]
    // An 8-byte buffer with its size 8: precise helper signatures.
    EXPECT_EQ(run("wrong_buffer", {}), 0u);
    // 5000 instructions; 24 data-dependent ifs in a row.
    EXPECT_EQ(run("too_long", {}), run("too_long", {}));
    (void)run("slow_validation", {Arg::u64(0x5555)});
}

INSTANTIATE_TEST_SUITE_P(Modes, NowAccepted, ::testing::Bool(), mode_name);

// ---- raw bytecode and malformed objects through the whole runtime -------

class HostileFiles : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("mempool_hostile_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string file(const char* name) const { return (dir_ / name).string(); }
    std::filesystem::path dir_;
};

TEST_P(HostileFiles, TheElfWriterMakesLoadablePlugins) {
    Runtime rt(options_for(GetParam()));
    const std::string f = file("raw_ok.o");
    write_file(f, bpf_object({mov64_imm(0, 7), exit_insn()}, "plugin/raw"));
    LoadResult r = rt.load(f, "plugin/raw");
    ASSERT_TRUE(r) << r.error().to_string();
    PointId p = rt.point("raw");
    ASSERT_TRUE(rt.attach(p, r.value()).ok());
    EXPECT_EQ(rt.run(p, {}).value, 7u);
}

TEST_P(HostileFiles, RawProgramFallingOffTheEnd) {
    Runtime rt(options_for(GetParam()));
    const std::string f = file("raw_no_exit.o");
    write_file(f, bpf_object({mov64_imm(0, 0), jmp_imm(jeq, 1, 0, 1), mov64_imm(0, 1), mov64_imm(0, 2)},
                             "plugin/raw"));
    LoadResult r = rt.load(f, "plugin/raw", "raw");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::rejected);
    EXPECT_NE(r.error().message.find("control runs off the end of the function"), std::string::npos)
        << r.error().message;
    host_still_runs(rt);
}

TEST_P(HostileFiles, RawRegisterComparisonHoleWithAHelperBuffer) {
    // The range bug of librte_bpf 22.11, aimed at a helper:
    // get_state_buf(key, args + i, 64) with i "0" to librte_bpf and really up
    // to 65535 (librte_bpf alone accepted it).
    Runtime rt(options_for(GetParam()));
    const std::string f = file("raw_regreg_helper.o");
    write_file(f, bpf_object({ldx(sz_w, 2, 1, 16), ldx(sz_w, 3, 1, 8), alu64_imm(op_and, 3, 65535),
                              mov64_imm(0, 0), jmp_reg(jgt, 2, 3, 7), insn(0x05 | 0x08 | 0x60, 2, 3, 6, 0),
                              alu64_reg(op_add, 1, 2), mov64_reg(2, 1), mov64_imm(1, 1), mov64_imm(3, 64),
                              call_helper(3),
                              mov64_imm(0, 0), exit_insn()},
                             "plugin/raw"));
    LoadResult r = rt.load(f, "plugin/raw", "raw");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::out_of_bounds) << r.error().to_string();
    EXPECT_NE(r.error().message.find("passes helper get_state_buf a buffer of 64 bytes at offsets [0, 65599)"),
              std::string::npos)
        << r.error().message;
    host_still_runs(rt);
}

// Two sections of the same name: a benign decoy first, flagged so that
// librte_bpf skipped it (it wanted exactly alloc + exec), then the hostile
// one. librte_bpf loaded the second; a reader that checked the first would
// have passed it. The one loader refuses the ambiguity.
TEST_P(HostileFiles, TwoSectionsOfTheSameNameAreRefused) {
    Runtime rt(options_for(GetParam()));
    const std::string f = file("decoy.o");
    write_file(f, bpf_object(std::vector<CodeSection>{
                       {"plugin/raw", {mov64_imm(0, 0), exit_insn()}, SHF_ALLOC | SHF_EXECINSTR | SHF_WRITE},
                       {"plugin/raw", {mov64_reg(0, 10), exit_insn()}}}));  // returns its stack address
    LoadResult r = rt.load(f, "plugin/raw", "decoy");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::not_bpf_object) << r.error().to_string();
    EXPECT_NE(r.error().message.find("2 sections are named 'plugin/raw'"), std::string::npos) << r.error().message;
    host_still_runs(rt);
}

struct Mangle {
    const char* name;
    PluginErrc code;
    const char* words;
    void (*apply)(std::vector<unsigned char>&);
};

const Mangle mangles[] = {
    {"truncated_header", PluginErrc::not_bpf_object, "truncated ELF header",
     [](std::vector<unsigned char>& b) { b.resize(40); }},
    {"truncated_half", PluginErrc::not_bpf_object, "lies outside the file",
     [](std::vector<unsigned char>& b) { b.resize(b.size() / 2); }},
    {"wrong_machine", PluginErrc::not_bpf_object, "built for machine 62, not BPF",
     [](std::vector<unsigned char>& b) { reinterpret_cast<Elf64_Ehdr*>(b.data())->e_machine = EM_X86_64; }},
    {"elf32", PluginErrc::not_bpf_object, "not a 64-bit little-endian ELF file",
     [](std::vector<unsigned char>& b) { b[EI_CLASS] = ELFCLASS32; }},
    {"big_endian", PluginErrc::not_bpf_object, "not a 64-bit little-endian ELF file",
     [](std::vector<unsigned char>& b) { b[EI_DATA] = ELFDATA2MSB; }},
    {"shoff_past_end", PluginErrc::not_bpf_object, "section table (7 entries at offset 1099511627776) lies outside",
     [](std::vector<unsigned char>& b) { reinterpret_cast<Elf64_Ehdr*>(b.data())->e_shoff = 1ull << 40; }},
    {"shnum_huge", PluginErrc::not_bpf_object, "section table (65535 entries",
     [](std::vector<unsigned char>& b) { reinterpret_cast<Elf64_Ehdr*>(b.data())->e_shnum = 0xffff; }},
    {"shstrndx_bad", PluginErrc::not_bpf_object, "section name table index 65520 out of range",
     [](std::vector<unsigned char>& b) { reinterpret_cast<Elf64_Ehdr*>(b.data())->e_shstrndx = 0xfff0; }},
    {"code_offset_past_end", PluginErrc::not_bpf_object, "section 'plugin/count_updates' (offset 1152, 312 bytes) lies outside the file",
     [](std::vector<unsigned char>& b) {
         patch_section(b, "plugin/count_updates", [&b](Elf64_Shdr& h) { h.sh_offset = b.size(); });
     }},
    {"code_size_odd", PluginErrc::rejected, "not a whole number of 8-byte instructions",
     [](std::vector<unsigned char>& b) { patch_section(b, "plugin/count_updates", [](Elf64_Shdr& h) { h.sh_size -= 4; }); }},
    {"code_cut_short", PluginErrc::rejected, "does not fit its section",
     [](std::vector<unsigned char>& b) { patch_section(b, "plugin/count_updates", [](Elf64_Shdr& h) { h.sh_size -= 8; }); }},
    {"not_relocatable", PluginErrc::not_bpf_object, "not a relocatable object",
     [](std::vector<unsigned char>& b) { reinterpret_cast<Elf64_Ehdr*>(b.data())->e_type = ET_EXEC; }},
};

TEST_P(HostileFiles, MalformedObjectsAreRefusedWithTheirReason) {
    const std::vector<unsigned char> good = read_file(shipped("count_updates.o"));
    ASSERT_GT(good.size(), sizeof(Elf64_Ehdr));
    Runtime rt(options_for(GetParam()));
    for (const Mangle& m : mangles) {
        std::vector<unsigned char> b = good;
        ASSERT_GE(section_index(b, "plugin/count_updates"), 0);  // the mangles below patch it
        m.apply(b);
        const std::string f = file((std::string(m.name) + ".o").c_str());
        write_file(f, b);
        LoadResult r = rt.load(f, "plugin/count_updates", m.name);
        ASSERT_FALSE(r) << m.name;
        EXPECT_EQ(r.error().code, m.code) << m.name << ": " << r.error().to_string();
        EXPECT_NE(r.error().message.find(m.words), std::string::npos) << m.name << ": " << r.error().message;
        EXPECT_EQ(r.error().plugin, m.name);
    }
    host_still_runs(rt);
}

INSTANTIATE_TEST_SUITE_P(Modes, HostileFiles, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
