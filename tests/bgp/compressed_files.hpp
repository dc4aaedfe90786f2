// compressed_files.hpp: MRT bytes as the files the reader meets, for tests:
// gzip (one member or several), bzip2, and a temporary file that holds them.
//
//   TempFile f(gzip_members(stream, 20000), ".gz");
//   Replay r;
//   ASSERT_TRUE(r.replay_file(f.str()));
#pragma once

#include <bzlib.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace mempool::bgp::test {

// A file of the given bytes in the temporary folder, removed with the object.
class TempFile {
public:
    explicit TempFile(const std::vector<std::uint8_t>& bytes, const std::string& suffix = {})
        : path_(std::filesystem::temp_directory_path() /
                ("mempool_bgp_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + suffix)) {
        std::FILE* f = std::fopen(path_.c_str(), "wb");
        EXPECT_NE(f, nullptr);
        if (!f) return;
        EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
        std::fclose(f);
    }
    ~TempFile() { std::filesystem::remove(path_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] std::string str() const { return path_.string(); }

private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

// One gzip member holding the n bytes at `in`.
inline std::vector<std::uint8_t> gzip_member(const std::uint8_t* in, std::size_t n) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::vector<std::uint8_t> out(deflateBound(&z, n) + 64);
    z.next_in = const_cast<std::uint8_t*>(in);
    z.avail_in = static_cast<uInt>(n);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline std::vector<std::uint8_t> gzip_bytes(const std::vector<std::uint8_t>& in) {
    return gzip_member(in.data(), in.size());
}

// `in` compressed as consecutive gzip members of `member` input bytes each.
inline std::vector<std::uint8_t> gzip_members(const std::vector<std::uint8_t>& in, std::size_t member) {
    std::vector<std::uint8_t> out;
    for (std::size_t pos = 0; pos < in.size(); pos += member) {
        const auto m = gzip_member(in.data() + pos, std::min(member, in.size() - pos));
        out.insert(out.end(), m.begin(), m.end());
    }
    return out;
}

inline std::vector<std::uint8_t> bzip2_bytes(const std::vector<std::uint8_t>& in) {
    unsigned len = static_cast<unsigned>(in.size() + in.size() / 100 + 600);
    std::vector<std::uint8_t> out(len);
    EXPECT_EQ(BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(out.data()), &len,
                                       const_cast<char*>(reinterpret_cast<const char*>(in.data())),
                                       static_cast<unsigned>(in.size()), 9, 0, 0),
              BZ_OK);
    out.resize(len);
    return out;
}

}  // namespace mempool::bgp::test
