// replay.hpp: the replay engine. It reads MRT files in order, dispatches
// each record, applies what the decoders found to the Adj-RIB-In of every
// peer, calls the insertion points, and produces the report. Decoding is
// not done here: UPDATEs go through an UpdateDecoder (update_decoder.hpp),
// RIB records through mrt_record.hpp; peers live in a PeerTable
// (peer_table.hpp).
//
//   mempool::bgp::Replay replay;               // no plugins, RIB on
//   replay.replay_file("updates.20071015.1505.gz");
//   replay.replay_file("updates.20100722.2015.gz");   // figures accumulate
//   ReplayReport report = replay.finish();     // selection, peer_report
//
// What each MRT record does:
//   BGP4MP message      bgp_message point; an UPDATE withdraws then announces
//                       its prefixes in the RIB (unicast SAFI only), calling
//                       route_received for each announced route
//   BGP4MP *_LOCAL      messages the collector sent: counted as records only
//   BGP4MP state change counted; a new state other than Established clears
//                       the peer's Adj-RIB-In
//   BGP (type 5)        the deprecated RFC 6396 type of 1999-2001 archives:
//                       UPDATE, OPEN, NOTIFY, KEEPALIVE and STATE_CHANGE as
//                       their BGP4MP equivalents (2-byte AS, IPv4 peer)
//   TABLE_DUMP, TABLE_DUMP_V2 RIB entry   a route (path id 0 unless add-path)
//   BGP4MP ENTRY        (OpenBGPD's `dump table-mp`) a RIB entry too: a route,
//                       path id 0, its next hop from the entry when its
//                       attributes carry none (bgp4mp_entry_attributes)
//   PEER_INDEX_TABLE    maps the following RIB entries' peer indexes
//   anything else       (BGP4MP/SNAPSHOT, BGP/PREF_UPDATE, BGP4PLUS, OSPF,
//                       ...) counted by name in the report's
//                       records_not_replayed
// Only unicast routes enter the Adj-RIB-In; MP_REACH/MP_UNREACH of other
// families are counted per peer (other_families) and skipped.
// Anything malformed is reported (see Diagnostics) and skipped.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bgp_message.hpp"
#include "byte_source.hpp"
#include "diagnostics.hpp"
#include "entry_set_cache.hpp"
#include "insertion_points.hpp"
#include "mrt_reader.hpp"
#include "mrt_record.hpp"
#include "peer_table.hpp"
#include "report.hpp"
#include "rib.hpp"
#include "selection.hpp"
#include "update_decoder.hpp"

namespace mempool::bgp {

// Told the MRT time of every record before the record is replayed: job
// plugins run on it (xbgp/jobs.hpp).
class RecordClock {
public:
    virtual ~RecordClock() = default;
    virtual void record_time(std::uint32_t seconds) noexcept = 0;
};

struct ReplayOptions {
    bool keep_rib = true;
    InsertionPoints* hooks = nullptr;  // not owned; null: no plugins
    // Called now and then with the source being read (for a progress bar).
    std::function<void(const std::string& name, const ByteSource& src)> progress;
};

class Replay {
public:
    explicit Replay(ReplayOptions options = {});
    Replay(const Replay&) = delete;
    Replay& operator=(const Replay&) = delete;

    // Replays one file. Returns false if it cannot be opened (reported).
    bool replay_file(const std::string& path);
    // Replays a stream under `name` (the name goes into error reports).
    void replay_source(std::unique_ptr<ByteSource> src, const std::string& name);

    // Selects the best routes, runs peer_report, builds the report. Call once,
    // after the last file.
    ReplayReport finish();

    // Not owned; null (the default): none. See RecordClock.
    void set_record_clock(RecordClock* clock) noexcept { clock_ = clock; }

    [[nodiscard]] Rib& rib() noexcept { return rib_; }
    [[nodiscard]] const Diagnostics& diagnostics() const noexcept { return diag_; }
    // Every peer met, by the index the RIB and the insertion points use.
    [[nodiscard]] const PeerTable& peers() const noexcept { return peers_; }
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
    // Timestamp of the last MRT record replayed: the moment the Adj-RIB-In
    // stands for (the RIB dump writes it as each route's time).
    [[nodiscard]] std::uint32_t last_timestamp() const noexcept { return timestamp_; }
    [[nodiscard]] const std::vector<PeerIdentity>& peer_identities() const noexcept { return peers_.identities(); }
    // After finish(): for each prefix of rib().prefixes(), the index of its
    // best route (kNoBestRoute when it has none).
    [[nodiscard]] const std::vector<std::uint32_t>& best_route_of_prefix() const noexcept { return best_of_prefix_; }

private:
    // Record dispatch, by MRT type.
    void on_record(const MrtRecord& rec);
    void on_bgp4mp(const MrtRecord& rec);
    void on_bgp4mp_entry(const MrtRecord& rec);
    void on_mrt_bgp(const MrtRecord& rec);
    void on_table_dump(const MrtRecord& rec);
    void on_peer_index_table(const MrtRecord& rec);
    void on_rib(const MrtRecord& rec);
    void not_replayed(const MrtRecord& rec);
    // A STATE_CHANGE of `peer` to `new_state`.
    void on_state_change(std::uint32_t peer, std::uint16_t new_state);
    // One BGP message of `peer` (its body, after the 19-byte header).
    void on_message(std::uint32_t peer, MessageType type, Bytes body, bool four_byte_as, bool add_path);

