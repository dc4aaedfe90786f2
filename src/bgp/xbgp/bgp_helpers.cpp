// bgp_helpers.cpp: the xBGP BGP helpers (see bgp_helpers.hpp).
//
// Each helper is called from plugin code: it never throws, checks every
// pointer the plugin gives (in_plugin_heap), and returns only pointers into
// the plugin's heap (heap_objects.hpp) or 0. A call that fails is counted
// (mempool::note_helper_failure) where the helper knows why: a bad argument,
// a call the point cannot serve (refused); a full heap is counted by
// ctx_malloc, which makes every copy. A NULL that means "absent" (a route
// without that attribute) is no failure.
#include "bgp_helpers.hpp"

#include <cassert>
#include <cstring>
#include <optional>

#include "call_context.hpp"
#include "call_state.hpp"  // src/plugins: the running plugin's pool budget
#include "heap_objects.hpp"
#include "layouts.hpp"
#include "plugin_memory.hpp"
#include "route_attributes.hpp"
#include "xbgp/xbgp_helpers.hpp"  // plugin_bytes (src/plugins)

namespace mempool::bgp::xbgp {
namespace {

using u64 = std::uint64_t;
constexpr u64 kFail = static_cast<u64>(-1);  // int -1 as the plugin reads it (32-bit compare)
// What one run may write_to_buffer: an UPDATE's room (RFC 4271 §4).
constexpr u64 kMaxWrittenBytes = 4096;

CallContext* context() noexcept {
    const mempool::CallFrame* f = mempool::current_call();
    return f != nullptr ? static_cast<CallContext*>(f->scope.user) : nullptr;
}

u64 ptr(const void* p) noexcept { return reinterpret_cast<u64>(p); }

// The failed call's value, counted.
u64 failed(mempool::HelperFailure why, u64 value) noexcept {
    mempool::note_helper_failure(why);
    return value;
}
u64 refused(u64 value = 0) noexcept { return failed(mempool::HelperFailure::refused, value); }
u64 bad_argument(u64 value = 0) noexcept { return failed(mempool::HelperFailure::bad_argument, value); }

// Route `type` (BGP_ROUTE_TYPE_NEW or _OLD) of the run, or nullptr (counted:
// an unknown type is a bad argument, a route the point does not have is
// refused).
const RouteRef* route_of_type(const CallContext& c, u64 type) noexcept {
    const RouteRef* r = nullptr;
    if (type == kRouteTypeNew) r = c.new_route ? c.new_route : c.route;
    else if (type == kRouteTypeOld) r = c.old_route;
    else return (void)bad_argument(), nullptr;
    if (r == nullptr) (void)refused();
    return r;
}

// The current route, or nullptr (counted: the point has none).
const RouteRef* current_route(const CallContext& c) noexcept {
    const RouteRef* r = c.current_route();
    if (r == nullptr || r->prefix == nullptr) return (void)refused(), nullptr;
    return r;
}

// The attribute `code` of `r` (plugin-stored first), or nullptr.
const WireAttribute* find_attribute(CallContext& c, const RouteRef& r, std::uint8_t code) noexcept {
    if (c.scratch == nullptr) return nullptr;
    try {
        if (!c.scratch->build(r.path_attributes, r.pool)) return nullptr;
    } catch (...) {  // std::bad_alloc
        return nullptr;
    }
    return c.scratch->find(code);
}

u64 attribute_copy(CallContext& c, const RouteRef* r, std::uint8_t code) noexcept {
    if (r == nullptr) return 0;
    const WireAttribute* a = find_attribute(c, *r, code);
    return a != nullptr ? ptr(write_attribute(plugin_heap(), a->code, a->flags, a->value)) : 0;
}

// Reads a struct path_attribute the plugin built, wherever it keeps it: the
// signature (obj_in) has the verifier prove the header, and plugins of the
// collection build the attribute on their stack as often as in their heap
// (set_med_42, compute_arrival_time). The value's length is only known now,
// so the whole attribute must lie in one of the run's regions; false if not.
bool read_plugin_attribute(u64 address, WireAttribute& out) noexcept {
    namespace regions = mempool::detail::xbgp;
    const std::span<std::uint8_t> header = regions::plugin_bytes(address, sizeof(PathAttributeHeader), false);
    if (header.empty()) return false;
    PathAttributeHeader h;
    std::memcpy(&h, header.data(), sizeof h);
    if (h.length > 0xffff) return false;
    // The attribute is kept and shown to plugins again: on the stack, only
    // the bytes the verifier found free of spilled pointers (argument 0's
    // room) may be its value, or a plugin reads a host address back as a
    // number (redteam4_holes_test.cpp).
    const std::span<std::uint8_t> whole = regions::plugin_bytes(address, sizeof h + h.length, false, 0);
    if (whole.empty()) return false;
    out.code = h.code;
    out.flags = h.flags;
    out.value = Bytes(whole.data() + sizeof h, h.length);
    return true;
}

// Where an attribute set on "the current route" goes.
mempool::Pool* target_pool(const CallContext& c, const RouteRef* r) noexcept {
    if (r != nullptr) return r->pool;
    // bgp_decode_attr: a replace plugin's decoding is kept only if its
    // result is used (xbgp_points.cpp); pre and post plugins' additions stay.
    const mempool::ChainInfo* chain = mempool::current_chain();
    if (c.decoded_pool != nullptr && chain != nullptr && chain->anchor == mempool::Anchor::replace)
        return c.decoded_pool;
    return c.message_pool;
}

u64 store(const CallContext& c, const RouteRef* r, const WireAttribute& a) noexcept {
    mempool::Pool* pool = target_pool(c, r);
    if (pool == nullptr) return refused(kFail);  // a read-only route, or no route at this point
    // Flags as the plugin gave them, with the extended-length bit fixed to
    // what the length needs (the value is stored, not the wire header).
    std::uint8_t flags = a.flags & static_cast<std::uint8_t>(~0x10u);
    if (a.value.size() > 255) flags |= 0x10;
    // What a plugin stores is charged to its per-run pool budget, as the
    // pool helpers' additions are, in full (flags, value and the entry's
    // cost): without it one filter run stored 16 attributes of 64 KiB on
    // every route, 563 MB of RIB for a 13 KB MRT file (redteam4_holes_test.cpp).
    const std::uint64_t charge = 1 + a.value.size() + mempool::detail::pool_entry_cost;
    if (!mempool::detail::charge_object_bytes(charge)) return failed(mempool::HelperFailure::heap_exhausted, kFail);
    if (store_attribute(*pool, a.code, flags, a.value)) return 0;
    mempool::detail::refund_object_bytes(charge);
    return failed(mempool::HelperFailure::heap_exhausted, kFail);
}

#define HELPER(name) u64 name(u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) noexcept
#define UNUSED_ARGS(...) (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

HELPER(h_get_attr) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr || c->attribute == nullptr) return refused();  // bgp_decode_attr only
    const AttributeRef& a = *c->attribute;
    return ptr(write_attribute(plugin_heap(), a.code, a.flags, a.value));
}

