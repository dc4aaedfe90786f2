// updates_writer.cpp: buffered plain or gzip output of BGP4MP records; gzip
// compressed on a thread of its own (see updates_writer.hpp).
#include "updates_writer.hpp"

#include <libdeflate.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <system_error>

#include "mrt_reader.hpp"
#include "path_attributes.hpp"

namespace mempool::bgp {

UpdatesWriter::~UpdatesWriter() {
    std::string ignored;
    (void)close(ignored);
}

void UpdatesWriter::compress_loop() noexcept {
    std::vector<std::uint8_t> compressed;
    for (;;) {
        std::vector<std::uint8_t> chunk;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything written
            chunk = std::move(queue_.front());
            queue_.pop_front();
        }
        room_ready_.notify_one();
        const bool ok = emit(chunk, compressed);
        const int error = errno;  // errno is the thread's own
        chunk.clear();
        std::lock_guard lock(mutex_);
        if (!ok && !thread_failed_) {
            thread_failed_ = true;
            thread_errno_ = error;
        }
        try {
            spare_.push_back(std::move(chunk));
        } catch (const std::bad_alloc&) {  // the chunk is freed instead of reused
        }
    }
}

void UpdatesWriter::stop_thread() noexcept {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
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
        // From here the compressor and the file belong to the thread until
        // close() joins it. Without a thread, flush_buffer() compresses.
        stopping_ = thread_failed_ = false;
        try {
            thread_ = std::thread([this] { compress_loop(); });
        } catch (const std::system_error&) {
        }
    }
    buffer_.reserve(kChunkSize + 4096);
    return true;
}

bool UpdatesWriter::emit(const std::vector<std::uint8_t>& chunk, std::vector<std::uint8_t>& compressed) noexcept {
    Bytes out(chunk);
    bool ok = true;
    if (compressor_) {
        // One gzip member per chunk: a multi-member stream, which gzip,
        // zlib's gzread (bgpdump) and our byte sources read as one.
        auto* c = static_cast<libdeflate_compressor*>(compressor_);
        try {
            compressed.resize(libdeflate_gzip_compress_bound(c, chunk.size()));
        } catch (const std::bad_alloc&) {
            return false;
        }
        const std::size_t n = libdeflate_gzip_compress(c, chunk.data(), chunk.size(), compressed.data(), compressed.size());
        if (n == 0) ok = false;
        out = Bytes(compressed.data(), n);
    }
    if (std::fwrite(out.data(), 1, out.size(), file_) != out.size()) ok = false;
    return ok;
}

void UpdatesWriter::flush_buffer() {
    if (buffer_.empty() || !file_) return;
    if (!thread_.joinable()) {
        if (!emit(buffer_, compressed_)) failed_ = true;
        buffer_.clear();
        return;
    }
    std::vector<std::uint8_t> next;
    {
        std::unique_lock lock(mutex_);
        room_ready_.wait(lock, [this] { return queue_.size() < kQueuedChunks; });
        queue_.push_back(std::move(buffer_));
        if (!spare_.empty()) {
            next = std::move(spare_.back());
            spare_.pop_back();
        }
    }
    work_ready_.notify_one();
    buffer_ = std::move(next);
    buffer_.clear();
    buffer_.reserve(kChunkSize + 4096);
}

void UpdatesWriter::write(std::uint32_t timestamp, const PeerKey& neighbour, const PeerKey& local, bool four_byte_as,
                          Bytes message) {
    // RFC 6396 §4.4.2 / §4.4.3: the header (at most 12 + 8 + 4 + 32 bytes)
    // built on the stack, then header and message appended in two copies.
    std::uint8_t head[56];
    std::size_t n = 0;
    const auto u16 = [&](std::uint32_t v) {
        head[n++] = static_cast<std::uint8_t>(v >> 8);
        head[n++] = static_cast<std::uint8_t>(v);
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
    std::memcpy(head + n, neighbour.ip.bytes.data(), ip_size);
    n += ip_size;
    std::memcpy(head + n, local.ip.bytes.data(), ip_size);  // same family
    n += ip_size;
    buffer_.insert(buffer_.end(), head, head + n);
    buffer_.insert(buffer_.end(), message.begin(), message.end());
    ++records_;
    if (buffer_.size() >= kChunkSize) flush_buffer();
}

bool UpdatesWriter::close(std::string& why) {
    if (!file_) return !failed_;
    flush_buffer();
    stop_thread();  // every queued chunk written
    if (std::fclose(file_) != 0) failed_ = true;
    if (thread_failed_) {
        failed_ = true;
        errno = thread_errno_;
    }
    file_ = nullptr;
    if (compressor_) {
        libdeflate_free_compressor(static_cast<libdeflate_compressor*>(compressor_));
        compressor_ = nullptr;
    }
    if (failed_) why = "cannot write " + path_;
    return !failed_;
}

}  // namespace mempool::bgp
