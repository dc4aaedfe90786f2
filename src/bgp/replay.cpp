// replay.cpp: record dispatch, and applying decoded UPDATEs and RIB
// entries to the Adj-RIB-In, the insertion points and the figures.
#include "replay.hpp"

#include <algorithm>

namespace mempool::bgp {
namespace {
// The next hop of an event whose hooks do not read it (uses_.reads_decoded_routes false).
const IpAddress kNoNextHop{};
}  // namespace

Replay::Replay(ReplayOptions options) : options_(std::move(options)) {
    hooks_ = options_.hooks ? options_.hooks : &no_hooks_;
}

bool Replay::replay_file(const std::string& path) {
    std::string why;
    auto src = open_byte_source(path, why);
    if (!src) {
        files_.push_back(path);
        diag_.set_file(path);
        diag_.report_at(0, 0, DiagCode::cannot_open, DiagAction::skip_rest_of_file, "cannot open: " + why);
        return false;
    }
    replay_source(std::move(src), path);
    return true;
}

void Replay::replay_source(std::unique_ptr<ByteSource> src, const std::string& name) {
    files_.push_back(name);
    diag_.set_file(name);
    table_peers_.clear();
    have_peer_table_ = false;
    MrtReader reader(std::move(src), diag_);
    MrtRecord rec;
    std::uint64_t n = 0;
    while (reader.next(rec)) {
        ++records_;
        diag_.set_record(rec.start, rec.offset, rec.number);
        on_record(rec);
        if (options_.progress && (++n & 1023) == 0) options_.progress(name, reader.source());
    }
    if (options_.progress) options_.progress(name, reader.source());
}

void Replay::on_record(const MrtRecord& rec) {
    timestamp_ = rec.timestamp;
    microseconds_ = 0;
    if (clock_ != nullptr) [[unlikely]] clock_->record_time(rec.timestamp);
    switch (rec.type) {
    case mrt::kBgp4mp:
    case mrt::kBgp4mpEt:
        if (rec.subtype == 2) on_bgp4mp_entry(rec);
        else if (rec.subtype == 3) not_replayed(rec);  // SNAPSHOT: a view number and a file name, no route
        else on_bgp4mp(rec);
        break;
    case mrt::kBgp:
        if (bgp_subtype_replayed(rec.subtype)) on_mrt_bgp(rec);
        else not_replayed(rec);
        break;
    case mrt::kTableDump: on_table_dump(rec); break;
    case mrt::kTableDumpV2:
        if (rec.subtype == 1) on_peer_index_table(rec);
        else if (rec.subtype == 7) not_replayed(rec);  // GEO_PEER_TABLE (RFC 6397): nothing to replay
        else on_rib(rec);
        break;
    default: not_replayed(rec); break;  // other protocols (OSPF, IS-IS), other deprecated types
    }
}

void Replay::not_replayed(const MrtRecord& rec) { ++not_replayed_[std::uint32_t{rec.type} << 16 | rec.subtype]; }

void Replay::on_state_change(std::uint32_t peer, std::uint16_t new_state) {
    ++peers_.figures(peer).state_changes;
    if (new_state != kStateEstablished && options_.keep_rib) rib_.clear_peer(peer);
}

void Replay::on_mrt_bgp(const MrtRecord& rec) {
    MrtBgpRecord r;
    if (!parse_mrt_bgp(rec, r, diag_)) return;
    const std::uint32_t peer = peers_.index_of(r.peer);
    if (r.kind == Bgp4mpKind::state_change) return on_state_change(peer, r.new_state);
    on_message(peer, static_cast<MessageType>(r.message_type), r.message, false, false);
}

void Replay::on_bgp4mp(const MrtRecord& rec) {
    Bgp4mpRecord r;
    if (!parse_bgp4mp(rec, r, diag_)) return;
    if (r.local) return;  // sent by the collector, not received from the peer
    microseconds_ = r.microseconds;
    const std::uint32_t peer = peers_.index_of(r.peer);
    if (r.kind == Bgp4mpKind::state_change) return on_state_change(peer, r.new_state);
    BgpMessage m;
    if (!decode_message(r.message, m, diag_)) return;
    on_message(peer, m.type, m.body, r.four_byte_as, r.add_path);
}

void Replay::on_message(std::uint32_t peer, MessageType type, Bytes body, bool four_byte_as, bool add_path) {
    PeerFigures& f = peers_.figures(peer);
    ++f.messages[static_cast<std::size_t>(type)];
    hooks_->bgp_message(MessageEvent{type, peer, timestamp_, microseconds_});
    switch (type) {
    case MessageType::update:
        ++f.update_messages;
        if (decoder_.decode_update(body, four_byte_as, add_path,
                                   peer < sends_path_ids_.size() && sends_path_ids_[peer])) {
            ask_uses();
            if (uses_.decodes_attributes)  // xBGP's bgp_decode_attr: the field as received
                hooks_->attributes_received(
                    AttributesEvent{peer, decoder_.attribute_field(), timestamp_, microseconds_});
            apply_update(peer, f, decoder_.add_path());
        }
        break;
    case MessageType::open: {
        OpenMessage o;
        if (decode_open(body, o, diag_)) {
            if (peer >= sends_path_ids_.size()) sends_path_ids_.resize(peer + 1);
            sends_path_ids_[peer] = o.add_path_sends_unicast;
        }
        break;
    }
    case MessageType::notification: {
        NotificationMessage n;
        (void)decode_notification(body, n, diag_);
        break;
    }
    default: break;
    }
}

void Replay::apply_update(std::uint32_t peer, PeerFigures& f, bool add_path) {
    f.other_families += decoder_.other_families();
    const bool rib = options_.keep_rib;
    if (rib && rib_.prefetch_pays()) {
        // The message's prefixes, read ahead: the RIB starts loading what
        // each route will touch, the misses of the batch overlapping, and
        // the store where the announcements' attribute sets will be looked up.
        lookahead_.clear();
        const std::size_t withdrawals = decoder_.peek_prefixes(lookahead_);
        rib_.prefetch_slots(lookahead_);
        if (!decoder_.treat_as_withdraw() && lookahead_.size() > withdrawals) {
            // The NLRI field (IPv4) first, then MP_REACH's family.
            prepare_attribute_set(lookahead_[withdrawals].afi);
            if (lookahead_.back().afi != lookahead_[withdrawals].afi) prepare_attribute_set(lookahead_.back().afi);
        }
        rib_.prefetch(lookahead_);
    }
    RoutePrefix route;
    // Withdrawals first (RFC 4271 §9.1: withdrawn routes, then the new ones).
    while (decoder_.next_withdrawal(route)) {
        ++(route.prefix.afi == Afi::ipv4 ? f.withdrawn_v4 : f.withdrawn_v6);
        if (rib) rib_.withdraw(route.prefix, peer, route.path_id);
    }
    // RFC 7606 treat-as-withdraw: announced, counted, and withdrawn.
    const bool install = rib && !decoder_.treat_as_withdraw();
    while (decoder_.next_announcement(route)) {
        ++(route.prefix.afi == Afi::ipv4 ? f.announced_v4 : f.announced_v6);
        if (install) announce(peer, route.prefix, route.path_id, add_path);
        else if (rib) rib_.withdraw(route.prefix, peer, route.path_id);
    }
}

AttrId Replay::attribute_set(Afi family) {
    InternedSet& set = interned_[family == Afi::ipv4 ? 0 : 1];
    AttrStore& store = rib_.attribute_store();
    if (set.attributes == decoder_.attributes_number()) {
        // The routes of one message share the set: the first one holds a
        // reference until the message is applied, unless an inbound filter
        // rejected it (withdrawn again: the set may have been freed).
        if (set.message == decoder_.message_number() && store[set.id].refs != 0) {
            store.ref(set.id);
            return set.id;
        }
        // A repeat the decoder kept from an earlier message: the same set,
        // unless every route holding it has gone since (withdrawn, or the
        // peer's session went down) and its id now names another set.
        const AttrSet& held = store[set.id];
        if (held.refs != 0 && held.size == set.canonical.size() &&
            std::equal(set.canonical.begin(), set.canonical.end(), held.bytes.get())) {
            store.ref(set.id);
            set.message = decoder_.message_number();
            return set.id;
        }
    }
    const PathAttributes& a = decoder_.attributes();
    if (set.canonical_of != decoder_.attributes_number()) {
        canonical_attributes(a, family, set.canonical);
        set.canonical_of = decoder_.attributes_number();
    }
    set.id = store.intern(Bytes(set.canonical.data(), set.canonical.size()), a.origin, decoder_.path_length());
    set.attributes = decoder_.attributes_number();
    set.message = decoder_.message_number();
    return set.id;
}

void Replay::prepare_attribute_set(Afi family) {
    InternedSet& set = interned_[family == Afi::ipv4 ? 0 : 1];
    // The attributes of a set attribute_set() may reuse, or already worked out.
    if (set.attributes == decoder_.attributes_number() || set.canonical_of == decoder_.attributes_number()) return;
    canonical_attributes(decoder_.attributes(), family, set.canonical);
    set.canonical_of = decoder_.attributes_number();
    rib_.attribute_store().prefetch(Bytes(set.canonical.data(), set.canonical.size()));
}

void Replay::announce(std::uint32_t peer, const Prefix& prefix, std::uint32_t path_id, bool add_path) {
    rib_.expect_peers(static_cast<std::uint32_t>(peers_.size()));
    Route& route = rib_.announce(prefix, peer, path_id, attribute_set(prefix.afi), add_path);
    if (hooks_ == &no_hooks_) return;  // nobody to tell: no event to build
    const PathAttributes& a = decoder_.attributes();
    const Bytes attributes = rib_.attribute_store()[route.path_attributes].key();
    if (!uses_.reads_decoded_routes) {  // as a cached RIB entry's event: no AS path, no next hop
        received(RouteEvent{prefix, peer, path_id, {}, decoder_.path_length(), a.origin, kNoNextHop, route.pool,
                            attributes});
        return;
    }
    received(RouteEvent{prefix, peer, path_id,
                        std::span<const std::uint32_t>(a.as_path.asns.data(), a.as_path.asns.size()),
                        decoder_.path_length(), a.origin, decoder_.next_hop(prefix.afi), route.pool, attributes});
}

void Replay::received(const RouteEvent& event) {
    // xBGP's inbound filters: a rejected route leaves the Adj-RIB-In again
    // (with the peer's earlier route for the prefix, which it replaced).
    if (uses_.filters_routes && !hooks_->accept_route(event)) {
        rib_.withdraw(event.prefix, event.peer, event.path_id);
        return;
    }
    hooks_->route_received(event);
}

void Replay::apply_rib_entry(std::uint32_t peer, bool decoded, const Prefix& prefix, bool kept_family,
                             std::uint32_t path_id, bool add_path) {
    ++peers_.figures(peer).rib_entries;
    if (!decoded) return;
    if (!kept_family) {
        ++peers_.figures(peer).other_families;
        return;
    }
    if (!options_.keep_rib) return;
    if (decoder_.treat_as_withdraw()) rib_.withdraw(prefix, peer, path_id);
    else announce(peer, prefix, path_id, add_path);
}

void Replay::apply_cached_rib_entry(std::uint32_t peer, Bytes field, bool transformed, const AttributeContext& ctx,
                                    const Prefix& prefix, std::uint32_t path_id, bool add_path) {
    AttrStore& store = rib_.attribute_store();
    const std::uint32_t context = (prefix.afi == Afi::ipv6 ? 1u : 0u) | (ctx.four_byte_as ? 2u : 0u) |
                                  (ctx.rib_dump ? 4u : 0u) | (ctx.add_path ? 8u : 0u) | (transformed ? 16u : 0u);
    const std::uint64_t h = EntrySetCache::hash(field, context);
    if (AttrId id; entry_sets_.find(field, context, h, id)) {
        ++peers_.figures(peer).rib_entries;
        store.ref(id);  // the route's, as attribute_set() gives it
        rib_.expect_peers(static_cast<std::uint32_t>(peers_.size()));
        Route& route = rib_.announce(prefix, peer, path_id, id, add_path);
        if (hooks_ == &no_hooks_) return;
        const AttrSet& set = store[id];  // hooks that read the AS path or next hop do not come here
        received(RouteEvent{prefix, peer, path_id, {}, set.path_length, set.origin, kNoNextHop, route.pool, set.key()});
        return;
    }
    const std::uint64_t reports = diag_.count();
    const bool decoded =
        decoder_.decode_rib_attributes(transformed ? table_dump_attributes(field, prefix.afi, entry_attributes_)
                                                   : field,
                                       ctx);
    apply_rib_entry(peer, decoded, prefix, true, path_id, add_path);
    // Kept when it went in without a report (treat-as-withdraw always has
    // one), unless an inbound filter took the route out again and with it
    // the set's last reference (its id may be reused).
    if (!decoded || diag_.count() != reports) return;
    const AttrId id = interned_[prefix.afi == Afi::ipv4 ? 0 : 1].id;
    if (store[id].refs != 0) entry_sets_.put(field, context, h, id, store);
}

void Replay::on_table_dump(const MrtRecord& rec) {
    TableDumpRecord td;
    if (!parse_table_dump(rec, td, diag_)) return;
    TableDumpEntry t;
    ask_uses();
    const bool cached = caches_entry_sets();
    while (next_table_dump_entry(td, t, diag_)) {  // one entry, or an early writer's batch
        const std::uint32_t peer = peers_.index_of(t.peer);
        if (cached) {
            apply_cached_rib_entry(peer, t.attributes, true, AttributeContext{false, true, false}, t.prefix, 0, false);
            continue;
        }
        const bool decoded = decoder_.decode_rib_attributes(table_dump_attributes(t, entry_attributes_),
                                                            AttributeContext{false, true, false});
        if (decoded && uses_.decodes_attributes)  // xBGP's bgp_decode_attr: the field as received
            hooks_->attributes_received(AttributesEvent{peer, t.attributes, timestamp_, microseconds_});
        apply_rib_entry(peer, decoded, t.prefix, true, 0, false);
    }
}

void Replay::on_bgp4mp_entry(const MrtRecord& rec) {
    Bgp4mpEntry e;
    if (!parse_bgp4mp_entry(rec, e, diag_)) return;
    microseconds_ = e.microseconds;
    const std::uint32_t peer = peers_.index_of(e.peer);
    // Unicast and multicast entries are decoded, as TABLE_DUMP_V2 decodes
    // its; the other families are counted only (their prefix is not read).
    const bool ip = e.afi == kAfiIpv4 || e.afi == kAfiIpv6;
    if (!e.framed || !ip || (e.safi != kSafiUnicast && e.safi != kSafiMulticast)) {
        apply_rib_entry(peer, true, e.prefix, false, 0, false);
        return;
    }
    // 2-byte AS_PATH (mrt_record.hpp); MP_REACH_NLRI may be next hop only.
    const bool decoded = decoder_.decode_rib_attributes(bgp4mp_entry_attributes(e, entry_attributes_),
                                                        AttributeContext{false, true, false});
    ask_uses();
    if (decoded && uses_.decodes_attributes)  // xBGP's bgp_decode_attr: the field as received
        hooks_->attributes_received(AttributesEvent{peer, e.attributes, timestamp_, microseconds_});
    apply_rib_entry(peer, decoded, e.prefix, e.safi == kSafiUnicast, 0, false);
}

void Replay::on_peer_index_table(const MrtRecord& rec) {
    PeerIndexTable t;
    if (!parse_peer_index_table(rec, t, diag_)) return;
    table_peers_.clear();
    for (const auto& k : t.peers) table_peers_.push_back(peers_.index_of(k));
    have_peer_table_ = true;
}

void Replay::on_rib(const MrtRecord& rec) {
    RibRecord rr;
    if (!parse_rib_record(rec, rr, diag_)) return;
    if (!have_peer_table_) {
        diag_.report(rec.start, DiagCode::peer_table_missing, DiagAction::skip_record,
                     "TABLE_DUMP_V2 RIB record before any PEER_INDEX_TABLE");
        return;
    }
    if (rr.entries_unknown) {  // another family, entries not found: nothing to count them to
        not_replayed(rec);
        return;
    }
    const AttributeContext ctx{true, true, rr.add_path};
    // The record counts its prefix's routes: a new route list is sized for
    // them at once (the hint is dropped on every way out of this function).
    struct RouteCountHint {
        Rib& rib;
        ~RouteCountHint() { rib.expect_routes(0); }
    } hint{rib_};
    rib_.expect_routes(rr.entry_count);
    ask_uses();
    const bool cached = caches_entry_sets() && rib_keeps_family(rr.afi, rr.safi);
    RibEntry e;
    for (unsigned i = 0; i < rr.entry_count; ++i) {
        if (!next_rib_entry(rr.entries, rr.add_path, e, diag_)) return;
        if (e.peer_index >= table_peers_.size()) {
            diag_.report(e.attributes.data(), DiagCode::peer_index_unknown, DiagAction::skip_record,
                         "RIB entry peer index " + std::to_string(e.peer_index) + " not in the PEER_INDEX_TABLE (" +
                             std::to_string(table_peers_.size()) + " peers)");
            continue;
        }
        const std::uint32_t peer = table_peers_[e.peer_index];
        if (rr.other_family) {  // counted, not decoded: its MP_REACH holds that family's next hop
            apply_rib_entry(peer, true, rr.prefix, false, e.path_id, rr.add_path);
            continue;
        }
        if (cached) {
            apply_cached_rib_entry(peer, e.attributes, false, ctx, rr.prefix, e.path_id, rr.add_path);
            continue;
        }
        const bool decoded = decoder_.decode_rib_attributes(e.attributes, ctx);
        if (decoded && uses_.decodes_attributes)  // xBGP's bgp_decode_attr
            hooks_->attributes_received(AttributesEvent{peer, e.attributes, timestamp_, microseconds_});
        apply_rib_entry(peer, decoded, rr.prefix, rib_keeps_family(rr.afi, rr.safi), e.path_id, rr.add_path);
    }
    if (!rr.entries.empty())
        diag_.report(rr.entries.here(), DiagCode::record_trailing_bytes, DiagAction::skip_record,
                     std::to_string(rr.entries.remaining()) + " bytes after the last RIB entry");
}

ReplayReport Replay::finish() {
    entry_sets_.clear(rib_.attribute_store());  // its references are no route's
    ReplayReport rep;
    rep.files = files_;
    rep.records = records_;
    std::vector<std::uint64_t> best;
    if (options_.keep_rib && !finished_) {
        const std::uint64_t selected = select_best_routes(rib_, peers_.identities(), *hooks_, best, &best_of_prefix_);
        RibSummary s;
        for (const auto& pr : rib_.prefixes()) {
            if (pr.routes.empty()) continue;
            (pr.prefix.afi == Afi::ipv4 ? s.prefixes_v4 : s.prefixes_v6) += 1;
        }
        s.routes = rib_.route_count();
        s.best_routes = selected;
        s.attribute_sets = rib_.attribute_store().live();
        s.heap_bytes = rib_.heap_bytes();
        rep.rib = s;
        for (std::uint32_t i = 0; i < peers_.size(); ++i) {
            peers_.figures(i).routes = rib_.peer_routes(i);
            peers_.figures(i).best_routes = best[i];
        }
    }
    finished_ = true;
    for (std::uint32_t i = 0; i < peers_.size(); ++i) {
        PeerReportFigures extra;
        hooks_->peer_report(i, extra);
        PeerFigures& f = peers_.figures(i);
        f.updates = extra.updates;
        f.extra = std::move(extra.extra);
        if (f.any_nonzero()) rep.peers.push_back(peers_.report_row(i));
    }
    std::stable_sort(rep.peers.begin(), rep.peers.end(), [](const PeerFigures& a, const PeerFigures& b) {
        if (a.ip != b.ip) return a.ip < b.ip;
        return a.as < b.as;
    });
    for (const auto& [key, n] : not_replayed_)
        rep.records_not_replayed.emplace_back(mrt_type_name(static_cast<std::uint16_t>(key >> 16),
                                                            static_cast<std::uint16_t>(key & 0xffff)),
                                              n);
    rep.errors = diag_.errors();
    rep.error_count = diag_.count();
    rep.plugins = hooks_->plugin_names();
    return rep;
}

}  // namespace mempool::bgp