HELPER(h_get_attr_from_code) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    return attribute_copy(*c, current_route(*c), static_cast<std::uint8_t>(a1));
}

HELPER(h_get_attr_from_code_by_route) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    return attribute_copy(*c, route_of_type(*c, static_cast<std::uint32_t>(a2)), static_cast<std::uint8_t>(a1));
}

HELPER(h_set_attr) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused(kFail);
    WireAttribute a;
    if (!read_plugin_attribute(a1, a)) return bad_argument(kFail);
    return store(*c, c->current_route(), a);
}

HELPER(h_set_attr_to_route) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused(kFail);
    WireAttribute a;
    if (!read_plugin_attribute(a1, a)) return bad_argument(kFail);
    const RouteRef* r = route_of_type(*c, static_cast<std::uint32_t>(a2));
    if (r == nullptr) return kFail;  // counted by route_of_type
    return store(*c, r, a);
}

HELPER(h_add_attr) {
    UNUSED_ARGS();
    CallContext* c = context();
    const auto length = static_cast<std::uint16_t>(a3);
    // The runtime's signature (xbgp_helper_spec, which XbgpPoints registers)
    // has the verifier prove `length` readable bytes wherever the plugin
    // keeps them: its stack too (`add_attr(.., (uint8_t *)&value)`).
    a4 = host_address(a4);
    if (c == nullptr) return refused(kFail);
    WireAttribute a;
    a.code = static_cast<std::uint8_t>(a1);
    a.flags = static_cast<std::uint8_t>(a2);
    a.value = Bytes(reinterpret_cast<const std::uint8_t*>(a4), length);
    return store(*c, c->current_route(), a);
}

