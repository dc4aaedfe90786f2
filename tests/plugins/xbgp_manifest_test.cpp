// xbgp_manifest_test.cpp: libxbgp's manifests (*.plugin, the include
// meta-manifest, job plugins, permissions, extra_mem and shared_mem) and the
// quirks of real ones, loaded next to our plugins.json format; the extra
// configuration file. Manifests are written per test in a scratch folder and
// name the xBGP probes by absolute path; JIT and interpreter.
#include "xbgp_support.hpp"

#include <mempool/runtime.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <sys/stat.h>

namespace mempool::test {
namespace {

namespace fs = std::filesystem;

class XbgpManifest : public XbgpProbeTest {
protected:
    void SetUp() override {
        XbgpProbeTest::SetUp();
        dir = fs::temp_directory_path() / ("xbgp_manifest_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        filter = rt->point("bgp_pre_inbound_filter");
        decode = rt->point("bgp_decode_attr");
        HelperSpec w;
        w.name = "test_write";
        w.fn = [](std::uint64_t v, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) -> std::uint64_t { return v + 1; };
        w.arg_count = 1;
        w.permissions = permission_write;
        ASSERT_TRUE(rt->register_helper(w).ok());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string write(const std::string& name, const std::string& text) {
        const fs::path p = dir / name;
        std::ofstream(p) << text;
        return p.string();
    }
    static std::string obj(const char* file) { return xbgp_probe(file); }
    static std::string problems(const ManifestReport& r) {
        std::string s;
        for (const PluginError& e : r.problems) s += e.to_string() + "\n";
        return s;
    }

    fs::path dir;
    PointId filter, decode;
};

TEST_P(XbgpManifest, APluginManifestAttachesAtItsAnchorsBySequence) {
    const std::string path = write("filters.plugin", R"({
      "jit_all": true, "name": "filters", "extra_mem": 2048, "shared_mem": 512, "memory_mgmt": "michelfra",
      "obj_code_list": {
        "pass": {"obj": ")" + obj("pass_next.o") + R"(", "jit": true, "permissions": ["read", "usr_ptr"]},
        "decide": {"obj": ")" + obj("decide.o") + R"(", "use_libffi": false, "add_memcheck": true}
      },
      "insertion_points": {
        "bgp_pre_inbound_filter": {"replace": {"20": "decide", "10": "pass"}},
        "bgp_decode_attr": {"pre": {"0": "pass"}}
      }
    })");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(r.attached, 3u);
    EXPECT_EQ(rt->attached_count(filter, Anchor::replace), 2u);
    EXPECT_EQ(rt->attached_count(decode, Anchor::pre), 1u);
    // One line per place: by point, anchor and sequence number, each sorted as text (as the JSON object keeps its keys).
    EXPECT_EQ(r.entries, (std::vector<std::string>{"pass (bgp_decode_attr pre)", "pass (bgp_pre_inbound_filter replace)",
                                                   "decide (bgp_pre_inbound_filter replace)"}));
    // seq 10 (pass, next()) then seq 20 (decide): PLUGIN_FILTER_ACCEPT.
    auto builtin = []() noexcept -> std::uint64_t { return 1; };
    const RunResult run = rt->run(filter, {}, {}, DefaultCode::of(builtin));
    EXPECT_EQ(trace, (Trace{{7, 0}, {8, 0}}));
    EXPECT_EQ(run.value, 257u);  // PLUGIN_FILTER_ACCEPT
    EXPECT_FALSE(run.fell_back);
    // extra_mem is the heap, the plugin's name is the group; what is not honoured is said.
    bool saw_memory_mgmt = false;
    for (const std::string& n : r.notes) saw_memory_mgmt = saw_memory_mgmt || n.find("\"memory_mgmt\"") != std::string::npos;
    EXPECT_TRUE(saw_memory_mgmt);
}

TEST_P(XbgpManifest, ExtraMemIsTheHeapAndTheNameTheGroup) {
    const std::string path = write("m.plugin", R"({"name": "grp", "extra_mem": 3000, "shared_mem": 700,
      "obj_code_list": {"c": {"obj": ")" + obj("decide.o") + R"("}},
      "insertion_points": {"bgp_decode_attr": {"post": {"1": "c"}}}})");
    ASSERT_TRUE(rt->load_manifest(path).ok());
    auto builtin = []() noexcept -> std::uint64_t { return 0; };
    (void)rt->run(decode, {}, {}, DefaultCode::of(builtin));
    ASSERT_EQ(trace.size(), 1u);
    // A job plugin's program, kept in jobs(), shows what its manifest set.
    const std::string job = write("j.plugin", R"({"name": "jobber", "extra_mem": 1500,
      "obj_code_list": {"c": {"obj": ")" + obj("decide.o") + R"("}}, "job_plugins": {"jobber": {"schedule": 5}}})");
    const ManifestReport r = rt->load_manifest(job);
    ASSERT_TRUE(r.ok()) << problems(r);
    ASSERT_EQ(rt->jobs().size(), 1u);
    const JobPlugin& j = rt->jobs()[0];
    EXPECT_EQ(j.plugin, "jobber");
    EXPECT_EQ(j.code, "c");
    EXPECT_EQ(j.schedule_seconds, 5u);
    EXPECT_EQ(j.program->heap_size(), 1500u);
    EXPECT_EQ(j.program->group(), "jobber");
    EXPECT_EQ(j.program->abi(), PluginAbi::xbgp);
    EXPECT_EQ(j.program->name(), "jobber/c");
    EXPECT_EQ(r.attached, 0u);
}

// libxbgp compiles a code when its "jit" says so, else when the manifest's
// "jit_all" does, else never; RuntimeOptions::jit false (the interpreter
// mode, --interpreter) interprets every code. Either way the result is the same.
TEST_P(XbgpManifest, EachCodesJitFieldChoosesTheJitOrTheInterpreter) {
    const std::string all = write("all.plugin", R"({"name": "all", "jit_all": true,
      "obj_code_list": {"yes": {"obj": ")" + obj("decide.o") + R"(", "jit": true},
                        "no": {"obj": ")" + obj("decide.o") + R"(", "jit": false},
                        "inherit": {"obj": ")" + obj("decide.o") + R"("}},
      "job_plugins": {"yes": {"schedule": 1}, "no": {"schedule": 1}, "inherit": {"schedule": 1}}})");
    const std::string none = write("none.plugin", R"({"name": "none",
      "obj_code_list": {"absent": {"obj": ")" + obj("decide.o") + R"("},
                        "off": {"obj": ")" + obj("decide.o") + R"(", "jit": true}},
      "job_plugins": {"absent": {"schedule": 1}, "off": {"schedule": 1}}})");
    for (const std::string& path : {all, none}) {
        const ManifestReport r = rt->load_manifest(path);
        ASSERT_TRUE(r.ok()) << problems(r);
    }
    std::map<std::string, bool> jitted;
    for (const JobPlugin& j : rt->jobs()) jitted[j.code] = j.program->jitted();
    const bool jit = GetParam();  // RuntimeOptions::jit
    EXPECT_EQ(jitted, (std::map<std::string, bool>{
                          {"yes", jit}, {"no", false}, {"inherit", jit}, {"absent", false}, {"off", jit}}));
    // A code that is not a boolean is a problem.
    const std::string bad = write("bad.plugin", R"({"name": "bad",
      "obj_code_list": {"c": {"obj": ")" + obj("decide.o") + R"(", "jit": "yes"}},
      "job_plugins": {"c": {"schedule": 1}}})");
    const ManifestReport b = rt->load_manifest(bad);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(problems(b).find("bad/c"), std::string::npos) << problems(b);
    EXPECT_NE(problems(b).find("\"jit\" must be true or false"), std::string::npos) << problems(b);
}

