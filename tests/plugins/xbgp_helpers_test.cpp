// xbgp_helpers_test.cpp: the generic xBGP helpers' semantics, through
// plugins written against our xBGP API headers (probes/xbgp/helpers.c), JIT
// and interpreter: get_arg's three kinds, memory and number helpers, byte
// order, the host's clock, the extra configuration (printing and logging:
// xbgp_print_test.cpp). Helpers that take no
// plugin memory are also called directly.
#include "xbgp_support.hpp"

#include "xbgp/xbgp_helpers.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mempool::test {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t ARG_CODE = 1, ARG_DATA = 5, ARG_BGP_ROUTE = 6;

class XbgpHelpers : public XbgpProbeTest {
protected:
    void SetUp() override {
        XbgpProbeTest::SetUp();
        HelperSpec r;
        r.name = "test_resolve";
        r.fn = [](std::uint64_t h, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) -> std::uint64_t {
            return resolve_handle(h) == &route_object ? 1 : 0;
        };
        r.arg_count = 1;
        ASSERT_TRUE(rt->register_helper(r).ok());
        log_path = (fs::temp_directory_path() / ("xbgp_log_" + std::to_string(::getpid()) + ".txt")).string();
        fs::remove(log_path);
    }
    void TearDown() override { fs::remove(log_path); }

    // Runs section `section` of helpers.o once as a replace plugin.
    RunResult run(const std::string& section, std::span<const TypedArg> typed = {}) {
        const PointId p = rt->point(section);
        if (rt->attached_count(p) == 0) {
            ProgramPtr prog = load("helpers.o", section);
            EXPECT_NE(prog, nullptr);
            if (prog == nullptr) return {};
            EXPECT_TRUE(rt->attach(p, prog, Anchor::replace, 0).ok());
        }
        CallScope scope;
        scope.typed = typed;
        return rt->run(p, {}, scope);
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
    static inline int route_object = 0;
    std::string log_path;
};

TEST_P(XbgpHelpers, GetArgCopiesBytesAndHandsHiddenObjectsAsHandles) {
    const std::uint8_t code = 42;
    const std::uint64_t data = 0x1122334455667788ull;
    const TypedArg typed[] = {TypedArg::of(ARG_CODE, code), TypedArg::of(ARG_DATA, data),
                              TypedArg::hidden_object(ARG_BGP_ROUTE, &route_object)};
    const RunResult r = run("xbgp/get_arg", typed);
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(r.aborted, 0u);
    EXPECT_EQ(traced(1), 42u);
    EXPECT_EQ(traced(2), data);
    EXPECT_EQ(traced(3), 1u);  // the handle resolves, inside the run, to the host's object
    // Without the arguments: NULL.
    trace.clear();
    EXPECT_EQ(run("xbgp/get_arg").value, 1u);
    EXPECT_EQ(resolve_handle(0x4d50000200000006ull), nullptr);  // no run in progress
}

TEST_P(XbgpHelpers, MemoryNumbersTextAndByteOrder) {
    const RunResult r = run("xbgp/libc");
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(traced(21), 0u);
    EXPECT_EQ(traced(22), 1u);
    EXPECT_EQ(traced(23), 1414u);  // floor(sqrt(2) * 10^3)
    const std::uint64_t text = traced(24);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&text), 8), "192.0.2.");
    EXPECT_EQ(traced(25), 0x04030201u);
    EXPECT_EQ(traced(26), 0x0201u);
    EXPECT_EQ(traced(27), 0x0807060504030201ull);
}

TEST_P(XbgpHelpers, ByteOrderHelpersForObjectsBuiltWithXbgpsHeaders) {
    // Our headers inline them; objects built with xBGP's call these.
    namespace x = detail::xbgp;
    EXPECT_EQ(x::swap16(0x0102, 0, 0, 0, 0), 0x0201u);
    EXPECT_EQ(x::swap16(0xffff0102, 0, 0, 0, 0), 0x0201u);  // only the low 16 bits
    EXPECT_EQ(x::swap32(0x01020304, 0, 0, 0, 0), 0x04030201u);
    EXPECT_EQ(x::swap64(0x0102030405060708ull, 0, 0, 0, 0), 0x0807060504030201ull);
    EXPECT_EQ(x::ebpf_sqrt(10000, 0, 0, 0, 0), 100u);
    EXPECT_EQ(x::ebpf_sqrt(2, 10, 0, 0, 0), 0u);  // precision above 9
    for (const char* name : {"ebpf_htons", "ebpf_ntohs", "ebpf_htonl", "ebpf_ntohl", "ebpf_htonll", "ebpf_ntohll",
                             "memcmp", "bcmp", "ebpf_memcmp", "ebpf_memcpy", "next", "get_arg", "super_log"}) {
        bool found = false;
        for (const HelperSpec& h : xbgp_helpers()) found = found || h.name == name;
        EXPECT_TRUE(found) << name;
    }
}

TEST_P(XbgpHelpers, GetTimeIsTheHostsClockAndGetRealtimeTheWallClock) {
    rt->set_clock([](Runtime::HostTime& now, void*) noexcept {
        now.seconds = 1234;
        now.nanoseconds = 5678;
        return true;
    });
    const RunResult r = run("xbgp/time");
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(traced(30), 1234u);
    EXPECT_EQ(traced(31), 5678u);
    EXPECT_GT(traced(32), 1'600'000'000u);
}

TEST_P(XbgpHelpers, TheExtraConfigurationThroughGetExtraInfo) {
    const std::string path = (fs::temp_directory_path() / ("xbgp_extra_" + std::to_string(::getpid()) + ".json")).string();
    std::ofstream(path) << R"({"conf": {
      "rr_clients": {"type_arg": "list", "arg": [{"type_arg": "ipv4", "arg": "10.21.42.2"},
                                                 {"type_arg": "ipv4", "arg": "10.21.42.5"}]},
      "peers": {"type_arg": "dict", "arg": {"65002": {"type_arg": "int", "arg": 7}}}}})";
    ASSERT_TRUE(rt->load_extra_config(path, "conf").ok());
    fs::remove(path);
    const RunResult r = run("xbgp/extra");
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(traced(40), 0x0a152a02u);
    EXPECT_EQ(traced(41), 0x0a152a05u);
    EXPECT_EQ(traced(45), 7u);
    // Literal keys (read-only data, where each executor holds it).
    EXPECT_EQ(run("xbgp/extra_literal").value, 0x0a152a05u);
}

INSTANTIATE_TEST_SUITE_P(Modes, XbgpHelpers, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
