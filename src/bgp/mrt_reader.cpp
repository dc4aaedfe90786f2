// mrt_reader.cpp: record framing over a ByteSource.
#include "mrt_reader.hpp"

#include "mapped_array.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace mempool::bgp {

namespace {
constexpr std::size_t kInitialBuffer = 256u << 10;
// A trailer claiming more is not believed (the size is mod 2^32, and the
// file may lie): the buffer grows as records need instead.
constexpr std::size_t kLargestFirstBuffer = std::size_t{64} << 20;
constexpr std::size_t kPopulateFirstBuffer = std::size_t{1} << 20;
constexpr std::size_t kHeader = 12;

// Early MRT writers (RIS bviews of 1999-2000) batched TABLE_DUMP entries in
// one record and declared it 4 bytes shorter than they wrote it (the view
// and sequence number left out of the length). Such a record gives itself
// away: its entries, read from the declared body, end exactly 4 bytes past
// it. A record of RFC 6396's shape (one entry, the length right) never
// does, so it is read as before.
bool table_dump_written_four_bytes_long(std::uint16_t subtype, const std::uint8_t* body, std::size_t length) {
    const std::size_t address = subtype == 1 ? 4 : subtype == 2 ? 16 : 0;
    if (address == 0 || length < 4) return false;
    const std::size_t fixed = 2 * address + 10;  // prefix, len, status, originated, peer, AS, attribute length
    for (std::size_t at = 4;;) {
        if (at + fixed > length) return false;
        const std::size_t end = at + fixed + (std::size_t{body[at + fixed - 2]} << 8 | body[at + fixed - 1]);
        if (end == length + 4) return true;
        if (end >= length) return false;
        at = end;
    }
}

// The first buffer: the whole stream when the source can tell its size (a
// small gzip file: inflated straight into it, with no copy and no second
// buffer to fault in), else kInitialBuffer, grown for longer records.
std::size_t first_buffer(ByteSource& src) {
    const std::uint64_t expected = src.expected_size();
    return expected != 0 && expected < kLargestFirstBuffer ? static_cast<std::size_t>(expected) + 1 : kInitialBuffer;
}
}  // namespace

MrtReader::MrtReader(std::unique_ptr<ByteSource> src, Diagnostics& diag)
    : src_(std::move(src)), diag_(diag), cap_(first_buffer(*src_)) {
    buf_ = std::make_unique_for_overwrite<std::uint8_t[]>(cap_);
    // Populated at once, as the first reads fill it: 55 faults on a 224 KiB
    // update file otherwise, about 10 us each on a virtual machine. At most
    // kPopulateFirstBuffer: the size may come from a gzip trailer, which can lie.
    mapped_storage::populate_for_write(buf_.get(), std::min(cap_, kPopulateFirstBuffer));
}

bool MrtReader::fill(std::size_t n) {
    if (end_ - pos_ >= n) return true;
    if (pos_ + n > cap_) {
        // Slide what is left (and the last record, back_ bytes before pos_,
        // which resynchronise() may read again) to the front, and grow if
        // that needs more room.
        const std::size_t keep = pos_ - back_;
        const std::size_t left = end_ - keep;
        if (back_ + n > cap_) {
            const std::size_t cap = std::max(back_ + n, cap_ * 2);
            auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
            if (left) std::memcpy(bigger.get(), buf_.get() + keep, left);
            buf_ = std::move(bigger);
            cap_ = cap;
        } else if (left) {
            std::memmove(buf_.get(), buf_.get() + keep, left);
        }
        pos_ = back_;
        end_ = left;
    }
    while (end_ - pos_ < n && !eof_) {
        const std::ptrdiff_t r = src_->read(buf_.get() + end_, cap_ - end_);
        if (r < 0) {
            diag_.report_at(stream_offset_ + (end_ - pos_), count_ + 1, DiagCode::read_error, DiagAction::skip_rest_of_file, "read error: " + src_->error());
            eof_ = true;
            failed_ = true;
            break;
        }
        if (r == 0) {
            eof_ = true;
            break;
        }
        end_ += static_cast<std::size_t>(r);
    }
    return end_ - pos_ >= n;
}

bool MrtReader::plausible_header(const std::uint8_t* h) const noexcept {
    if (!mrt::defined_type(load_be16(h + 4)) || load_be32(h + 8) > kResyncMaxLength) return false;
    if (count_ == 0) return true;
    const std::int64_t drift = std::int64_t{load_be32(h)} - std::int64_t{last_timestamp_};
    return drift >= -kResyncDrift && drift <= kResyncDrift;
}

bool MrtReader::ends_at(std::size_t at) { return !fill(at + 1) && end_ - pos_ == at; }

