// redteam4_holes_test.cpp: the holes the fourth red-team pass found in the
// xBGP helpers over mempool-bgp's data (src/bgp/xbgp), each a test that
// failed before its fix. The attacks that held are in redteam4_test.cpp.
#include "redteam4_support.hpp"

#include <csignal>
#include <regex>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mempool::test::redteam4 {
namespace {

using Redteam4Holes = Redteam4Bgp;

// Attack: at bgp_encode_attr the host hands the plugin the attribute being
// encoded (get_attr) as a view of the neighbour's copy of the route's plugin
// attributes, a Memory Pool. The encoder itself may call set_attr on that
// route: replacing attribute 201's 64-byte value by a 200-byte one makes the
// pool free the old bytes, and get_attr() then copies the freed block into
// the plugin's heap (a use after free: allocator bytes, among them host
// heap addresses, become numbers the plugin reads and logs).
// Must hold: get_attr() in the same run still gives the attribute as it was
// when the run started (64 bytes of 0xa5): "stale 0" for every encoded route.
TEST_P(Redteam4Holes, AnEncoderThatReplacesItsAttributeReadsNoFreedHostMemory) {
    const std::string m = manifest(
        "rt4_encode",
        R"("bgp_pre_outbound_filter": {"replace": {"0": "add"}}, "bgp_encode_attr": {"replace": {"0": "enc"}})",
        {{"add", "redteam4_add_attrs.o"}, {"enc", "redteam4_encode_replace.o"}});
    const ToolRun r = replay({"--plugins", m, "--export-to", kExportConfig, "--updates-out",
                              (dir / "updates.mrt").string(), mrt_file("updates.20020722.2238.gz")});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    const std::regex line("redteam4-encode: ([a-z ]+?)( [0-9]+ first [0-9a-f]+)?\n");
    std::size_t runs = 0, stale = 0;
    std::string first_bad;
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), line); it != std::sregex_iterator(); ++it) {
        ++runs;
        if ((*it)[1] != "stale" || (*it)[2].str().rfind(" 0 ", 0) != 0) {
            if (stale++ == 0) first_bad = it->str();
        }
    }
    EXPECT_GT(runs, 0u) << "the encoder never ran:\n" << r.output.substr(0, 2000);
    EXPECT_EQ(stale, 0u) << stale << " of " << runs << " encoder runs read bytes that are not the attribute's, e.g. "
                         << first_bad;
}

// Attack: an encoder (bgp_encode_custom_attr) writes, as "attributes" of
// each route sent, an MP_UNREACH_NLRI withdrawing 198.18.77.99/32 and an
// MP_REACH_NLRI announcing 2001:db8:4d63::/48. Both are whole attributes, so
// the host merged them into the UPDATEs it writes to --updates-out: every
// neighbour is told of routes the exporter never selected nor withdrew (its
// Adj-RIB-Out and the UPDATEs written no longer agree), and an IPv6 UPDATE
// carries two MP_REACH_NLRI (the host writes its own; RFC 7606 §3 g: a
// session reset).
// Must hold: the NLRI attributes are the host's alone: what the plugin
// wrote is dropped, and the UPDATEs written are as many bytes as those of
// the run without plugins.
TEST_P(Redteam4Holes, AnEncoderCannotWriteTheNlriAttributes) {
    const std::string mrt = mrt_file("updates.20071015.1505.gz");
    const std::string m =
        manifest("rt4_nlri", R"("bgp_encode_custom_attr": {"replace": {"0": "enc"}})", {{"enc", "redteam4_encode_nlri.o"}});
    const ToolRun base = replay({"--plugins", "none", "--export-to", kExportConfig, "--updates-out",
                                 (dir / "base.mrt").string(), mrt});
    ASSERT_EQ(base.status, 0) << base.output.substr(0, 2000);
    const ToolRun r = replay({"--plugins", m, "--export-to", kExportConfig, "--updates-out",
                              (dir / "updates.mrt").string(), mrt});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    const std::string with = read_file(dir / "updates.mrt"), without = read_file(dir / "base.mrt");
    ASSERT_FALSE(without.empty());
    const std::string withdrawn("\x0f\x08\x00\x01\x01\x20\xc6\x12\x4d\x63", 10);
    const std::string announced("\x30\x20\x01\x0d\xb8\x4d\x63", 7);
    EXPECT_EQ(with.find(withdrawn), std::string::npos) << "the plugin's MP_UNREACH_NLRI was written";
    EXPECT_EQ(with.find(announced), std::string::npos) << "the plugin's MP_REACH_NLRI was written";
    // With a plugin at an encoding point the exporter decides per neighbour,
    // so the UPDATEs may come in another order: their bytes add up the same.
    EXPECT_EQ(with.size(), without.size()) << "the UPDATEs are not those of the run without plugins";
}

