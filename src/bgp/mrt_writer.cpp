// mrt_writer.cpp: encoders.
#include "mrt_writer.hpp"

#include <arpa/inet.h>

#include <cassert>
#include <cstdlib>

#include "path_attributes.hpp"

namespace mempool::bgp {

void ByteWriter::prefix(const Prefix& p, std::optional<std::uint32_t> path_id) {
    if (path_id) u32(*path_id);
    u8(p.len);
    bytes(Bytes(p.addr.data(), (p.len + 7u) / 8u));
}

IpAddress parse_ip(const std::string& text) {
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.afi = Afi::ipv4;
        return a;
    }
    [[maybe_unused]] const int ok = inet_pton(AF_INET6, text.c_str(), a.bytes.data());
    assert(ok == 1);
    a.afi = Afi::ipv6;
    return a;
}

Prefix parse_prefix(const std::string& text) {
    const auto slash = text.find('/');
    const IpAddress a = parse_ip(text.substr(0, slash));
    Prefix p;
    p.addr = a.bytes;
    p.afi = a.afi;
    p.len = static_cast<std::uint8_t>(std::atoi(text.c_str() + slash + 1));
    mask_prefix(p);
    return p;
}

namespace {

void attribute(ByteWriter& w, std::uint8_t flags, std::uint8_t code, Bytes value) {
    if (value.size() > 255) flags |= attr::kFlagExtendedLength;
    w.u8(flags);
    w.u8(code);
    if (flags & attr::kFlagExtendedLength) w.u16(static_cast<std::uint32_t>(value.size()));
    else w.u8(static_cast<std::uint32_t>(value.size()));
    w.bytes(value);
}

void header(ByteWriter& w, std::uint8_t type) {
    for (int i = 0; i < 16; ++i) w.u8(0xff);
    w.u16(0);  // patched
    w.u8(type);
}

}  // namespace

void encode_update(const UpdateSpec& u, bool four_byte_as, std::vector<std::uint8_t>& out) {
    ByteWriter w;
    header(w, 2);
    const std::size_t wpos = w.size();
    w.u16(0);
    for (const auto& p : u.withdrawn)
        if (p.afi == Afi::ipv4) w.prefix(p);
    w.patch16(wpos, static_cast<std::uint32_t>(w.size() - wpos - 2));
    const std::size_t apos = w.size();
    w.u16(0);
    bool any_v4 = false, any_v6 = false, wd_v6 = false;
    for (const auto& p : u.announced) (p.afi == Afi::ipv4 ? any_v4 : any_v6) = true;
    for (const auto& p : u.withdrawn) wd_v6 |= p.afi == Afi::ipv6;
    if (any_v4 || any_v6) {
        ByteWriter v;
        v.u8(u.origin);
        attribute(w, attr::kFlagTransitive, attr::kOrigin, Bytes(v.buf));
        v.buf.clear();
        for (std::size_t i = 0; i < u.as_path.size(); i += 255) {
            const std::size_t n = std::min<std::size_t>(255, u.as_path.size() - i);
            v.u8(kAsSequence);
            v.u8(static_cast<std::uint32_t>(n));
            for (std::size_t k = 0; k < n; ++k) {
                if (four_byte_as) v.u32(u.as_path[i + k]);
                else v.u16(u.as_path[i + k] > 0xffff ? 23456 : u.as_path[i + k]);
            }
        }
        attribute(w, attr::kFlagTransitive, attr::kAsPath, Bytes(v.buf));
        if (any_v4) {
            v.buf.clear();
            v.bytes(Bytes(u.next_hop_v4.bytes.data(), 4));
            attribute(w, attr::kFlagTransitive, attr::kNextHop, Bytes(v.buf));
        }
        if (u.med) {
            v.buf.clear();
            v.u32(*u.med);
            attribute(w, attr::kFlagOptional, attr::kMed, Bytes(v.buf));
        }
        if (!u.communities.empty()) {
            v.buf.clear();
            for (auto c : u.communities) v.u32(c);
            attribute(w, attr::kFlagOptional | attr::kFlagTransitive, attr::kCommunities, Bytes(v.buf));
        }
        if (any_v6) {
            v.buf.clear();
            v.u16(kAfiIpv6);
            v.u8(kSafiUnicast);
            v.u8(16);
            v.bytes(Bytes(u.next_hop_v6.bytes.data(), 16));
            v.u8(0);
            for (const auto& p : u.announced)
                if (p.afi == Afi::ipv6) v.prefix(p);
            attribute(w, attr::kFlagOptional, attr::kMpReach, Bytes(v.buf));
        }
    }
    if (wd_v6) {
        ByteWriter v;
        v.u16(kAfiIpv6);
        v.u8(kSafiUnicast);
        for (const auto& p : u.withdrawn)
            if (p.afi == Afi::ipv6) v.prefix(p);
        attribute(w, attr::kFlagOptional, attr::kMpUnreach, Bytes(v.buf));
    }
    w.patch16(apos, static_cast<std::uint32_t>(w.size() - apos - 2));
    for (const auto& p : u.announced)
        if (p.afi == Afi::ipv4) w.prefix(p);
    w.patch16(16, static_cast<std::uint32_t>(w.size()));
    out = std::move(w.buf);
}

void encode_keepalive(std::vector<std::uint8_t>& out) {
    ByteWriter w;
    header(w, 4);
    w.patch16(16, 19);
    out = std::move(w.buf);
}

void encode_mrt(std::uint32_t ts, std::uint16_t type, std::uint16_t subtype, Bytes body, std::vector<std::uint8_t>& out) {
    ByteWriter w;
    w.buf.swap(out);
    w.u32(ts);
    w.u16(type);
    w.u16(subtype);
    w.u32(static_cast<std::uint32_t>(body.size()));
    w.bytes(body);
    out.swap(w.buf);
}

namespace {
void bgp4mp_peer_header(ByteWriter& w, const PeerKey& peer, const PeerKey& local, bool four) {
    if (four) {
        w.u32(peer.as);
        w.u32(local.as);
    } else {
        w.u16(peer.as);
        w.u16(local.as);
    }
    w.u16(0);
    w.u16(peer.ip.afi == Afi::ipv4 ? kAfiIpv4 : kAfiIpv6);
    w.ip(peer.ip);
    IpAddress l = local.ip;
    l.afi = peer.ip.afi;  // both addresses have the family of the AFI field
    w.ip(l);
}
}  // namespace

void encode_bgp4mp_message(std::uint32_t ts, const PeerKey& peer, const PeerKey& local, bool four_byte_as,
                           Bytes message, std::vector<std::uint8_t>& out) {
    ByteWriter w;
    bgp4mp_peer_header(w, peer, local, four_byte_as);
    w.bytes(message);
    out.clear();
    encode_mrt(ts, mrt::kBgp4mp, four_byte_as ? 4 : 1, Bytes(w.buf), out);
}

void encode_bgp4mp_state_change(std::uint32_t ts, const PeerKey& peer, const PeerKey& local, bool four_byte_as,
                                std::uint16_t old_state, std::uint16_t new_state, std::vector<std::uint8_t>& out) {
    ByteWriter w;
    bgp4mp_peer_header(w, peer, local, four_byte_as);
    w.u16(old_state);
    w.u16(new_state);
    out.clear();
    encode_mrt(ts, mrt::kBgp4mp, four_byte_as ? 5 : 0, Bytes(w.buf), out);
}

}  // namespace mempool::bgp
