// path_attributes.hpp: decoding of BGP path attributes through one
// descriptor table (RFC 4271 §4.3 and §5, RFC 6793, RFC 4760, RFC 7606).
//
//   attribute = u8 flags; u8 code; (flags & 0x10 ? u16 : u8) length; value[length]
//
// Each known code has one row in the table (attribute_descriptor()): its
// name, the function that checks and decodes its value, and what RFC 7606
// says to do when the value is malformed:
//
//   discard            drop the attribute, keep the route   (ATOMIC_AGGREGATE, AGGREGATOR, AS4_*)
//   treat_as_withdraw  the message's announcements become withdrawals (ORIGIN, AS_PATH, NEXT_HOP, ...)
//   skip_message       the message cannot be used at all   (MP_REACH / MP_UNREACH: their prefixes are lost)
//
// An attribute whose length runs past the attribute field makes the whole
// field unusable: skip_message. Every case is reported to the Diagnostics.
//
// Reuse one PathAttributes for every message: it keeps its buffers, so
// decoding an UPDATE allocates nothing once they have grown.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "address.hpp"
#include "byte_reader.hpp"
#include "diagnostics.hpp"

namespace mempool::bgp {

namespace attr {
inline constexpr std::uint8_t kOrigin = 1;
inline constexpr std::uint8_t kAsPath = 2;
inline constexpr std::uint8_t kNextHop = 3;
inline constexpr std::uint8_t kMed = 4;
inline constexpr std::uint8_t kLocalPref = 5;
inline constexpr std::uint8_t kAtomicAggregate = 6;
inline constexpr std::uint8_t kAggregator = 7;
inline constexpr std::uint8_t kCommunities = 8;
inline constexpr std::uint8_t kOriginatorId = 9;
inline constexpr std::uint8_t kClusterList = 10;
inline constexpr std::uint8_t kMpReach = 14;
inline constexpr std::uint8_t kMpUnreach = 15;
inline constexpr std::uint8_t kExtCommunities = 16;
inline constexpr std::uint8_t kAs4Path = 17;
inline constexpr std::uint8_t kAs4Aggregator = 18;
inline constexpr std::uint8_t kLargeCommunities = 32;

inline constexpr std::uint8_t kFlagOptional = 0x80;
inline constexpr std::uint8_t kFlagTransitive = 0x40;
inline constexpr std::uint8_t kFlagExtendedLength = 0x10;
}  // namespace attr

// AS path segment types (RFC 4271, RFC 5065).
inline constexpr std::uint8_t kAsSet = 1;
inline constexpr std::uint8_t kAsSequence = 2;
inline constexpr std::uint8_t kAsConfedSequence = 3;
inline constexpr std::uint8_t kAsConfedSet = 4;

struct AsSegment {
    std::uint8_t type = kAsSequence;
    std::uint16_t count = 0;  // ASes of this segment, consecutive in AsPath::asns
};

struct AsPath {
    std::vector<AsSegment> segments;
    std::vector<std::uint32_t> asns;  // all segments, flattened in order

