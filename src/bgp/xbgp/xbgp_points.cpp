// xbgp_points.cpp: xBGP's receiving-side points over mempool::Runtime.
#include "xbgp_points.hpp"

#include <cstring>
#include <new>

#include "bgp_helpers.hpp"
#include "call_state.hpp"  // src/plugins: copy_by_words
#include "layouts.hpp"
#include "path_attributes.hpp"

namespace mempool::bgp::xbgp {
namespace {

// bgp_decode_attr: EXIT_FAILURE says the plugin could not decode the
// attribute (libxbgp hosts then run their own decoding); any other value
// is a decoding done.
bool decode_value(std::uint64_t v, void*) noexcept { return v != 1; }
bool decision_value(std::uint64_t v, void*) noexcept {
    return v == kRouteTypeNew || v == kRouteTypeOld || v == kRouteTypeUnknown;
}

// One attribute of a field as received: flags, code, length (1 or 2 bytes),
// value. False at the end or where the field is malformed (the decoder has
// reported it already; what comes before is still shown).
bool next_attribute(ByteReader& r, AttributeRef& out) {
    return read_raw_attribute(r, out.flags, out.code, out.value);
}

}  // namespace

// What the host's own code of a decision step says (see the header).
std::uint64_t XbgpPoints::builtin_step(std::uint8_t builtin, const RouteCandidate& challenger,
                                       const RouteCandidate& best) noexcept {
    auto pick = [](bool differ, bool challenger_wins) {
        return !differ ? kRouteTypeUnknown : challenger_wins ? kRouteTypeNew : kRouteTypeOld;
    };
    switch (builtin) {
    case path_length:
        return pick(challenger.path_length != best.path_length, challenger.path_length < best.path_length);
    case origin: return pick(challenger.origin != best.origin, challenger.origin < best.origin);
    case peer_address:
        if (challenger.peer_ip != best.peer_ip) return pick(true, challenger.peer_ip < best.peer_ip);
        if (challenger.peer_as != best.peer_as) return pick(true, challenger.peer_as < best.peer_as);
        return pick(challenger.path_id != best.path_id, challenger.path_id < best.path_id);
    default: return kRouteTypeUnknown;
    }
}

XbgpPoints::XbgpPoints(mempool::Runtime& rt) : rt_(rt) {
    for (CallContext* c : {&decode_context_, &filter_context_, &decision_context_}) {
        c->local = &local_;
        c->scratch = &scratch_;
    }
    decode_context_.attribute = &attribute_;
    decode_context_.message_pool = &message_pool_;
    decode_context_.decoded_pool = &decoded_;
    decode_args_ = {
        mempool::TypedArg::of(kArgCode, attribute_.code),
        mempool::TypedArg::of(kArgFlags, attribute_.flags),
        mempool::TypedArg::of(kArgLength, attribute_length_),
        mempool::TypedArg::of_bytes(kArgData, nullptr, 0),
    };
    decode_scope_.user = &decode_context_;
    decode_scope_.typed = decode_args_;
    filter_context_.route = &filtered_;
    filter_args_ = {mempool::TypedArg::of(kArgBgpPrefix, filtered_prefix_)};
    filter_scope_.user = &filter_context_;
    filter_scope_.typed = filter_args_;
    decision_context_.new_route = &challenger_;
    decision_context_.old_route = &best_;
    decision_scope_.user = &decision_context_;
    decode_ = rt_.point("bgp_decode_attr");
    pre_inbound_ = rt_.point("bgp_pre_inbound_filter");
    inbound_ = rt_.point("bgp_inbound_filter");
    (void)rt_.set_result_check(decode_, mempool::ResultCheck{&decode_value, nullptr});
    (void)rt_.set_result_check(pre_inbound_, mempool::ResultCheck{&is_filter_value, nullptr});
    (void)rt_.set_result_check(inbound_, mempool::ResultCheck{&is_filter_value, nullptr});
    for (std::size_t i = 0; i < kDecisionSteps.size(); ++i) {
        const std::string_view name = kDecisionSteps[i];
        steps_[i].id = rt_.point(name);
        steps_[i].builtin = name == "bgp_as_path_length_decision" ? path_length
                            : name == "bgp_use_origin_decision"   ? origin
                            : name == "bgp_ipaddr_decision"       ? peer_address
                                                                  : none;
        (void)rt_.set_result_check(steps_[i].id, mempool::ResultCheck{&decision_value, nullptr});
    }
    rt_.set_clock(
        [](mempool::Runtime::HostTime& now, void* self) noexcept {
            const auto* p = static_cast<const XbgpPoints*>(self);
            now.seconds = p->time_seconds_;
            now.nanoseconds = std::int64_t{p->time_microseconds_} * 1000;
            return true;
        },
        this);
    // The BGP helpers, with the signatures and permissions of the runtime's
    // xBGP table (a name registered already is left as it is).
    register_xbgp_helpers(rt_, bgp_helpers());
}

XbgpPoints::~XbgpPoints() { rt_.set_clock(nullptr, nullptr); }

bool XbgpPoints::decides() const noexcept {
    for (const Step& s : steps_)
        if (rt_.has_plugins(s.id)) return true;
    return false;
}

void XbgpPoints::refresh_peers() {
    while (peer_data_.size() < peers_->size()) {
        peer_data_.push_back(peer_data_of((*peers_)[peer_data_.size()], local_.as));
    }
    if (rejected_.size() < peer_data_.size()) rejected_.resize(peer_data_.size(), 0);
    for (CallContext* c : {&decode_context_, &filter_context_, &decision_context_}) c->peers = peer_data_;
    synced_bytes_ = peer_data_.size() * sizeof(PeerIdentity);
}

void XbgpPoints::attributes_received(const AttributesEvent& e) {
    time_seconds_ = e.timestamp;
    time_microseconds_ = e.microseconds;
    if (!message_pool_.empty()) message_pool_.clear();
    if (!rt_.has_plugins(decode_)) return;
    sync_peers();
    decode_context_.source_peer = e.peer;
    decode_context_.time_seconds = time_seconds_;
    decode_context_.time_microseconds = time_microseconds_;
    // The host has decoded the attribute already and keeps it as
    // received: its own code has nothing left to do.
    constexpr mempool::DefaultCode fallback{[](void*) noexcept -> std::uint64_t { return 0; }, nullptr};
    ByteReader r(e.field);
    while (next_attribute(r, attribute_)) {
        attribute_length_ = static_cast<std::uint16_t>(attribute_.value.size());
        decode_args_[3].data = attribute_.value.data();
        decode_args_[3].len = attribute_length_;
        const mempool::RunResult run = rt_.run(decode_, std::span<const mempool::Arg>(), decode_scope_, fallback);
        // What the replace chain added goes to the message's routes unless
        // a plugin failed (EXIT_FAILURE, a run-time check): then the host's
        // own decoding stands alone. A plugin that hands over with next()
        // has decoded what it added (libxbgp hosts keep it and run their
        // own code after it).
        if (!decoded_.empty()) [[unlikely]] {
            if (run.failed == 0)
                for (const mempool::EntryView& entry : decoded_)
                    if (entry.kind == mempool::Kind::value) (void)message_pool_.assign(entry.key, entry.bytes);
            decoded_.clear();
        }
    }
}

std::uint64_t XbgpPoints::run_filter(mempool::PointId point, mempool::DefaultCode host, std::uint64_t host_value) {
    const mempool::RunResult r = rt_.run(point, std::span<const mempool::Arg>(), filter_scope_, host);
    return r.ran == 0 && !r.fell_back ? host_value : r.value;
}

bool XbgpPoints::accept_route(const RouteEvent& e) {
    sync_peers();
    // Attributes bgp_decode_attr plugins added belong to every route of
    // the message.
    if (!message_pool_.empty()) {
        for (const mempool::EntryView& entry : message_pool_) {
            WireAttribute a;
            if (entry.kind == mempool::Kind::value && stored_attribute(entry.key, entry.bytes, a))
                (void)store_attribute(e.pool, a.code, a.flags, a.value);
        }
    }
    const bool pre = rt_.has_plugins(pre_inbound_), inbound = rt_.has_plugins(inbound_);
    if (!pre && !inbound) return true;
    // One context, prefix and scope for both filters.
    filtered_.prefix = &e.prefix;  // its uptime stays 0: being received
    filtered_.peer = e.peer;
    // Word by word: the replay has just stored the span's two words, and a
    // 16-byte copy of them would wait for those stores to retire.
    mempool::detail::copy_by_words(filtered_.path_attributes, e.path_attributes);
    filtered_.pool = &e.pool;
    filter_context_.source_peer = e.peer;
    filter_context_.time_seconds = time_seconds_;
    filter_context_.time_microseconds = time_microseconds_;
    fill_prefix(filtered_prefix_, e.prefix);
    filter_scope_.objects[0] = &e.pool;  // the pool helpers see the route's pool too
    // The host's own value: bgp_pre_inbound_filter leaves the route to the
    // inbound filter, which accepts it.
    constexpr mempool::DefaultCode unknown{[](void*) noexcept { return kFilterUnknown; }, nullptr};
    constexpr mempool::DefaultCode accept{[](void*) noexcept { return kFilterAccept; }, nullptr};
    std::uint64_t v = pre ? run_filter(pre_inbound_, unknown, kFilterUnknown) : kFilterUnknown;
    if (v == kFilterUnknown && inbound) v = run_filter(inbound_, accept, kFilterAccept);
    if (v != kFilterReject) return true;
    if (e.peer < rejected_.size()) ++rejected_[e.peer];
    return false;
}

Preference XbgpPoints::compare(const RouteCandidate& challenger, const RouteCandidate& best) {
    sync_peers();
    challenger_ = RouteRef{&challenger.prefix, challenger.peer, challenger.path_attributes, &challenger.pool, 0};
    best_ = RouteRef{&best.prefix, best.peer, best.path_attributes, &best.pool, 0};
    decision_context_.source_peer = challenger.peer;
    decision_context_.time_seconds = time_seconds_;
    decision_context_.time_microseconds = time_microseconds_;
    decision_scope_.objects[0] = &challenger.pool;
    decision_scope_.objects[1] = &best.pool;
    // The host's own code of one step (the fallback of its replace chain).
    struct HostStep {
        const Step* step;
        const RouteCandidate& challenger;
        const RouteCandidate& best;
        std::uint64_t operator()() const noexcept { return builtin_step(step->builtin, challenger, best); }
    } host{nullptr, challenger, best};
    const mempool::DefaultCode fallback = mempool::DefaultCode::of(host);
    for (const Step& step : steps_) {
        host.step = &step;
        std::uint64_t v;
        if (!rt_.has_plugins(step.id)) {
            if (step.builtin == none) continue;  // UNKNOWN
            v = host();
        } else {
            const mempool::RunResult r = rt_.run(step.id, std::span<const mempool::Arg>(), decision_scope_, fallback);
            v = r.ran == 0 && !r.fell_back ? host() : r.value;
        }
        if (v == kRouteTypeNew) return Preference::first;
        if (v == kRouteTypeOld) return Preference::second;
    }
    return Preference::no_opinion;
}

}  // namespace mempool::bgp::xbgp
