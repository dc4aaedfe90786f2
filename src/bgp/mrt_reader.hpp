// mrt_reader.hpp: splits a stream of bytes into MRT records (RFC 6396 §2).
//
// The reader keeps one buffer (256 KiB to start) and decompresses into it in
// large blocks; a record is handed out as a view into that buffer, valid
// until the next call to next(). A record longer than the buffer (TABLE_DUMP_V2
// records over 64 KiB are normal) grows the buffer once; nothing is allocated
// per record.
//
// Stream layout (all integers big-endian):
//
//   struct MrtRecord {
//     u32 timestamp; u16 type; u16 subtype; u32 length;
//     u8  message[length];     // for the _ET types (17 BGP4MP_ET) the first
//                              // 4 bytes are u32 microseconds: parse_bgp4mp()
//                              // reads them into Bgp4mpRecord::microseconds
//   };
//
// A record whose header or body is cut short by the end of the stream is
// reported and ends the file: there is no way to resynchronise.
//
// One historical framing error is corrected: early MRT writers (RIS bviews
// of 1999-2000) batched TABLE_DUMP entries in one record and declared it 4
// bytes shorter than written. Such a record is recognised by its entries
// (they end exactly 4 bytes past the declared length) and read whole.
//
// Lost framing is recovered where the evidence allows: collectors of 2000
// tore records with short writes (a 10-byte header, 14 orphan body bytes),
// after which a header is implausible (a type RFC 6396 does not define that
// no record follows, a length past the limit or past the end of the
// stream). The reader then looks again from just after the last record's
// first byte (a torn header's record swallows the good ones behind it) for
// the first offset where two plausible headers follow one another (known
// type, length at most 1 MiB, time within a day of the last record's: by
// chance, about one position in 10^11 passes for one header), or the
// stream ends right after the first; it reports the loss (mrt_framing_lost)
// and goes on from there. With no such offset within 1 MiB, the rest of
// the file is skipped, as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "byte_reader.hpp"
#include "byte_source.hpp"
#include "diagnostics.hpp"

namespace mempool::bgp {

// MRT types this host replays (RFC 6396 §4, RFC 8050; BGP is one of the
// deprecated types of RFC 6396 Appendix B, used by archives of 1999-2001).
// mrt_type_name() (mrt_record.hpp) names every type and subtype.
namespace mrt {
inline constexpr std::uint16_t kBgp = 5;
inline constexpr std::uint16_t kTableDump = 12;
inline constexpr std::uint16_t kTableDumpV2 = 13;
inline constexpr std::uint16_t kBgp4mp = 16;
inline constexpr std::uint16_t kBgp4mpEt = 17;

// Whether RFC 6396 defines `type` (§4 and Appendix B): 0-13, 16, 17, 32,
// 33, 48, 49.
[[nodiscard]] constexpr bool defined_type(std::uint16_t type) noexcept {
    constexpr std::uint64_t kDefined = 0x3fffull | 3ull << 16 | 3ull << 32 | 3ull << 48;
    return type < 64 && (kDefined >> type & 1) != 0;
}
}  // namespace mrt

struct MrtRecord {
    std::uint32_t timestamp = 0;
    std::uint16_t type = 0;
    std::uint16_t subtype = 0;
    Bytes body;                       // after the 12-byte header (ET microseconds included)
    const std::uint8_t* start = nullptr;  // first byte of the header
    std::uint64_t offset = 0;         // of the header in the uncompressed stream
    std::uint64_t number = 0;         // 1-based
};

class MrtReader {
public:
    // Largest record accepted; a longer length field is taken as corruption.
    static constexpr std::uint32_t kMaxRecord = 64u << 20;

    MrtReader(std::unique_ptr<ByteSource> src, Diagnostics& diag);

    // Returns false at the end of the stream or after a fatal error (already
    // reported to the Diagnostics).
    bool next(MrtRecord& rec);

    [[nodiscard]] const ByteSource& source() const noexcept { return *src_; }

private:
    static constexpr int kResyncChain = 2;
    static constexpr std::size_t kResyncWindow = 1u << 20;
    static constexpr std::uint32_t kResyncMaxLength = 1u << 20;
    static constexpr std::int64_t kResyncDrift = 86400;

    // Makes at least `n` bytes available at buf_[pos_]; false if the stream ends first.
    bool fill(std::size_t n);
    [[nodiscard]] bool plausible_header(const std::uint8_t* h) const noexcept;
    // Offsets relative to pos_: whether the stream ends exactly there;
    // whether kResyncChain plausible headers follow one another from there
    // (a negative offset lies in the last record, kept: back_).
    [[nodiscard]] bool ends_at(std::size_t at);
    [[nodiscard]] bool chains_from(std::ptrdiff_t at);
    // After an implausible header at `bad_offset`: moves to the next offset
    // where records chain (reported), or false.
    [[nodiscard]] bool resynchronise(std::uint64_t bad_offset);

    std::unique_ptr<ByteSource> src_;
    Diagnostics& diag_;
    std::unique_ptr<std::uint8_t[]> buf_;
    std::size_t cap_ = 0;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    std::uint64_t stream_offset_ = 0;  // of buf_[pos_]
    std::uint64_t count_ = 0;
    std::size_t back_ = 0;                // bytes of the last record before pos_, kept for resynchronise()
    std::uint32_t last_timestamp_ = 0;    // of the last record handed out
    bool eof_ = false;
    bool failed_ = false;
};

}  // namespace mempool::bgp
