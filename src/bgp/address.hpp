// address.hpp: IP addresses and prefixes as the BGP host stores them.
//
// Both families live in one 16-byte array so that a peer table, a prefix
// table and the route selection rule handle them alike. The order of
// addresses is the one the selection rule needs: every IPv4 address before
// every IPv6 address, then numerically.
//
// A Prefix is always stored masked: the bits past its length are zero, so
// two encodings of one prefix (one with stray trailing bits) are one key.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace mempool::bgp {

enum class Afi : std::uint8_t { ipv4 = 1, ipv6 = 2 };

// RFC 4760 address family numbers, as written on the wire.
inline constexpr std::uint16_t kAfiIpv4 = 1;
inline constexpr std::uint16_t kAfiIpv6 = 2;
inline constexpr std::uint8_t kSafiUnicast = 1;
inline constexpr std::uint8_t kSafiMulticast = 2;
inline constexpr std::uint8_t kSafiLabeled = 4;          // RFC 8277
inline constexpr std::uint8_t kSafiVpn = 128;            // RFC 4364
inline constexpr std::uint8_t kSafiVpnMulticast = 129;   // RFC 6513

[[nodiscard]] constexpr unsigned max_prefix_len(Afi afi) noexcept { return afi == Afi::ipv4 ? 32 : 128; }
[[nodiscard]] constexpr unsigned address_size(Afi afi) noexcept { return afi == Afi::ipv4 ? 4 : 16; }

struct IpAddress {
    Afi afi = Afi::ipv4;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Layout: 16 address bytes, length, family; 18 bytes, no padding holes that
// hashing could read.
struct Prefix {
    std::array<std::uint8_t, 16> addr{};
    std::uint8_t len = 0;
    Afi afi = Afi::ipv4;

    friend bool operator==(const Prefix&, const Prefix&) = default;
};

// Writes the address as inet_ntop does.
[[nodiscard]] std::string to_string(const IpAddress& a);
// Reads an address as inet_pton does (IPv4 dotted quad, else IPv6); false,
// and `out` unchanged, if the text is neither.
[[nodiscard]] bool parse_address(const std::string& text, IpAddress& out) noexcept;
// "a.b.c.d/len" or "x::/len".
[[nodiscard]] std::string to_string(const Prefix& p);

// Clears the bits past `len`. Returns true if any was set.
bool mask_prefix(Prefix& p) noexcept;

}  // namespace mempool::bgp
