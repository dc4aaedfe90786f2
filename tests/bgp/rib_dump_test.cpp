// The per-route dump (rib_dump.hpp): replaying each TABLE_DUMP_V2 file of
// the data folder and writing its Adj-RIB-In back gives exactly the lines
// `bgpdump -m` prints for that file (sorted); the jsonl form carries every
// attribute, the best-route mark and the route's pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "mrt_writer.hpp"
#include "rib_dump.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

std::string dump_of(Replay& r, RibDumpOptions o) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    EXPECT_NE(f, nullptr);
    EXPECT_GE(write_rib_dump(r, f, o), 0);
    std::fclose(f);
    std::string s(buf, len);
    std::free(buf);
    return s;
}

std::vector<std::string> bgpdump_lines(const fs::path& file) {
    const std::string cmd = std::string(MEMPOOL_BGPDUMP) + " -m '" + file.string() + "' 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr) << cmd;
    std::string out;
    char buf[65536];
    for (std::size_t n; p && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (p) {
        EXPECT_EQ(pclose(p), 0) << cmd;
    }
    return split_lines(out);
}

// The MRT type of a file's first record (the files are gzip-compressed).
std::uint16_t first_record_type(const fs::path& file) {
    std::string why;
    auto src = open_byte_source(file.string(), why);
    if (!src) return 0;
    std::uint8_t h[12];
    std::size_t got = 0;
    while (got < sizeof h) {
        const std::ptrdiff_t n = src->read(h + got, sizeof h - got);
        if (n <= 0) return 0;
        got += static_cast<std::size_t>(n);
    }
    return static_cast<std::uint16_t>(h[4] << 8 | h[5]);
}

// A file may hold several dumps of one table, one after the other (BIRD's
// mrtdump writes one per period): replayed into one RIB, each route is the
// one of its last dump, and the time of every line is the last dump's. Of
// bgpdump's lines, each route's last, at the time of the last line.
std::vector<std::string> latest_of_each_route(const std::vector<std::string>& lines) {
    const auto field_end = [](const std::string& l, int n) {  // the end of field n (0-based)
        std::size_t at = 0;
        for (int i = 0; i <= n && at != std::string::npos; ++i) at = l.find('|', at + (i == 0 ? 0 : 1));
        return at;
    };
    std::vector<std::string> latest;
    std::map<std::string, std::size_t> index;  // peer, AS, prefix (and path id) -> line in `latest`
    for (const std::string& l : lines) {
        const bool add_path = l.rfind("TABLE_DUMP2_AP|", 0) == 0;
        const std::size_t from = field_end(l, 2), to = field_end(l, add_path ? 6 : 5);
        const std::string key = l.substr(from, to - from);
        const auto [it, fresh] = index.emplace(key, latest.size());
        if (fresh) latest.push_back(l);
        else latest[it->second] = l;
    }
    if (latest.size() == lines.size() || lines.empty()) return latest;
    const std::size_t t0 = field_end(lines.back(), 0), t1 = field_end(lines.back(), 1);
    const std::string time = lines.back().substr(t0, t1 - t0);
    for (std::string& l : latest) l = l.substr(0, field_end(l, 0)) + time + l.substr(field_end(l, 1));
    return latest;
}

TEST(RibDump, EveryTableDumpV2FileGivesBgpdumpsLines) {
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(mrt_data_dir())) {
        if (first_record_type(e.path()) != 13) continue;
        SCOPED_TRACE(e.path().filename().string());
        ++files;
        Replay r;
        ASSERT_TRUE(r.replay_file(e.path().string()));
        (void)r.finish();
        std::vector<std::string> ours = split_lines(dump_of(r, {}));
        std::vector<std::string> theirs = latest_of_each_route(bgpdump_lines(e.path()));
        std::sort(ours.begin(), ours.end());
        std::sort(theirs.begin(), theirs.end());
        ASSERT_FALSE(theirs.empty());
        EXPECT_EQ(ours.size(), theirs.size());
        for (std::size_t i = 0; i < std::min(ours.size(), theirs.size()); ++i) {
            EXPECT_EQ(ours[i], theirs[i]);
            if (ours[i] != theirs[i]) break;  // one diff says enough
        }
    }
    EXPECT_GE(files, 3u);  // the three visible TABLE_DUMP_V2 files
}

// TABLE_DUMP (v1): bgpdump writes "TABLE_DUMP" and each record's own time;
// everything from the peer on is the same.
TEST(RibDump, TableDumpV1FileGivesBgpdumpsFieldsAfterTheTime) {
    const fs::path file = mrt_data_dir() / "bview.20020722.2337.gz";
    Replay r;
    ASSERT_TRUE(r.replay_file(file.string()));
    (void)r.finish();
    const auto tail = [](std::vector<std::string> lines) {
        for (auto& l : lines) l = l.substr(l.find("|B|"));
        std::sort(lines.begin(), lines.end());
        return lines;
    };
    const std::vector<std::string> ours = tail(split_lines(dump_of(r, {})));
    const std::vector<std::string> theirs = tail(bgpdump_lines(file));
    EXPECT_EQ(ours.size(), 115521u);
    EXPECT_TRUE(ours == theirs);
}

