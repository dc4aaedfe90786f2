// exporter.cpp: best-route tracking, the per-neighbour decision, the
// Adj-RIBs-Out and the UPDATEs.
#include "exporter.hpp"

#include <algorithm>
#include <cstring>

namespace mempool::bgp {

Exporter::Exporter(const ExportConfig& config, Replay& replay, InsertionPoints* hooks, ExportPoints* points,
                   UpdatesWriter* writer)
    : neighbours_(config), replay_(replay), hooks_(hooks ? hooks : &no_hooks_),
      points_(points && points->active() ? points : nullptr), writer_(writer), out_(neighbours_.size()),
      packer_([this](Bytes message) {
          ++out_[sending_to_].updates;
          if (!writer_) return;
          const Neighbour& to = neighbours_[sending_to_];
          writer_->write(sending_time_, PeerKey{to.config.address, to.config.as},
                         PeerKey{to.local_address, neighbours_.local().as}, to.config.four_byte_as, message);
      }) {
    if (!points_) {
        decisions_.resize(kDecisionSlots);
        decision_out_.resize(kDecisionSlots * neighbours_.size());
    }
    scratch_out_.resize(neighbours_.size());
    replay_.rib().set_observer(this);
}

Exporter::~Exporter() {
    release_decisions();
    replay_.rib().set_observer(nullptr);
}

void Exporter::release_decision(std::size_t slot) {
    Decision& d = decisions_[slot];
    if (d.route_attributes == AdjRibOut::kNoRoute) return;
    replay_.rib().attribute_store().unref(d.route_attributes);
    for (std::size_t n = 0; n < out_.size(); ++n) {
        const std::uint32_t v = decision_out_[slot * out_.size() + n];
        if (!(v & kRefused)) sent_store_.unref(v);
    }
    d = Decision{};
}

void Exporter::release_decisions() {
    for (std::size_t slot = 0; slot < decisions_.size(); ++slot) release_decision(slot);
}

void Exporter::route_changing(std::uint32_t prefix, std::uint32_t peer, std::uint32_t path_id, RibChange change) {
    if (replay_.records() != pending_record_) {
        flush();
        pending_record_ = replay_.records();
        pending_timestamp_ = replay_.last_timestamp();
    }
    if (prefix >= best_.size()) {
        const std::size_t n = std::max<std::size_t>(prefix + 1, best_.size() * 2);
        best_.resize(n);
        dirty_.resize(n);
    }
    const BestRoute& b = best_[prefix];
    const bool is_best = b.valid && b.peer == peer && b.path_id == path_id;
    if (change == RibChange::withdraw && !is_best) return;  // a route that was not best leaves: no change
    Dirty& d = dirty_[prefix];
    if (!d.listed) {
        d = Dirty{};
        d.listed = true;
        dirty_list_.push_back(prefix);
    }
    if (is_best || d.candidate) {
        d.full = true;  // the best itself changes, or several new routes: scan the prefix
    } else {
        d.candidate = true;
        d.peer = peer;
        d.path_id = path_id;
    }
}

void Exporter::finish() {
    flush();
    pending_record_ = replay_.records();
    release_decisions();  // the replay's report counts live attribute sets
}

const PeerRole& Exporter::role(std::uint32_t peer) {
    if (peer >= roles_.size()) {
        roles_.resize(peer + 1);
        role_known_.resize(peer + 1, false);
    }
    if (!role_known_[peer]) {
        roles_[peer] = neighbours_.role_of(replay_.peer_identities()[peer]);
        role_known_[peer] = true;
    }
    return roles_[peer];
}

RouteCandidate Exporter::candidate(const PrefixRoutes& pr, Route& r) const {
    const AttrSet& s = replay_.rib().attribute_store()[r.path_attributes];
    const PeerIdentity& p = replay_.peer_identities()[r.peer];
    return RouteCandidate{pr.prefix, r.peer, r.path_id, s.path_length, s.origin, p.ip, p.as, r.pool, s.key()};
}

bool Exporter::usable(const Route& r) const {
    return usable_by_local_speaker(replay_.rib().attribute_store()[r.path_attributes].key(), neighbours_.local());
}

std::uint32_t Exporter::best_route(std::uint32_t prefix) const {
    if (prefix >= best_.size() || !best_[prefix].valid) return kNoBestRoute;
    const auto& routes = replay_.rib().prefixes()[prefix].routes;
    for (std::uint32_t i = 0; i < routes.size(); ++i)
        if (routes[i].peer == best_[prefix].peer && routes[i].path_id == best_[prefix].path_id) return i;
    return kNoBestRoute;
}

void Exporter::flush() {
    if (dirty_list_.empty()) return;
    flushing_ = true;  // plugins' messages (send_message) take the record's time too
    for (const std::uint32_t prefix : dirty_list_) decide(prefix);
    flushing_ = false;
    dirty_list_.clear();
    send_pending(pending_timestamp_);
}

void Exporter::decide(std::uint32_t prefix) {
    Dirty d = dirty_[prefix];
    dirty_[prefix] = Dirty{};
    PrefixRoutes& pr = replay_.rib().prefixes()[prefix];
    auto& routes = pr.routes;
    BestRoute& b = best_[prefix];
    const bool ask = hooks_->compares_routes();
    Route* best = nullptr;
    if (d.full || !b.valid) {
        for (Route& r : routes) {
            if (!usable(r)) continue;
            if (!best || route_preferred(candidate(pr, r), candidate(pr, *best), *hooks_, ask)) best = &r;
        }
    } else {
        // One new route against the best: the rest of the order is unchanged.
        Route* incumbent = nullptr;
        Route* challenger = nullptr;
        for (Route& r : routes) {
            if (r.peer == b.peer && r.path_id == b.path_id) incumbent = &r;
            else if (r.peer == d.peer && r.path_id == d.path_id) challenger = &r;
        }
        if (!challenger || !usable(*challenger)) return;
        if (incumbent && !route_preferred(candidate(pr, *challenger), candidate(pr, *incumbent), *hooks_, ask)) return;
        best = challenger;
    }
    const bool was_valid = b.valid;
    const BestRoute before = b;
    b = best ? BestRoute{best->peer, best->path_id, true} : BestRoute{};
    // Same best route, not re-announced: nothing to tell the neighbours.
    if (!d.full && was_valid == b.valid && before.peer == b.peer && before.path_id == b.path_id) return;
    if (!was_valid && !b.valid) return;
    export_prefix(prefix, pr, best);
}

std::uint32_t Exporter::sent_form_for(const PrefixRoutes& pr, const OutboundRoute* route, const PeerRole& source,
                                      std::uint32_t n) {
    const Neighbour& to = neighbours_[n];
    export_attributes(facts_, source, to, neighbours_.local(), pr.prefix.afi, attrs_);
    if (route != nullptr && points_->bgp_outbound_filter(*route, to, n, attrs_) == OutboundVerdict::reject)
        return kRefused | static_cast<std::uint32_t>(Refusal::outbound_filter);
    encode_path_attributes(attrs_, to.config.four_byte_as, pr.prefix.afi, sent_bytes_);
    if (route != nullptr) {
        plugin_bytes_.clear();
        points_->plugin_attributes(*route, to, n, attrs_, plugin_bytes_);
        if (!plugin_bytes_.empty()) merge_plugin_attributes(sent_bytes_, Bytes(plugin_bytes_));
    }
    if (!fits_one_update(Bytes(sent_bytes_), pr.prefix.afi)) return kRefused | static_cast<std::uint32_t>(Refusal::too_large);
    return sent_store_.intern(Bytes(sent_bytes_), attrs_.origin, 0);
}

void Exporter::decide_neighbours(const PrefixRoutes& pr, Route& best, std::uint32_t* out) {
    const AttrStore& store = replay_.rib().attribute_store();
    if (!read_route_facts(store[best.path_attributes].key(), facts_)) {
        for (std::size_t n = 0; n < out_.size(); ++n) out[n] = kRefused;  // cannot happen: the RIB wrote it
        return;
    }
    const PeerRole source = role(best.peer);
    const OutboundRoute route{pr.prefix, best.peer, replay_.peer_identities()[best.peer], source, facts_,
                              store[best.path_attributes].key(), best.pool};
    constexpr std::uint32_t kUnset = 0xffffffffu;
    class_sent_.assign(neighbours_.class_count(), kUnset);
    for (std::uint32_t n = 0; n < out_.size(); ++n) {
        const Neighbour& to = neighbours_[n];
        OutboundVerdict verdict = OutboundVerdict::unknown;
        if (points_) verdict = points_->bgp_pre_outbound_filter(route, to, n);
        Refusal why = Refusal::none;
        if (verdict == OutboundVerdict::reject) {
            why = Refusal::outbound_filter;
        } else {
            why = decide_export(facts_, source, n, to, pr.prefix.afi);
            if (verdict == OutboundVerdict::accept && why == Refusal::ibgp_to_ibgp) {
                // The plugin reflects: the other rules still hold.
                why = originator_rule(facts_, source, to);
                if (why == Refusal::none) why = community_rule(facts_, to);
            }
        }
        if (why != Refusal::none) {
            out[n] = kRefused | static_cast<std::uint32_t>(why);
            continue;
        }
        if (points_) {  // plugins may treat every neighbour differently
            out[n] = sent_form_for(pr, &route, source, n);
            continue;
        }
        std::uint32_t& shared = class_sent_[to.attribute_class];
        if (shared == kUnset) shared = sent_form_for(pr, nullptr, source, n);  // one reference, given back below
        out[n] = shared;
        if (!(shared & kRefused)) sent_store_.ref(shared);
    }
    if (!points_)
        for (const std::uint32_t v : class_sent_)
            if (v != kUnset && !(v & kRefused)) sent_store_.unref(v);
}

void Exporter::export_prefix(std::uint32_t prefix, const PrefixRoutes& pr, const Route* best_route) {
    const auto withdraw = [&](NeighbourState& st) {
        if (!st.table.remove(prefix, sent_store_)) return;
        (pr.prefix.afi == Afi::ipv4 ? st.pending.withdraw_v4 : st.pending.withdraw_v6).push_back(pr.prefix);
    };
    if (!best_route) {
        for (auto& st : out_) withdraw(st);
        return;
    }
    Route& best = const_cast<Route&>(*best_route);  // plugins may write its pool
    const std::uint32_t* out = scratch_out_.data();
    if (!points_) {
        const std::size_t slot =
            ((best.path_attributes * 0x9E3779B1u) ^ (best.peer * 0x85EBCA6Bu)) % kDecisionSlots;
        Decision& d = decisions_[slot];
        if (d.route_attributes != best.path_attributes || d.peer != best.peer) {
            release_decision(slot);
            decide_neighbours(pr, best, &decision_out_[slot * out_.size()]);
            replay_.rib().attribute_store().ref(best.path_attributes);  // keeps the id's bytes while cached
            d = Decision{best.path_attributes, best.peer};
        }
        out = &decision_out_[slot * out_.size()];
    } else {
        decide_neighbours(pr, best, scratch_out_.data());
    }
    for (std::uint32_t n = 0; n < out_.size(); ++n) {
        NeighbourState& st = out_[n];
        const std::uint32_t v = out[n];
        if (v & kRefused) {
            ++st.refused[v & 0xff];
            withdraw(st);
            continue;
        }
        if (st.table.get(prefix) == v) continue;  // sent already, with these attributes
        sent_store_.ref(v);
        st.table.set(prefix, v, sent_store_);
        st.pending.announce.emplace_back(v, prefix);
    }
    if (points_)
        for (const std::uint32_t v : scratch_out_)
            if (!(v & kRefused)) sent_store_.unref(v);
}

void Exporter::send_pending(std::uint32_t timestamp) {
    const auto& prefixes = replay_.rib().prefixes();
    for (std::uint32_t n = 0; n < out_.size(); ++n) {
        NeighbourState& st = out_[n];
        Pending& p = st.pending;
        if (p.withdraw_v4.empty() && p.withdraw_v6.empty() && p.announce.empty()) continue;
        sending_to_ = n;
        sending_time_ = timestamp;
        UpdatePacker& packer = packer_;
        packer.withdraw(Afi::ipv4, p.withdraw_v4);
        packer.withdraw(Afi::ipv6, p.withdraw_v6);
        st.withdrawn += p.withdraw_v4.size() + p.withdraw_v6.size();
        // (sent form, prefix) pairs are unique: any sort gives one order.
        if (!std::is_sorted(p.announce.begin(), p.announce.end())) std::sort(p.announce.begin(), p.announce.end());
        for (std::size_t i = 0; i < p.announce.size();) {
            const AttrId id = p.announce[i].first;
            scratch_prefixes_.clear();
            std::size_t j = i;
            for (; j < p.announce.size() && p.announce[j].first == id; ++j) {
                scratch_prefixes_.push_back(prefixes[p.announce[j].second].prefix);
            }
            const Afi family = scratch_prefixes_.front().afi;
            // One sent form is of one family (its next hop says which), so the group is too.
            packer.announce(sent_store_[id].key(), family, scratch_prefixes_);
            st.announced += j - i;
            i = j;
        }
        p.withdraw_v4.clear();
        p.withdraw_v6.clear();
        p.announce.clear();
        st.last_sent = timestamp;
    }
}

bool Exporter::send_message(const IpAddress& address, std::uint8_t type, Bytes body) {
    if (body.empty() || body.size() > kMaxUpdateSize - 19) return false;
    for (std::uint32_t n = 0; n < out_.size(); ++n) {
        const Neighbour& to = neighbours_[n];
        if (!(to.config.address == address)) continue;
        if (!writer_) return true;
        message_.assign(16, 0xff);
        const std::size_t size = 19 + body.size();
        message_.push_back(static_cast<std::uint8_t>(size >> 8));
        message_.push_back(static_cast<std::uint8_t>(size));
        message_.push_back(type);
        message_.insert(message_.end(), body.begin(), body.end());
        writer_->write(flushing_ ? pending_timestamp_ : replay_.last_timestamp(), PeerKey{to.config.address, to.config.as},
                       PeerKey{to.local_address, neighbours_.local().as}, to.config.four_byte_as, Bytes(message_));
        return true;
    }
    return false;
}

NeighbourFigures Exporter::figures(std::size_t n) const {
    const Neighbour& to = neighbours_[n];
    const NeighbourState& st = out_[n];
    NeighbourFigures f;
    f.name = to.config.name;
    f.ip = to.config.address;
    f.as = to.config.as;
    f.ebgp = to.ebgp;
    f.rr_client = to.rr_client;
    f.updates = st.updates;
    f.announced = st.announced;
    f.withdrawn = st.withdrawn;
    f.adj_rib_out = st.table.size();
    for (std::size_t k = 1; k < kRefusalKinds; ++k)
        if (st.refused[k] != 0) f.refused.emplace_back(refusal_name(static_cast<Refusal>(k)), st.refused[k]);
    return f;
}

void Exporter::add_to(ReplayReport& report) const {
    std::vector<NeighbourFigures> all;
    for (std::size_t n = 0; n < out_.size(); ++n) all.push_back(figures(n));
    report.neighbours = std::move(all);
    report.local_as = neighbours_.local().as;
    report.updates_written = writer_ ? writer_->records() : 0;
}

std::int64_t Exporter::write_adj_rib_out(std::FILE* out, std::size_t only, RibDumpFormat format) const {
    const auto& prefixes = replay_.rib().prefixes();
    std::int64_t lines = 0;
    AttributeDecoder decoder;
    PathAttributes decoded;
    Diagnostics diag;
    std::vector<std::uint8_t> canonical;
    std::string text;
    for (std::uint32_t p = 0; p < prefixes.size(); ++p) {
        for (std::size_t n = 0; n < out_.size(); ++n) {
            if (only != kAllNeighbours && n != only) continue;
            const AttrId id = out_[n].table.get(p);
            if (id == AdjRibOut::kNoRoute) continue;
            const Neighbour& to = neighbours_[n];
            const Bytes sent = sent_store_[id].key();
            const std::uint8_t nh_len = sent[0];
            // Read back exactly as the replay of the written UPDATE reads it.
            const AttributeContext ctx{to.config.four_byte_as, false, false};
            if (!decoder.decode(sent.subspan(1 + nh_len), ctx, decoded, diag)) return -1;
            if (prefixes[p].prefix.afi == Afi::ipv6) {
                decoded.mp_reach.present = true;
                decoded.mp_reach.afi = kAfiIpv6;
                decoded.mp_reach.safi = kSafiUnicast;
                decoded.mp_reach.next_hop_len = nh_len;
                std::memcpy(decoded.mp_reach.next_hop.data(), sent.data() + 1, nh_len);
            }
            canonical_attributes(decoded, prefixes[p].prefix.afi, canonical);
            AttrSet set;
            set.bytes = std::make_unique<std::uint8_t[]>(canonical.size());
            std::memcpy(set.bytes.get(), canonical.data(), canonical.size());
            set.size = static_cast<std::uint32_t>(canonical.size());
            set.origin = decoded.origin;
            set.path_length = selection_path_length(decoded.as_path);
            const Route route;
            const PeerIdentity peer{to.config.address, to.config.as};
            if (format == RibDumpFormat::bgpdump) text = bgpdump_line(prefixes[p], route, peer, set, out_[n].last_sent);
            else text = route_json(prefixes[p], route, peer, set, true).dump();
            text.push_back('\n');
            if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) return -1;
            ++lines;
        }
    }
    return std::fflush(out) == 0 ? lines : -1;
}

}  // namespace mempool::bgp
