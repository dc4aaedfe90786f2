// JSON manifests: the shipped one loads in one call; every problem of a bad
// one is reported with the plugin's name and the reason, and nothing of it
// is attached.
#include "test_support.hpp"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mempool::test {
namespace {

class Manifest : public ::testing::TestWithParam<bool> {
protected:
    Manifest() : rt(options_for(GetParam())) {
        for (const char* p : {"bgp_message", "route_received", "route_compare", "peer_report"}) rt.point(p);
        dir = std::filesystem::path(::testing::TempDir()) /
              ("mempool_manifest_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir);
    }
    ~Manifest() override { std::filesystem::remove_all(dir); }

    std::string write(const std::string& text) {
        const std::string path = (dir / "plugins.json").string();
        std::ofstream(path) << text;
        return path;
    }
    std::size_t attached_total() {
        std::size_t n = 0;
        for (const char* p : {"bgp_message", "route_received", "route_compare", "peer_report"})
            n += rt.attached_count(rt.find_point(p));
        return n;
    }

    Runtime rt;
    std::filesystem::path dir;
};

TEST_P(Manifest, TheShippedManifestLoadsInOneCall) {
    ManifestReport r = rt.load_manifest(shipped("plugins.json"));
    for (const PluginError& e : r.problems) ADD_FAILURE() << e.to_string();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.attached, 4u);
    EXPECT_EQ(rt.attached_count(rt.find_point("bgp_message")), 1u);
    EXPECT_EQ(rt.attached_count(rt.find_point("route_compare")), 1u);
    EXPECT_EQ(r.entries, (std::vector<std::string>{"count_updates (bgp_message)", "report_updates (peer_report)",
                                                   "path_metric (route_received)", "prefer_metric (route_compare)"}));
}

TEST_P(Manifest, MissingFile) {
    ManifestReport r = rt.load_manifest((dir / "nope.json").string());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, PluginErrc::bad_manifest);
    EXPECT_NE(r.problems[0].message.find("cannot open"), std::string::npos);
}

// A manifest path that names a device that never ends (or an endless FIFO):
// refused once 16 MiB are read, not read until memory runs out.
TEST_P(Manifest, AnEndlessFileIsRefusedNotReadForever) {
    ManifestReport r = rt.load_manifest("/dev/zero");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, PluginErrc::bad_manifest);
    EXPECT_NE(r.problems[0].message.find("larger than"), std::string::npos) << r.problems[0].message;
    // The same for an object: the runtime reads at most 256 MiB of it.
    const LoadResult o = rt.load("/dev/zero", "plugin/x");
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code, PluginErrc::cannot_read);
    EXPECT_NE(o.error().message.find("larger than"), std::string::npos) << o.error().to_string();
}

TEST_P(Manifest, BadJson) {
    ManifestReport r = rt.load_manifest(source("manifests/bad_json.json"));
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, PluginErrc::bad_manifest);
    EXPECT_NE(r.problems[0].message.find("not valid JSON"), std::string::npos) << r.problems[0].message;
    // A number no double holds is not valid JSON either (it was an
    // internal error without the file's name; manifest_fuzz).
    for (const char* text : {"1e400", R"({"plugins": [{"name": "c", "object": "c.o", "point": "bgp_message", "order": -1e400}]})"}) {
        r = rt.load_manifest(write(text));
        ASSERT_EQ(r.problems.size(), 1u) << text;
        EXPECT_EQ(r.problems[0].code, PluginErrc::bad_manifest) << r.problems[0].to_string();
        EXPECT_NE(r.problems[0].message.find("plugins.json': not valid JSON ([json.exception.out_of_range.406] number overflow"),
                  std::string::npos) << r.problems[0].message;
    }
    r = rt.load_manifest(source("manifests/not_a_manifest.json"));
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].message.find("\"plugins\" array"), std::string::npos);
    EXPECT_EQ(attached_total(), 0u);
}

TEST_P(Manifest, EveryProblemIsReportedWithThePluginNameAndNothingIsAttached) {
    const std::string objects = MEMPOOL_PLUGINS_DIR;
    const std::string bad_dir = MEMPOOL_TEST_BAD_DIR;
    const std::string text = R"({ "plugins": [
      { "name": "good", "object": ")" + objects + R"(/count_updates.o", "section": "plugin/count_updates",
        "point": "bgp_message" },
      { "name": "where", "object": ")" + objects + R"(/count_updates.o", "section": "plugin/count_updates",
        "point": "bgp_keepalive" },
      { "name": "which", "object": ")" + objects + R"(/count_updates.o", "section": "plugin/counting",
        "point": "bgp_message" },
      { "name": "spin", "object": ")" + bad_dir + R"(/loop.o", "section": "plugin/loop", "point": "bgp_message" },
      { "name": "lost", "object": "missing.o", "point": "peer_report" },
      { "name": "noobject", "point": "peer_report" },
      { "name": "badorder", "object": "x.o", "point": "peer_report", "order": "first" },
      { "name": "good", "object": ")" + objects + R"(/report_updates.o", "section": "plugin/report_updates",
        "point": "peer_report" },
      42
    ] })";
    ManifestReport r = rt.load_manifest(write(text));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.attached, 0u);
    EXPECT_EQ(attached_total(), 0u);
    ASSERT_EQ(r.problems.size(), 8u);
    auto expect = [&](std::size_t i, const char* plugin, PluginErrc code, const char* words) {
        EXPECT_EQ(r.problems[i].plugin, plugin) << i;
        EXPECT_EQ(r.problems[i].code, code) << r.problems[i].to_string();
        EXPECT_NE(r.problems[i].message.find(words), std::string::npos) << r.problems[i].to_string();
    };
    expect(0, "where", PluginErrc::unknown_point, "unknown insertion point 'bgp_keepalive'");
    expect(1, "which", PluginErrc::missing_section, "no section 'plugin/counting'");
    expect(2, "spin", PluginErrc::loop, "loop");
    expect(3, "lost", PluginErrc::cannot_read, "missing.o");
    expect(4, "noobject", PluginErrc::bad_manifest, "missing \"object\"");
    expect(5, "badorder", PluginErrc::bad_manifest, "\"order\"");
    expect(6, "good", PluginErrc::duplicate, "twice");
    expect(7, "#9", PluginErrc::bad_manifest, "not a JSON object");
    for (const PluginError& e : r.problems)
        EXPECT_EQ(e.to_string().rfind("plugin '" + e.plugin + "' rejected: ", 0), 0u) << e.to_string();
}