TEST_P(XbgpManifest, TheMetaManifestIncludesRelativeFilesAndSkipsComments) {
    fs::create_directories(dir / "sub");
    write("sub/a.plugin", R"({"name": "a", "obj_code_list": {"x": {"obj": ")" + obj("decide.o") +
                              R"("}}, "insertion_points": {"bgp_decode_attr": {"replace": {"5": "x"}}}})");
    write("sub/b.plugin", R"({"name": "b", "obj_code_list": {"y": {"obj": ")" + obj("pass_next.o") +
                              R"("}}, "insertion_points": {"bgp_decode_attr": {"replace": {"1": "y"}}}})");
    write("sub/inner.meta", "include b.plugin\n");
    const std::string meta = write("all.meta", "# our plugins\n\ninclude sub/a.plugin\n   include ./sub/inner.meta  \n");
    const ManifestReport r = rt->load_manifest(meta);
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(r.attached, 2u);
    auto builtin = []() noexcept -> std::uint64_t { return 3; };
    EXPECT_EQ(rt->run(decode, {}, {}, DefaultCode::of(builtin)).value, 257u);  // b (seq 1) hands over to a (seq 5)
    EXPECT_EQ(trace, (Trace{{7, 0}, {8, 0}}));
}

TEST_P(XbgpManifest, AMissingIncludeOrASelfIncludeIsAProblemAndNothingIsAttached) {
    write("good.plugin", R"({"name": "g", "obj_code_list": {"x": {"obj": ")" + obj("decide.o") +
                             R"("}}, "insertion_points": {"bgp_decode_attr": {"replace": {"5": "x"}}}})");
    // As 0_hello_world.meta: one file that does not exist.
    const std::string meta = write("hello.meta", "include good.plugin\ninclude reject_route_attr.plugin\n");
    ManifestReport r = rt->load_manifest(meta);
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_NE(r.problems[0].message.find("reject_route_attr.plugin': cannot open the file"), std::string::npos)
        << r.problems[0].message;
    EXPECT_EQ(rt->attached_count(decode), 0u);
    // As alternate_routes.meta: it includes itself.
    const std::string self = write("alternate_routes.meta", "include alternate_routes.meta\n");
    r = rt->load_manifest(self);
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_NE(r.problems[0].message.find("includes itself"), std::string::npos) << r.problems[0].message;
    // Not an include line.
    r = rt->load_manifest(write("odd.meta", "include good.plugin\nload x.plugin\n"));
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_NE(r.problems[0].message.find("line 2: expected 'include <file>'"), std::string::npos);
}

