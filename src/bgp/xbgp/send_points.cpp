// send_points.cpp: xBGP's sending-side points over mempool::Runtime.
#include "send_points.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "layouts.hpp"
#include "path_attributes.hpp"
#include "plugin_memory.hpp"
#include "xbgp/xbgp_helpers.hpp"  // plugin_bytes, plugin_string (src/plugins)

namespace mempool::bgp::xbgp {
namespace {

// xbgp_frr checks an encoder's value against 4096 (the bytes written); 0,
// which it counts as a failure that changes nothing, is "wrote nothing" here.
bool encode_value(std::uint64_t v, void*) noexcept { return v <= kMaxUpdateSize; }

// The SendPoints that schedule_bgp_message sends through: the helper has no
// other way to find it (a job plugin runs outside any sending point). One
// per process at a time is enough for mempool-bgp; a second one takes over.
SendPoints* g_sender = nullptr;

constexpr std::uint64_t kFail = static_cast<std::uint64_t>(-1);

// Whether whole attributes `bytes` hold MP_REACH_NLRI or MP_UNREACH_NLRI.
// Those carry routes, not path attributes: the host writes them itself per
// UPDATE from its Adj-RIB-Out. An encoder's would announce or withdraw
// prefixes the exporter never decided on (its Adj-RIB-Out and the UPDATEs
// written would disagree) and give an IPv6 UPDATE two MP_REACH_NLRI
// (redteam4_holes_test.cpp).
bool carries_nlri(Bytes bytes) noexcept {
    ByteReader r(bytes);
    std::uint8_t flags = 0, code = 0;
    Bytes value;
    while (read_raw_attribute(r, flags, code, value))
        if (code == attr::kMpReach || code == attr::kMpUnreach) return true;
    return false;
}

// int schedule_bgp_message(int type, struct bgp_message *msg, const char *peer_ip)
// struct bgp_message { int type; size_t buf_len; uint8_t *buf; }: the
// signature proves its 24 bytes; buf is a nested pointer, checked here.
std::uint64_t h_schedule_bgp_message(std::uint64_t type, std::uint64_t msg, std::uint64_t peer_ip, std::uint64_t,
                                     std::uint64_t) noexcept {
    if (g_sender == nullptr || type > 255) return kFail;
    const std::span<std::uint8_t> m = mempool::detail::xbgp::plugin_bytes(msg, 24, false);
    if (m.size() != 24) return kFail;
    std::uint64_t len = 0, buf = 0;
    std::memcpy(&len, m.data() + 8, 8);
    std::memcpy(&buf, m.data() + 16, 8);
    if (len == 0 || len > kMaxUpdateSize - 19) return kFail;
    // buf was found inside the structure: its bytes were never looked at by
    // the verifier, and on the stack they may be spilled pointers, which
    // would go to --updates-out (a host stack address, redteam4_holes_test.cpp).
    const std::span<std::uint8_t> body = mempool::detail::xbgp::plugin_bytes(buf, len, false, -1, /*no_stack=*/true);
    if (body.size() != len) return kFail;
    std::string_view text;
    if (!mempool::detail::xbgp::plugin_string(peer_ip, 63, text, 2)) return kFail;
    IpAddress a;
    if (!parse_address(std::string(text), a)) return kFail;
    try {
        return g_sender->schedule(a, static_cast<std::uint8_t>(type), Bytes(body.data(), body.size())) ? 0 : kFail;
    } catch (...) {  // std::bad_alloc while writing
        return kFail;
    }
}

PeerData peer_data(std::uint32_t as, const IpAddress& ip, std::uint32_t router_id, std::uint8_t type) {
    PeerData d;
    d.as = as;
    d.ip = ip;
    d.router_id = router_id;
    d.peer_type = type;
    return d;
}

}  // namespace

SendPoints::SendPoints(mempool::Runtime& rt) : rt_(rt) {
    pre_outbound_ = rt_.point("bgp_pre_outbound_filter");
    outbound_ = rt_.point("bgp_outbound_filter");
    encode_attr_ = rt_.point("bgp_encode_attr");
    encode_custom_ = rt_.point("bgp_encode_custom_attr");
    (void)rt_.set_result_check(pre_outbound_, mempool::ResultCheck{&is_filter_value, nullptr});
    (void)rt_.set_result_check(outbound_, mempool::ResultCheck{&is_filter_value, nullptr});
    (void)rt_.set_result_check(encode_attr_, mempool::ResultCheck{&encode_value, nullptr});
    (void)rt_.set_result_check(encode_custom_, mempool::ResultCheck{&encode_value, nullptr});
    // With the signature of the runtime's xBGP table (a name registered
    // already is left as it is).
    if (std::optional<mempool::HelperSpec> spec = mempool::xbgp_helper_spec("schedule_bgp_message", &h_schedule_bgp_message))
        (void)rt_.register_helper(std::move(*spec));
    local_.peer_type = kLocalSession;
    g_sender = this;
}

SendPoints::~SendPoints() {
    if (g_sender == this) g_sender = nullptr;
}

void SendPoints::set_local_speaker(const LocalSpeakerConfig& local) noexcept {
    local_.as = local.as;
    local_.router_id = local.router_id;
    local_.ip = local.address_v4 ? *local.address_v4 : local.address_v6 ? *local.address_v6 : IpAddress{};
    local_.peer_type = kLocalSession;
}

bool SendPoints::active() const {
    return rt_.has_plugins(pre_outbound_) || rt_.has_plugins(outbound_) ||
           rt_.has_plugins(encode_attr_) || rt_.has_plugins(encode_custom_);
}

bool SendPoints::schedule(const IpAddress& neighbour, std::uint8_t type, Bytes body) {
    return sink_ && sink_(neighbour, type, body);
}

CallContext SendPoints::context_for(const OutboundRoute& route, const Neighbour& to, RouteRef& ref) {
    source_ = peer_data(route.source_identity.as, route.source_identity.ip, route.source.router_id,
                        route.source.ibgp ? kIbgpSession : kEbgpSession);
    destination_ = peer_data(to.config.as, to.config.address, to.router_id, to.ebgp ? kEbgpSession : kIbgpSession);
    ref = RouteRef{&route.prefix, 0, route.canonical, &outgoing_, 0};
    CallContext c;
    c.route = &ref;
    c.peers = std::span<const PeerData>(&source_, 1);  // the source is peer 0 here
    c.source_peer = 0;
    c.local = &local_;
    c.destination = &destination_;
    c.scratch = &scratch_;
    return c;
}

OutboundVerdict SendPoints::run_filter(mempool::PointId point, const OutboundRoute& route, const Neighbour& to,
                                       std::uint64_t host_value) {
    RouteRef ref;
    CallContext ctx = context_for(route, to, ref);
    UbpfPrefix prefix;
    fill_prefix(prefix, route.prefix);
    const mempool::TypedArg typed[] = {mempool::TypedArg::of(kArgBgpPrefix, prefix)};
    mempool::CallScope scope;
    scope.user = &ctx;
    scope.typed = typed;
    scope.objects[0] = &outgoing_;
    auto host = [host_value]() noexcept -> std::uint64_t { return host_value; };
    const mempool::RunResult r = rt_.run(point, std::span<const mempool::Arg>(), scope, mempool::DefaultCode::of(host));
    const std::uint64_t v = r.ran == 0 && !r.fell_back ? host_value : r.value;
    return v == kFilterReject ? OutboundVerdict::reject : v == kFilterAccept ? OutboundVerdict::accept
                                                                             : OutboundVerdict::unknown;
}

OutboundVerdict SendPoints::bgp_pre_outbound_filter(const OutboundRoute& route, const Neighbour& to, std::uint32_t) {
    // The neighbour's copy of the route's plugin attributes starts here.
    outgoing_.clear();
    for (const mempool::EntryView& e : route.pool) {
        WireAttribute a;
        if (e.kind == mempool::Kind::value && is_attribute_key(e.key) && stored_attribute(e.key, e.bytes, a))
            (void)store_attribute(outgoing_, a.code, a.flags, a.value);
    }
    if (!rt_.has_plugins(pre_outbound_)) return OutboundVerdict::unknown;
    return run_filter(pre_outbound_, route, to, kFilterUnknown);
}

OutboundVerdict SendPoints::bgp_outbound_filter(const OutboundRoute& route, const Neighbour& to, std::uint32_t,
                                                const OutgoingAttributes&) {
    if (!rt_.has_plugins(outbound_)) return OutboundVerdict::unknown;
    return run_filter(outbound_, route, to, kFilterAccept);
}

void SendPoints::run_encoder(mempool::PointId point, CallContext& ctx, std::vector<std::uint8_t>& out) {
    written_.clear();
    ctx.write_buffer = &written_;
    mempool::CallScope scope;
    scope.user = &ctx;
    scope.objects[0] = &outgoing_;
    // The host writes nothing for a plugin's attribute (it cannot encode it).
    auto host = []() noexcept -> std::uint64_t { return 0; };
    const mempool::RunResult r = rt_.run(point, std::span<const mempool::Arg>(), scope, mempool::DefaultCode::of(host));
    ctx.write_buffer = nullptr;
    if (r.aborted != 0 || written_.empty() || !whole_attributes(Bytes(written_)) || carries_nlri(Bytes(written_)))
        return;
    out.insert(out.end(), written_.begin(), written_.end());
}

void SendPoints::plugin_attributes(const OutboundRoute& route, const Neighbour& to, std::uint32_t,
                                   const OutgoingAttributes&, std::vector<std::uint8_t>& out) {
    const bool per_attribute = rt_.has_plugins(encode_attr_);
    const bool custom = rt_.has_plugins(encode_custom_);
    if (!per_attribute && !custom) return;
    RouteRef ref;
    CallContext ctx = context_for(route, to, ref);
    if (per_attribute) {
        // The values are copied out of outgoing_ before any encoder runs: an
        // encoder may set_attr/add_attr on this route (outgoing_), which
        // frees or moves a replaced value's bytes, and get_attr() (or the
        // next attribute's run) would then copy freed host memory into the
        // plugin's heap (redteam4_holes_test.cpp).
        stored_.clear();
        for (const mempool::EntryView& e : outgoing_) {
            WireAttribute a;
            if (e.kind == mempool::Kind::value && is_attribute_key(e.key) && stored_attribute(e.key, e.bytes, a))
                stored_.push_back(a);
        }
        std::size_t total = 0;
        for (const WireAttribute& a : stored_) total += a.value.size();
        stored_bytes_.clear();
        stored_bytes_.reserve(total);  // no reallocation below: the views stay valid
        for (WireAttribute& a : stored_) {
            const std::size_t at = stored_bytes_.size();
            stored_bytes_.insert(stored_bytes_.end(), a.value.begin(), a.value.end());
            a.value = Bytes(stored_bytes_.data() + at, a.value.size());
        }
        std::sort(stored_.begin(), stored_.end(), [](const WireAttribute& x, const WireAttribute& y) { return x.code < y.code; });
        for (const WireAttribute& a : stored_) {
            const AttributeRef attribute{a.code, a.flags, a.value};
            ctx.attribute = &attribute;
            run_encoder(encode_attr_, ctx, out);
        }
        ctx.attribute = nullptr;
    }
    if (custom) run_encoder(encode_custom_, ctx, out);
}

}  // namespace mempool::bgp::xbgp