// Attack: get_peer_info(&n) is declared to write n (out_fixed(4)); in a job
// (no source peer, no neighbour) the helper returned NULL without writing
// it, and the job's frame is not zeroed (no helper of it follows pointers):
// n was 4 bytes of the host's stack under the JIT (22044 = 0x561c on this
// machine: the high half of a host address), shown here through
// reschedule_plugin's interval, which mempool-bgp reports.
// Must hold: n reads 0 when there is no peer: the job does not reschedule.
TEST_P(Redteam4Holes, GetPeerInfoInAJobWritesItsCount) {
    const std::string m = (dir / "job.plugin").string();
    write_file(m, "{\"name\": \"rt4_job\", \"jit_all\": true, \"obj_code_list\": {\"jp\": {\"obj\": \"" +
                      probe("redteam4_job_peer.o") +
                      "\", \"permissions\": [\"read\", \"write\"]}}, \"job_plugins\": {\"jp\": {\"schedule\": 60}}}\n");
    const ToolRun r = replay({"--plugins", m, mrt_file("updates.20020722.2238.gz")});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    EXPECT_NE(r.output.find("job rt4_job/jp: 1 runs (every 60 s of MRT time), 0 failed, 0 skipped\n"), std::string::npos)
        << r.output.substr(0, 2000);
}

// Attack: a bgp_pre_inbound_filter plugin stores 16 attributes of 65,535
// bytes (add_attr) on every route it filters. What the pool helpers add to
// an object pool is charged to the plugin's per-run budget
// (PluginLimits::object_pool_bytes, 64 KiB by default); set_attr/add_attr
// were not charged at all: 1 MiB per route, 563 MB resident for the 534
// routes of a 13 KB update file (5 MB without the plugin), so a full table
// exhausts the host's memory.
// Must hold: one run adds at most 64 KiB (the default budget), counting a
// stored attribute as its flags, value and 32 bytes of entry.
TEST_P(Redteam4Holes, PathAttributesAPluginStoresAreChargedToItsPoolBudget) {
    const std::string m = manifest("rt4_big", R"("bgp_pre_inbound_filter": {"replace": {"0": "b"}})",
                                   {{"b", "redteam4_big_attrs.o"}}, "\"extra_mem\": 131072");
    const ToolRun r = replay({"--plugins", m, mrt_file("updates.20020722.2238.gz")});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    const std::regex line("redteam4-big: added ([0-9]+)\n");
    std::size_t runs = 0, most = 0;
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), line); it != std::sregex_iterator(); ++it) {
        ++runs;
        most = std::max<std::size_t>(most, std::stoul((*it)[1]));
    }
    EXPECT_GT(runs, 0u) << r.output.substr(0, 2000);
    EXPECT_LE(most * (65535 + 1 + 32), 64u * 1024) << "a run stored " << most << " attributes of 65,535 bytes";
}

