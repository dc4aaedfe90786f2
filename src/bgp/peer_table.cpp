// peer_table.cpp: the index of peers by identity, with the last-peer shortcut.
#include "peer_table.hpp"

#include <cstring>

namespace mempool::bgp {

std::size_t PeerTable::hash(const IpAddress& ip, std::uint32_t as) noexcept {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, ip.bytes.data(), 8);
    std::memcpy(&b, ip.bytes.data() + 8, 8);
    std::uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^ (std::uint64_t{as} << 1) ^
                      static_cast<std::uint64_t>(ip.afi);
    h ^= h >> 31;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ull);
}

std::uint32_t PeerTable::index_of(const PeerKey& key) {
    if (last_ != kEmpty && is(last_, key)) return last_;
    if (slots_.empty()) slots_.assign(16, kEmpty);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(key.ip, key.as) & mask;
    for (; slots_[i] != kEmpty; i = (i + 1) & mask) {
        if (is(slots_[i], key)) return last_ = slots_[i];
    }
    const auto peer = static_cast<std::uint32_t>(identities_.size());
    identities_.push_back(PeerIdentity{key.ip, key.as});
    figures_.emplace_back();
    slots_[i] = peer;
    if (2 * identities_.size() > slots_.size()) grow();
    return last_ = peer;
}

void PeerTable::grow() {
    slots_.assign(slots_.size() * 2, kEmpty);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint32_t peer = 0; peer < identities_.size(); ++peer) {
        std::size_t i = hash(identities_[peer].ip, identities_[peer].as) & mask;
        while (slots_[i] != kEmpty) i = (i + 1) & mask;
        slots_[i] = peer;
    }
}

PeerFigures PeerTable::report_row(std::uint32_t peer) const {
    PeerFigures row = figures_[peer];
    row.ip = identities_[peer].ip;
    row.as = identities_[peer].as;
    return row;
}

}  // namespace mempool::bgp
