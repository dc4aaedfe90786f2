// bgp_message.hpp: the BGP-4 message layer (RFC 4271 §4), without the
// path attributes (path_attributes.hpp) and the prefixes (nlri.hpp).
//
//   struct Header { u8 marker[16] = ff..ff; u16 length; u8 type; };   // 19 bytes
//   OPEN:         u8 version; u16 my_as; u16 hold_time; u32 bgp_id; u8 opt_len; opt[opt_len]
//   UPDATE:       u16 withdrawn_len; withdrawn[..]; u16 attr_len; attrs[..]; nlri[rest]
//   NOTIFICATION: u8 code; u8 subcode; data[rest]
//   KEEPALIVE:    nothing
//
// Lengths up to 65,535 are accepted (RFC 8654 extended messages), not only
// 4,096. Each function reports a malformed message and returns false.
#pragma once

#include <cstdint>
#include <optional>

#include "byte_reader.hpp"
#include "diagnostics.hpp"

namespace mempool::bgp {

enum class MessageType : std::uint8_t { open = 1, update = 2, notification = 3, keepalive = 4, route_refresh = 5 };

inline constexpr std::size_t kBgpHeaderSize = 19;
inline constexpr std::size_t kBgpMaxMessage = 65535;

struct BgpMessage {
    MessageType type = MessageType::keepalive;
    Bytes body;  // after the 19-byte header
};

// `wire` holds one message, possibly followed by nothing else (MRT puts one
// message per record). Checks marker, length and type.
bool decode_message(Bytes wire, BgpMessage& out, Diagnostics& diag);

struct OpenMessage {
    std::uint8_t version = 0;
    std::uint16_t my_as = 0;
    std::uint16_t hold_time = 0;
    std::uint32_t bgp_id = 0;
    std::optional<std::uint32_t> as4;  // capability 65 (RFC 6793)
    bool add_path = false;             // capability 69 (RFC 7911) seen
    // Capability 69 says the speaker can send path ids (send/receive 2 or
    // 3) for IPv4 or IPv6 unicast.
    bool add_path_sends_unicast = false;
};
bool decode_open(Bytes body, OpenMessage& out, Diagnostics& diag);

struct NotificationMessage {
    std::uint8_t code = 0;
    std::uint8_t subcode = 0;
    Bytes data;
};
bool decode_notification(Bytes body, NotificationMessage& out, Diagnostics& diag);

struct UpdateParts {
    Bytes withdrawn;
    Bytes attributes;
    Bytes nlri;
};
bool split_update(Bytes body, UpdateParts& out, Diagnostics& diag);

}  // namespace mempool::bgp
