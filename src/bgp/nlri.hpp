// nlri.hpp: prefixes as BGP encodes them (RFC 4271 §4.3, RFC 4760 §5,
// add-path RFC 7911 §3).
//
//   [u32 path_id]   only when add-path is in use
//   u8  length      in bits, at most 32 (IPv4) or 128 (IPv6)
//   u8  prefix[(length + 7) / 8]
//
// Bits past the length are cleared (masked); the prefix still counts.
#pragma once

#include <cstdint>

#include "address.hpp"
#include "byte_reader.hpp"
#include "diagnostics.hpp"

namespace mempool::bgp {

struct NlriEntry {
    Prefix prefix;
    std::uint32_t path_id = 0;
};

enum class NlriStatus : std::uint8_t { ok, end, error };

// Reads the next prefix of a withdrawn-routes field, an NLRI field or the
// prefix list of MP_REACH/MP_UNREACH. On error, the rest of the field is
// useless: the caller stops (the error is reported).
NlriStatus next_nlri(ByteReader& r, Afi afi, bool add_path, NlriEntry& out, Diagnostics& diag);

// Whether a whole field of prefixes (with path ids if `add_path`) parses
// cleanly: every length within the family's, every prefix complete, nothing
// left over. Reports nothing; for choosing how to read a field, not for
// reading it.
[[nodiscard]] bool nlri_field_parses(Bytes field, Afi afi, bool add_path) noexcept;

// Reads a bare prefix (length byte then bytes), as in TABLE_DUMP_V2 RIB records.
bool read_prefix(ByteReader& r, Afi afi, Prefix& out, Diagnostics& diag);

// One prefix (its path id first when `add_path`), masked, as next_nlri and
// read_prefix read it, without reporting: false, `r` unchanged, at the end
// of the field or at a fault (which they then report). Both start with it;
// a caller that only looks ahead (UpdateDecoder::peek_prefixes) uses it
// alone. The prefix is written with two 8-byte stores and one 2-byte store,
// the widths Rib's hash reads it back with right after: narrower stores (a
// byte copy, a masked byte, len and afi apart) cannot be forwarded to those
// loads, which then wait.
[[nodiscard]] bool read_prefix_quietly(ByteReader& r, Afi afi, bool add_path, Prefix& out,
                                       std::uint32_t& path_id) noexcept;

}  // namespace mempool::bgp
