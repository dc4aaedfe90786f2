// updates_writer.cpp: buffered plain or gzip output of BGP4MP records.
#include "updates_writer.hpp"

#include <libdeflate.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mrt_reader.hpp"
#include "path_attributes.hpp"

namespace mempool::bgp {

UpdatesWriter::~UpdatesWriter() {
    std::string ignored;
    (void)close(ignored);
}

bool UpdatesWriter::open(const std::string& path, std::string& why) {
    path_ = path;
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) {
        why = std::strerror(errno);
        return false;
    }
    if (gz) {
        // Level 1: the UPDATEs of a few neighbours outweigh the input, and
        // compressing them at zlib's level 6 cost more than the replay.
        compressor_ = libdeflate_alloc_compressor(1);
        if (!compressor_) {
            why = "cannot allocate a compressor";
            return false;
        }
    }
    buffer_.reserve(1 << 20);
    return true;
}

void UpdatesWriter::flush_buffer() {
    if (buffer_.empty() || !file_) return;
    Bytes out(buffer_);
    if (compressor_) {
        // One gzip member per buffer: a multi-member stream, which gzip,
        // zlib's gzread (bgpdump) and our byte sources read as one.
        auto* c = static_cast<libdeflate_compressor*>(compressor_);
        compressed_.resize(libdeflate_gzip_compress_bound(c, buffer_.size()));
        const std::size_t n = libdeflate_gzip_compress(c, buffer_.data(), buffer_.size(), compressed_.data(), compressed_.size());
        if (n == 0) failed_ = true;
        out = Bytes(compressed_.data(), n);
    }
    if (std::fwrite(out.data(), 1, out.size(), file_) != out.size()) failed_ = true;
    buffer_.clear();
}

void UpdatesWriter::write(std::uint32_t timestamp, const PeerKey& neighbour, const PeerKey& local, bool four_byte_as,
                          Bytes message) {
    // RFC 6396 §4.4.2 / §4.4.3, written straight into the buffer.
    const auto u8 = [this](std::uint32_t v) { buffer_.push_back(static_cast<std::uint8_t>(v)); };
    const auto u16 = [&](std::uint32_t v) {
        u8(v >> 8);
        u8(v);
    };
    const auto u32 = [&](std::uint32_t v) {
        u16(v >> 16);
        u16(v & 0xffff);
    };
    const unsigned ip_size = address_size(neighbour.ip.afi);
    const std::size_t body = (four_byte_as ? 8 : 4) + 4 + 2 * ip_size + message.size();
    u32(timestamp);
    u16(mrt::kBgp4mp);
    u16(four_byte_as ? 4 : 1);  // BGP4MP_MESSAGE_AS4 or BGP4MP_MESSAGE
    u32(static_cast<std::uint32_t>(body));
    if (four_byte_as) {
        u32(neighbour.as);
        u32(local.as);
    } else {
        u16(neighbour.as > 0xffff ? kAsTrans : neighbour.as);
        u16(local.as > 0xffff ? kAsTrans : local.as);
    }
    u16(0);  // interface index
    u16(neighbour.ip.afi == Afi::ipv4 ? kAfiIpv4 : kAfiIpv6);
    buffer_.insert(buffer_.end(), neighbour.ip.bytes.begin(), neighbour.ip.bytes.begin() + ip_size);
    buffer_.insert(buffer_.end(), local.ip.bytes.begin(), local.ip.bytes.begin() + ip_size);  // same family
    buffer_.insert(buffer_.end(), message.begin(), message.end());
    ++records_;
    if (buffer_.size() >= (1 << 20)) flush_buffer();
}

bool UpdatesWriter::close(std::string& why) {
    if (!file_) return !failed_;
    flush_buffer();
    if (std::fclose(file_) != 0) failed_ = true;
    file_ = nullptr;
    if (compressor_) {
        libdeflate_free_compressor(static_cast<libdeflate_compressor*>(compressor_));
        compressor_ = nullptr;
    }
    if (failed_) why = "cannot write " + path_;
    return !failed_;
}

}  // namespace mempool::bgp