// What a manifest names must be a regular file: a FIFO without a writer was
// waited for 2 s at each of up to 1024 includes (half an hour for one load),
// and at each code's object; now it is refused at once, nothing attached.
TEST_P(XbgpManifest, AnIncludeOrObjectThatIsNotARegularFileIsRefusedAtOnce) {
    write("good.plugin", R"({"name": "g", "obj_code_list": {"x": {"obj": ")" + obj("decide.o") +
                             R"("}}, "insertion_points": {"bgp_decode_attr": {"replace": {"5": "x"}}}})");
    const std::string fifo = (dir / "pipe.plugin").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string lines = "include good.plugin\n";
    for (int i = 0; i < 8; ++i) lines += "include pipe.plugin\n";
    const auto start = std::chrono::steady_clock::now();
    const ManifestReport r = rt->load_manifest(write("fifo.meta", lines));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    ASSERT_FALSE(r.problems.empty());
    EXPECT_NE(r.problems[0].message.find("pipe.plugin': an included manifest must be a regular file"), std::string::npos)
        << problems(r);
    EXPECT_EQ(rt->attached_count(decode), 0u);
    // The same for a code's object.
    const auto again = std::chrono::steady_clock::now();
    const ManifestReport o = rt->load_manifest(write("fifo_obj.plugin", R"({"name": "f", "obj_code_list": {"x": {"obj": ")" +
                                                                            fifo + R"("}}, "insertion_points": {"bgp_decode_attr": {"replace": {"5": "x"}}}})"));
    EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::seconds(1));
    ASSERT_FALSE(o.problems.empty());
    EXPECT_NE(o.problems[0].message.find("its object '" + fifo + "' is not a regular file"), std::string::npos)
        << problems(o);
}