    // Applying what the decoder found.
    void apply_update(std::uint32_t peer, PeerFigures& figures, bool add_path);
    // A RIB dump entry whose attributes the decoder holds (or failed on:
    // `decoded` false), for `prefix`; `kept_family`: the entry's AFI/SAFI is
    // one the Adj-RIB-In keeps (rib_keeps_family), else it is only counted.
    void apply_rib_entry(std::uint32_t peer, bool decoded, const Prefix& prefix, bool kept_family,
                         std::uint32_t path_id, bool add_path);
    // Puts one route with the decoder's attributes into the Adj-RIB-In and
    // runs route_received.
    void announce(std::uint32_t peer, const Prefix& prefix, std::uint32_t path_id, bool add_path);
    // A RIB entry, through entry_sets_ when nothing but the RIB needs its
    // decoded attributes (caches_entry_sets): the cached set if the field is there,
    // else decoded as apply_rib_entry does and cached if it went in cleanly.
    // `transformed`: the field is rewritten before decoding
    // (table_dump_attributes), which depends on the family alone.
    void apply_cached_rib_entry(std::uint32_t peer, Bytes field, bool transformed, const AttributeContext& ctx,
                                const Prefix& prefix, std::uint32_t path_id, bool add_path);
    // After ask_uses() for the record.
    [[nodiscard]] bool caches_entry_sets() const {
        return options_.keep_rib && !uses_.reads_decoded_routes && !uses_.decodes_attributes;
    }
    // uses_ for the record about to be replayed (InsertionPoints::uses()):
    // asked once per UPDATE or RIB record, not per route.
    void ask_uses() {
        if (hooks_ != &no_hooks_) uses_ = hooks_->uses();
    }
    // A route announced, to the hooks: the inbound filters, then route_received.
    void received(const RouteEvent& event);
    // The interned attribute set of the decoder's message for `family`:
    // interned once per message and family, referenced again by the others.
    [[nodiscard]] AttrId attribute_set(Afi family);
    // Before a message's routes are applied: works out the canonical bytes
    // attribute_set(family) will intern and starts loading their place in
    // the store (AttrStore::prefetch). Changes no state attribute_set reads
    // but the bytes it would compute itself.
    void prepare_attribute_set(Afi family);

    ReplayOptions options_;
    InsertionPoints no_hooks_;
    InsertionPoints* hooks_;
    // What hooks_ reads and runs, for the record being replayed (ask_uses).
    // With no_hooks_, nothing: no event is built, nothing reads a route.
    InsertionPoints::Uses uses_{false, false, false};
    Diagnostics diag_;
    Rib rib_;
    UpdateDecoder decoder_{diag_};
    PeerTable peers_;

    // The attribute set last interned per family (index 0 IPv4, 1 IPv6):
    // for the decoder's attributes while `attributes` is its
    // attributes_number(), so nothing needs resetting between messages;
    // `message` is the decoder's message_number() it was last checked for.
    // `canonical` holds canonical_attributes() of the decoder's attributes
    // numbered `canonical_of`: `attributes`, or newer ones once
    // prepare_attribute_set has worked them out ahead.
    struct InternedSet {
        std::uint64_t attributes = 0;
        std::uint64_t message = 0;
        std::uint64_t canonical_of = 0;
        AttrId id = 0;
        std::vector<std::uint8_t> canonical;
    };
    std::array<InternedSet, 2> interned_{};

    EntrySetCache entry_sets_;  // RIB entries' sets by field (caches_entry_sets)
    std::vector<Prefix> lookahead_;  // an UPDATE's prefixes, for Rib::prefetch (apply_update)
    std::vector<std::uint8_t> entry_attributes_;  // a RIB entry's attributes as decoded (mrt_record.hpp)
    std::vector<std::uint32_t> table_peers_;  // TABLE_DUMP_V2 index -> peer, per file
    // By peer index: its last OPEN offered to send ADD-PATH path ids for
    // unicast (UpdateDecoder::decode_update's path_ids_possible).
    std::vector<bool> sends_path_ids_;
    bool have_peer_table_ = false;
    std::vector<std::string> files_;
    std::uint64_t records_ = 0;
    std::map<std::uint32_t, std::uint64_t> not_replayed_;  // (type << 16 | subtype) -> records
    std::vector<std::uint32_t> best_of_prefix_;
    std::uint32_t timestamp_ = 0;
    std::uint32_t microseconds_ = 0;
    bool finished_ = false;
    RecordClock* clock_ = nullptr;
};

}  // namespace mempool::bgp
