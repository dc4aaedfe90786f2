// replay.cpp: record dispatch, UPDATE application, figures.
#include "replay.hpp"

#include <algorithm>
#include <cstring>

#include "nlri.hpp"

namespace mempool::bgp {
namespace {

bool family_of(std::uint16_t afi, Afi& out) {
    if (afi == kAfiIpv4) out = Afi::ipv4;
    else if (afi == kAfiIpv6) out = Afi::ipv6;
    else return false;
    return true;
}

}  // namespace

std::size_t Replay::PeerKeyHash::operator()(const PeerKey& k) const noexcept {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, k.ip.bytes.data(), 8);
    std::memcpy(&b, k.ip.bytes.data() + 8, 8);
    std::uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^ (std::uint64_t{k.as} << 1) ^
                      static_cast<std::uint64_t>(k.ip.afi);
    h ^= h >> 31;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ull);
}

Replay::Replay(ReplayOptions options) : options_(std::move(options)) {
    hooks_ = options_.hooks ? options_.hooks : &no_hooks_;
}

std::uint32_t Replay::peer_index(const PeerKey& key) {
    if (last_peer_ != UINT32_MAX && key == last_key_) return last_peer_;
    auto [it, fresh] = peer_map_.try_emplace(key, static_cast<std::uint32_t>(peers_.size()));
    if (fresh) {
        PeerFigures f;
        f.ip = key.ip;
        f.as = key.as;
        peers_.push_back(std::move(f));
        identities_.push_back(PeerIdentity{key.ip, key.as});
    }
    last_key_ = key;
    last_peer_ = it->second;
    return it->second;
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
    switch (rec.type) {
    case mrt::kBgp4mp:
    case mrt::kBgp4mpEt:
        // ENTRY (2) and SNAPSHOT (3): zebra-era RIB records, not replayed
        if (rec.subtype == 2 || rec.subtype == 3) not_replayed(rec);
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

void Replay::on_mrt_bgp(const MrtRecord& rec) {
    MrtBgpRecord r;
    if (!parse_mrt_bgp(rec, r, diag_)) return;
    const std::uint32_t peer = peer_index(r.peer);
    PeerFigures& f = peers_[peer];
    if (r.kind == Bgp4mpKind::state_change) {
        ++f.state_changes;
        if (r.new_state != kStateEstablished && options_.keep_rib) rib_.clear_peer(peer);
        return;
    }
    on_message(peer, static_cast<MessageType>(r.message_type), r.message, false, false);
}

void Replay::on_bgp4mp(const MrtRecord& rec) {
    Bgp4mpRecord r;
    if (!parse_bgp4mp(rec, r, diag_)) return;
    if (r.local) return;  // sent by the collector, not received from the peer
    microseconds_ = r.microseconds;
    const std::uint32_t peer = peer_index(r.peer);
    PeerFigures& f = peers_[peer];
    if (r.kind == Bgp4mpKind::state_change) {
        ++f.state_changes;
        if (r.new_state != kStateEstablished && options_.keep_rib) rib_.clear_peer(peer);
        return;
    }
    BgpMessage m;
    if (!decode_message(r.message, m, diag_)) return;
    on_message(peer, m.type, m.body, r.four_byte_as, r.add_path);
}

void Replay::on_message(std::uint32_t peer, MessageType type, Bytes body, bool four_byte_as, bool add_path) {
    PeerFigures& f = peers_[peer];
    ++f.messages[static_cast<std::size_t>(type)];
    hooks_->bgp_message(MessageEvent{type, peer, timestamp_, microseconds_});
    switch (type) {
    case MessageType::update:
        ++f.update_messages;
        on_update(peer, four_byte_as, add_path, body);
        break;
    case MessageType::open: {
        OpenMessage o;
        (void)decode_open(body, o, diag_);
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

IpAddress Replay::next_hop_for(Afi family) const {
    IpAddress nh;
    if (family == Afi::ipv4 && decoded_.has_next_hop) return decoded_.next_hop;
    if (decoded_.mp_reach.present) {
        const auto& m = decoded_.mp_reach;
        nh.afi = m.next_hop_len == 4 ? Afi::ipv4 : Afi::ipv6;
        std::memcpy(nh.bytes.data(), m.next_hop.data(), std::min<std::size_t>(m.next_hop_len, 16));
    }
    return nh;
}

void Replay::announce(std::uint32_t peer, const Prefix& prefix, std::uint32_t path_id, bool add_path) {
    const std::size_t fam = prefix.afi == Afi::ipv4 ? 0 : 1;
    AttrStore& store = rib_.attribute_store();
    AttrId id;
    if (!have_interned_[fam]) {
        canonical_attributes(decoded_, prefix.afi, canonical_);
        id = store.intern(Bytes(canonical_.data(), canonical_.size()), decoded_.origin, path_length_);
        interned_[fam] = id;
        have_interned_[fam] = true;
    } else {
        id = interned_[fam];
        store.ref(id);
    }
    Route& route = rib_.announce(prefix, peer, path_id, id, add_path);
    const IpAddress nh = next_hop_for(prefix.afi);
    hooks_->route_received(RouteEvent{prefix, peer, path_id,
                                      std::span<const std::uint32_t>(decoded_.as_path.asns.data(), decoded_.as_path.asns.size()),
                                      path_length_, decoded_.origin, nh, route.pool});
}

void Replay::on_update(std::uint32_t peer, bool four_byte_as, bool add_path, Bytes body) {
    UpdateParts parts;
    if (!split_update(body, parts, diag_)) return;
    const AttributeContext ctx{four_byte_as, false, add_path};
    if (!decoder_.decode(parts.attributes, ctx, decoded_, diag_)) return;
    PeerFigures& f = peers_[peer];
    // MP_REACH / MP_UNREACH of a family the RIB does not keep (VPN, labeled,
    // multicast, flowspec, EVPN, ...): recognised by AFI/SAFI, counted,
    // skipped; their NLRI are never read as prefixes.
    Afi reach_afi = Afi::ipv4, unreach_afi = Afi::ipv4;
    bool reach = false, unreach = false;
    if (decoded_.mp_reach.present) {
        if (rib_keeps_family(decoded_.mp_reach.afi, decoded_.mp_reach.safi)) {
            reach = family_of(decoded_.mp_reach.afi, reach_afi);
        } else {
            ++f.other_families;
        }
    }
    if (decoded_.mp_unreach.present) {
        if (rib_keeps_family(decoded_.mp_unreach.afi, decoded_.mp_unreach.safi)) {
            unreach = family_of(decoded_.mp_unreach.afi, unreach_afi);
        } else {
            ++f.other_families;
        }
    }
    // Each prefix field is used up to its first malformed prefix; the rest of
    // that field is reported and dropped (bgpdump and most collectors' tools
    // keep the prefixes before the fault too).
    const bool rib = options_.keep_rib;
    NlriEntry e;
    // Withdrawals first (RFC 4271 §9.1: withdrawn routes, then the new ones).
    for (ByteReader w(parts.withdrawn); next_nlri(w, Afi::ipv4, add_path, e, diag_) == NlriStatus::ok;) {
        ++f.withdrawn_v4;
        if (rib) rib_.withdraw(e.prefix, peer, e.path_id);
    }
    if (unreach) {
        auto& count = unreach_afi == Afi::ipv4 ? f.withdrawn_v4 : f.withdrawn_v6;
        for (ByteReader w(decoded_.mp_unreach.withdrawn); next_nlri(w, unreach_afi, add_path, e, diag_) == NlriStatus::ok;) {
            ++count;
            if (rib) rib_.withdraw(e.prefix, peer, e.path_id);
        }
    }
    if (parts.nlri.empty() && !reach) return;
    path_length_ = selection_path_length(decoded_.as_path);
    have_interned_ = {false, false};
    const bool install = rib && !decoded_.treat_as_withdraw;
    for (ByteReader a(parts.nlri); next_nlri(a, Afi::ipv4, add_path, e, diag_) == NlriStatus::ok;) {
        ++f.announced_v4;
        if (install) announce(peer, e.prefix, e.path_id, add_path);
        else if (rib) rib_.withdraw(e.prefix, peer, e.path_id);
    }
    if (reach) {
        auto& count = reach_afi == Afi::ipv4 ? f.announced_v4 : f.announced_v6;
        for (ByteReader a(decoded_.mp_reach.nlri); next_nlri(a, reach_afi, add_path, e, diag_) == NlriStatus::ok;) {
            ++count;
            if (install) announce(peer, e.prefix, e.path_id, add_path);
            else if (rib) rib_.withdraw(e.prefix, peer, e.path_id);
        }
    }
}

void Replay::install_rib_entry(std::uint32_t peer, const Prefix& prefix, std::uint8_t safi, std::uint32_t path_id,
                               bool add_path) {
    ++peers_[peer].rib_entries;
    if (safi != kSafiUnicast) {
        ++peers_[peer].other_families;
        return;
    }
    if (!options_.keep_rib) return;
    path_length_ = selection_path_length(decoded_.as_path);
    have_interned_ = {false, false};
    if (decoded_.treat_as_withdraw) {
        rib_.withdraw(prefix, peer, path_id);
        return;
    }
    announce(peer, prefix, path_id, add_path);
}

void Replay::on_table_dump(const MrtRecord& rec) {
    TableDumpEntry t;
    if (!parse_table_dump(rec, t, diag_)) return;
    const std::uint32_t peer = peer_index(t.peer);
    const AttributeContext ctx{false, true, false};
    if (!decoder_.decode(t.attributes, ctx, decoded_, diag_)) {
        ++peers_[peer].rib_entries;
        return;
    }
    install_rib_entry(peer, t.prefix, kSafiUnicast, 0, false);
}

void Replay::on_peer_index_table(const MrtRecord& rec) {
    PeerIndexTable t;
    if (!parse_peer_index_table(rec, t, diag_)) return;
    table_peers_.clear();
    for (const auto& k : t.peers) table_peers_.push_back(peer_index(k));
    have_peer_table_ = true;
}

void Replay::on_rib(const MrtRecord& rec) {
    RibRecord rr;
    if (!parse_rib_record(rec, rr, diag_)) return;
    if (!have_peer_table_) {
        diag_.report(rec.start, DiagCode::peer_table_missing, DiagAction::skip_record, "TABLE_DUMP_V2 RIB record before any PEER_INDEX_TABLE");
        return;
    }
    const AttributeContext ctx{true, true, rr.add_path};
    RibEntry e;
    for (unsigned i = 0; i < rr.entry_count; ++i) {
        if (!next_rib_entry(rr.entries, rr.add_path, e, diag_)) return;
        if (e.peer_index >= table_peers_.size()) {
            diag_.report(e.attributes.data(), DiagCode::peer_index_unknown, DiagAction::skip_record, "RIB entry peer index " + std::to_string(e.peer_index) +
                                                  " not in the PEER_INDEX_TABLE (" +
                                                  std::to_string(table_peers_.size()) + " peers)");
            continue;
        }
        const std::uint32_t peer = table_peers_[e.peer_index];
        if (!decoder_.decode(e.attributes, ctx, decoded_, diag_)) {
            ++peers_[peer].rib_entries;
            continue;
        }
        install_rib_entry(peer, rr.prefix, rr.safi, e.path_id, rr.add_path);
    }
    if (!rr.entries.empty())
        diag_.report(rr.entries.here(), DiagCode::record_trailing_bytes, DiagAction::skip_record, std::to_string(rr.entries.remaining()) + " bytes after the last RIB entry");
}

ReplayReport Replay::finish() {
    ReplayReport rep;
    rep.files = files_;
    rep.records = records_;
    std::vector<std::uint64_t> best;
    if (options_.keep_rib && !finished_) {
        const std::uint64_t selected = select_best_routes(rib_, identities_, *hooks_, best, &best_of_prefix_);
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
            peers_[i].routes = rib_.peer_routes(i);
            peers_[i].best_routes = best[i];
        }
    }
    finished_ = true;
    for (std::uint32_t i = 0; i < peers_.size(); ++i) {
        PeerReportFigures extra;
        hooks_->peer_report(i, extra);
        peers_[i].updates = extra.updates;
        peers_[i].extra = std::move(extra.extra);
    }
    for (const auto& p : peers_)
        if (p.any_nonzero()) rep.peers.push_back(p);
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