TEST_P(Manifest, RelativeObjectsAreFoundBesideTheManifestAndSectionDefaults) {
    std::filesystem::copy_file(shipped("count_updates.o"), dir / "count_updates.o");
    ManifestReport r = rt.load_manifest(
        write(R"({"plugins": [{"name": "count_updates", "object": "count_updates.o", "point": "bgp_message"}]})"));
    for (const PluginError& e : r.problems) ADD_FAILURE() << e.to_string();
    EXPECT_EQ(r.attached, 1u);
}

// "order" is a 32-bit integer: a number beyond it is refused, also one
// that an int64 would read as a small negative one (found reviewing for manifest_fuzz:
// 18446744073709551615 was attached with order -1).
TEST_P(Manifest, AnOrderBeyond32BitsIsRefusedWhateverItsSign) {
    const std::string object = shipped("count_updates.o");
    for (const char* order : {"18446744073709551615", "18446744071562067968", "4294967295", "2147483648",
                              "-2147483649", "9223372036854775808", "1.5"}) {
        ManifestReport r = rt.load_manifest(write(R"({"plugins": [{"name": "c", "object": ")" + object +
                                                  R"(", "section": "plugin/count_updates", "point": "bgp_message", "order": )" +
                                                  order + "}]}"));
        ASSERT_EQ(r.problems.size(), 1u) << order;
        EXPECT_NE(r.problems[0].message.find("\"order\" must be a 32-bit integer"), std::string::npos)
            << order << ": " << r.problems[0].to_string();
        EXPECT_EQ(attached_total(), 0u) << order;
    }
    for (const char* order : {"2147483647", "-2147483648", "0"}) {
        ManifestReport r = rt.load_manifest(write(R"({"plugins": [{"name": "c", "object": ")" + object +
                                                  R"(", "section": "plugin/count_updates", "point": "bgp_message", "order": )" +
                                                  order + "}]}"));
        EXPECT_TRUE(r.ok()) << order;
        rt.detach_all();
    }
}

// The nesting bound counts the arrays and objects a value is in: 64 are
// read, a value in a 65th is refused (an empty 65th holds none).
TEST_P(Manifest, JsonIsReadToTheNestingBoundAndNoDeeper) {
    const auto nested = [](int levels, const char* inside) {
        return std::string(levels, '[') + inside + std::string(levels, ']');
    };
    for (const std::string& fits : {nested(63, "1"), nested(64, "")}) {
        const ManifestReport r = rt.load_manifest(write(R"({"plugins": [], "x": )" + fits + "}"));
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.problems[0].to_string());
    }
    for (const std::string& too_deep : {nested(64, "1"), nested(64, "[]"), nested(65, "")}) {
        const ManifestReport r = rt.load_manifest(write(R"({"plugins": [], "x": )" + too_deep + "}"));
        ASSERT_EQ(r.problems.size(), 1u);
        EXPECT_NE(r.problems[0].message.find("plugins.json': JSON nested deeper than 64 levels: not a manifest"),
                  std::string::npos) << r.problems[0].to_string();
    }
}

// An object that is not a regular file is refused at once, in manifest
// order among the other problems: a FIFO nobody writes (it was waited for
// 2 s), one the loader may not read, a socket (neither can be opened: still
// "not a regular file"), a folder and a device that never ends.
TEST_P(Manifest, AnObjectThatIsNotARegularFileIsRefusedAtOnce) {
    const std::string fifo = (dir / "fifo.o").string();
    const std::string closed_fifo = (dir / "closed_fifo.o").string();
    const std::string socket_path = (dir / "socket.o").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo(closed_fifo.c_str(), 0), 0);
    const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    ASSERT_LT(socket_path.size(), sizeof address.sun_path);
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    std::string entries;
    for (const std::string& object : {fifo, closed_fifo, socket_path, dir.string(), std::string("/dev/zero")})
        entries += R"({"name": ")" + std::filesystem::path(object).filename().string() + R"(", "object": ")" + object +
                   R"(", "point": "bgp_message"}, )";
    const auto start = std::chrono::steady_clock::now();
    const ManifestReport r = rt.load_manifest(write(R"({"plugins": [)" + entries + R"({"name": "late", "point": "x"}]})"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    ::close(listener);
    ASSERT_EQ(r.problems.size(), 6u);
    std::size_t i = 0;
    for (const std::string& object : {fifo, closed_fifo, socket_path, dir.string(), std::string("/dev/zero")}) {
        EXPECT_EQ(r.problems[i].code, PluginErrc::cannot_read) << r.problems[i].to_string();
        EXPECT_EQ(r.problems[i].message, "object '" + object + "' is not a regular file") << r.problems[i].to_string();
        ++i;
    }
    EXPECT_EQ(r.problems[5].plugin, "late");
    EXPECT_EQ(attached_total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, Manifest, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
