// byte_reader.hpp: a bounds-checked cursor over network-order bytes.
//
// Every decoder in src/bgp reads through this type, so every length is
// checked before it is read (the gobgp rule): a read past the end fails and
// leaves the cursor where it was, it never touches memory outside the span.
//
//   ByteReader r(body);
//   std::uint16_t len;
//   if (!r.u16(len) || !r.sub(len, attrs)) return fail(r.here(), "...");
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace mempool::bgp {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(Bytes b) noexcept : p_(b.data()), end_(b.data() + b.size()) {}

    [[nodiscard]] std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    [[nodiscard]] bool empty() const noexcept { return p_ == end_; }
    // Where the next byte would be read: decoders pass it to error reports.
    [[nodiscard]] const std::uint8_t* here() const noexcept { return p_; }
    [[nodiscard]] Bytes rest() const noexcept { return {p_, remaining()}; }

    [[nodiscard]] bool u8(std::uint8_t& v) noexcept {
        if (remaining() < 1) return false;
        v = *p_++;
        return true;
    }
    [[nodiscard]] bool u16(std::uint16_t& v) noexcept {
        if (remaining() < 2) return false;
        v = load_be16(p_);
        p_ += 2;
        return true;
    }
    [[nodiscard]] bool u32(std::uint32_t& v) noexcept {
        if (remaining() < 4) return false;
        v = load_be32(p_);
        p_ += 4;
        return true;
    }
    // Reads a 2- or 4-byte AS number.
    [[nodiscard]] bool asn(std::uint32_t& v, bool four) noexcept {
        if (four) return u32(v);
        std::uint16_t s;
        if (!u16(s)) return false;
        v = s;
        return true;
    }
    [[nodiscard]] bool copy(void* dst, std::size_t n) noexcept {
        if (remaining() < n) return false;
        std::memcpy(dst, p_, n);
        p_ += n;
        return true;
    }
    [[nodiscard]] bool bytes(std::size_t n, Bytes& out) noexcept {
        if (remaining() < n) return false;
        out = Bytes(p_, n);
        p_ += n;
        return true;
    }
    [[nodiscard]] bool sub(std::size_t n, ByteReader& out) noexcept {
        Bytes b;
        if (!bytes(n, b)) return false;
        out = ByteReader(b);
        return true;
    }
    [[nodiscard]] bool skip(std::size_t n) noexcept {
        if (remaining() < n) return false;
        p_ += n;
        return true;
    }

private:
    const std::uint8_t* p_ = nullptr;
    const std::uint8_t* end_ = nullptr;
};

}  // namespace mempool::bgp
