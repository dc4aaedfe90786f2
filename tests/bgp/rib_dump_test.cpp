// The per-route dump (rib_dump.hpp): replaying each TABLE_DUMP_V2 file of
// the data folder and writing its Adj-RIB-In back gives exactly the lines
// `bgpdump -m` prints for that file (sorted); the jsonl form carries every
// attribute, the best-route mark and the route's pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string_view>
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

// The end of field n (0-based) of a bgpdump -m line.
std::size_t field_end(std::string_view l, int n) {
    std::size_t at = 0;
    for (int i = 0; i <= n && at != std::string_view::npos; ++i) at = l.find('|', at + (i == 0 ? 0 : 1));
    return at;
}

// The lines of a table, compared without holding them (a full table is tens
// of millions): their count, the sum and the sum of squares of a 64-bit hash
// of each line without its time field (an order-independent digest of the
// multiset), and the time of the last line.
struct TableDigest {
    std::uint64_t lines = 0, sum = 0, squares = 0;
    std::string time;
    void add_hash(std::uint64_t h) {
        ++lines;
        sum += h;
        squares += h * h;
    }
    static std::uint64_t line_hash(std::string_view l) {
        const std::size_t t0 = field_end(l, 0), t1 = field_end(l, 1);
        const std::uint64_t a = std::hash<std::string_view>{}(l.substr(0, t0));
        const std::uint64_t b = std::hash<std::string_view>{}(l.substr(t1));
        return (a * 0x9e3779b97f4a7c15ull) ^ b;
    }
    bool operator==(const TableDigest&) const = default;
};

// Each line of `file` (a FILE* read to its end) handed to `each`.
template <class Each>
void for_each_line(std::FILE* f, Each each) {
    char* line = nullptr;
    std::size_t cap = 0;
    for (ssize_t n; (n = getline(&line, &cap, f)) > 0;)
        each(std::string_view(line, static_cast<std::size_t>(line[n - 1] == '\n' ? n - 1 : n)));
    std::free(line);
}

// Our dump of `r`, through a temporary file.
TableDigest our_digest(Replay& r) {
    TableDigest d;
    std::FILE* f = std::tmpfile();
    EXPECT_NE(f, nullptr);
    if (f == nullptr) return d;
    EXPECT_GE(write_rib_dump(r, f, {}), 0);
    std::rewind(f);
    for_each_line(f, [&](std::string_view l) {
        d.add_hash(TableDigest::line_hash(l));
        d.time = std::string(l.substr(field_end(l, 0) + 1, field_end(l, 1) - field_end(l, 0) - 1));
    });
    std::fclose(f);
    return d;
}

// bgpdump -m's lines of a TABLE_DUMP_V2 file as a replay into one RIB sees
// them. A file may hold several dumps of one table, one after the other
// (BIRD's mrtdump writes one per period): each route is the one of its last
// dump, and the time of every line the last dump's. So each route's last
// line counts (by peer, AS, prefix and path id), at the last line's time.
TableDigest bgpdump_digest(const fs::path& file) {
    TableDigest d;
    const std::string cmd = std::string(MEMPOOL_BGPDUMP) + " -m '" + file.string() + "' 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr) << cmd;
    if (p == nullptr) return d;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> routes;  // (route's key hash, line hash), in order
    for_each_line(p, [&](std::string_view l) {
        const bool add_path = l.substr(0, 15) == "TABLE_DUMP2_AP|";
        const std::size_t from = field_end(l, 2), to = field_end(l, add_path ? 6 : 5);
        routes.emplace_back(std::hash<std::string_view>{}(l.substr(from, to - from)), TableDigest::line_hash(l));
        d.time = std::string(l.substr(field_end(l, 0) + 1, field_end(l, 1) - field_end(l, 0) - 1));
    });
    EXPECT_EQ(pclose(p), 0) << cmd;
    std::stable_sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < routes.size(); ++i)
        if (i + 1 == routes.size() || routes[i + 1].first != routes[i].first) d.add_hash(routes[i].second);
    return d;
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
        const TableDigest theirs = bgpdump_digest(e.path());
        ASSERT_NE(theirs.lines, 0u);
        const TableDigest ours = our_digest(r);
        EXPECT_EQ(ours.lines, theirs.lines);
        EXPECT_EQ(ours.time, theirs.time);
        EXPECT_TRUE(ours == theirs) << "the lines differ";
        if (ours == theirs || ours.lines > 200000) continue;
        // A small table that differs: the first line that does.
        std::vector<std::string> mine = split_lines(dump_of(r, {})), bgpdump = bgpdump_lines(e.path());
        std::sort(mine.begin(), mine.end());
        std::sort(bgpdump.begin(), bgpdump.end());
        const auto diff = std::mismatch(mine.begin(), mine.end(), bgpdump.begin(), bgpdump.end());
        ADD_FAILURE() << "first differing line, ours: " << (diff.first != mine.end() ? *diff.first : "(none)")
                      << "\nbgpdump's (all dumps, sorted): "
                      << (diff.second != bgpdump.end() ? *diff.second : "(none)");
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
