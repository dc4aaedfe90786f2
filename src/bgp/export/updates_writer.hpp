// updates_writer.hpp: the UPDATEs the local speaker sends, as an MRT file
// (`--updates-out FILE`): one BGP4MP_MESSAGE_AS4 record per message, whose
// peer fields name the neighbour (its address and AS) and whose local
// fields name the local speaker (the session's local address and the local
// AS), with the MRT timestamp of the replayed record that caused it. A
// 2-byte AS session's messages hold 2-byte AS_PATHs, so they are written as
// BGP4MP_MESSAGE (subtype 1, AS_TRANS for an AS above 65535), the subtype
// readers take the AS size from. gzip-compressed when the name ends in .gz
// (libdeflate, level 1, one gzip member per 64 KiB of records: a
// multi-member stream, which gzip, zlib's gzread and bgpdump read as one).
//
// Compression runs on a thread of its own: write() fills a 64 KiB chunk and
// hands it over through a bounded queue (at most kQueuedChunks waiting, so
// memory stays bounded and a slow disk slows the replay rather than growing
// it); the thread compresses and writes chunks in order. The replay's
// thread then pays for building records only, and the compression's CPU
// time overlaps the replay's (docs/benchmarks.md, "Export"). If the thread
// cannot be started, the chunks are compressed in write() as before. Errors
// (a failed compression or write) are remembered by either thread and
// reported by close(), which waits for the queue to drain.
//
// Records of type BGP4MP_MESSAGE(_AS4) rather than the *_LOCAL subtypes of
// RFC 6396 §4.4.6 so that every reader replays them (mempool-bgp skips
// locally sent messages, bgpdump 1.6 does not know the *_LOCAL subtypes):
// replaying the file gives, per peer, what each neighbour received.
//
//   UpdatesWriter w;
//   if (!w.open("out.mrt.gz", why)) ...
//   w.write(ts, neighbour_key, local_key, /*four_byte_as=*/true, message);
//   if (!w.close(why)) ...
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mrt_record.hpp"

namespace mempool::bgp {

class UpdatesWriter {
public:
    UpdatesWriter() = default;
    ~UpdatesWriter();
    UpdatesWriter(const UpdatesWriter&) = delete;
    UpdatesWriter& operator=(const UpdatesWriter&) = delete;

    [[nodiscard]] bool open(const std::string& path, std::string& why);
    // Appends one record; errors are remembered and reported by close(),
    // which leaves errno as the failed call set it (on either thread).
    void write(std::uint32_t timestamp, const PeerKey& neighbour, const PeerKey& local, bool four_byte_as,
               Bytes message);
    [[nodiscard]] bool close(std::string& why);
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

    // Bytes of records per gzip member (and per chunk handed to the thread).
    static constexpr std::size_t kChunkSize = std::size_t{1} << 16;
    // Chunks that may wait for the compressing thread.
    static constexpr std::size_t kQueuedChunks = 8;

private:
    // Hands buffer_ to the compressing thread (or compresses it here).
    void flush_buffer();
    // Compresses (when gzip) and writes one chunk; false on an error.
    [[nodiscard]] bool emit(const std::vector<std::uint8_t>& chunk, std::vector<std::uint8_t>& compressed) noexcept;
    void compress_loop() noexcept;  // the compressing thread
    void stop_thread() noexcept;

    std::FILE* file_ = nullptr;
    void* compressor_ = nullptr;  // libdeflate's, when compressing; used by one thread at a time
    std::vector<std::uint8_t> buffer_;
    std::vector<std::uint8_t> compressed_;
    std::uint64_t records_ = 0;
    bool failed_ = false;  // the writer's thread's errors
    std::string path_;

    // The compressing thread and its queue (guarded by mutex_).
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable work_ready_;  // a chunk queued, or stopping
    std::condition_variable room_ready_;  // a chunk taken
    std::deque<std::vector<std::uint8_t>> queue_;
    std::vector<std::vector<std::uint8_t>> spare_;  // emptied chunks, reused
    bool stopping_ = false;
    bool thread_failed_ = false;  // the compressing thread's errors ...
    int thread_errno_ = 0;        // ... and its errno (close() hands it on)
};

}  // namespace mempool::bgp
