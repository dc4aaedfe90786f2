// route_attributes.cpp: wire attributes from the canonical form and the pool.
#include "route_attributes.hpp"

#include <cstring>

#include "path_attributes.hpp"

namespace mempool::bgp::xbgp {
namespace {

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

// One raw attribute of the canonical form's tail (as received).
bool next_raw(ByteReader& r, WireAttribute& out) {
    return read_raw_attribute(r, out.flags, out.code, out.value);
}

constexpr std::uint8_t kWellKnown = attr::kFlagTransitive;
constexpr std::uint8_t kOptionalTransitive = attr::kFlagOptional | attr::kFlagTransitive;

}  // namespace

bool store_attribute(mempool::Pool& pool, std::uint8_t code, std::uint8_t flags, Bytes value) noexcept {
    // flags byte + value; values up to 65535 bytes (the longest attribute).
    if (value.size() > 0xffff) return false;
    // Built in one buffer per thread: the pool takes one span.
    thread_local std::byte buf[1 + 0xffff];
    buf[0] = static_cast<std::byte>(flags);
    if (!value.empty()) std::memcpy(buf + 1, value.data(), value.size());
    return pool.assign(attribute_key(code), std::span<const std::byte>(buf, 1 + value.size())).has_value();
}

bool stored_attribute(std::uint32_t key, std::span<const std::byte> bytes, WireAttribute& out) noexcept {
    if (!is_attribute_key(key) || bytes.empty()) return false;
    out.code = static_cast<std::uint8_t>(key & 0xff);
    out.flags = static_cast<std::uint8_t>(bytes[0]);
    out.value = Bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()) + 1, bytes.size() - 1);
    return true;
}

bool RouteAttributes::build(Bytes canonical, const mempool::Pool* pool) {
    list_.clear();
    encoded_.clear();
    next_hop_ = Bytes();
    CanonicalView v;
    if (!decode_canonical(canonical, v)) return false;
    next_hop_ = Bytes(v.next_hop, v.next_hop_len);

    // Encode first (encoded_ may move while it grows), then point into it.
    struct Pending {
        std::uint8_t code, flags;
        std::size_t offset, size;
    };
    Pending pending[4];
    std::size_t n = 0;
    auto begin = [&](std::uint8_t code, std::uint8_t flags) {
        pending[n] = {code, flags, encoded_.size(), 0};
    };
    auto end = [&] {
        pending[n].size = encoded_.size() - pending[n].offset;
        if (pending[n].size > 255) pending[n].flags |= attr::kFlagExtendedLength;
        ++n;
    };
    if (v.origin <= 2) {
        begin(attr::kOrigin, kWellKnown);
        encoded_.push_back(v.origin);
        end();
    }
    begin(attr::kAsPath, kWellKnown);
    std::size_t idx = 0;
    for (const AsSegment& s : v.as_path.segments) {
        // A wire segment holds at most 255 ASes: longer ones become several.
        std::size_t left = s.count;
        do {
            const std::size_t take = left > 255 ? 255 : left;
            encoded_.push_back(s.type);
            encoded_.push_back(static_cast<std::uint8_t>(take));
            for (std::size_t k = 0; k < take; ++k) put32(encoded_, v.as_path.asns[idx + k]);
            idx += take;
            left -= take;
        } while (left != 0);
    }
    end();
    if (v.next_hop_len == 4) {
        begin(attr::kNextHop, kWellKnown);
        encoded_.insert(encoded_.end(), v.next_hop, v.next_hop + 4);
        end();
    }
    if (v.aggregator.present) {
        begin(attr::kAggregator, kOptionalTransitive);
        put32(encoded_, v.aggregator.as);
        encoded_.insert(encoded_.end(), v.aggregator.ip.begin(), v.aggregator.ip.end());
        end();
    }
    for (std::size_t i = 0; i < n; ++i)
        list_.push_back({pending[i].code, pending[i].flags, Bytes(encoded_.data() + pending[i].offset, pending[i].size)});

    ByteReader r(v.others);
    for (WireAttribute a; next_raw(r, a);) list_.push_back(a);

    if (pool != nullptr && !pool->empty()) {
        for (const mempool::EntryView& e : *pool) {
            WireAttribute a;
            if (e.kind != mempool::Kind::value || !stored_attribute(e.key, e.bytes, a)) continue;
            bool replaced = false;
            for (WireAttribute& have : list_)
                if (have.code == a.code) {
                    have = a;
                    replaced = true;
                    break;
                }
            if (!replaced) list_.push_back(a);
        }
    }
    return true;
}

const WireAttribute* RouteAttributes::find(std::uint8_t code) const noexcept {
    for (const WireAttribute& a : list_)
        if (a.code == code) return &a;
    return nullptr;
}

}  // namespace mempool::bgp::xbgp
