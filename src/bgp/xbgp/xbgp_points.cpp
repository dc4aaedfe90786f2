// xbgp_points.cpp: xBGP's receiving-side points over mempool::Runtime.
#include "xbgp_points.hpp"

#include <cstring>
#include <new>

#include "bgp_helpers.hpp"
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

XbgpPoints::XbgpPoints(mempool::Runtime& rt) : rt_(rt) {
    context_.local = &local_;
    context_.scratch = &scratch_;
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
    for (const mempool::HelperSpec& h : bgp_helpers()) {
        std::optional<mempool::HelperSpec> spec = mempool::xbgp_helper_spec(h.name, h.fn);
        (void)rt_.register_helper(spec ? std::move(*spec) : h);
    }
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
    context_.peers = peer_data_;
}

CallContext XbgpPoints::context_for(std::uint32_t source_peer) {
    CallContext c = context_;
    c.source_peer = source_peer;
    c.time_seconds = time_seconds_;
    c.time_microseconds = time_microseconds_;
    return c;
}

void XbgpPoints::attributes_received(const AttributesEvent& e) {
    time_seconds_ = e.timestamp;
    time_microseconds_ = e.microseconds;
    if (!message_pool_.empty()) message_pool_.clear();
    if (!rt_.has_plugins(decode_)) return;
    sync_peers();
    // One context and scope for the whole field: only the attribute and
    // its typed arguments change from one run to the next.
    AttributeRef a;
    CallContext ctx = context_for(e.peer);
    ctx.attribute = &a;
    ctx.message_pool = &message_pool_;
    ctx.decoded_pool = &decoded_;
    std::uint8_t code = 0, flags = 0;
    std::uint16_t length = 0;
    mempool::TypedArg typed[] = {
        mempool::TypedArg::of(kArgCode, code),
        mempool::TypedArg::of(kArgFlags, flags),
        mempool::TypedArg::of(kArgLength, length),
        mempool::TypedArg::of_bytes(kArgData, nullptr, 0),
    };
    mempool::CallScope scope;
    scope.user = &ctx;
    scope.typed = typed;
    // The host has decoded the attribute already and keeps it as
    // received: its own code has nothing left to do.
    auto host = []() noexcept -> std::uint64_t { return 0; };
    const mempool::DefaultCode fallback = mempool::DefaultCode::of(host);
    ByteReader r(e.field);
    while (next_attribute(r, a)) {
        code = a.code;
        flags = a.flags;
        length = static_cast<std::uint16_t>(a.value.size());
        typed[3].data = a.value.data();
        typed[3].len = static_cast<std::uint32_t>(a.value.size());
        const mempool::RunResult run = rt_.run(decode_, std::span<const mempool::Arg>(), scope, fallback);
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

std::uint64_t XbgpPoints::run_filter(mempool::PointId point, const mempool::CallScope& scope) {
    const std::uint64_t host_value = point.index == pre_inbound_.index ? kFilterUnknown : kFilterAccept;
    auto host = [host_value]() noexcept -> std::uint64_t { return host_value; };
    const mempool::RunResult r = rt_.run(point, std::span<const mempool::Arg>(), scope, mempool::DefaultCode::of(host));
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
    RouteRef route{&e.prefix, e.peer, e.path_attributes, &e.pool, 0};
    CallContext ctx = context_for(e.peer);
    ctx.route = &route;
    UbpfPrefix prefix;
    fill_prefix(prefix, e.prefix);
    const mempool::TypedArg typed[] = {mempool::TypedArg::of(kArgBgpPrefix, prefix)};
    mempool::CallScope scope;
    scope.user = &ctx;
    scope.typed = typed;
    scope.objects[0] = &e.pool;  // the pool helpers see the route's pool too
    std::uint64_t v = pre ? run_filter(pre_inbound_, scope) : kFilterUnknown;
    if (v == kFilterUnknown && inbound) v = run_filter(inbound_, scope);
    if (v != kFilterReject) return true;
    if (e.peer < rejected_.size()) ++rejected_[e.peer];
    return false;
}

Preference XbgpPoints::compare(const RouteCandidate& challenger, const RouteCandidate& best) {
    sync_peers();
    RouteRef n{&challenger.prefix, challenger.peer, challenger.path_attributes, &challenger.pool, 0};
    RouteRef o{&best.prefix, best.peer, best.path_attributes, &best.pool, 0};
    CallContext ctx = context_for(challenger.peer);
    ctx.new_route = &n;
    ctx.old_route = &o;
    for (const Step& step : steps_) {
        auto host = [&step, &challenger, &best]() noexcept -> std::uint64_t {
            auto pick = [](bool differ, bool challenger_wins) {
                return !differ ? kRouteTypeUnknown : challenger_wins ? kRouteTypeNew : kRouteTypeOld;
            };
            switch (step.builtin) {
            case path_length:
                return pick(challenger.path_length != best.path_length, challenger.path_length < best.path_length);
            case origin: return pick(challenger.origin != best.origin, challenger.origin < best.origin);
            case peer_address:
                if (challenger.peer_ip != best.peer_ip) return pick(true, challenger.peer_ip < best.peer_ip);
                if (challenger.peer_as != best.peer_as) return pick(true, challenger.peer_as < best.peer_as);
                return pick(challenger.path_id != best.path_id, challenger.path_id < best.path_id);
            default: return kRouteTypeUnknown;
            }
        };
        std::uint64_t v;
        if (!rt_.has_plugins(step.id)) {
            v = host();
        } else {
            mempool::CallScope scope;
            scope.user = &ctx;
            scope.objects[0] = &challenger.pool;
            scope.objects[1] = &best.pool;
            const mempool::RunResult r =
                rt_.run(step.id, std::span<const mempool::Arg>(), scope, mempool::DefaultCode::of(host));
            v = r.ran == 0 && !r.fell_back ? host() : r.value;
        }
        if (v == kRouteTypeNew) return Preference::first;
        if (v == kRouteTypeOld) return Preference::second;
    }
    return Preference::no_opinion;
}

}  // namespace mempool::bgp::xbgp
