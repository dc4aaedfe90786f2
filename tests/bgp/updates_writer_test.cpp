// updates_writer_test.cpp: the MRT writer of --updates-out (UpdatesWriter),
// plain and gzip, the latter compressed on a thread of its own: the same
// records either way, many gzip members read back as one stream, and a
// failed write reported by close() with its errno.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "updates_writer.hpp"

namespace mempool::bgp {
namespace {

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> gunzip(const std::string& path) {
    std::vector<std::uint8_t> out;
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) return out;
    std::uint8_t buf[65536];
    for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
    gzclose(f);
    return out;
}

// Enough records for many 64 KiB chunks (a full queue included).
void write_records(UpdatesWriter& w) {
    PeerKey neighbour, local;
    neighbour.as = 64500;
    neighbour.ip.afi = Afi::ipv4;
    neighbour.ip.bytes = {198, 51, 100, 1};
    local.as = 65000;
    local.ip.afi = Afi::ipv4;
    local.ip.bytes = {192, 0, 2, 1};
    std::vector<std::uint8_t> message(19 + 4, 0xff);
    for (std::uint32_t i = 0; i < 40000; ++i) {
        message[19] = static_cast<std::uint8_t>(i);
        message[20] = static_cast<std::uint8_t>(i >> 8);
        w.write(1000000000u + i / 7, neighbour, local, i % 3 != 0, Bytes(message.data(), message.size()));
    }
}

TEST(UpdatesWriter, GzipOnItsThreadHoldsTheRecordsOfThePlainFile) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string plain = (dir / "mempool_updates_writer_test.mrt").string();
    const std::string gz = plain + ".gz";
    std::string why;
    for (const std::string& path : {plain, gz}) {
        UpdatesWriter w;
        ASSERT_TRUE(w.open(path, why)) << why;
        write_records(w);
        EXPECT_EQ(w.records(), 40000u);
        ASSERT_TRUE(w.close(why)) << why;
    }
    const std::vector<std::uint8_t> bytes = read_file(plain);
    EXPECT_GT(bytes.size(), 20 * UpdatesWriter::kChunkSize);
    EXPECT_EQ(gunzip(gz), bytes);
    EXPECT_LT(read_file(gz).size(), bytes.size() / 4);
    std::filesystem::remove(plain);
    std::filesystem::remove(gz);
}

TEST(UpdatesWriter, AFailedWriteOnTheCompressingThreadIsReportedByClose) {
    ASSERT_TRUE(std::filesystem::exists("/dev/full"));  // Linux: writes fail with ENOSPC
    const auto link = std::filesystem::temp_directory_path() / "mempool_updates_writer_full.gz";
    std::filesystem::remove(link);
    std::filesystem::create_symlink("/dev/full", link);
    UpdatesWriter w;
    std::string why;
    ASSERT_TRUE(w.open(link.string(), why)) << why;
    write_records(w);
    errno = 0;
    EXPECT_FALSE(w.close(why));
    EXPECT_EQ(errno, ENOSPC);
    EXPECT_NE(why.find("cannot write"), std::string::npos);
    std::filesystem::remove(link);
}

}  // namespace
}  // namespace mempool::bgp
