// update_encoder.hpp: the bytes the local speaker sends. Two steps:
//
// 1. encode_path_attributes() turns a route's OutgoingAttributes into its
//    "sent form", the value the Adj-RIB-Out keeps (interned, so two
//    prefixes with equal attributes share one set and compare by id):
//
//      u8 next hop length; next hop      for MP_REACH_NLRI (IPv6 routes); 0 for IPv4
//      path attributes as on the wire    ascending type code; NEXT_HOP inside for IPv4;
//                                        MP_REACH_NLRI not included (it holds the NLRI)
//
//    AS numbers follow the session (RFC 6793): 4-byte AS_PATH and
//    AGGREGATOR to a 4-byte session; to a 2-byte one, AS_TRANS in their
//    place and AS4_PATH / AS4_AGGREGATOR beside them when some AS does not
//    fit in 2 bytes (§4.2.2; confederation segments never in AS4_PATH).
//
// 2. UpdatePacker splits withdrawals and announcements into UPDATE
//    messages of at most 4096 bytes (RFC 4271 §4): IPv4 in the withdrawn
//    routes and NLRI fields, IPv6 in MP_UNREACH_NLRI and MP_REACH_NLRI
//    (RFC 4760), one attribute set per announcing message.
//
//   std::vector<uint8_t> sent;
//   encode_path_attributes(attrs, /*four_byte_as=*/true, Afi::ipv4, sent);
//   UpdatePacker pack([&](Bytes message) { write(message); });
//   pack.announce(sent, Afi::ipv4, prefixes);
//   pack.withdraw(Afi::ipv6, gone);
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "export_policy.hpp"

namespace mempool::bgp {

inline constexpr std::size_t kMaxUpdateSize = 4096;  // RFC 4271 §4, no RFC 8654 extended messages

void encode_path_attributes(const OutgoingAttributes& attrs, bool four_byte_as, Afi family,
                            std::vector<std::uint8_t>& out);

// True when `bytes` is a sequence of whole path attributes (flags, code,
// 1- or 2-byte length as the flags say, value), nothing left over: what a
// plugin's write_to_buffer calls must add up to.
[[nodiscard]] bool whole_attributes(Bytes bytes) noexcept;

// Merges attributes plugins wrote (whole_attributes) into a sent form:
// a plugin's attribute replaces the host's of the same code (the first one
// written of a code wins), and the result is in ascending code order again.
void merge_plugin_attributes(std::vector<std::uint8_t>& sent_form, Bytes plugin_attributes);

// True when an UPDATE with this sent form and one prefix of the family fits
// in kMaxUpdateSize.
[[nodiscard]] bool fits_one_update(Bytes sent_form, Afi family) noexcept;

class UpdatePacker {
public:
    using Sink = std::function<void(Bytes message)>;
    explicit UpdatePacker(Sink sink) : sink_(std::move(sink)) {}

    // As many messages as the prefixes need; nothing for an empty list.
    // Returns the number of messages.
    std::size_t withdraw(Afi family, std::span<const Prefix> prefixes);
    std::size_t announce(Bytes sent_form, Afi family, std::span<const Prefix> prefixes);

private:
    Sink sink_;
    std::vector<std::uint8_t> msg_;
};

}  // namespace mempool::bgp
