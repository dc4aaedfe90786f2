// updates_writer.cpp: buffered plain or gzip output of BGP4MP records.
#include "updates_writer.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mrt_writer.hpp"

namespace mempool::bgp {

UpdatesWriter::~UpdatesWriter() {
    std::string ignored;
    (void)close(ignored);
}

bool UpdatesWriter::open(const std::string& path, std::string& why) {
    path_ = path;
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    if (gz) {
        gzFile f = gzopen(path.c_str(), "wb6");
        if (!f) {
            why = std::strerror(errno);
            return false;
        }
        gz_ = f;
    } else {
        file_ = std::fopen(path.c_str(), "wb");
        if (!file_) {
            why = std::strerror(errno);
            return false;
        }
    }
    buffer_.reserve(1 << 20);
    return true;
}

void UpdatesWriter::flush_buffer() {
    if (buffer_.empty()) return;
    if (gz_) {
        if (gzwrite(static_cast<gzFile>(gz_), buffer_.data(), static_cast<unsigned>(buffer_.size())) !=
            static_cast<int>(buffer_.size()))
            failed_ = true;
    } else if (file_ && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
        failed_ = true;
    }
    buffer_.clear();
}

void UpdatesWriter::write(std::uint32_t timestamp, const PeerKey& neighbour, const PeerKey& local, bool four_byte_as,
                          Bytes message) {
    PeerKey peer = neighbour, self = local;
    if (!four_byte_as) {
        if (peer.as > 0xffff) peer.as = 23456;  // AS_TRANS
        if (self.as > 0xffff) self.as = 23456;
    }
    encode_bgp4mp_message(timestamp, peer, self, four_byte_as, message, record_);
    buffer_.insert(buffer_.end(), record_.begin(), record_.end());
    ++records_;
    if (buffer_.size() >= (1 << 20)) flush_buffer();
}

bool UpdatesWriter::close(std::string& why) {
    if (!gz_ && !file_) return !failed_;
    flush_buffer();
    if (gz_) {
        if (gzclose(static_cast<gzFile>(gz_)) != Z_OK) failed_ = true;
        gz_ = nullptr;
    }
    if (file_) {
        if (std::fclose(file_) != 0) failed_ = true;
        file_ = nullptr;
    }
    if (failed_) why = "cannot write " + path_;
    return !failed_;
}

}  // namespace mempool::bgp