// Attack: set_attr of a struct path_attribute the plugin built on its stack
// whose 8-byte value is a pointer it spilled there (the struct's own
// address). The verifier proves the 8-byte header (obj_in); the helper read
// the value from the stack wherever it lay and stored it on the route, and
// get_attr_from_code gave it back: a host stack address (JIT) as a number
// in the plugin's heap (825 routes: 'redteam4-attr: 0 7fff507cd790').
// Must hold: the value read back is never a pointer: set_attr refuses a
// value running into bytes that may hold one (-1), and nothing is stored.
TEST_P(Redteam4Holes, SetAttrTakesNoSpilledPointerAsAValue) {
    const std::string m = manifest("rt4_attr", R"("bgp_pre_inbound_filter": {"replace": {"0": "a"}})",
                                   {{"a", "redteam4_attr_stack.o"}});
    const ToolRun r = replay({"--plugins", m, mrt_file("updates.20020722.2238.gz")});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    const std::regex line("redteam4-attr: (-?[0-9]+) ([0-9a-f]+)\n");
    std::size_t runs = 0, leaks = 0;
    std::string first;
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), line); it != std::sregex_iterator(); ++it) {
        ++runs;
        if ((*it)[2] != "0" && leaks++ == 0) first = it->str();
    }
    EXPECT_GT(runs, 0u) << r.output.substr(0, 2000);
    EXPECT_EQ(leaks, 0u) << leaks << " of " << runs << " runs read a pointer back, e.g. " << first;
}

// Attack: schedule_bgp_message with a body (msg->buf) on the plugin's stack
// holding a pointer it spilled there: the marker "RT4LEAK!" then the body's
// own address. The structure msg is proven (ptr_struct_in) but the bytes
// buf points to were only checked to lie in a region: the host wrote them
// as a ROUTE-REFRESH to --updates-out, a host stack address (JIT,
// 0x7fff...) in the host's output.
// Must hold: no body is read from the stack (-1); the marker never reaches
// the file.
TEST_P(Redteam4Holes, ScheduleBgpMessageWritesNoStackBytes) {
    const std::string m = manifest("rt4_send", R"("bgp_pre_outbound_filter": {"replace": {"0": "s"}})",
                                   {{"s", "redteam4_send_stack.o"}}, "\"extra_mem\": 4096, \"shared_mem\": 64");
    const ToolRun r = replay({"--plugins", m, "--export-to", kExportConfig, "--updates-out",
                              (dir / "updates.mrt").string(), mrt_file("updates.20020722.2238.gz")});
    ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
    EXPECT_NE(r.output.find("redteam4-send: "), std::string::npos) << r.output.substr(0, 2000);
    const std::string out = read_file(dir / "updates.mrt");
    ASSERT_FALSE(out.empty());
    const std::size_t at = out.find("RT4LEAK!");
    std::string after;
    if (at != std::string::npos)
        for (std::size_t i = at + 8; i < at + 16 && i < out.size(); ++i) {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(out[i]));
            after += hex;
        }
    EXPECT_EQ(at, std::string::npos) << "the body went to --updates-out, followed by " << after;
}

// Attack: a job that reschedules itself with the largest interval a time_t
// holds, and manifests whose "schedule" is 2^63 or 2^64 - 1. The due time
// (time + interval) wrapped into the past, so the job ran again at once, 1000
// times per MRT record (the catch-up bound), 1,051,000 runs on
// updates.20020722.2238.gz instead of 1; with a job that walks the RIB that
// is a hung host (and signed overflow, undefined behaviour).
// Must hold: a due time that does not fit is never reached: one run with a
// 60 s schedule, none with the others.
TEST_P(Redteam4Holes, AJobsDueTimeNeverWrapsIntoThePast) {
    for (const auto& [schedule, runs] : {std::pair<std::string, int>{"60", 1}, {"9223372036854775808", 0},
                                         {"18446744073709551615", 0}}) {
        const std::string m = (dir / "far.plugin").string();
        write_file(m, "{\"name\": \"rt4_far\", \"jit_all\": true, \"obj_code_list\": {\"f\": {\"obj\": \"" +
                          probe("redteam4_job_far.o") +
                          "\", \"permissions\": [\"read\", \"write\"]}}, \"job_plugins\": {\"f\": {\"schedule\": " +
                          schedule + "}}}\n");
        const ToolRun r = replay({"--plugins", m, mrt_file("updates.20020722.2238.gz")});
        ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
        const std::string want = "job rt4_far/f: " + std::to_string(runs) + " runs ";
        const std::size_t at = r.output.find("job rt4_far/f: ");
        EXPECT_NE(r.output.find(want), std::string::npos)
            << "schedule " << schedule << ": " << (at == std::string::npos ? r.output : r.output.substr(at, 160));
    }
}

