// byte_source.hpp: where MRT bytes come from (a file, plain, gzip or bzip2
// compressed, or a buffer in memory).
//
// The compression is detected from the first bytes of the file (gzip 1f 8b,
// bzip2 "BZh"), never from its name. Concatenated gzip members and bzip2
// streams are read as one stream, as zcat and bzcat do.
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
    // (then error() says why).
    virtual std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) = 0;
    // Bytes consumed from the underlying file (for a progress bar).
    [[nodiscard]] virtual std::uint64_t consumed() const = 0;
    [[nodiscard]] virtual std::uint64_t total() const = 0;
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

protected:
    std::string error_;
};

// Opens `path` and picks the decompressor. On failure returns null and
// fills `why`.
std::unique_ptr<ByteSource> open_byte_source(const std::string& path, std::string& why);

// A source over bytes in memory (the built-in sample, tests); not copied:
// `data` must outlive the source.
std::unique_ptr<ByteSource> memory_byte_source(const std::uint8_t* data, std::size_t size);

}  // namespace mempool::bgp
