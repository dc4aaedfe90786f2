// exporter.hpp: the sending side of mempool-bgp. It watches the replay's
// RIB (RibObserver: the one hook where a prefix's best route may change),
// keeps the best route of every prefix as the replay goes (the Loc-RIB),
// runs the export decision per neighbour (export_policy.hpp) when a best
// route changes, keeps an Adj-RIB-Out per neighbour, and encodes the
// UPDATEs the neighbours receive, written as MRT when a writer is given.
//
//   Replay replay(opts);
//   Exporter exporter(config, replay, hooks, nullptr, &writer);  // observes replay.rib()
//   replay.replay_file("updates.gz");
//   exporter.finish();                 // the last record's changes
//   ReplayReport report = replay.finish();
//   exporter.add_to(report);
//
// Cost: nothing is attached to the RIB without an Exporter. With one, a
// change marks its prefix; the decision runs once per changed prefix at the
// end of each MRT record, after the plugins have seen the routes (so that
// route_compare compares complete pools). Best-route tracking is
// incremental: a new route is compared with the best only; the whole
// prefix is scanned again only when the best route itself is replaced or
// withdrawn. What each neighbour gets for a route is cached by (route
// attribute set, source peer), so a route seen again (a duplicate, a flap
// back) costs no rule, attribute or encoding work; on a miss, neighbours of
// one attribute class share the attribute work.
//
// The Loc-RIB is the replay's selection (route_compare, else the built-in
// rule) over the routes the local speaker would not have ignored on
// receipt (export_policy.hpp: local AS in the AS_PATH, own ORIGINATOR_ID,
// own CLUSTER_ID in the CLUSTER_LIST): when no route is ignored it is the
// best route Replay::finish() selects.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "adj_rib_out.hpp"
#include "export_points.hpp"
#include "neighbour.hpp"
#include "replay.hpp"
#include "rib_dump.hpp"
#include "updates_writer.hpp"

namespace mempool::bgp {

class Exporter final : public RibObserver {
public:
    // Attaches itself to replay.rib(); `hooks` is the replay's insertion
    // points (null: none), `points` the sending-side points (null: none),
    // `writer` where the UPDATEs go (null: counted only). None is owned.
    Exporter(const ExportConfig& config, Replay& replay, InsertionPoints* hooks = nullptr,
             ExportPoints* points = nullptr, UpdatesWriter* writer = nullptr);
    ~Exporter() override;
    Exporter(const Exporter&) = delete;
    Exporter& operator=(const Exporter&) = delete;

    void route_changing(std::uint32_t prefix_index, std::uint32_t peer, std::uint32_t path_id,
                        RibChange change) override;
    // Decides the changes still pending (the last record's). Call after the
    // last file, before reading figures or Adj-RIBs-Out.
    void finish();

    [[nodiscard]] const Neighbours& neighbours() const noexcept { return neighbours_; }
    [[nodiscard]] const AdjRibOut& adj_rib_out(std::size_t neighbour) const noexcept { return out_[neighbour].table; }
    // The sent form (update_encoder.hpp) of an Adj-RIB-Out id.
    [[nodiscard]] Bytes sent_form(AttrId id) const noexcept { return sent_store_[id].key(); }
    // The Loc-RIB: the index into the prefix's routes of its best route, or kNoBestRoute.
    [[nodiscard]] std::uint32_t best_route(std::uint32_t prefix_index) const;
    [[nodiscard]] NeighbourFigures figures(std::size_t neighbour) const;

    // A BGP message of `type` with `body` (the bytes after the 19-byte
    // header) to the neighbour at `address`, written to the MRT output at
    // once (xBGP's schedule_bgp_message), with the time of the record whose
    // changes are being decided (outside a decision, of the record being
    // replayed): before the UPDATEs of that decision.
    // False if no neighbour has that address or the body is empty or does
    // not fit a 4096-byte message.
    [[nodiscard]] bool send_message(const IpAddress& address, std::uint8_t type, Bytes body);
    // Adds the figures of every neighbour to the report.
    void add_to(ReplayReport& report) const;