// Attack: get_extra_info_value(info, buf, len) is declared to fill `len`
// bytes (mem_out_rt): with a constant len the verifier counts the whole
// buffer as written after the call. With a handle that names nothing (or a
// value shorter than len, or no configuration at all) the helper wrote
// nothing and returned -1, and in a program that calls no helper following
// pointers its frames are not zeroed: the plugin read what an earlier
// plugin (here: stack_fill, another program, leaving 0x5e) or the host's
// own code (JIT: the host stack) left there: invariant (I), and a channel
// between plugins.
// Must hold: every byte of the buffer reads 0 after the call (the helper
// zeroes what it does not fill, as the built-in getters do).
TEST_P(Redteam4Runtime, GetExtraInfoValueLeavesNoStaleStackBytes) {
    const PointId fill = alone("r4/stack_fill");
    const PointId read = alone("r4/stale_extra_value");
    for (const std::uint64_t handle : {std::uint64_t{0}, std::uint64_t{0x4d50000000000007ull}, ~std::uint64_t{0}}) {
        modes[1] = handle;
        EXPECT_EQ(rt->run(fill, {}, {}, {}).value, 1u);
        const RunResult r = rt->run(read, {}, {}, {});
        EXPECT_EQ(r.aborted, 0u);
        EXPECT_EQ(r.value, 0u) << r.value << " of 32 words were not zero after get_extra_info_value (handle "
                               << std::hex << handle << ")";
    }
}

// Attack: an extra configuration (Runtime::load_extra_config, libxbgp's
// extra_conf file read by get_extra_info*) of lists nested 100,000 deep.
// Each level was parsed by a recursive call holding its own copy of the
// entry's path ("conf.a[0][0]...", growing by 3 bytes a level): the stack
// overflowed (a crash of the host at load), and the paths alone would take
// 15 GB.
// Must hold: the file is refused with a message saying why, and the runtime
// goes on.
TEST_P(Redteam4Runtime, ADeeplyNestedExtraConfigurationIsRefused) {
    const std::string path = ::testing::TempDir() + "redteam4_deep_conf_" + std::to_string(::getpid()) + ".json";
    {
        std::string text = "{\"conf\": {\"ok\": {\"type_arg\": \"int\", \"arg\": 7}}}";
        redteam4::write_file(path, text);
        ASSERT_TRUE(rt->load_extra_config(path, "conf").ok());
        constexpr int depth = 100000;
        text = "{\"a\": ";
        for (int i = 0; i < depth; ++i) text += "{\"type_arg\": \"list\", \"arg\": [";
        text += "{\"type_arg\": \"int\", \"arg\": 1}";
        for (int i = 0; i < depth; ++i) text += "]}";
        text += "}";
        redteam4::write_file(path, text);
    }
    const PluginStatus s = rt->load_extra_config(path, "");
    std::filesystem::remove(path);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error.message.find("deeper"), std::string::npos) << s.error.message;
}

// Attack: an extra configuration path that names a FIFO whose writer goes on
// writing (or /dev/zero, which never ends; not run here: it took 16 GB).
// Runtime::load_extra_config read it with std::ifstream until its end,
// holding all of it (64 MiB here), unlike manifests and objects, which are
// read with a bound (src/plugins/read_file.hpp).
// Must hold: refused past 16 MiB, saying so.
TEST_P(Redteam4Runtime, AnEndlessExtraConfigurationIsNotReadPastItsBound) {
    const std::string fifo = ::testing::TempDir() + "redteam4_conf_fifo_" + std::to_string(::getpid());
    std::filesystem::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::signal(SIGPIPE, SIG_IGN);  // the reader may close its end first
    std::thread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY);
        if (fd < 0) return;
        const std::string chunk(1 << 20, ' ');
        for (int i = 0; i < 64; ++i)
            if (::write(fd, chunk.data(), chunk.size()) < 0) break;  // EPIPE once the reader stops
        ::close(fd);
    });
    const PluginStatus s = rt->load_extra_config(fifo, "");
    writer.join();
    std::filesystem::remove(fifo);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error.message.find("larger than 16777216 bytes"), std::string::npos) << s.error.message;
}

