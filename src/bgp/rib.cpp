// rib.cpp: prefix index and per-prefix route lists.
#include "rib.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

namespace mempool::bgp {

std::uint64_t hash_prefix(const Prefix& p) noexcept {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, p.addr.data(), 8);
    std::memcpy(&b, p.addr.data() + 8, 8);
    std::uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
    h ^= (std::uint64_t{p.len} << 8 | static_cast<std::uint64_t>(p.afi)) * 0x165667b19e3779f9ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

Rib::Rib() : mask_((std::uint64_t{1} << kFirstLog2Slots) - 1), shift_(64 - kFirstLog2Slots) {
    slots_.assign(mask_ + 1, kEmptySlot);
}

Rib::~Rib() {
    for (PrefixRoutes& pr : prefixes_) {
        std::destroy(pr.routes.begin(), pr.routes.end());
        lists_.release(pr.routes.routes_, pr.routes.capacity_);
    }
}

void Rib::reserve(RouteList& list, std::uint32_t room) {
    if (room <= list.capacity_) return;
    auto* routes = static_cast<Route*>(lists_.allocate(room));
    std::uninitialized_move(list.begin(), list.end(), routes);
    std::destroy(list.begin(), list.end());
    lists_.release(list.routes_, list.capacity_);
    list.routes_ = routes;
    list.capacity_ = room;
}

void Rib::erase_at(RouteList& list, std::uint32_t i) noexcept {
    if (i + 1 != list.size_) list.routes_[i] = std::move(list.routes_[list.size_ - 1]);
    std::destroy_at(&list.routes_[--list.size_]);
}

namespace {
inline bool same_prefix(const Prefix& a, const Prefix& b) noexcept {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.addr.data(), 8);
    std::memcpy(&a1, a.addr.data() + 8, 8);
    std::memcpy(&b0, b.addr.data(), 8);
    std::memcpy(&b1, b.addr.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0 && a.len == b.len && a.afi == b.afi;
}
// A slot holds the prefix's index and the upper half of its hash, so most
// probes that do not match never touch the prefix itself.
inline std::uint64_t make_slot(std::uint64_t hash, std::uint32_t idx) noexcept {
    return (hash & 0xffffffff00000000ull) | idx;
}
}  // namespace

std::uint32_t Rib::find(const Prefix& p) const noexcept {
    const std::uint64_t h = hash_prefix(p);
    const std::uint64_t tag = h & 0xffffffff00000000ull;
    for (std::uint64_t i = h >> shift_;; i = (i + 1) & mask_) {
        const std::uint64_t s = slots_[i];
        if (s == kEmptySlot) return kEmpty;
        if ((s & 0xffffffff00000000ull) == tag) {
            const auto idx = static_cast<std::uint32_t>(s);
            if (same_prefix(prefixes_[idx].prefix, p)) return idx;
        }
    }
}

void Rib::prefetch_slots(std::span<const Prefix> prefixes) const noexcept {
    for (const Prefix& p : prefixes) __builtin_prefetch(&slots_[hash_prefix(p) >> shift_]);
}

// The prefetch stages, per group of prefixes: (1) hash, load the home
// slot; (2) read the slot (the group's loads are in flight together), load
// the PrefixRoutes it names; (3) read its route list's bounds, load the
// list. A slot whose tag matches is taken without comparing the prefix (a
// wrong guess, one in 2^32, costs a useless load). Each stage waits about
// one miss for the whole group: a group of 32 (a sample UPDATE's) took 3 %
// less time than two of 16 on the 1e6 x 10 table, 64 no less than 32; its
// lines (about 6 per prefix, 12 KiB) stay in L1/L2 until announce() reads them.
void Rib::prefetch(std::span<const Prefix> prefixes) const noexcept {
    constexpr std::size_t kGroup = 32;
    constexpr std::size_t kListBytes = 512;  // at most 8 lines of a (long, add-path) route list
    std::uint64_t hash[kGroup];
    std::uint32_t index[kGroup];
    for (std::size_t at = 0; at < prefixes.size(); at += kGroup) {
        const std::size_t n = std::min(kGroup, prefixes.size() - at);
        for (std::size_t k = 0; k < n; ++k) {
            hash[k] = hash_prefix(prefixes[at + k]);
            __builtin_prefetch(&slots_[hash[k] >> shift_]);
        }
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t tag = hash[k] & 0xffffffff00000000ull;
            index[k] = kEmpty;
            for (std::uint64_t i = hash[k] >> shift_;; i = (i + 1) & mask_) {
                const std::uint64_t s = slots_[i];
                if (s == kEmptySlot) break;
                if ((s & 0xffffffff00000000ull) == tag) {
                    index[k] = static_cast<std::uint32_t>(s);
                    const auto* entry = reinterpret_cast<const char*>(&prefixes_[index[k]]);
                    __builtin_prefetch(entry);
                    __builtin_prefetch(entry + sizeof(PrefixRoutes) - 1);
                    break;
                }
            }
        }
        for (std::size_t k = 0; k < n; ++k)
            if (index[k] != kEmpty) prefetch_routes<true>(prefixes_[index[k]].routes, kListBytes);
    }
}

