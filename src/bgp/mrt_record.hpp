// mrt_record.hpp: the bodies of the MRT records a BGP host replays
// (RFC 6396 §4, add-path subtypes RFC 8050). Each parse function checks
// every length, reports what is wrong and returns false.
//
// BGP4MP / BGP4MP_ET (type 16 / 17; ET bodies start with u32 microseconds):
//
//   subtype 0 STATE_CHANGE, 5 STATE_CHANGE_AS4:
//     as peer_as, local_as (2 or 4 bytes); u16 ifindex; u16 afi;
//     ip peer, local (4 or 16 bytes); u16 old_state; u16 new_state
//   subtype 1 MESSAGE, 4 MESSAGE_AS4, 6/7 *_LOCAL, 8-11 *_ADDPATH:
//     as peer_as, local_as; u16 ifindex; u16 afi; ip peer, local; BGP message
//
//   subtype 2 ENTRY: one RIB entry per record (parse_bgp4mp_entry), the
//     layout OpenBGPD's `dump table-mp` writes (usr.sbin/bgpd/mrt.c,
//     mrt_dump_entry_mp) and its bgpctl reads back (mrtparser.c,
//     mrt_parse_dump_mp):
//       u16 local_as; u16 peer_as; u16 ifindex; u16 afi (of the session);
//       ip local, peer (4 or 16 bytes);
//       u16 view; u16 status; u32 originated (time of the last change);
//       u16 afi; u8 safi (of the route); u8 nh_len; next_hop[nh_len];
//       u8 len; prefix[(len + 7) / 8]; u16 attr_len; attrs  (2-byte AS_PATH)
//     Unlike MESSAGE and STATE_CHANGE, the LOCAL side comes first: OpenBGPD
//     writes its own AS and address before the peer's, and its reader
//     takes the second ones as the peer. The ASes are 2 bytes (a 4-byte AS
//     peer is written as AS_TRANS 23456); so is every AS of AS_PATH, the
//     full path following in AS4_PATH when it does not fit (OpenBGPD
//     deflates the path and adds AS4_PATH; bgpctl reads the entry as a
//     2-byte one). bgpdump does not read ENTRY at all (Debian's 1.6.2 and
//     RIPE-NCC/bgpdump's current source: "record type not implemented
//     yet"), so it has no width to follow. The next hop is the entry's own field, nh_len
//     bytes (OpenBGPD writes 4, 16, 12 or 24 with a VPN route
//     distinguisher, 0 for flowspec; bgpctl reads the family's address
//     size whatever nh_len says; we read nh_len bytes, as written). The
//     attributes carry no NEXT_HOP or MP_REACH_NLRI from OpenBGPD; one
//     they do carry wins over the field (bgpctl reads the field first, the
//     attributes after). AGGREGATOR is the exception to the 2-byte ASes:
//     OpenBGPD keeps it with a 4-byte AS (8 bytes) whatever the session and
//     dumps it unchanged (its sample table-mp file in mrtparse holds one),
//     so an 8-byte AGGREGATOR is read as a 4-byte one. One entry per
//     record: bytes after the attributes are reported. Two older writers
//     of the subtype are not followed: Zebra's (never called: its route
//     dumps are TABLE_DUMP) and the MRT toolkit's (no peer header, entries
//     batched in one record); a record of theirs reads as malformed here.
//   subtype 3 SNAPSHOT (a view number and a file name, no route) is not
//   replayed: Replay counts it by name in the report.
//
//   Two shapes Zebra wrote by mistake, found in RIS archives of 2000-2001
//   and replayed as bgpdump reads them, for a peer 0.0.0.0 (the record
//   names none):
//     an 8-byte STATE_CHANGE: u16 peer_as; u16 local_as; u16 old_state;
//       u16 new_state (no ifindex, family or addresses);
//     a MESSAGE whose ifindex and afi both read 0xFFFF: the BGP message
//       starts right after the two ASes (those four bytes are its marker's
//       first; Zebra wrote OPENs of sessions not yet up this way).
//
// BGP (type 5, deprecated: RFC 6396 Appendix B; 2-byte ASes, IPv4 peers):
//   1 BGP_UPDATE, 5 BGP_OPEN, 6 BGP_NOTIFY, 7 BGP_KEEPALIVE:
//     u16 peer_as; u32 peer_ip; u16 local_as; u32 local_ip; the message body
//     without its 19-byte BGP header
//   3 BGP_STATE_CHANGE: u16 peer_as; u32 peer_ip; u16 old_state; u16 new_state
//   0 BGP_NULL, 2 BGP_PREF_UPDATE, 4 BGP_SYNC: not replayed (counted by name)
//
// TABLE_DUMP (type 12, subtype = AFI 1 or 2):
//   u16 view; u16 seq; then entries of
//   ip prefix; u8 len; u8 status; u32 originated; ip peer; u16 peer_as;
//   u16 attr_len; attrs                                 (2-byte AS_PATH)
//   RFC 6396 has one entry per record; early MRT writers (RIS bviews of
//   1999-2000) batched many in one record, and MrtReader corrects the length
//   they wrote (mrt_reader.hpp).
//
// TABLE_DUMP_V2 (type 13):
//   1 PEER_INDEX_TABLE: u32 collector; u16 name_len; name; u16 count;
//                       count × { u8 type (bit0 IPv6, bit1 AS4); u32 bgp_id; ip; as }
//   2-5, 8-11 RIB_{IPV4,IPV6}_{UNICAST,MULTICAST}[_ADDPATH]:
//                       u32 seq; u8 len; prefix; u16 count; entries
//   6, 12 RIB_GENERIC[_ADDPATH]: u32 seq; u16 afi; u8 safi; NLRI; u16 count; entries
//   entry: u16 peer_index; u32 originated; [u32 path_id]; u16 attr_len; attrs (4-byte AS_PATH)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "address.hpp"
#include "byte_reader.hpp"
#include "diagnostics.hpp"
#include "mrt_reader.hpp"
#include "nlri.hpp"