INSTANTIATE_TEST_SUITE_P(Modes, Redteam4Runtime, ::testing::Bool(), ::mempool::test::mode_name);

// ---- manifests (fixed by the lead in 28679d9 from /work/notes/redteam4/manifest_limits.patch) ----

// Attack: a meta-manifest that includes a FIFO, and a *.plugin whose "obj"
// is a FIFO: nobody writes them, and the loader opened both and waited for
// ever (open() of a FIFO blocks until a writer comes): the host hung at load.
// Must hold: the load ends: the files a manifest names must be regular
// files, so both FIFOs are refused at once (each read as empty after a 2 s
// wait, and 1024 such includes held a load for half an hour).
TEST_P(Redteam4Holes, AManifestNamingAFifoDoesNotHangTheLoad) {
    const std::string fifo = (dir / "fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    write_file(dir / "fifo.meta", "include fifo\n");
    write_file(dir / "obj.plugin", "{\"name\": \"rt4_fifo\", \"obj_code_list\": {\"c\": {\"obj\": \"fifo\"}}, "
                                   "\"insertion_points\": {\"bgp_pre_inbound_filter\": {\"replace\": {\"0\": \"c\"}}}}\n");
    const ToolRun meta = replay({"--plugins", (dir / "fifo.meta").string(), mrt_file("updates.nlri_mask_trailing_bits.gz")});
    EXPECT_EQ(meta.status, 2) << "124: the load hung\n" << meta.output.substr(0, 2000);
    EXPECT_NE(meta.output.find("an included manifest must be a regular file"), std::string::npos)
        << meta.output.substr(0, 2000);
    const ToolRun obj = replay({"--plugins", (dir / "obj.plugin").string(), mrt_file("updates.nlri_mask_trailing_bits.gz")});
    EXPECT_EQ(obj.status, 2) << "124: the load hung\n" << obj.output.substr(0, 2000);
    EXPECT_NE(obj.output.find("rt4_fifo/c"), std::string::npos) << obj.output.substr(0, 2000);
    EXPECT_NE(obj.output.find("is not a regular file"), std::string::npos) << obj.output.substr(0, 2000);
}

// Attack: include chains. 12,000 meta-manifests each including the next
// overflowed the host's stack at load (one recursive call per level, exit
// 139 on this machine); 8 levels of 10 includes of the next level (no cycle,
// so the cycle check passes) meant 10^8 files read, a load that never ends.
// Must hold: includes nest at most 32 deep, and one load reads at most 1024
// manifest files; past either the load is refused with the reason (checked
// here with 40 levels, and 4 levels of 10: 11,110 reads).
TEST_P(Redteam4Holes, IncludeChainsAreBoundedInDepthAndFiles) {
    for (int i = 0; i < 40; ++i) write_file(dir / ("d" + std::to_string(i) + ".meta"), "include d" + std::to_string(i + 1) + ".meta\n");
    write_file(dir / "d40.meta", "# the end\n");
    std::string ten;
    for (int level = 0; level < 4; ++level) {
        ten.clear();
        for (int k = 0; k < 10; ++k) ten += "include f" + std::to_string(level + 1) + ".meta\n";
        write_file(dir / ("f" + std::to_string(level) + ".meta"), ten);
    }
    write_file(dir / "f4.meta", "# a leaf\n");
    const ToolRun deep = replay({"--plugins", (dir / "d0.meta").string(), mrt_file("updates.nlri_mask_trailing_bits.gz")});
    EXPECT_EQ(deep.status, 2) << deep.output.substr(0, 2000);
    EXPECT_NE(deep.output.find("nested deeper than 32"), std::string::npos) << deep.output.substr(0, 2000);
    const ToolRun wide = replay({"--plugins", (dir / "f0.meta").string(), mrt_file("updates.nlri_mask_trailing_bits.gz")});
    EXPECT_EQ(wide.status, 2) << wide.output.substr(0, 2000);
    EXPECT_NE(wide.output.find("more than 1024 manifest files"), std::string::npos) << wide.output.substr(0, 2000);
}

INSTANTIATE_TEST_SUITE_P(Modes, Redteam4Holes, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test::redteam4
