// diagnostics.hpp: reports of malformed input, as typed values.
//
// A decoder that finds something wrong calls Diagnostics::report with a
// pointer to the offending byte, a code saying what is wrong, the action
// taken (RFC 7606's vocabulary where it applies) and a sentence for people;
// the Diagnostics object knows which file and which record it is looking
// at, and turns the pointer into a byte offset in the uncompressed stream.
// The caller then skips what the action says and the replay goes on:
// nothing here throws or aborts. Tests assert codes and actions, not prose.
//
//   diag.report(r.here(), DiagCode::attribute_malformed, DiagAction::attribute_discard,
//               "AGGREGATOR has the wrong length", attr::kAggregator);
//
// Only the first `kKeep` reports are stored; all are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mempool::bgp {

// What is wrong. One value per kind of fault, whatever the record type.
enum class DiagCode : std::uint8_t {
    cannot_open,               // the file cannot be opened or read
    read_error,                // decompression or I/O error mid-stream
    mrt_header_truncated,      // the stream ends inside an MRT header
    mrt_length_too_large,      // an MRT length above MrtReader::kMaxRecord
    mrt_body_truncated,        // the stream ends inside an MRT record
    mrt_framing_lost,          // an implausible MRT header; replay resumed where records chain again
    record_truncated,          // an MRT record body shorter than its fields
    record_bad_subtype,        // a subtype the record type does not define
    record_bad_family,         // an address family field that is not IPv4/IPv6
    record_bad_prefix,         // a RIB record's prefix that does not parse
    record_attribute_overrun,  // a RIB entry's attribute length runs past the record
    record_trailing_bytes,     // bytes after the last RIB entry
    peer_table_missing,        // a TABLE_DUMP_V2 RIB record before any PEER_INDEX_TABLE
    peer_index_unknown,        // a RIB entry's peer index outside the PEER_INDEX_TABLE
    message_short,             // a BGP message shorter than its 19-byte header
    message_bad_marker,        // marker not all ones
    message_bad_length,        // BGP length field outside [19, available]
    message_bad_type,          // BGP message type not 1-5
    open_malformed,            // OPEN fields, parameters or capabilities overrun
    notification_truncated,    // NOTIFICATION without code and subcode
    update_field_overrun,      // withdrawn routes or attribute field length runs past the message
    attribute_header_truncated,// an attribute's flags, code or length cut short
    attribute_overrun,         // an attribute's length runs past the attribute field
    attribute_repeated,        // an attribute code seen twice in one message
    attribute_malformed,       // an attribute's value is malformed (see `attribute`)
    prefix_malformed,          // a prefix in withdrawn routes, NLRI or MP_* does not parse
    prefix_path_ids_unflagged, // prefixes carry ADD-PATH path ids the record's subtype does not announce
};

// What was done about it (RFC 7606 §2 names the four BGP ones).
enum class DiagAction : std::uint8_t {
    skip_rest_of_file,   // no way to resynchronise: the next file is replayed
    skip_record,         // the MRT record (or RIB entry) is not used
    bytes_skipped,       // the bytes up to the next plausible MRT record are not used
    skip_message,        // RFC 7606 "session reset" in a router; here the message is ignored
    treat_as_withdraw,   // RFC 7606 §2: the message's announcements become withdrawals
    attribute_discard,   // RFC 7606 §2: the attribute is dropped, the route kept
    prefix_tail_dropped, // the prefixes before the fault are used, the rest dropped
    read_with_path_ids,  // the message's prefixes are read with their path ids (RFC 7911)
};

[[nodiscard]] const char* diag_code_name(DiagCode c) noexcept;
[[nodiscard]] const char* diag_action_name(DiagAction a) noexcept;

struct ParseError {
    std::string file;
    std::uint64_t offset = 0;  // byte offset in the uncompressed MRT stream
    std::uint64_t record = 0;  // 1-based record number in that file (0: none)
    DiagCode code = DiagCode::record_truncated;
    DiagAction action = DiagAction::skip_record;
    std::uint8_t attribute = 0;  // the path attribute code, for attribute_* codes
    std::string reason;          // the same, in a sentence with the values found
};

class Diagnostics {
public:
    static constexpr std::size_t kKeep = 1000;

    // Sets the context of the record being decoded: its first byte (the MRT
    // header) sits at `record_offset` in the stream and at `base` in memory.
    void set_record(const std::uint8_t* base, std::uint64_t record_offset, std::uint64_t record_number) noexcept {
        base_ = base;
        record_offset_ = record_offset;
        record_number_ = record_number;
    }
    void set_file(std::string name) { file_ = std::move(name); }
    [[nodiscard]] const std::string& file() const noexcept { return file_; }

    // `where` must point into the current record (or be null: record start).
    void report(const std::uint8_t* where, DiagCode code, DiagAction action, std::string reason,
                std::uint8_t attribute = 0);
    // For errors not inside a record (I/O, truncated stream).
    void report_at(std::uint64_t offset, std::uint64_t record, DiagCode code, DiagAction action, std::string reason);

    [[nodiscard]] const std::vector<ParseError>& errors() const noexcept { return errors_; }
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

private:
    std::string file_;
    const std::uint8_t* base_ = nullptr;
    std::uint64_t record_offset_ = 0;
    std::uint64_t record_number_ = 0;
    std::vector<ParseError> errors_;
    std::uint64_t count_ = 0;
};

}  // namespace mempool::bgp