namespace mempool::bgp {

inline constexpr std::uint16_t kStateEstablished = 6;

struct PeerKey {
    IpAddress ip;
    std::uint32_t as = 0;
    friend bool operator==(const PeerKey&, const PeerKey&) = default;
};

enum class Bgp4mpKind : std::uint8_t { message, state_change };

struct Bgp4mpRecord {
    Bgp4mpKind kind = Bgp4mpKind::message;
    PeerKey peer;
    std::uint32_t local_as = 0;
    IpAddress local_ip;
    bool four_byte_as = false;  // *_AS4 subtypes: the AS_PATH holds 4-byte ASes
    bool add_path = false;      // *_ADDPATH subtypes
    bool local = false;         // *_LOCAL subtypes: sent by the collector, not received
    std::uint32_t microseconds = 0;  // BGP4MP_ET: the record's microseconds; else 0
    Bytes message;              // kind == message
    std::uint16_t old_state = 0, new_state = 0;  // kind == state_change
};

// Returns false for a malformed record or an unknown subtype (reported).
bool parse_bgp4mp(const MrtRecord& rec, Bgp4mpRecord& out, Diagnostics& diag);

// A BGP4MP_ENTRY record (layout above): one route of `peer`, or of a
// family whose prefix and attributes this reader does not frame.
struct Bgp4mpEntry {
    PeerKey peer;                    // the SECOND AS and address of the record
    std::uint32_t local_as = 0;      // the first ones
    IpAddress local_ip;
    std::uint32_t microseconds = 0;  // BGP4MP_ET: the record's microseconds; else 0
    std::uint32_t originated = 0;
    std::uint16_t afi = 0;           // the route's family, as written
    std::uint8_t safi = 0;
    // IPv4/IPv6 with SAFI unicast, multicast, labeled or VPN: the prefix
    // (unicast and multicast only, set and masked) and the attributes were
    // read and the record checked to its end. Otherwise (flowspec, EVPN,
    // another AFI, ...) the record was read up to its next hop only.
    bool framed = false;
    Prefix prefix;
    Bytes next_hop;                  // nh_len bytes (unicast and multicast: 0, 4 for IPv4, 16 or 32)
    Bytes attributes;
};
// Returns false for a malformed record (reported: record_truncated,
// record_bad_family for a session AFI that is not IPv4/IPv6,
// record_bad_prefix, attribute_malformed for a next hop length that no
// IPv4/IPv6 route has, record_attribute_overrun); bytes after the
// attributes are reported (record_trailing_bytes) and the entry returned.
bool parse_bgp4mp_entry(const MrtRecord& rec, Bgp4mpEntry& out, Diagnostics& diag);
// The attribute field of a unicast or multicast entry as the RIB decodes it
// (with a 2-byte AS context): as received, or a copy in `scratch` where
//   - when the field has no next hop for the route's family (no NEXT_HOP
//     for IPv4, no MP_REACH_NLRI) and the entry's next hop field is not
//     empty, that next hop is appended (NEXT_HOP for a 4-byte one,
//     MP_REACH_NLRI without prefixes otherwise);
//   - an 8-byte AGGREGATOR (OpenBGPD's, above) is written as RFC 6793 has a
//     2-byte speaker write it: AGGREGATOR with the AS, or AS_TRANS and
//     AS4_AGGREGATOR when the AS needs 4 bytes.
// A field that does not frame is returned as received, for the decoder to
// report.
[[nodiscard]] Bytes bgp4mp_entry_attributes(const Bgp4mpEntry& entry, std::vector<std::uint8_t>& scratch);

// A record of the deprecated type BGP (5). `message` is the body of a BGP
// message of type `message_type` (no 19-byte header).
struct MrtBgpRecord {
    Bgp4mpKind kind = Bgp4mpKind::message;
    PeerKey peer;
    std::uint8_t message_type = 0;  // 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE
    Bytes message;
    std::uint16_t old_state = 0, new_state = 0;
};
// Subtypes 1, 3, 5, 6, 7; false (reported) for a truncated record.
// bgp_subtype_replayed() says which subtypes this reads.
[[nodiscard]] bool bgp_subtype_replayed(std::uint16_t subtype) noexcept;
bool parse_mrt_bgp(const MrtRecord& rec, MrtBgpRecord& out, Diagnostics& diag);

// A TABLE_DUMP record's entries, read one by one with next_table_dump_entry
// (false at the end of the record, or after a reported error).
struct TableDumpRecord {
    Afi afi = Afi::ipv4;
    ByteReader entries;
};
bool parse_table_dump(const MrtRecord& rec, TableDumpRecord& out, Diagnostics& diag);
struct TableDumpEntry {
    Prefix prefix;
    PeerKey peer;
    std::uint32_t originated = 0;
    Bytes attributes;
};
bool next_table_dump_entry(TableDumpRecord& rec, TableDumpEntry& out, Diagnostics& diag);
// The attribute field of a TABLE_DUMP entry as the RIB decodes it (a 2-byte
// AS context): as received, or a copy in `scratch` with each 8-byte
// AGGREGATOR narrowed as bgp4mp_entry_attributes does. OpenBGPD's `dump
// table` writes TABLE_DUMP entries with its attribute dump of `dump
// table-mp`: a 2-byte AS_PATH beside an AGGREGATOR kept with a 4-byte AS.
// Other writers' 6-byte AGGREGATORs are left as they are.
[[nodiscard]] Bytes table_dump_attributes(const TableDumpEntry& entry, std::vector<std::uint8_t>& scratch);
// The same for an entry's attribute field `field` of family `afi`.
[[nodiscard]] Bytes table_dump_attributes(Bytes field, Afi afi, std::vector<std::uint8_t>& scratch);

struct PeerIndexTable {
    std::uint32_t collector_id = 0;
    std::string view_name;
    std::vector<PeerKey> peers;
};
bool parse_peer_index_table(const MrtRecord& rec, PeerIndexTable& out, Diagnostics& diag);

struct RibRecord {
    std::uint32_t sequence = 0;
    Prefix prefix;
    std::uint16_t afi = 0;
    std::uint8_t safi = 0;
    bool add_path = false;
    // RIB_GENERIC of a family the RIB does not keep (not IPv4/IPv6 unicast or
    // multicast): `prefix` is unset; the entries follow unless their place
    // is unknown (an NLRI layout this reader does not know the size of).
    bool other_family = false;
    bool entries_unknown = false;
    std::uint16_t entry_count = 0;
    ByteReader entries;  // the entry_count entries
};
// Subtypes 2-6 and 8-12. Returns false (reported) otherwise.
bool parse_rib_record(const MrtRecord& rec, RibRecord& out, Diagnostics& diag);

struct RibEntry {
    std::uint16_t peer_index = 0;
    std::uint32_t originated = 0;
    std::uint32_t path_id = 0;
    Bytes attributes;
};
// Reads the next entry of a RIB record; false (reported) if it is cut short.
bool next_rib_entry(ByteReader& r, bool add_path, RibEntry& out, Diagnostics& diag);

// The name RFC 6396 gives a record type and subtype: "BGP4MP/MESSAGE_AS4",
// "BGP/PREF_UPDATE", "OSPFv2", ...; "type 99/1" for numbers it does not
// define. The report counts the records it does not replay under it.
std::string mrt_type_name(std::uint16_t type, std::uint16_t subtype);

}  // namespace mempool::bgp
