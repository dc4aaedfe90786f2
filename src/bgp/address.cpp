// address.cpp: text forms and masking of addresses and prefixes.
#include "address.hpp"

#include <arpa/inet.h>

namespace mempool::bgp {

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
    bool had_bits = false;
    const unsigned full = p.len / 8;
    const unsigned rem = p.len % 8;
    for (unsigned i = full; i < 16; ++i) {
        std::uint8_t keep = 0;
        if (i == full && rem != 0) keep = static_cast<std::uint8_t>(0xFFu << (8 - rem));
        if (p.addr[i] & ~keep) had_bits = true;
        p.addr[i] &= keep;
    }
    return had_bits;
}

}  // namespace mempool::bgp