bool MrtReader::chains_from(std::ptrdiff_t at) {
    for (int k = 0; k < kResyncChain; ++k) {
        // `at` is relative to pos_ (negative: in the last record, still
        // kept), which fill() may move along with the data.
        const std::ptrdiff_t need = at + static_cast<std::ptrdiff_t>(kHeader);
        if (need > 0 && !fill(static_cast<std::size_t>(need)))
            return k != 0 && static_cast<std::ptrdiff_t>(end_ - pos_) == at;  // the stream ends right after a record
        const std::uint8_t* h = buf_.get() + pos_ + at;
        if (!plausible_header(h)) return false;
        at += static_cast<std::ptrdiff_t>(kHeader + load_be32(h + 8));
    }
    return true;
}

bool MrtReader::resynchronise(std::uint64_t bad_offset) {
    // From just after the last record's first byte (it may have swallowed
    // good records behind a torn header) to kResyncWindow past the bad
    // header: the first offset where kResyncChain headers follow one
    // another, or the stream ends right after some.
    const std::uint64_t last_offset = stream_offset_ - back_;
    const auto back = static_cast<std::ptrdiff_t>(back_);
    for (std::ptrdiff_t at = 1 - back; at < static_cast<std::ptrdiff_t>(kResyncWindow); ++at) {
        if (at == 0) continue;  // the bad header itself
        if (at > 0 && eof_ && pos_ + static_cast<std::size_t>(at) >= end_) break;
        if (!chains_from(at)) continue;
        const std::uint64_t resumed = last_offset + static_cast<std::uint64_t>(at + back);
        diag_.report_at(bad_offset, count_ + 1, DiagCode::mrt_framing_lost, DiagAction::bytes_skipped,
                        "MRT framing lost (the header at offset " + std::to_string(bad_offset) +
                            " is not a plausible record); replay resumed at offset " + std::to_string(resumed) +
                            ", where MRT headers follow one another again");
        stream_offset_ = resumed;
        pos_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(pos_) + at);
        back_ = 0;
        return true;
    }
    return false;
}

bool MrtReader::next(MrtRecord& rec) {
    for (;;) {
        if (failed_) return false;
        if (!fill(kHeader)) {
            const std::size_t left = end_ - pos_;
            if (left != 0 && !failed_)
                diag_.report_at(stream_offset_, count_ + 1, DiagCode::mrt_header_truncated, DiagAction::skip_rest_of_file,
                                "truncated MRT header: " + std::to_string(left) + " bytes before the end of the stream");
            failed_ = true;
            return false;
        }
        const std::uint8_t* h = buf_.get() + pos_;
        std::uint32_t length = load_be32(h + 8);
        if (length > kMaxRecord) {
            if (resynchronise(stream_offset_)) continue;
            diag_.report_at(stream_offset_ + 8, count_ + 1, DiagCode::mrt_length_too_large, DiagAction::skip_rest_of_file,
                            "MRT record length " + std::to_string(length) + " exceeds the limit; rest of the file skipped");
            failed_ = true;
            return false;
        }
        if (!fill(kHeader + length)) {
            if (failed_) return false;
            if (resynchronise(stream_offset_)) continue;
            diag_.report_at(stream_offset_ + 8, count_ + 1, DiagCode::mrt_body_truncated, DiagAction::skip_rest_of_file,
                            "MRT record length " + std::to_string(length) + " runs past the end of the stream (" +
                                std::to_string(end_ - pos_ - kHeader) + " bytes left)");
            failed_ = true;
            return false;
        }
        h = buf_.get() + pos_;  // fill() may have moved the data
        // A type RFC 6396 does not define is read (and counted by name) if
        // records chain after it; if not, the framing is lost.
        if (!mrt::defined_type(load_be16(h + 4)) && !ends_at(kHeader + length) && !chains_from(kHeader + length) &&
            resynchronise(stream_offset_))
            continue;
        h = buf_.get() + pos_;
        if (load_be16(h + 4) == mrt::kTableDump && table_dump_written_four_bytes_long(load_be16(h + 6), h + kHeader, length) &&
            fill(kHeader + length + 4)) {
            length += 4;
            h = buf_.get() + pos_;
        }
        rec.timestamp = load_be32(h);
        rec.type = load_be16(h + 4);
        rec.subtype = load_be16(h + 6);
        rec.start = h;
        rec.offset = stream_offset_;
        rec.number = ++count_;
        rec.body = Bytes(h + kHeader, length);
        last_timestamp_ = rec.timestamp;
        pos_ += kHeader + length;
        back_ = kHeader + length;
        stream_offset_ += kHeader + length;
        return true;
    }
}

}  // namespace mempool::bgp
