// The corpus of broken plugins in tests/plugins/bad/: each is refused with
// the expected reason, in plain words, and the host carries on (it loads and
// runs a good plugin afterwards).
#include "test_support.hpp"

#include <chrono>

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
    {"loop.o", "plugin/loop", PluginErrc::loop, "bound the loop"},
    {"global_var.o", "plugin/global_var", PluginErrc::global_variable, "global variable"},
    {"oob_arg.o", "plugin/oob_arg", PluginErrc::out_of_bounds, "of the context, which has 1096 bytes"},
    {"unknown_helper.o", "plugin/unknown_helper", PluginErrc::unknown_helper, "launch_missiles"},
    {"stack_overflow.o", "plugin/stack_overflow", PluginErrc::stack_too_large, "use less stack"},
    {"<self>", "plugin/x", PluginErrc::not_bpf_object, "not BPF"},
    {"<source>", "plugin/loop", PluginErrc::not_bpf_object, "not an ELF file"},
    {"<shipped>", "plugin/nope", PluginErrc::missing_section, "no section 'plugin/nope'"},
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

// A program not ending in `exit` corrupted librte_bpf's heap while it was
// validated; the one loader and verifier refuse it with the reason.
TEST(BadCorpusHostile, NoExitIsRefusedAndTheHostSurvives) {
    for (bool jit : {true, false}) {
        Runtime rt(options_for(jit));
        LoadResult r = rt.load(bad("no_exit.o"), "plugin/no_exit");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, PluginErrc::rejected) << r.error().to_string();
        EXPECT_NE(r.error().message.find("jumps out of its function"), std::string::npos) << r.error().message;
        EXPECT_TRUE(rt.load(shipped("count_updates.o"), "plugin/count_updates"));
    }
}

// librte_bpf spent tens of seconds on this one (24 data-dependent ifs in a
// row) and was stopped by the time limit; the verifier merges states where
// paths meet and takes about a millisecond.
TEST(BadCorpusTime, ManySequentialIfsLoadFast) {
    Runtime rt;
    const auto start = std::chrono::steady_clock::now();
    LoadResult r = rt.load(bad("slow_validation.o"), "plugin/slow_validation");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_LT(took, std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace mempool::test
