// mrt_reader.cpp: record framing over a ByteSource.
#include "mrt_reader.hpp"

#include <cstring>

namespace mempool::bgp {

namespace {
constexpr std::size_t kInitialBuffer = 256u << 10;
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
}  // namespace

MrtReader::MrtReader(std::unique_ptr<ByteSource> src, Diagnostics& diag)
    : src_(std::move(src)), diag_(diag), buf_(std::make_unique_for_overwrite<std::uint8_t[]>(kInitialBuffer)), cap_(kInitialBuffer) {}

bool MrtReader::fill(std::size_t n) {
    if (end_ - pos_ >= n) return true;
    if (pos_ + n > cap_) {
        // Slide what is left to the front, and grow if one record needs it.
        const std::size_t left = end_ - pos_;
        if (n > cap_) {
            const std::size_t cap = std::max(n, cap_ * 2);
            auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
            if (left) std::memcpy(bigger.get(), buf_.get() + pos_, left);
            buf_ = std::move(bigger);
            cap_ = cap;
        } else if (left) {
            std::memmove(buf_.get(), buf_.get() + pos_, left);
        }
        pos_ = 0;
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

bool MrtReader::next(MrtRecord& rec) {
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
        diag_.report_at(stream_offset_ + 8, count_ + 1, DiagCode::mrt_length_too_large, DiagAction::skip_rest_of_file,
                        "MRT record length " + std::to_string(length) + " exceeds the limit; rest of the file skipped");
        failed_ = true;
        return false;
    }
    if (!fill(kHeader + length)) {
        if (!failed_)
            diag_.report_at(stream_offset_ + 8, count_ + 1, DiagCode::mrt_body_truncated, DiagAction::skip_rest_of_file,
                            "MRT record length " + std::to_string(length) + " runs past the end of the stream (" +
                                std::to_string(end_ - pos_ - kHeader) + " bytes left)");
        failed_ = true;
        return false;
    }
    h = buf_.get() + pos_;  // fill() may have moved the data
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
    pos_ += kHeader + length;
    stream_offset_ += kHeader + length;
    return true;
}

}  // namespace mempool::bgp