// All or nothing holds at a point's limit of replace plugins
// (max_replace_plugins) too: a manifest that would pass it attaches nothing
// and keeps none of its job plugins, those attached before it included
// (found with manifest_fuzz: 32 of 33 were attached, and the job kept, with the
// problem reported).
TEST_P(XbgpManifest, AManifestPassingAPointsReplaceLimitAttachesNothing) {
    const auto manifest = [&](const std::string& name, std::uint32_t replaces, const std::string& more) {
        std::string seqs;
        for (std::uint32_t i = 0; i < replaces; ++i) seqs += (i == 0 ? "\"" : ", \"") + std::to_string(i) + "\": \"x\"";
        return write(name + ".plugin", R"({"name": ")" + name + R"(", "obj_code_list": {"x": {"obj": ")" + obj("decide.o") +
                                           R"("}, "j": {"obj": ")" + obj("decide.o") +
                                           R"("}}, "insertion_points": {"bgp_decode_attr": {"pre": {"0": "x"}, "replace": {)" +
                                           seqs + "}}}" + more + "}");
    };
    ManifestReport r = rt->load_manifest(manifest("many", max_replace_plugins + 1, R"(, "job_plugins": {"j": {"schedule": 5}})"));
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_NE(r.problems[0].message.find("point 'bgp_decode_attr' already has 32 replace plugins"),
              std::string::npos) << problems(r);
    EXPECT_EQ(r.attached, 0u);
    EXPECT_TRUE(r.entries.empty());
    EXPECT_EQ(rt->attached_count(decode), 0u);
    EXPECT_TRUE(rt->jobs().empty());
    // Those attached by an earlier manifest count: 30 there, then 3 more are refused, 2 fit.
    r = rt->load_manifest(manifest("first", 30, ""));
    ASSERT_TRUE(r.ok()) << problems(r);
    r = rt->load_manifest(manifest("second", 3, R"(, "job_plugins": {"j": {"schedule": 5}})"));
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_NE(r.problems[0].message.find("point 'bgp_decode_attr' already has 32 replace plugins"), std::string::npos)
        << problems(r);
    EXPECT_EQ(rt->attached_count(decode, Anchor::replace), 30u);
    EXPECT_EQ(rt->attached_count(decode, Anchor::pre), 1u);
    EXPECT_TRUE(rt->jobs().empty());
    r = rt->load_manifest(manifest("third", 2, ""));
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(r.attached, 3u);
    EXPECT_EQ(rt->attached_count(decode, Anchor::replace), max_replace_plugins);
}

// JSON nested a million levels deep where the loaders dump() a value (an
// unknown permission, a code that is not a string) or copy it (a pre-2022
// manifest's plugin) overflowed the host's stack (found with manifest_fuzz): a manifest
// nested deeper than 64 levels is refused as it is read, wherever it is
// included from. Our format, which recursed nowhere, is refused the same way.
TEST_P(XbgpManifest, JsonNestedTooDeepIsRefusedAsItIsRead) {
    const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
    const std::string code = R"({"c": {"obj": ")" + obj("pass_next.o") + R"(", "permissions": ["read")";
    const std::vector<std::string> texts = {
        R"({"name": "perm", "obj_code_list": )" + code + ", " + deep + R"(]}}, "insertion_points": {}})",
        R"({"name": "seq", "obj_code_list": )" + code + R"(]}}, "insertion_points": {"bgp_decode_attr": {"pre": {"0": )" +
            deep + "}}}}",
        R"({"plugins": {"p": {"obj_code_list": {"c": {"obj": ")" + obj("pass_next.o") + R"("}}, "x": )" + deep + "}}}",
        R"({"plugins": [{"name": )" + deep + R"(, "object": "x.o", "point": "bgp_decode_attr"}]})"};
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::string path = write("deep" + std::to_string(i) + ".plugin", texts[i]);
        for (const std::string& top : {path, write("deep.meta", "include " + path + "\n")}) {
            const ManifestReport r = rt->load_manifest(top);
            ASSERT_EQ(r.problems.size(), 1u) << i << ": " << problems(r);
            EXPECT_NE(r.problems[0].message.find("deep" + std::to_string(i) +
                                                 ".plugin': JSON nested deeper than 64 levels: not a manifest"),
                      std::string::npos) << problems(r);
            EXPECT_EQ(rt->attached_count(decode), 0u);
        }
    }
    // Nesting a manifest does not need, within the limit, is still read (and ignored).
    const std::string nested = std::string(40, '[') + std::string(40, ']');
    const ManifestReport ok = rt->load_manifest(write("nested.plugin", R"({"name": "n", "extra": )" + nested +
                                                                          R"(, "obj_code_list": {"c": {"obj": ")" +
                                                                          obj("pass_next.o") + R"("}},
      "insertion_points": {"bgp_decode_attr": {"replace": {"0": "c"}}}})"));
    ASSERT_TRUE(ok.ok()) << problems(ok);
    EXPECT_EQ(ok.attached, 1u);
}