void Rib::grow() {
    // A key's home slot is the top bits of its hash, which its slot keeps
    // (make_slot): the new index is built from the old one alone, neither
    // prefixes_ nor the hash touched. Walking the old slots in order visits
    // the keys nearly in order of their new homes (one bit more of the same
    // hash), so the writes into the new index run forward through it too.
    MappedArray<std::uint64_t> next;
    next.assign(slots_.size() * 2, kEmptySlot);
    const std::uint64_t m = next.size() - 1;
    const std::uint32_t shift = shift_ - 1;
    for (const std::uint64_t s : slots_) {
        if (s == kEmptySlot) continue;
        std::uint64_t i = s >> shift;
        while (next[i] != kEmptySlot) i = (i + 1) & m;
        next[i] = s;
    }
    slots_.swap(next);
    mask_ = m;
    shift_ = shift;
}

std::uint32_t Rib::find_or_insert(const Prefix& p) {
    const std::uint64_t h = hash_prefix(p);
    const std::uint64_t tag = h & 0xffffffff00000000ull;
    std::uint64_t i = h >> shift_;
    for (;; i = (i + 1) & mask_) {
        const std::uint64_t s = slots_[i];
        if (s == kEmptySlot) break;
        if ((s & 0xffffffff00000000ull) == tag) {
            const auto idx = static_cast<std::uint32_t>(s);
            if (same_prefix(prefixes_[idx].prefix, p)) return idx;
        }
    }
    const auto idx = static_cast<std::uint32_t>(prefixes_.size());
    prefixes_.push_back(PrefixRoutes{p, RouteList{}});
    slots_[i] = make_slot(h, idx);
    if (prefixes_.size() * 2 > slots_.size()) grow();
    return idx;
}

void Rib::release(Route& r) noexcept {
    store_.unref(r.path_attributes);
    r.pool.clear();
}

Route& Rib::announce(const Prefix& prefix, std::uint32_t peer, std::uint32_t path_id, AttrId attrs, bool add_path) {
    const std::uint32_t index = find_or_insert(prefix);
    if (observer_) [[unlikely]]
        observer_->route_changing(index, peer, path_id, RibChange::announce);
    auto& routes = prefixes_[index].routes;
    for (Route& r : routes) {
        if (r.peer == peer && r.path_id == path_id) {
            release(r);  // an announcement replaces the route, pool included
            r.path_attributes = attrs;
            r.add_path = add_path;
            return r;
        }
    }
    if (peer >= peer_routes_.size()) peer_routes_.resize(peer + 1, 0);
    ++peer_routes_[peer];
    ++routes_;
    // A new list: room for 2, or for the routes the caller expects
    // (expect_routes); a full one doubles, or grows to the peer count when
    // that lies in between (never more spare room than doubling).
    if (routes.capacity() == 0) reserve(routes, std::max<std::uint32_t>(2, expected_routes_));
    else if (routes.size() == routes.capacity())
        reserve(routes, expected_peers_ > routes.size() && expected_peers_ < 2 * routes.size() ? expected_peers_
                                                                                              : 2 * routes.size());
    Route& r = *::new (&routes.routes_[routes.size_++]) Route{};
    r.path_attributes = attrs;
    r.path_id = path_id;
    r.peer = peer;
    r.add_path = add_path;
    return r;
}

bool Rib::withdraw(const Prefix& prefix, std::uint32_t peer, std::uint32_t path_id) {
    const std::uint32_t idx = find(prefix);
    if (idx == kEmpty) return false;
    auto& routes = prefixes_[idx].routes;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        if (routes[i].peer == peer && routes[i].path_id == path_id) {
            if (observer_) [[unlikely]]
                observer_->route_changing(idx, peer, path_id, RibChange::withdraw);
            store_.unref(routes[i].path_attributes);
            erase_at(routes, static_cast<std::uint32_t>(i));
            --peer_routes_[peer];
            --routes_;
            return true;
        }
    }
    return false;
}

std::size_t Rib::clear_peer(std::uint32_t peer) {
    if (peer_routes(peer) == 0) return 0;
    std::size_t removed = 0;
    for (std::uint32_t index = 0; index < prefixes_.size(); ++index) {
        walk_ahead<true>(index, peer);  // the lists it changes, the sets it lets go of
        auto& routes = prefixes_[index].routes;
        for (std::uint32_t i = 0; i < routes.size();) {
            if (routes[i].peer == peer) {
                if (observer_) [[unlikely]]
                    observer_->route_changing(index, peer, routes[i].path_id, RibChange::withdraw);
                store_.unref(routes[i].path_attributes);
                erase_at(routes, i);
                ++removed;
            } else {
                ++i;
            }
        }
    }
    peer_routes_[peer] -= removed;
    routes_ -= removed;
    return removed;
}

std::size_t Rib::heap_bytes() const noexcept {
    std::size_t n = prefixes_.capacity() * sizeof(PrefixRoutes) + slots_.capacity() * sizeof(std::uint64_t) +
                    peer_routes_.capacity() * sizeof(std::uint64_t);
    for (const auto& pr : prefixes_) n += pr.routes.capacity() * sizeof(Route);
    return n + store_.heap_bytes();
}

}  // namespace mempool::bgp
