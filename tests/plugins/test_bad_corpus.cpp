// The corpus of broken plugins in tests/plugins/bad/: each is refused with
// the expected reason, in plain words, and the host carries on (it loads and
// runs a good plugin afterwards).
#include "test_support.hpp"

namespace mempool::test {
namespace {

struct BadCase {
    const char* object;   // in the bad corpus folder, or a special path
    const char* section;
    PluginErrc code;
    const char* words;    // must appear in the message
};

std::string path_of(const BadCase& c) {
    const std::string o = c.object;
    if (o == "<self>") return "/proc/self/exe";                // an x86-64 ELF
    if (o == "<source>") return source("bad/loop.c");          // not ELF at all
    if (o == "<shipped>") return shipped("count_updates.o");   // for the missing section
    if (o == "<absent>") return bad("no_such_file.o");
    return bad(c.object);
}

const BadCase cases[] = {
    {"loop.o", "plugin/loop", PluginErrc::loop, "loop"},
    {"global_var.o", "plugin/global_var", PluginErrc::global_variable, "global variable"},
    {"string_literal.o", "plugin/string_literal", PluginErrc::global_variable, "string literals"},
    {"oob_arg.o", "plugin/oob_arg", PluginErrc::out_of_bounds, "outside the argument struct"},
    {"unknown_helper.o", "plugin/unknown_helper", PluginErrc::unknown_helper, "launch_missiles"},
    {"stack_overflow.o", "plugin/stack_overflow", PluginErrc::stack_too_large, "512-byte stack"},
    {"noinline_call.o", "plugin/noinline_call", PluginErrc::non_inlined_call, "non-inlined function"},
    {"wrong_buffer.o", "plugin/wrong_buffer", PluginErrc::out_of_bounds, "get_state_buf"},
    {"<self>", "plugin/x", PluginErrc::not_bpf_object, "not BPF"},
    {"<source>", "plugin/loop", PluginErrc::not_bpf_object, "not an ELF file"},
    {"<shipped>", "plugin/nope", PluginErrc::missing_section, "no code section 'plugin/nope'"},
    {"<absent>", "plugin/x", PluginErrc::cannot_read, "cannot open"},
};

class BadCorpus : public ::testing::TestWithParam<std::tuple<BadCase, bool>> {};

TEST_P(BadCorpus, IsRefusedWithItsReasonAndTheHostCarriesOn) {
    const auto& [c, jit] = GetParam();
    Runtime rt(options_for(jit));
    Pool global;
    rt.set_global_pool(&global);

    LoadResult r = rt.load(path_of(c), c.section, "victim");
    ASSERT_FALSE(r) << c.object;
    EXPECT_EQ(r.error().code, c.code) << r.error().to_string();
    EXPECT_EQ(r.error().plugin, "victim");
    EXPECT_NE(r.error().message.find(c.words), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
    EXPECT_FALSE(rt.verify(path_of(c), c.section).ok());

    // Still running, and still able to load and run a good plugin.
    PointId p = rt.point("bgp_message");
    LoadResult good = rt.load(shipped("count_updates.o"), "plugin/count_updates");
    ASSERT_TRUE(good) << good.error().to_string();
    ASSERT_TRUE(rt.attach(p, good.value()).ok());
    EXPECT_EQ(rt.run(p, {Arg::u8(2), Arg::u32(0), Arg::u64(0)}).ran, 1u);
    EXPECT_EQ(global.get_u64(2).value_or(0), 1u);
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<BadCase, bool>>& info) {
    std::string n = std::get<0>(info.param).section;
    n += std::get<0>(info.param).object;
    std::string out;
    for (char ch : n)
        if (std::isalnum(static_cast<unsigned char>(ch))) out += ch;
    return out + (std::get<1>(info.param) ? "_jit" : "_interpreter");
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadCorpus, ::testing::Combine(::testing::ValuesIn(cases), ::testing::Bool()),
                         case_name);

// A program not ending in `exit` corrupts librte_bpf's heap while it is
// validated (plugin-runtime.md): our bytecode check refuses it before
// librte_bpf sees it (test_hostile.cpp shows what librte_bpf alone does).
// The host never loads it and carries on.
TEST(BadCorpusHostile, NoExitIsRefusedAndTheHostSurvives) {
    for (bool jit : {true, false}) {
        Runtime rt(options_for(jit));
        LoadResult r = rt.load(bad("no_exit.o"), "plugin/no_exit");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, PluginErrc::rejected) << r.error().to_string();
        EXPECT_NE(r.error().message.find("jump past the end of the program"), std::string::npos)
            << r.error().message;
        EXPECT_TRUE(rt.load(shipped("count_updates.o"), "plugin/count_updates"));
    }
}

// librte_bpf would spend tens of seconds on this one; the child is killed at
// the time limit and the host is told why.
TEST(BadCorpusTime, ExponentialValidationHitsTheTimeLimit) {
    RuntimeOptions o;
    o.validation_timeout = std::chrono::milliseconds(500);
    Runtime rt(o);
    const auto start = std::chrono::steady_clock::now();
    LoadResult r = rt.load(bad("slow_validation.o"), "plugin/slow_validation");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::validator_timeout);
    EXPECT_NE(r.error().message.find("500 ms"), std::string::npos) << r.error().message;
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_TRUE(rt.load(shipped("report_updates.o"), "plugin/report_updates"));
}

}  // namespace
}  // namespace mempool::test