// Each plugin's shared memory is allocated when it loads, up to 64 MiB: the
// plugins of one load may ask for 256 MiB in all (an 800-byte manifest of 8
// plugins took 512 MiB, one of a few hundred more than the machine has).
TEST_P(XbgpManifest, TheSharedMemoryOfOneLoadIsBounded) {
    const auto manifest = [&](const std::string& file, int plugins) {
        std::string text = R"({"plugins": {)", points;
        for (int i = 0; i < plugins; ++i) {
            const std::string n = std::to_string(i);
            text += (i ? ", " : "") + std::string(R"("p)") + n + R"(": {"shared_mem": 67108864, "obj_code_list": {"c)" + n +
                    R"(": {"obj": ")" + obj("decide.o") + R"("}}})";
            points += (i ? ", " : "") + std::string(R"(")") + n + R"(": "c)" + n + R"(")";
        }
        return write(file, text + R"(}, "insertion_points": {"bgp_decode_attr": {"pre": {)" + points + "}}}}");
    };
    ManifestReport r = rt->load_manifest(manifest("five.json", 5));
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_EQ(r.problems[0].plugin, "p4");
    EXPECT_NE(r.problems[0].message.find(R"("shared_mem" of the plugins loaded together passes 268435456 bytes (335544320 with this one's))"),
              std::string::npos) << problems(r);
    EXPECT_EQ(rt->attached_count(decode), 0u);
    r = rt->load_manifest(manifest("four.json", 4));
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(r.attached, 4u);
}

// One load reads at most 64 MiB of manifests: a meta-manifest including a
// 15 MiB file again and again stops at the fifth (1024 times took 107 s).
TEST_P(XbgpManifest, WhatOneLoadReadsIsBoundedInBytes) {
    write("big.plugin", R"({"name": "big", "pad": ")" + std::string(15u << 20, 'a') + R"("})");
    std::string lines;
    for (int i = 0; i < 1024; ++i) lines += "include big.plugin\n";
    const ManifestReport r = rt->load_manifest(write("many.meta", lines));
    ASSERT_EQ(r.problems.size(), 5u) << problems(r);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NE(r.problems[i].message.find("no \"obj_code_list\""), std::string::npos) << problems(r);
    EXPECT_NE(r.problems[4].message.find("big.plugin': the manifest files of one load pass 67108864 bytes"),
              std::string::npos) << problems(r);
}

TEST_P(XbgpManifest, RibWalksSpellingsJobsPluginsAndPermissionAreAccepted) {
    const std::string path = write("rib_walk.plugin", R"({
      "jit_all": false, "name": "show_rib", "extra_mem": 512, "shared_mem": 0, "memory_mgmt": "michelfra",
      "obj_code_list": {"rib_show": {"obj": ")" + obj("needs_write.o") + R"(", "jit": true,
                                     "permission": ["read", "usr_ptr", "WRITE"]}},
      "jobs_plugins": {"show_rib": {"schedule": 15}}})");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_TRUE(r.ok()) << problems(r);
    ASSERT_EQ(rt->jobs().size(), 1u);
    EXPECT_EQ(rt->jobs()[0].schedule_seconds, 15u);
    EXPECT_EQ(rt->jobs()[0].code, "rib_show");
    EXPECT_EQ(rt->jobs()[0].program->permissions(), std::optional<std::uint8_t>(permission_read | permission_write |
                                                                                permission_usr_ptr));
    int quirks = 0;
    for (const std::string& n : r.notes)
        quirks += n == "\"jobs_plugins\" read as \"job_plugins\"" || n == "\"permission\" read as \"permissions\"";
    EXPECT_EQ(quirks, 2);
    // libxbgp's own tests' spelling: "job_plugin": {"schedule"} for every code.
    const ManifestReport single = rt->load_manifest(write("job.plugin", R"({"name": "plugin_1", "obj_code_list":
      {"code_1": {"obj": ")" + obj("decide.o") + R"("}}, "job_plugin": {"schedule": 7}})"));
    ASSERT_TRUE(single.ok()) << problems(single);
    ASSERT_EQ(rt->jobs().size(), 2u);
    EXPECT_EQ(rt->jobs()[1].schedule_seconds, 7u);
}