    void clear() noexcept {
        segments.clear();
        asns.clear();
    }
    // The number of AS numbers as RFC 4271 §9.1.2.2 and RFC 5065 count it,
    // the count RFC 6793 §4.2.3 compares and preserves when it merges
    // AS4_PATH: an AS_SET counts 1, confederation segments 0, every AS of a
    // sequence 1 (prepended copies included).
    [[nodiscard]] std::size_t rfc_as_count() const noexcept;
};

// L, the path length of the built-in selection rule (selection.hpp) and the
// `path_length` every insertion point receives. It is counted on the path
// the route is stored with (AS_PATH, merged with AS4_PATH where RFC 6793
// says so):
//   - every AS of an AS_SEQUENCE counts 1, except a repeat of the AS just
//     before it (prepending is free; a run continues across segments);
//   - an AS_SET counts 1 and ends a run;
//   - AS_CONFED_SEQUENCE and AS_CONFED_SET count 0 and do not end a run.
// Example: 100 100 200 {300,400} (65001) 500 500 -> L = 4.
// Every figure, argument or field called `path_length` in src/bgp holds this
// value; nothing else computes it.
[[nodiscard]] std::uint32_t selection_path_length(const AsPath& path) noexcept;

// Where the attributes come from changes how two of them are encoded.
struct AttributeContext {
    bool four_byte_as = false;  // AS_PATH carries 4-byte ASes (BGP4MP_*_AS4, TABLE_DUMP_V2)
    bool rib_dump = false;      // TABLE_DUMP_V2: MP_REACH may hold only the next hop
    bool add_path = false;      // prefixes in MP_REACH / MP_UNREACH carry path ids
};

// The one address family the Adj-RIB-In keeps per AFI: unicast. MP_REACH and
// MP_UNREACH of any other AFI/SAFI (multicast 2, labeled 4, VPN 128,
// flowspec 133, EVPN 70, ...) are recognised by these two fields, counted as
// "other families" and skipped: their NLRI are not prefixes of the plain
// form (labels, route distinguishers, flowspec rules) and are never parsed.
[[nodiscard]] constexpr bool rib_keeps_family(std::uint16_t afi, std::uint8_t safi) noexcept {
    return (afi == kAfiIpv4 || afi == kAfiIpv6) && safi == kSafiUnicast;
}

struct MpReach {
    bool present = false;
    std::uint16_t afi = 0;
    std::uint8_t safi = 0;
    std::uint8_t next_hop_len = 0;
    std::array<std::uint8_t, 32> next_hop{};
    Bytes nlri;
};

struct MpUnreach {
    bool present = false;
    std::uint16_t afi = 0;
    std::uint8_t safi = 0;
    Bytes withdrawn;
};

// AGGREGATOR and AS4_AGGREGATOR: the AS that aggregated and its address.
struct Aggregator {
    bool present = false;
    std::uint32_t as = 0;
    std::array<std::uint8_t, 4> ip{};
};

inline constexpr std::uint32_t kAsTrans = 23456;  // RFC 6793 AS_TRANS

enum class AttributeError : std::uint8_t { discard, treat_as_withdraw, skip_message };

// The decoded attributes of one UPDATE (or one RIB entry).
struct PathAttributes {
    bool has_origin = false;
    std::uint8_t origin = 2;  // 0 IGP, 1 EGP, 2 INCOMPLETE (2 when absent)
    AsPath as_path;           // AS_PATH merged with AS4_PATH (RFC 6793 §4.2.3)
    AsPath as4_path;          // AS4_PATH as received, before the merge
    bool has_as_path = false;
    bool has_as4_path = false;
    bool has_next_hop = false;
    IpAddress next_hop;  // NEXT_HOP (IPv4)
    Aggregator aggregator;      // AGGREGATOR; after decode(), the one RFC 6793 §4.2.3 keeps
    Aggregator as4_aggregator;  // AS4_AGGREGATOR as received
    MpReach mp_reach;
    MpUnreach mp_unreach;
    bool treat_as_withdraw = false;
    std::vector<std::uint8_t> others;  // other attributes, as received (flags, code, length, value)
    std::array<std::uint64_t, 4> seen{};  // codes already met in this message
    AsPath merge_scratch;                 // buffer of the AS4_PATH merge

    void clear() noexcept;
};

class AttributeDecoder {
public:
    // Decodes the attribute field of one UPDATE or RIB entry. Returns false
    // when the message must be skipped (reported); otherwise `out` holds the
    // usable attributes (check out.treat_as_withdraw).
    bool decode(Bytes field, const AttributeContext& ctx, PathAttributes& out, Diagnostics& diag);
};

// Signature of a descriptor's value decoder: returns null on success, or the
// reason the value is malformed (and sets `where`).
using AttributeValueDecoder = const char* (*)(ByteReader value, const AttributeContext& ctx, PathAttributes& out,
                                              const std::uint8_t*& where);

struct AttributeDescriptor {
    std::uint8_t code;
    const char* name;
    AttributeValueDecoder decode;  // null: kept as received, not interpreted
    AttributeError on_error;
    bool keep_raw;                 // copied into PathAttributes::others
};

// The descriptor of `code`, or null for a code this host does not know
// (such an attribute is kept as received).
const AttributeDescriptor* attribute_descriptor(std::uint8_t code) noexcept;

// Builds the bytes that identify a set of attributes for interning (the
// "canonical form"); two routes with equal bytes share one interned set:
//
//   u8  origin (0xff: absent)
//   u8  next hop length (0, 4, 16 or 32); next hop     for `family`
//   u16 segments; per segment { u8 type; u16 count; count x u32 AS }   merged AS path
//   u8  aggregator present; [u32 AS; u8 ip[4]]       after RFC 6793 §4.2.3
//   every other attribute as received (flags, code, length, value), in order
//
// decode_canonical() reads them back (for the RIB dump).
void canonical_attributes(const PathAttributes& a, Afi family, std::vector<std::uint8_t>& out);

struct CanonicalView {
    std::uint8_t origin = 0xff;
    std::uint8_t next_hop_len = 0;
    const std::uint8_t* next_hop = nullptr;
    AsPath as_path;
    Aggregator aggregator;
    Bytes others;  // raw attributes
};
// Reads what canonical_attributes() wrote; false if `bytes` is not such a form.
bool decode_canonical(Bytes bytes, CanonicalView& out);

// One attribute as it stands in a field (the format at the top of this
// file), without looking at its value. False at the end of the field or
// where it is cut short.
[[nodiscard]] inline bool read_raw_attribute(ByteReader& r, std::uint8_t& flags, std::uint8_t& code,
                                             Bytes& value) noexcept {
    std::uint16_t len = 0;
    if (!r.u8(flags) || !r.u8(code)) return false;
    if (flags & attr::kFlagExtendedLength) {
        if (!r.u16(len)) return false;
    } else {
        std::uint8_t l8 = 0;
        if (!r.u8(l8)) return false;
        len = l8;
    }
    return r.bytes(len, value);
}

}  // namespace mempool::bgp
