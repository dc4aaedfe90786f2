// diagnostics.hpp: reports of malformed input.
//
// A decoder that finds something wrong calls Diagnostics::report with a
// pointer to the offending byte and a reason; the Diagnostics object knows
// which file and which record it is looking at, and turns the pointer into a
// byte offset in the uncompressed stream. The caller then skips the record
// (or the attribute) and the replay goes on: nothing here throws or aborts.
//
// Only the first `kKeep` reports are stored; all are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mempool::bgp {

struct ParseError {
    std::string file;
    std::uint64_t offset = 0;  // byte offset in the uncompressed MRT stream
    std::uint64_t record = 0;  // 1-based record number in that file (0: none)
    std::string reason;
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
    void report(const std::uint8_t* where, std::string reason);
    // For errors not inside a record (I/O, truncated stream).
    void report_at(std::uint64_t offset, std::uint64_t record, std::string reason);

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