// libxbgp's format before 2022 (the collection's */manifest.json of 2020-2021):
// every plugin in one file, points and jobs at the top naming codes (or a
// plugin of one code), objects in obj_dir, no permissions (all granted).
TEST_P(XbgpManifest, TheManifestFormatOf2021IsSplitIntoItsPlugins) {
    const fs::path objects = dir / "objects";
    fs::create_directories(objects);
    fs::copy_file(obj("pass_next.o"), objects / "pass_next.o");
    fs::copy_file(obj("decide.o"), objects / "decide.o");
    fs::copy_file(obj("needs_write.o"), objects / "needs_write.o");
    const std::string path = write("manifest.json", R"({
      "jit_all": true, "obj_dir": "objects",
      "plugins": {
        "filters": {"extra_mem": 2048, "shared_mem": 0, "obj_code_list": {
          "pass": {"obj": "pass_next.o", "jit": true, "verifiers": {"cbmc": "-DPROVERS"}},
          "decide": {"obj": "decide.o"}}},
        "writer": {"extra_mem": 128, "obj_code_list": {"only_code": {"obj": "needs_write.o"}}},
        "walker": {"obj_code_list": {"walk": {"obj": "decide.o"}}}
      },
      "insertion_points": {
        "bgp_pre_inbound_filter": {"replace": {"20": "decide", "10": "pass"}},
        "bgp_decode_attr": {"replace": {"0": "writer"}}
      },
      "jobs_plugins": {"walk": {"schedule": 30}}
    })");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(r.attached, 3u);
    EXPECT_EQ(rt->attached_count(filter, Anchor::replace), 2u);
    EXPECT_EQ(rt->attached_count(decode, Anchor::replace), 1u);
    // needs_write calls a helper that needs the write permission: granted.
    EXPECT_EQ(rt->run(decode, {}).value, 2u);
    ASSERT_EQ(rt->jobs().size(), 1u);
    EXPECT_EQ(rt->jobs()[0].code, "walk");
    EXPECT_EQ(rt->jobs()[0].schedule_seconds, 30u);
    EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(),
                            [](const std::string& n) { return n.find("format before 2022") != std::string::npos; }));
}

TEST_P(XbgpManifest, AHelperBeyondTheCodesPermissionsIsNotLinked) {
    const std::string path = write("w.plugin", R"({"name": "w", "obj_code_list": {"c": {"obj": ")" +
                                                     obj("needs_write.o") + R"(", "permissions": ["read", "usr_ptr"]}},
      "insertion_points": {"bgp_decode_attr": {"replace": {"0": "c"}}}})");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_EQ(r.problems.size(), 1u) << problems(r);
    EXPECT_EQ(r.problems[0].code, PluginErrc::unknown_helper);
    EXPECT_EQ(r.problems[0].plugin, "w/c");
    EXPECT_NE(r.problems[0].message.find("calls helper 'test_write', which needs the 'write' permission; the code is "
                                         "granted: read, usr_ptr"),
              std::string::npos)
        << r.problems[0].message;
    EXPECT_EQ(rt->attached_count(decode), 0u);
    // No "permissions" at all: none granted (libxbgp's default).
    const ManifestReport none = rt->load_manifest(write("n.plugin", R"({"name": "n", "obj_code_list": {"c": {"obj": ")" +
                                                                       obj("needs_write.o") + R"("}},
      "insertion_points": {"bgp_decode_attr": {"replace": {"0": "c"}}}})"));
    ASSERT_EQ(none.problems.size(), 1u);
    EXPECT_NE(none.problems[0].message.find("granted: none"), std::string::npos) << none.problems[0].message;
    // Granted: it loads and runs.
    const ManifestReport ok = rt->load_manifest(write("ok.plugin", R"({"name": "ok", "obj_code_list": {"c": {"obj": ")" +
                                                                      obj("needs_write.o") + R"(", "permissions": ["write"]}},
      "insertion_points": {"bgp_decode_attr": {"replace": {"0": "c"}}}})"));
    ASSERT_TRUE(ok.ok()) << problems(ok);
    EXPECT_EQ(rt->run(decode, {}).value, 2u);
}

