// mrt_writer.hpp: encoders for MRT records and BGP messages, the inverse of
// the decoders. The sample generator and `mempool-bgp synth` write streams
// with them; tests build their hand-made records with them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "address.hpp"
#include "byte_reader.hpp"
#include "mrt_record.hpp"

namespace mempool::bgp {

class ByteWriter {
public:
    std::vector<std::uint8_t> buf;

    void u8(std::uint32_t v) { buf.push_back(static_cast<std::uint8_t>(v)); }
    void u16(std::uint32_t v) {
        u8(v >> 8);
        u8(v);
    }
    void u32(std::uint32_t v) {
        u16(v >> 16);
        u16(v & 0xffff);
    }
    void bytes(Bytes b) { buf.insert(buf.end(), b.begin(), b.end()); }
    void ip(const IpAddress& a) { bytes(Bytes(a.bytes.data(), address_size(a.afi))); }
    // Prefix as BGP encodes it: [path id] length, significant bytes.
    void prefix(const Prefix& p, std::optional<std::uint32_t> path_id = std::nullopt);
    [[nodiscard]] std::size_t size() const noexcept { return buf.size(); }
    void patch16(std::size_t at, std::uint32_t v) {
        buf[at] = static_cast<std::uint8_t>(v >> 8);
        buf[at + 1] = static_cast<std::uint8_t>(v);
    }
    void patch32(std::size_t at, std::uint32_t v) {
        patch16(at, v >> 16);
        patch16(at + 2, v & 0xffff);
    }
};

// Parses "192.0.2.1" or "2001:db8::1"; asserts on bad text (test and sample use).
IpAddress parse_ip(const std::string& text);
Prefix parse_prefix(const std::string& text);  // "10.0.0.0/8"

struct UpdateSpec {
    std::vector<Prefix> withdrawn;   // IPv4 in the withdrawn field, IPv6 in MP_UNREACH
    std::vector<Prefix> announced;   // IPv4 in NLRI, IPv6 in MP_REACH
    std::uint8_t origin = 0;
    std::vector<std::uint32_t> as_path;  // one AS_SEQUENCE (split at 255)
    IpAddress next_hop_v4;
    IpAddress next_hop_v6;
    std::optional<std::uint32_t> med;
    std::vector<std::uint32_t> communities;
};

// A whole BGP message (header included).
void encode_update(const UpdateSpec& u, bool four_byte_as, std::vector<std::uint8_t>& out);
void encode_keepalive(std::vector<std::uint8_t>& out);

// Wraps a body in an MRT header.
void encode_mrt(std::uint32_t ts, std::uint16_t type, std::uint16_t subtype, Bytes body, std::vector<std::uint8_t>& out);

// BGP4MP_MESSAGE_AS4 (or MESSAGE with four_byte_as false) around a BGP message.
void encode_bgp4mp_message(std::uint32_t ts, const PeerKey& peer, const PeerKey& local, bool four_byte_as,
                           Bytes message, std::vector<std::uint8_t>& out);
void encode_bgp4mp_state_change(std::uint32_t ts, const PeerKey& peer, const PeerKey& local, bool four_byte_as,
                                std::uint16_t old_state, std::uint16_t new_state, std::vector<std::uint8_t>& out);

}  // namespace mempool::bgp
