// updates_writer.hpp: the UPDATEs the local speaker sends, as an MRT file
// (`--updates-out FILE`): one BGP4MP_MESSAGE_AS4 record per message, whose
// peer fields name the neighbour (its address and AS) and whose local
// fields name the local speaker (the session's local address and the local
// AS), with the MRT timestamp of the replayed record that caused it. A
// 2-byte AS session's messages hold 2-byte AS_PATHs, so they are written as
// BGP4MP_MESSAGE (subtype 1, AS_TRANS for an AS above 65535), the subtype
// readers take the AS size from. gzip-compressed when the name ends in .gz
// (libdeflate, level 1, one gzip member per MiB: a multi-member stream).
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

#include <cstdint>
#include <cstdio>
#include <string>
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
    // Appends one record; errors are remembered and reported by close().
    void write(std::uint32_t timestamp, const PeerKey& neighbour, const PeerKey& local, bool four_byte_as,
               Bytes message);
    [[nodiscard]] bool close(std::string& why);
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

private:
    void flush_buffer();

    std::FILE* file_ = nullptr;
    void* compressor_ = nullptr;  // libdeflate's, when compressing
    std::vector<std::uint8_t> buffer_;
    std::vector<std::uint8_t> compressed_;
    std::uint64_t records_ = 0;
    bool failed_ = false;
    std::string path_;
};

}  // namespace mempool::bgp