TEST_P(XbgpManifest, ProblemsAreNamedAndNothingIsAttached) {
    // valley_free_check.plugin: a replace names a code obj_code_list lacks.
    const std::string path = write("v.plugin", R"({"name": "filter_non_valley_free", "extra_mem": 128,
      "obj_code_list": {"simple_reject_42": {"obj": ")" + obj("decide.o") + R"("}},
      "insertion_points": {"bgp_pre_inbound_filter": {"replace": {"0": "filter_non_valley_free"}},
                           "bgp_nowhere": {"pre": {"0": "simple_reject_42"}},
                           "bgp_decode_attr": {"sideways": {"0": "simple_reject_42"}, "post": {"x1": "simple_reject_42"}}}})");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_EQ(r.problems.size(), 4u) << problems(r);
    const std::string all = problems(r);
    EXPECT_NE(all.find("names code 'filter_non_valley_free', which obj_code_list does not define (it has: simple_reject_42)"),
              std::string::npos) << all;
    EXPECT_NE(all.find("unknown insertion point 'bgp_nowhere'"), std::string::npos) << all;
    EXPECT_NE(all.find("unknown anchor 'sideways' (pre, replace, post)"), std::string::npos) << all;
    EXPECT_NE(all.find("sequence number 'x1' is not a 32-bit integer"), std::string::npos) << all;
    EXPECT_EQ(rt->attached_count(filter) + rt->attached_count(decode), 0u);
    // Missing fields, bad memory sizes, unknown permission words.
    const ManifestReport m = rt->load_manifest(write("m.plugin", R"({"name": "m", "extra_mem": -1,
      "obj_code_list": {"c": {"obj": ")" + obj("decide.o") + R"(", "permissions": ["read", "fly"]}}})"));
    EXPECT_NE(problems(m).find("\"extra_mem\" must be an integer from 0 to 67108864 (bytes)"), std::string::npos) << problems(m);
    const ManifestReport p = rt->load_manifest(write("p.plugin", R"({"name": "p",
      "obj_code_list": {"c": {"obj": ")" + obj("decide.o") + R"(", "permissions": ["read", "fly"]}},
      "insertion_points": {}})"));
    EXPECT_NE(problems(p).find("unknown permission \"fly\" (read, write, usr_ptr, none)"), std::string::npos) << problems(p);
}

TEST_P(XbgpManifest, AnObjNamingTheCSourceLoadsTheObjectBesideIt) {
    // customer_provider_validation.plugin names "customer_provider_validator.c".
    fs::copy_file(obj("decide.o"), dir / "decide.o");
    const ManifestReport r = rt->load_manifest(write("c.plugin", R"({"name": "customer_provider_validator",
      "obj_code_list": {"cust_prov_check": {"obj": "decide.c", "permissions": ["read", "write", "usr_ptr"]}},
      "insertion_points": {"bgp_pre_inbound_filter": {"replace": {"10": "cust_prov_check"}}}})"));
    ASSERT_TRUE(r.ok()) << problems(r);
    bool noted = false;
    for (const std::string& n : r.notes) noted = noted || n.find("names the C source 'decide.c'; 'decide.o' is loaded") != std::string::npos;
    EXPECT_TRUE(noted);
    EXPECT_EQ(rt->attached_count(filter, Anchor::replace), 1u);
}

TEST_P(XbgpManifest, OurJsonManifestStillLoads) {
    const std::string path = write("plugins.json", R"({"plugins": [{"name": "a", "object": ")" +
                                                       probes("runtime_probes.o") + R"(", "section": "probe/ret1",
                                                       "point": "bgp_decode_attr", "order": 3}]})");
    const ManifestReport r = rt->load_manifest(path);
    ASSERT_TRUE(r.ok()) << problems(r);
    EXPECT_EQ(rt->attached_count(decode, Anchor::pre), 1u);
    EXPECT_EQ(rt->run(decode, {}).value, 1u);
}

