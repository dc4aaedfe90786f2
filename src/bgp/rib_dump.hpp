// rib_dump.hpp: the final Adj-RIB-In written one route per line, so that
// every figure of the report can be checked route by route.
//
// Two formats (docs/rib-dump.md describes both):
//
//   bgpdump  the line `bgpdump -m` prints for a TABLE_DUMP_V2 RIB entry:
//              TABLE_DUMP2|time|B|peer ip|peer as|prefix|as path|origin|next hop|
//                local pref|med|communities|AG or NAG|aggregator|
//            and TABLE_DUMP2_AP|...|prefix|path id|as path|... for a route that
//            came with an add-path id. Replaying a TABLE_DUMP_V2 file and
//            writing it back gives the set of lines bgpdump prints for it.
//            The best-route mark is not in the line (that would break the
//            equality); `best_only` writes only the best route of each prefix.
//   jsonl    one JSON object per route: prefix, peer, path id, every path
//            attribute decoded, whether it is the best route of its prefix,
//            and the contents of the route's plugin pool.
//
//   Replay replay;
//   replay.replay_file("bview.gz");
//   replay.finish();                       // selection marks the best routes
//   write_rib_dump(replay, stdout, {RibDumpFormat::jsonl});
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "replay.hpp"

namespace mempool::bgp {

enum class RibDumpFormat : std::uint8_t { bgpdump, jsonl };

struct RibDumpOptions {
    RibDumpFormat format = RibDumpFormat::bgpdump;
    bool best_only = false;  // only the best route of each prefix
};

// Writes every route of the replay's Adj-RIB-In, prefix by prefix, after
// Replay::finish(). Returns the number of lines written, or -1 if writing
// failed (errno set by stdio).
[[nodiscard]] std::int64_t write_rib_dump(Replay& replay, std::FILE* out, const RibDumpOptions& options);

// One route's line or object; `time` is written as the dump time.
[[nodiscard]] std::string bgpdump_line(const PrefixRoutes& prefix, const Route& route, const PeerIdentity& peer,
                                       const AttrSet& attributes, std::uint32_t time);
[[nodiscard]] nlohmann::json route_json(const PrefixRoutes& prefix, const Route& route, const PeerIdentity& peer,
                                        const AttrSet& attributes, bool best);

// The AS path as bgpdump writes it: sequences "1 2 3", AS_SET "{1,2}",
// AS_CONFED_SEQUENCE "(1 2)", AS_CONFED_SET "[1,2]", segments separated by
// one space.
[[nodiscard]] std::string as_path_text(const AsPath& path);

}  // namespace mempool::bgp
