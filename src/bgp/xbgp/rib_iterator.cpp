// rib_iterator.cpp: the Loc-RIB walk and its four xBGP helpers (see
// rib_iterator.hpp).
#include "rib_iterator.hpp"

#include "call_context.hpp"
#include "call_state.hpp"  // src/plugins: the thread's heap arena (route bytes reused)
#include "heap_objects.hpp"
#include "jobs.hpp"
#include "layouts.hpp"
#include "plugin_memory.hpp"

namespace mempool::bgp::xbgp {

RibIterators::Iterator* RibIterators::find(std::uint64_t id) noexcept {
    if (id >= iterators_.size() || !iterators_[id].open) return nullptr;
    return &iterators_[id];
}

int RibIterators::open(std::uint64_t afi, std::uint64_t safi) noexcept {
    if (safi != kSafiUnicast || (afi != kAfiIpv4 && afi != kAfiIpv6)) return -1;
    for (std::size_t i = 0; i < iterators_.size(); ++i) {
        if (iterators_[i].open) continue;
        iterators_[i] = Iterator{true, afi == kAfiIpv4 ? Afi::ipv4 : Afi::ipv6, 0, {}};
        return static_cast<int>(i);
    }
    return -1;
}

bool RibIterators::settle(Iterator& it) noexcept {
    const auto& prefixes = rib_.prefixes();
    while (it.position < prefixes.size()) {
        const PrefixRoutes& p = prefixes[it.position];
        if (p.prefix.afi == it.family && !p.routes.empty()) return true;
        ++it.position;
    }
    return false;
}

bool RibIterators::has_route(std::uint64_t id) noexcept {
    Iterator* it = find(id);
    return it != nullptr && settle(*it);
}

std::uint32_t RibIterators::best_route(std::uint32_t prefix) noexcept {
    // The replay's selection over the prefix's routes (select_best_routes'
    // scan, for one prefix).
    PrefixRoutes& pr = rib_.prefixes()[prefix];
    const AttrStore& store = rib_.attribute_store();
    const bool ask = hooks_.compares_routes();
    auto candidate = [&](Route& r) {
        const AttrSet& s = store[r.path_attributes];
        const PeerIdentity& p = peers_[r.peer];
        return RouteCandidate{pr.prefix, r.peer, r.path_id, s.path_length, s.origin, p.ip, p.as, r.pool, s.key()};
    };
    std::uint32_t bi = 0;
    for (std::uint32_t i = 1; i < pr.routes.size(); ++i) {
        const RouteCandidate c = candidate(pr.routes[i]);
        const RouteCandidate b = candidate(pr.routes[bi]);
        if (route_preferred(c, b, hooks_, ask)) bi = i;
    }
    return bi;
}

bool RibIterators::next(std::uint64_t id, std::uint32_t& prefix, std::uint32_t& route) noexcept {
    Iterator* it = find(id);
    if (it == nullptr || !settle(*it)) return false;
    prefix = it->position;
    try {
        route = best_route(prefix);
    } catch (...) {  // a route_compare plugin's host code ran out of memory
        return false;
    }
    return true;
}

void RibIterators::advance(std::uint64_t id) noexcept {
    if (Iterator* it = find(id)) ++it->position;
}

void RibIterators::clean(std::uint64_t id) noexcept {
    if (Iterator* it = find(id)) *it = Iterator{};
}

RibIterators::HeapSpan* RibIterators::last_route(std::uint64_t id) noexcept {
    Iterator* it = find(id);
    return it != nullptr ? &it->heap : nullptr;
}

namespace {

using u64 = std::uint64_t;
constexpr u64 kFail = static_cast<u64>(-1);

JobRun* job_run(CallContext*& ctx) noexcept {
    const mempool::CallFrame* f = mempool::current_call();
    ctx = f != nullptr ? static_cast<CallContext*>(f->scope.user) : nullptr;
    return ctx != nullptr ? ctx->job : nullptr;
}

#define HELPER(name) u64 name(u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) noexcept
#define UNUSED_ARGS() (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

HELPER(h_new_rib_iterator) {
    UNUSED_ARGS();
    CallContext* ctx = nullptr;
    JobRun* run = job_run(ctx);
    if (run == nullptr) return kFail;
    // int afi, int safi: the plugin's 32-bit values.
    const int id = run->iterators.open(static_cast<std::uint32_t>(a1), static_cast<std::uint32_t>(a2));
    return id < 0 ? kFail : static_cast<u64>(id);
}

HELPER(h_rib_has_route) {
    UNUSED_ARGS();
    CallContext* ctx = nullptr;
    JobRun* run = job_run(ctx);
    return run != nullptr && run->iterators.has_route(static_cast<std::uint32_t>(a1)) ? 1 : 0;
}

HELPER(h_next_rib_route) {
    UNUSED_ARGS();
    CallContext* ctx = nullptr;
    JobRun* run = job_run(ctx);
    if (run == nullptr || ctx->scratch == nullptr) return 0;
    const std::uint32_t id = static_cast<std::uint32_t>(a1);
    std::uint32_t prefix = 0, index = 0;
    if (!run->iterators.next(id, prefix, index)) return 0;
    RibIterators::HeapSpan* span = run->iterators.last_route(id);
    // The previous route's bytes are reused when the plugin allocated
    // nothing after them (rib_iterator.hpp, "Heap").
    detail::HeapArena& heap = detail::tls.heap;
    if (span->valid && heap.top >= span->begin && heap.top <= span->end) {
        heap.top = span->begin;
        heap.last = UINT32_MAX;
    }
    span->valid = false;
    Rib& rib = run->iterators.rib();
    const PrefixRoutes& pr = rib.prefixes()[prefix];
    const Route& r = pr.routes[index];
    const PeerData* peer = ctx->peer(r.peer);
    if (peer == nullptr) return 0;
    try {
        if (!ctx->scratch->build(rib.attribute_store()[r.path_attributes].key(), &r.pool)) return 0;
    } catch (...) {  // std::bad_alloc
        return 0;
    }
    const std::uint32_t begin = heap.top;
    BgpRoute* out = write_bgp_route(plugin_heap(), pr.prefix, ctx->scratch->list(), *peer, ctx->local, 0);
    if (out == nullptr) {
        heap.top = begin;  // what fitted is given back; the iterator stays on this route
        heap.last = UINT32_MAX;
        return 0;
    }
    *span = RibIterators::HeapSpan{begin, heap.top, true};
    run->iterators.advance(id);
    return reinterpret_cast<u64>(out);
}

HELPER(h_rib_iterator_clean) {
    UNUSED_ARGS();
    CallContext* ctx = nullptr;
    if (JobRun* run = job_run(ctx)) run->iterators.clean(static_cast<std::uint32_t>(a1));
    return 0;
}

#undef HELPER
#undef UNUSED_ARGS

}  // namespace

std::span<const HelperImplementation> rib_iterator_helpers() noexcept {
    static constexpr HelperImplementation table[] = {
        {"new_rib_iterator", &h_new_rib_iterator},
        {"rib_has_route", &h_rib_has_route},
        {"next_rib_route", &h_next_rib_route},
        {"rib_iterator_clean", &h_rib_iterator_clean},
    };
    return table;
}

}  // namespace mempool::bgp::xbgp