HELPER(h_write_to_buffer) {
    UNUSED_ARGS();
    // Only the sending side's encoding points give a buffer. The runtime's
    // signature (in_bytes + size) has the verifier prove the a2 bytes.
    CallContext* c = context();
    if (c == nullptr || c->write_buffer == nullptr || a2 == 0) return kFail;
    if (c->write_buffer->size() + a2 > kMaxWrittenBytes) return kFail;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(host_address(a1));
    try {
        c->write_buffer->insert(c->write_buffer->end(), bytes, bytes + a2);
    } catch (...) {  // std::bad_alloc
        return kFail;
    }
    return 0;
}

PeerData source_of(const CallContext& c, bool& found) noexcept {
    const PeerData* p = c.peer(c.source_peer);
    found = p != nullptr;
    return p ? *p : PeerData{};
}

HELPER(h_get_src_peer_info) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    bool found = false;
    const PeerData p = source_of(*c, found);
    if (!found) return refused();
    return ptr(write_peer_info(plugin_heap(), p, c->local));
}

HELPER(h_get_peer_info) {
    UNUSED_ARGS();
    CallContext* c = context();
    bool found = c != nullptr && c->destination != nullptr;  // sending points: the neighbour
    const PeerData p = found ? *c->destination : c != nullptr ? source_of(*c, found) : PeerData{};
    if (a1 != 0) {
        // Proven writable by the runtime's signature (out_fixed(4)), on
        // the plugin's stack as often as in its heap. Written whatever
        // happens (0: no peer): the verifier counts the 4 bytes as written,
        // and a job (no peer) would otherwise read stale host stack bytes
        // there (redteam4_holes_test.cpp).
        a1 = host_address(a1);
        const int count = found ? 1 : 0;
        std::memcpy(reinterpret_cast<void*>(a1), &count, sizeof count);
    }
    if (!found) return 0;
    return ptr(write_peer_info(plugin_heap(), p, c->local));
}

HELPER(h_get_prefix) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    const RouteRef* r = current_route(*c);
    if (r == nullptr) return 0;
    return ptr(write_prefix(plugin_heap(), *r->prefix));
}

HELPER(h_get_nexthop) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    // pfx NULL: the current route; a prefix: its Loc-RIB route, which a
    // replay has not selected yet while it runs: the current route if it
    // is that prefix, else unknown (NULL, as for a prefix not in the RIB).
    const RouteRef* r = current_route(*c);
    if (r == nullptr) return 0;
    if (a1 != 0) {
        a1 = host_address(a1);
        if (!in_plugin_heap(a1, sizeof(UbpfPrefix))) return bad_argument();
        UbpfPrefix want;
        std::memcpy(&want, reinterpret_cast<const void*>(a1), sizeof want);
        UbpfPrefix have;
        fill_prefix(have, *r->prefix);
        if (want.afi != have.afi || want.prefixlen != have.prefixlen ||
            std::memcmp(want.u, have.u, sizeof have.u) != 0)
            return 0;
    }
    const PeerData* peer = c->peer(r->peer);
    if (peer == nullptr || c->scratch == nullptr) return refused();
    try {
        if (!c->scratch->build(r->path_attributes, r->pool)) return 0;
    } catch (...) {  // std::bad_alloc
        return 0;
    }
    if (c->scratch->next_hop().empty()) return 0;  // no next hop to describe
    return ptr(write_nexthop(plugin_heap(), resolve_nexthop(c->scratch->next_hop(), peer->ip)));
}

