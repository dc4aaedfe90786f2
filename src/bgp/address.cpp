// address.cpp: text forms and masking of addresses and prefixes.
#include "address.hpp"

#include <arpa/inet.h>

#include <bit>
#include <cstdint>
#include <cstring>

namespace mempool::bgp {

namespace {
// Host order <-> network order of a 64-bit word.
std::uint64_t be64(std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(v);
    return v;
}
}  // namespace

bool parse_address(const std::string& text, IpAddress& out) noexcept {
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.afi = Afi::ipv4;
    } else if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.afi = Afi::ipv6;
    } else {
        return false;
    }
    out = a;
    return true;
}

std::string to_string(const IpAddress& a) {
    char buf[INET6_ADDRSTRLEN];
    const int family = a.afi == Afi::ipv4 ? AF_INET : AF_INET6;
    if (inet_ntop(family, a.bytes.data(), buf, sizeof buf) == nullptr) return "?";
    return buf;
}

std::string to_string(const Prefix& p) {
    IpAddress a;
    a.afi = p.afi;
    a.bytes = p.addr;
    return to_string(a) + "/" + std::to_string(p.len);
}

bool mask_prefix(Prefix& p) noexcept {
    // Two 64-bit words in network order: the mask keeps the first `len` bits.
    // (A byte loop cost about 75 instructions per prefix, on every route.)
    std::uint64_t hi, lo;
    std::memcpy(&hi, p.addr.data(), 8);
    std::memcpy(&lo, p.addr.data() + 8, 8);
    hi = be64(hi);
    lo = be64(lo);
    const unsigned len = p.len < 128 ? p.len : 128;
    const std::uint64_t keep_hi = len >= 64 ? ~std::uint64_t{0} : (len == 0 ? 0 : ~std::uint64_t{0} << (64 - len));
    const std::uint64_t keep_lo = len <= 64 ? 0 : (len == 128 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (128 - len));
    const bool had_bits = ((hi & ~keep_hi) | (lo & ~keep_lo)) != 0;
    hi = be64(hi & keep_hi);
    lo = be64(lo & keep_lo);
    std::memcpy(p.addr.data(), &hi, 8);
    std::memcpy(p.addr.data() + 8, &lo, 8);
    return had_bits;
}

}  // namespace mempool::bgp