TEST_P(XbgpManifest, TheExtraConfigurationFileIsCheckedEntryByEntry) {
    const std::string good = write("extra.json", R"({"conf": {
      "rr_clients": {"type_arg": "list", "arg": [{"type_arg": "ipv4", "arg": "10.21.42.2"}]},
      "asn": {"type_arg": "int", "arg": 65002}}})");
    EXPECT_TRUE(rt->load_extra_config(good, "conf").ok());
    PluginStatus s = rt->load_extra_config(good, "nope");
    EXPECT_NE(s.error.message.find("no top-level member 'nope'"), std::string::npos) << s.error.message;
    s = rt->load_extra_config(write("bad.json", R"({"x": {"type_arg": "list", "arg": [{"type_arg": "ipv4", "arg": "300.1.1.1"}]}})"));
    EXPECT_NE(s.error.message.find("x[0]: \"arg\" is not an IPv4 address"), std::string::npos) << s.error.message;
    s = rt->load_extra_config(write("t.json", R"({"x": {"type_arg": "complex", "arg": 1}})"));
    EXPECT_NE(s.error.message.find("x: unknown type_arg 'complex'"), std::string::npos) << s.error.message;
}


}  // namespace
}  // namespace mempool::test

namespace mempool::test {
namespace {

// The C API of the same: manifests with jobs, the extra configuration, the log file.
TEST_P(XbgpManifest, TheCApiForJobsExtraConfigurationAndLog) {
    mempool_runtime* c = mempool_runtime_new(GetParam() ? 1 : 0);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(mempool_runtime_register_xbgp_helpers(c), 0);
    const std::string path = write("rib_walk.plugin", R"({"name": "show_rib", "obj_code_list": {"rib_show":
      {"obj": ")" + obj("pass_next.o") + R"(", "permission": ["read"]}}, "jobs_plugins": {"show_rib": {"schedule": 15}}})");
    char err[512];
    // pass_next calls test_trace, which this runtime lacks: one problem, named.
    EXPECT_EQ(mempool_runtime_load_manifest(c, path.c_str(), err, sizeof err), 1);
    EXPECT_NE(std::string(err).find("test_trace"), std::string::npos) << err;
    ASSERT_EQ(mempool_runtime_register_helper(c, "test_trace",
                                              [](std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                                 std::uint64_t) -> std::uint64_t { return 0; },
                                              2, 0),
              0);
    EXPECT_EQ(mempool_runtime_load_manifest(c, path.c_str(), err, sizeof err), 0) << err;
    ASSERT_EQ(mempool_runtime_job_count(c), 1u);
    const char* name = nullptr;
    std::uint64_t seconds = 0;
    ASSERT_EQ(mempool_runtime_job(c, 0, &name, &seconds), 0);
    EXPECT_STREQ(name, "show_rib/rib_show");
    EXPECT_EQ(seconds, 15u);
    EXPECT_EQ(mempool_runtime_job(c, 1, &name, &seconds), -1);

    const std::string extra = write("extra.json", R"({"conf": {"n": {"type_arg": "int", "arg": 1}}})");
    EXPECT_EQ(mempool_runtime_load_extra_config(c, extra.c_str(), "conf", err, sizeof err), 0) << err;
    EXPECT_EQ(mempool_runtime_load_extra_config(c, extra.c_str(), "other", err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("no top-level member 'other'"), std::string::npos) << err;
    EXPECT_EQ(mempool_runtime_set_log_file(c, "/nonexistent/dir/x.log", err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("/nonexistent/dir/x.log"), std::string::npos) << err;
    mempool_runtime_set_log_mask(c, 0);
    mempool_runtime_set_clock(c, [](std::int64_t* s, std::int64_t* ns, void*) { *s = 1, *ns = 2; return 1; }, nullptr);
    mempool_runtime_delete(c);
}

}  // namespace
}  // namespace mempool::test

namespace mempool::test {
namespace {
INSTANTIATE_TEST_SUITE_P(Modes, XbgpManifest, ::testing::Bool(), mode_name);
}  // namespace
}  // namespace mempool::test