TEST(RibDump, AsPathTextIsBgpdumps) {
    AsPath p;
    auto add = [&](std::uint8_t t, std::vector<std::uint32_t> asns) {
        p.segments.push_back(AsSegment{t, static_cast<std::uint16_t>(asns.size())});
        p.asns.insert(p.asns.end(), asns.begin(), asns.end());
    };
    add(kAsConfedSequence, {65001, 65002});
    add(kAsSequence, {1, 2});
    add(kAsSet, {3, 4});
    add(kAsConfedSet, {5});
    add(kAsSequence, {6});
    EXPECT_EQ(as_path_text(p), "(65001 65002) 1 2 {3,4} [5] 6");
}

// Two peers announce 10.1/16; the second also 2001:db8::/32. A hook stores a
// metric in each route's pool, as plugin C does.
TEST(RibDump, JsonlHasEveryAttributeTheBestMarkAndThePool) {
    const PeerKey a{parse_ip("192.0.2.1"), 65001}, b{parse_ip("192.0.2.2"), 65002}, local{parse_ip("192.0.2.254"), 1};
    std::vector<std::uint8_t> s, msg, rec;
    UpdateSpec u;
    u.announced = {parse_prefix("10.1.0.0/16")};
    u.as_path = {65001, 3356, 3356, 7018};
    u.next_hop_v4 = parse_ip("192.0.2.1");
    u.med = 50;
    u.communities = {65001u << 16 | 100, 0xFFFFFF01u};
    encode_update(u, true, msg);
    encode_bgp4mp_message(1700000000, a, local, true, Bytes(msg), rec);
    s.insert(s.end(), rec.begin(), rec.end());
    UpdateSpec v;
    v.announced = {parse_prefix("10.1.0.0/16"), parse_prefix("2001:db8::/32")};
    v.as_path = {65002, 7018};
    v.origin = 1;
    v.next_hop_v4 = parse_ip("192.0.2.2");
    v.next_hop_v6 = parse_ip("2001:db8::2");
    encode_update(v, true, msg);
    encode_bgp4mp_message(1700000001, b, local, true, Bytes(msg), rec);
    s.insert(s.end(), rec.begin(), rec.end());
    struct Hooks : InsertionPoints {
        void route_received(const RouteEvent& e) override {
            (void)e.pool.set<std::uint64_t>(1, route_metric(e.path_length, e.origin));
        }
    } hooks;
    ReplayOptions o;
    o.hooks = &hooks;
    Replay r(o);
    r.replay_source(memory_byte_source(s.data(), s.size()), "mem");
    (void)r.finish();
    std::vector<nlohmann::json> routes;
    for (const auto& line : split_lines(dump_of(r, {RibDumpFormat::jsonl, false}))) routes.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(routes.size(), 3u);
    const nlohmann::json* from_a = nullptr;
    int best_of_10_1 = 0;
    for (const auto& j : routes) {
        if (j["prefix"] == "10.1.0.0/16") best_of_10_1 += j["best"].get<bool>();
        if (j["peer_ip"] == "192.0.2.1") from_a = &j;
        if (j["prefix"] == "2001:db8::/32") {
            EXPECT_TRUE(j["best"].get<bool>());
            EXPECT_EQ(j["attributes"]["next_hop"], "2001:db8::2");
            EXPECT_EQ(j["attributes"]["origin"], "EGP");
        }
    }
    EXPECT_EQ(best_of_10_1, 1);
    ASSERT_NE(from_a, nullptr);
    const nlohmann::json& at = (*from_a)["attributes"];
    EXPECT_EQ(at["as_path"], "65001 3356 3356 7018");
    EXPECT_EQ(at["path_length"], 3);
    EXPECT_EQ(at["origin"], "IGP");
    EXPECT_EQ(at["next_hop"], "192.0.2.1");
    EXPECT_EQ(at["med"], 50);
    EXPECT_EQ(at["communities"], (nlohmann::json{"65001:100", "no-export"}));
    EXPECT_EQ(at["atomic_aggregate"], false);
    EXPECT_EQ((*from_a)["best"], false);  // metric 13 against 9 for 65002 7018 (EGP)
    ASSERT_EQ((*from_a)["pool"].size(), 1u);
    EXPECT_EQ((*from_a)["pool"][0]["key"], 1);
    EXPECT_EQ((*from_a)["pool"][0]["u64"], 4 * 3 + 0);
    // --rib-best-only: one line per prefix, each the best.
    const auto best = split_lines(dump_of(r, {RibDumpFormat::jsonl, true}));
    ASSERT_EQ(best.size(), 2u);
    for (const auto& line : best) EXPECT_TRUE(nlohmann::json::parse(line)["best"].get<bool>());
    // The bgpdump form of the same route.
    const auto lines = split_lines(dump_of(r, {}));
    EXPECT_NE(std::find(lines.begin(), lines.end(),
                        "TABLE_DUMP2|1700000001|B|192.0.2.1|65001|10.1.0.0/16|65001 3356 3356 7018|IGP|192.0.2.1|0|50|"
                        "65001:100 no-export|NAG||"),
              lines.end());
}

}  // namespace
}  // namespace mempool::bgp::test