    // Writes the Adj-RIB-Out of one neighbour (or of all, `neighbour` ==
    // kAllNeighbours) one route per line, in the format of --rib-out, as
    // the replay of the UPDATEs written would show them: peer = the
    // neighbour; time = the last time the neighbour was sent something.
    // Returns the number of lines, or -1 if writing failed.
    static constexpr std::size_t kAllNeighbours = ~std::size_t{0};
    [[nodiscard]] std::int64_t write_adj_rib_out(std::FILE* out, std::size_t neighbour, RibDumpFormat format) const;

private:
    struct BestRoute {
        std::uint32_t peer = 0;
        std::uint32_t path_id = 0;
        bool valid = false;
    };
    struct Dirty {
        std::uint32_t peer = 0, path_id = 0;  // the one new candidate
        bool listed = false, full = false, candidate = false;
    };
    struct Pending {
        std::vector<Prefix> withdraw_v4, withdraw_v6;
        std::vector<std::pair<AttrId, std::uint32_t>> announce;  // (sent form, prefix index)
    };
    struct NeighbourState {
        AdjRibOut table;
        Pending pending;
        std::uint64_t updates = 0, announced = 0, withdrawn = 0;
        std::array<std::uint64_t, kRefusalKinds> refused{};
        std::uint32_t last_sent = 0;
    };
    // What each neighbour gets for a route, by (route attribute set, source
    // peer): the rules and the attributes depend on nothing else (without
    // plugins). Direct-mapped; an entry holds a reference on the route's
    // attribute set (so its id keeps its bytes while cached) and one on
    // every sent form it names.
    struct Decision {
        AttrId route_attributes = AdjRibOut::kNoRoute;
        std::uint32_t peer = 0;
    };
    static constexpr std::uint32_t kRefused = 0x80000000u;  // | Refusal, in place of a sent form
    static constexpr std::size_t kDecisionSlots = 4096;

    void flush();
    void decide(std::uint32_t prefix_index);
    void export_prefix(std::uint32_t prefix_index, const PrefixRoutes& pr, const Route* best);
    // Fills out[n] for every neighbour: a sent form (one reference each) or kRefused | why.
    void decide_neighbours(const PrefixRoutes& pr, Route& best, std::uint32_t* out);
    // A new sent form for neighbour `to` (one reference), or kRefused | why.
    // `route` is given when plugins are attached (points_ set), else null.
    std::uint32_t sent_form_for(const PrefixRoutes& pr, const OutboundRoute* route, const PeerRole& source,
                                std::uint32_t to);
    void release_decision(std::size_t slot);
    void release_decisions();
    [[nodiscard]] RouteCandidate candidate(const PrefixRoutes& pr, Route& r) const;
    [[nodiscard]] bool usable(const Route& r) const;
    const PeerRole& role(std::uint32_t peer);
    void send_pending(std::uint32_t timestamp);

    Neighbours neighbours_;
    Replay& replay_;
    InsertionPoints no_hooks_;
    InsertionPoints* hooks_;
    ExportPoints* points_;
    UpdatesWriter* writer_;
    AttrStore sent_store_;
    std::vector<NeighbourState> out_;
    std::vector<BestRoute> best_;
    std::vector<Dirty> dirty_;
    std::vector<std::uint32_t> dirty_list_;
    std::vector<PeerRole> roles_;
    std::vector<bool> role_known_;
    std::vector<Decision> decisions_;
    std::vector<std::uint32_t> decision_out_;  // kDecisionSlots x neighbours
    std::vector<std::uint32_t> scratch_out_;   // with plugins: no cache
    std::vector<std::uint32_t> class_sent_;    // per attribute class, during decide_neighbours
    UpdatePacker packer_;
    std::uint32_t sending_to_ = 0;             // the packer's neighbour and time
    std::uint32_t sending_time_ = 0;
    std::uint64_t pending_record_ = 0;
    std::uint32_t pending_timestamp_ = 0;
    bool flushing_ = false;                    // deciding pending_record_'s changes
    RouteFacts facts_;
    OutgoingAttributes attrs_;
    std::vector<std::uint8_t> sent_bytes_;
    std::vector<std::uint8_t> plugin_bytes_;   // what plugins wrote for one neighbour
    std::vector<std::uint8_t> message_;        // send_message's
    std::vector<Prefix> scratch_prefixes_;
};

}  // namespace mempool::bgp
