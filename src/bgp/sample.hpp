// sample.hpp: a deterministic BGP stream, generated in memory.
//
// `mempool-bgp replay` with no file replays it, and `mempool-bgp synth`
// writes it as an MRT file for scale tests. The same options and seed give
// the same bytes on every machine.
//
// What it holds (BGP4MP_MESSAGE_AS4 and STATE_CHANGE_AS4 records):
//   - `peers` peers, on IPv4 and IPv6 transport, half of them with 4-byte ASes;
//     each goes to Established, then announces the whole table of `prefixes`
//     prefixes (four in five IPv4 /24, one in five IPv6 /48), 32 per UPDATE,
//     with AS paths of 2-4 ASes where the origin is sometimes prepended,
//     then an End-of-RIB (empty UPDATE);
//   - `updates` further events: re-announcements with new paths, withdrawals
//     (IPv4 withdrawn field and MP_UNREACH_NLRI), keepalives;
//   - half way through, a session reset of peer 1 (Established -> Idle ->
//     Established) followed by the re-announcement of its table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "byte_reader.hpp"

namespace mempool::bgp {

struct SampleOptions {
    std::uint32_t peers = 6;
    std::uint32_t prefixes = 2000;
    std::uint32_t updates = 3000;
    std::uint64_t seed = 1;
};

using RecordSink = std::function<void(Bytes record)>;

// Produces the records in order; returns how many.
std::uint64_t generate_sample(const SampleOptions& o, const RecordSink& sink);
// The whole stream in one buffer.
std::vector<std::uint8_t> sample_stream(const SampleOptions& o);
// Writes the stream to `path`, gzip-compressed if the name ends in ".gz".
bool write_sample_file(const std::string& path, const SampleOptions& o, std::string& why, std::uint64_t* records = nullptr);

}  // namespace mempool::bgp