HELPER(h_get_route_info) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr) return refused();
    const RouteRef* r = current_route(*c);
    if (r == nullptr) return 0;
    // The current route is being received (a filter) or compared with the
    // best so far (a decision step): the decision process has not ranked it.
    return ptr(write_route_info(plugin_heap(), r->uptime, kSelectionNone));
}

HELPER(h_get_bgp_route) {
    UNUSED_ARGS();
    CallContext* c = context();
    if (c == nullptr || c->scratch == nullptr) return refused();
    const RouteRef* r = route_of_type(*c, static_cast<std::uint32_t>(a1));
    if (r == nullptr) return 0;  // counted by route_of_type
    if (r->prefix == nullptr) return refused();
    const PeerData* peer = c->peer(r->peer);
    if (peer == nullptr) return refused();
    try {
        if (!c->scratch->build(r->path_attributes, r->pool)) return 0;
    } catch (...) {
        return 0;
    }
    return ptr(write_bgp_route(plugin_heap(), *r->prefix, c->scratch->list(), *peer, c->local, r->uptime));
}

// get_vrf(struct vrf_info *info): a replay is one routing table, the
// default VRF: id 0, and no name written (str_len 0). The name would go past
// the 16-byte header the verifier was told of (obj_out), over stack bytes
// whose value it knows; the header is written whole, as the verifier counts
// it written. -1 if it is not the plugin's writable memory.
HELPER(h_get_vrf) {
    UNUSED_ARGS();
    constexpr std::size_t header = 16;  // int vrf_id, size_t str_len
    const std::span<std::uint8_t> info = mempool::detail::xbgp::plugin_bytes(a1, header, true);
    if (info.empty()) return bad_argument(~u64{0});
    std::memset(info.data(), 0, header);
    return 0;
}

#undef HELPER
#undef UNUSED_ARGS

}  // namespace

std::span<const HelperImplementation> bgp_helpers() noexcept {
    static constexpr HelperImplementation table[] = {
        {"get_attr", &h_get_attr},
        {"get_attr_from_code", &h_get_attr_from_code},
        {"get_attr_from_code_by_route", &h_get_attr_from_code_by_route},
        {"set_attr", &h_set_attr},
        {"set_attr_to_route", &h_set_attr_to_route},
        {"add_attr", &h_add_attr},
        {"write_to_buffer", &h_write_to_buffer},
        {"get_peer_info", &h_get_peer_info},
        {"get_src_peer_info", &h_get_src_peer_info},
        {"get_prefix", &h_get_prefix},
        {"get_nexthop", &h_get_nexthop},
        {"get_route_info", &h_get_route_info},
        {"get_bgp_route", &h_get_bgp_route},
        {"get_vrf", &h_get_vrf},
    };
    return table;
}

void register_xbgp_helpers(mempool::Runtime& rt, std::span<const HelperImplementation> helpers) noexcept {
    for (const HelperImplementation& h : helpers) {
        std::optional<mempool::HelperSpec> spec = mempool::xbgp_helper_spec(h.name, h.fn);
        assert(spec || !"every helper mempool-bgp implements has an entry in the xBGP helper table");
        if (spec) (void)rt.register_helper(std::move(*spec));
    }
}

}  // namespace mempool::bgp::xbgp
