// byte_source.hpp: where MRT bytes come from (a file, plain, gzip or bzip2
// compressed, or a buffer in memory).
//
// The compression is detected from the first bytes of the file (gzip 1f 8b,
// bzip2 "BZh"), never from its name. Concatenated gzip members and bzip2
// streams are read as one stream, as zcat and bzcat do. An xz, zstd or lz4
// file is refused by name (`why` says how to pipe it in), not read as
// plain MRT.
//
// How a compressed file is read (the choices are measured in
// docs/benchmarks.md, "Replay against decompression"):
//   - a file of `read_ahead_min_file` compressed bytes or more is
//     decompressed on a reader thread (read_ahead.hpp) while the caller
//     decodes, in blocks of `read_ahead_block` bytes, `read_ahead_depth` at
//     most in flight; a smaller one on the caller's thread;
//   - gzip on the caller's thread: libdeflate inflates each member whole,
//     about twice as fast as zlib, within the memory limits below; straight
//     into the caller's read when it has room for the member (MrtReader
//     sizes its buffer by expected_size(), the gzip trailer's figure);
//   - gzip on the reader thread: zlib streams, so that the first blocks come
//     at once; libdeflate takes over for members known to be small (files
//     of many members);
//   - a gzip member past the limits, or corrupt, streams through zlib: a file
//     larger than memory still replays, and zlib names the corruption;
//   - bzip2: libbz2, streaming.
//
//   std::string why;
//   auto src = open_byte_source("updates.20071015.1505.gz", why);
//   if (!src) fail(why);
//   std::ptrdiff_t n = src->read(buf, sizeof buf);   // 0 at the end, -1: src->error()
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mempool::bgp {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Reads up to n bytes; returns the number read, 0 at the end, -1 on error
    // (then error() says why). The bytes read before an error are returned
    // first; the call after them returns -1.
    virtual std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) = 0;
    // Bytes consumed from the underlying file (for a progress bar).
    [[nodiscard]] virtual std::uint64_t consumed() const = 0;
    [[nodiscard]] virtual std::uint64_t total() const = 0;
    // How many bytes the source expects to produce in all, 0 if it cannot
    // tell: a hint for sizing the reader's buffer, never trusted. A gzip file
    // read on the caller's thread reads it from its trailer (it may read the
    // file to do so) and then inflates a member straight into a read() that
    // has room for it, not through a buffer of its own.
    [[nodiscard]] virtual std::uint64_t expected_size() { return 0; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

protected:
    std::string error_;
};

struct ByteSourceOptions {
    // gzip members are inflated whole by libdeflate while the compressed
    // window holding one stays within `gzip_max_window` bytes and its output
    // within `gzip_max_member` bytes; 0 for either: zlib streaming only.
    std::size_t gzip_max_window = std::size_t{64} << 20;
    std::size_t gzip_max_member = std::size_t{256} << 20;
    // Compressed files of at least `read_ahead_min_file` bytes are
    // decompressed on a reader thread; 0 for the block or the depth: all on
    // the caller's thread.
    std::size_t read_ahead_min_file = std::size_t{256} << 10;
    // 8 x 256 KiB: the first bytes come after 256 KiB of inflating, and
    // 2 MiB queued carry the decoder over the reader thread's waits for a
    // core on a busy machine.
    std::size_t read_ahead_block = std::size_t{256} << 10;
    std::size_t read_ahead_depth = 8;
};

// Opens `path` ("-": standard input) and picks the decompressor. On
// failure returns null and fills `why`.
[[nodiscard]] std::unique_ptr<ByteSource> open_byte_source(const std::string& path, std::string& why,
                                                           const ByteSourceOptions& options = {});

// A source over bytes in memory (the built-in sample, tests); not copied:
// `data` must outlive the source.
std::unique_ptr<ByteSource> memory_byte_source(const std::uint8_t* data, std::size_t size);

}  // namespace mempool::bgp
