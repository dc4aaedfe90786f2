// byte_source_test.cpp: the input path gives the same bytes, and the same
// errors, whichever way it reads: libdeflate a member at a time, zlib
// streaming past the memory limits, with or without the reader thread, in
// reads of any size; and the reader thread stops cleanly when its consumer
// goes away early.
#include <bzlib.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "byte_source.hpp"
#include "compressed_files.hpp"
#include "read_ahead.hpp"
#include "sample.hpp"

namespace mempool::bgp::test {
namespace {

const std::vector<std::uint8_t>& mrt_stream() {
    static const std::vector<std::uint8_t> s = sample_stream(SampleOptions{4, 12000, 3000, 3});
    return s;
}

struct Drained {
    std::vector<std::uint8_t> bytes;
    bool failed = false;
    std::string error;
    std::uint64_t consumed = 0;
    std::uint64_t total = 0;
};

// Reads the source to its end in reads of `chunk` bytes; checks that an
// error, once returned, stays.
Drained drain(ByteSource& src, std::size_t chunk) {
    Drained d;
    std::vector<std::uint8_t> buf(chunk);
    for (;;) {
        const std::ptrdiff_t r = src.read(buf.data(), buf.size());
        if (r < 0) {
            d.failed = true;
            d.error = src.error();
            EXPECT_EQ(src.read(buf.data(), buf.size()), -1) << "an error is reported again";
            break;
        }
        if (r == 0) break;
        d.bytes.insert(d.bytes.end(), buf.begin(), buf.begin() + r);
    }
    d.consumed = src.consumed();
    d.total = src.total();
    return d;
}

Drained drain_file(const std::string& path, const ByteSourceOptions& o, std::size_t chunk) {
    std::string why;
    auto src = open_byte_source(path, why, o);
    EXPECT_NE(src, nullptr) << why;
    if (!src) return {};
    return drain(*src, chunk);
}

// Every way of reading a gzip file: the default, no thread, zlib only, and
// limits so small that members outgrow the window or the output buffer.
std::vector<std::pair<std::string, ByteSourceOptions>> gzip_ways() {
    std::vector<std::pair<std::string, ByteSourceOptions>> ways;
    ways.emplace_back("default", ByteSourceOptions{});
    ByteSourceOptions o;
    o.read_ahead_depth = 0;
    ways.emplace_back("no thread", o);
    o = {};
    o.read_ahead_min_file = 0;
    ways.emplace_back("reader thread", o);
    o = {};
    o.gzip_max_window = 0;
    ways.emplace_back("zlib only", o);
    o = {};
    o.gzip_max_window = 64u << 10;
    ways.emplace_back("64 KiB window", o);
    o.read_ahead_min_file = 0;
    ways.emplace_back("reader thread, 64 KiB window", o);
    o = {};
    o.gzip_max_member = 100u << 10;
    ways.emplace_back("100 KiB members", o);
    o = {};
    o.read_ahead_min_file = 0;
    o.read_ahead_block = 1000;  // smaller than the reads: a read spans blocks
    o.read_ahead_depth = 2;
    ways.emplace_back("1000-byte blocks", o);
    return ways;
}

TEST(ByteSource, GzipGivesTheSameBytesWhicheverWayItIsRead) {
    const auto& plain = mrt_stream();
    ASSERT_GT(plain.size(), 600u << 10);  // larger than the smallest limits below
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files = {
        {"one member", gzip_members(plain, plain.size())},
        {"members of 20 KB", gzip_members(plain, 20000)},
        {"members of 200 KB", gzip_members(plain, 200000)},
    };
    for (const auto& [what, gz] : files) {
        TempFile f(gz);
        for (const auto& [way, options] : gzip_ways()) {
            // A read with room for the whole stream: a member inflated
            // straight into it (when the trailer says it fits).
            for (std::size_t chunk : {std::size_t{1} << 18, std::size_t{4093}, plain.size() + 1}) {
                SCOPED_TRACE(what + ", " + way + ", reads of " + std::to_string(chunk));
                const Drained d = drain_file(f.str(), options, chunk);
                EXPECT_FALSE(d.failed) << d.error;
                EXPECT_TRUE(d.bytes == plain);
                EXPECT_EQ(d.consumed, gz.size());
                EXPECT_EQ(d.total, gz.size());
            }
        }
    }
}

TEST(ByteSource, Bzip2AndPlainGiveTheSameBytesWithOrWithoutTheThread) {
    const auto& plain = mrt_stream();
    TempFile bz(bzip2_bytes(plain)), raw(plain);
    ByteSourceOptions thread, no_thread;
    thread.read_ahead_min_file = 0;
    no_thread.read_ahead_depth = 0;
    for (const auto* f : {&bz, &raw}) {
        for (const auto& o : {thread, no_thread}) {
            const Drained d = drain_file(f->str(), o, 10000);
            EXPECT_FALSE(d.failed) << d.error;
            EXPECT_TRUE(d.bytes == plain);
        }
    }
}

// xz, zstd and lz4 files are named in the error rather than read as MRT
// whose first record is absurd; a plain MRT file whose timestamp happens to
// spell one of their magics is still plain (its type's high byte is 0).
TEST(ByteSource, OtherCompressionsAreNamedAndPlainFilesWithTheirBytesAreNot) {
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> others = {
        {"xz", {0xfd, '7', 'z', 'X', 'Z', 0, 0, 4}},
        {"zstd", {0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x10, 0x81, 0}},
        {"lz4", {0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0}}};
    for (const auto& [name, bytes] : others) {
        TempFile f(bytes);
        std::string why;
        EXPECT_EQ(open_byte_source(f.str(), why), nullptr) << name;
        EXPECT_EQ(why.rfind(name + "-compressed", 0), 0u) << why;
        EXPECT_NE(why.find(name + " -dc FILE"), std::string::npos) << why;
    }
    std::vector<std::uint8_t> plain = mrt_stream();
    const std::uint8_t zstd_time[4] = {0x28, 0xb5, 0x2f, 0xfd};
    std::copy(std::begin(zstd_time), std::end(zstd_time), plain.begin());
    ASSERT_EQ(plain[4], 0) << "an MRT type's high byte";
    TempFile raw(plain);
    const Drained d = drain_file(raw.str(), ByteSourceOptions{}, 10000);
    EXPECT_FALSE(d.failed) << d.error;
    EXPECT_TRUE(d.bytes == plain);
}

// A broken gzip file read every way (gzip_ways) in reads smaller and larger
// than its stream: the same bytes, then the same error, as `ref`.
void expect_every_way_fails_as(const std::string& path, const Drained& ref, std::size_t stream_size) {
    for (const auto& [way, options] : gzip_ways()) {
        for (std::size_t chunk : {std::size_t{4093}, stream_size + 1}) {
            SCOPED_TRACE(way + ", reads of " + std::to_string(chunk));
            const Drained d = drain_file(path, options, chunk);
            EXPECT_TRUE(d.failed);
            EXPECT_EQ(d.error, ref.error);
            EXPECT_TRUE(d.bytes == ref.bytes);
        }
    }
}

TEST(ByteSource, ATruncatedGzipGivesItsBytesThenTheSameErrorEveryWay) {
    const auto& plain = mrt_stream();
    for (std::size_t member : {plain.size(), std::size_t{20000}}) {
        auto gz = gzip_members(plain, member);
        gz.resize(gz.size() * 2 / 3);
        TempFile f(gz);
        const Drained ref = drain_file(f.str(), ByteSourceOptions{.gzip_max_window = 0, .read_ahead_depth = 0}, 1 << 18);
        ASSERT_TRUE(ref.failed);
        EXPECT_EQ(ref.error, "gzip stream truncated");
        ASSERT_GT(ref.bytes.size(), 0u);
        EXPECT_TRUE(std::equal(ref.bytes.begin(), ref.bytes.end(), plain.begin()));
        SCOPED_TRACE("members of " + std::to_string(member));
        expect_every_way_fails_as(f.str(), ref, plain.size());
    }
}

TEST(ByteSource, ACorruptGzipIsNamedByZlibEveryWay) {
    const auto& plain = mrt_stream();
    auto gz = gzip_members(plain, 50000);
    gz[gz.size() / 2] ^= 0x55;  // inside the deflate data of some member
    auto tail = gz;
    tail.insert(tail.end(), {'j', 'u', 'n', 'k', '!', '!', '!', '!'});
    for (const auto* bytes : {&gz, &tail}) {
        TempFile f(*bytes);
        const Drained ref = drain_file(f.str(), ByteSourceOptions{.gzip_max_window = 0, .read_ahead_depth = 0}, 1 << 18);
        ASSERT_TRUE(ref.failed);
        EXPECT_EQ(ref.error.rfind("gzip: ", 0), 0u) << ref.error;
        expect_every_way_fails_as(f.str(), ref, plain.size());
    }
}

// A gzip file read on the caller's thread tells its size from the trailer
// (MrtReader sizes its buffer by it, and the member is then inflated straight
// into the reader's read): exact for one member, the last member's for
// several; a source that cannot tell says 0.
TEST(ByteSource, ASmallGzipTellsItsSizeFromItsTrailer) {
    const auto& plain = mrt_stream();
    const auto one = gzip_members(plain, plain.size());
    const auto several = gzip_members(plain, 200000);
    TempFile f1(one), f2(several), bz(bzip2_bytes(plain)), raw(plain);
    ByteSourceOptions caller;
    caller.read_ahead_depth = 0;
    ByteSourceOptions thread;
    thread.read_ahead_min_file = 0;
    ByteSourceOptions zlib_only = caller;
    zlib_only.gzip_max_window = 0;
    const auto expected = [](const std::string& path, const ByteSourceOptions& o) {
        std::string why;
        auto src = open_byte_source(path, why, o);
        EXPECT_NE(src, nullptr) << why;
        return src ? src->expected_size() : ~std::uint64_t{0};
    };
    EXPECT_EQ(expected(f1.str(), caller), plain.size());
    EXPECT_EQ(expected(f1.str(), ByteSourceOptions{}), one.size() < (256u << 10) ? plain.size() : 0u);
    EXPECT_EQ(expected(f2.str(), caller), plain.size() % 200000 ? plain.size() % 200000 : 200000);
    EXPECT_EQ(expected(f1.str(), thread), 0u);
    EXPECT_EQ(expected(f1.str(), zlib_only), 0u);
    EXPECT_EQ(expected(bz.str(), caller), 0u);
    EXPECT_EQ(expected(raw.str(), caller), 0u);

    // Asked before the first read, and the bytes are still all there.
    std::string why;
    auto src = open_byte_source(f1.str(), why, caller);
    ASSERT_NE(src, nullptr) << why;
    ASSERT_EQ(src->expected_size(), plain.size());
    const Drained d = drain(*src, plain.size() + 1);
    EXPECT_FALSE(d.failed) << d.error;
    EXPECT_TRUE(d.bytes == plain);
    EXPECT_EQ(d.consumed, one.size());
}

TEST(ByteSource, TheReaderThreadStopsWhenTheConsumerLeavesEarly) {
    const auto& plain = mrt_stream();
    TempFile f(gzip_members(plain, 20000));
    ByteSourceOptions small;
    small.read_ahead_min_file = 0;
    small.read_ahead_block = 4096;
    small.read_ahead_depth = 2;
    ByteSourceOptions big = small;
    big.read_ahead_block = 1u << 20;
    for (const auto& o : {big, small}) {
        for (std::size_t taken : {std::size_t{0}, std::size_t{1}, std::size_t{100000}}) {
            std::string why;
            auto src = open_byte_source(f.str(), why, o);
            ASSERT_NE(src, nullptr);
            std::vector<std::uint8_t> buf(taken);
            std::size_t got = 0;
            while (got < taken) {
                const auto r = src->read(buf.data() + got, taken - got);
                ASSERT_GT(r, 0);
                got += static_cast<std::size_t>(r);
            }
            EXPECT_TRUE(std::equal(buf.begin(), buf.end(), plain.begin()));
            src.reset();  // joins the thread, blocked on a full queue or still reading
        }
    }
}

// A source that gives `good` bytes, then fails (or ends).
class ScriptedSource final : public ByteSource {
public:
    ScriptedSource(std::vector<std::uint8_t> good, bool fail) : good_(std::move(good)), fail_(fail) {}
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        ++reads;
        if (pos_ == good_.size()) {
            if (!fail_) return 0;
            error_ = "scripted failure";
            return -1;
        }
        const std::size_t k = std::min(n, good_.size() - pos_);
        std::memcpy(dst, good_.data() + pos_, k);
        pos_ += k;
        return static_cast<std::ptrdiff_t>(k);
    }
    std::uint64_t consumed() const override { return pos_; }
    std::uint64_t total() const override { return good_.size(); }
    std::atomic<int> reads{0};

private:
    std::vector<std::uint8_t> good_;
    std::size_t pos_ = 0;
    bool fail_;
};

TEST(ReadAhead, AnInnerErrorComesAfterTheBytesBeforeIt) {
    std::vector<std::uint8_t> good(10000);
    for (std::size_t i = 0; i < good.size(); ++i) good[i] = static_cast<std::uint8_t>(i * 7);
    for (bool fail : {false, true}) {
        for (std::size_t block : {std::size_t{1}, std::size_t{333}, std::size_t{1} << 20}) {
            SCOPED_TRACE(std::to_string(block) + (fail ? " failing" : " ending"));
            auto src = read_ahead(std::make_unique<ScriptedSource>(good, fail), block, 3);
            const Drained d = drain(*src, 1000);
            EXPECT_TRUE(d.bytes == good);
            EXPECT_EQ(d.failed, fail);
            EXPECT_EQ(d.error, fail ? "scripted failure" : "");
            EXPECT_EQ(d.consumed, good.size());
            EXPECT_EQ(d.total, good.size());
        }
    }
}

TEST(ReadAhead, TheThreadReadsAtMostDepthBlocksAhead) {
    std::vector<std::uint8_t> good(1000, 1);
    auto inner = std::make_unique<ScriptedSource>(good, false);
    ScriptedSource* seen = inner.get();
    auto src = read_ahead(std::move(inner), 10, 3);
    std::uint8_t b[10];
    ASSERT_EQ(src->read(b, 10), 10);  // the first block, given back on the next read
    for (int i = 0; i < 200 && seen->reads.load() < 4; ++i) usleep(1000);
    usleep(20000);  // time to overrun, if it could
    EXPECT_EQ(seen->reads.load(), 4) << "three blocks queued after the one being read";
}

}  // namespace
}  // namespace mempool::bgp::test
