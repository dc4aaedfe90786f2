// rib.hpp: the Adj-RIB-In of every peer, stored by prefix.
//
// All peers' routes for one prefix sit together, which is what route
// selection needs, and the Adj-RIB-In of one peer is the set of routes
// carrying its index. A route is keyed by (prefix, peer, add-path id); the
// family is part of the prefix.
//
//   Route        { Pool pool;        // 8 bytes; one small value (a metric) lives in it, a second key allocates
//                  u32 path_attributes;  // id of its interned path attributes (attr_store.hpp)
//                  u32 path_id; u32 peer;
//                  bool add_path;    // came with an add-path id (RFC 7911/8050),
//                                    // even id 0; in what was padding }  // 24 bytes
//   PrefixRoutes { Prefix prefix (18 bytes); RouteList routes (pointer, size, room); }  // 40 bytes
//   prefix index : open addressing, u64 slots (hash tag, index), home slot from the hash's top bits, load ≤ 1/2
//
// With ten peers per prefix that is about 24 + 40/10 + 32/10 bytes of RIB per
// route, plus its share of an interned attribute set. The prefix table and
// the index are MappedArrays: a full table loads without copying them as
// they grow, and their pages are populated in batches, not faulted in one
// by one (mapped_array.hpp). Route lists come from slabs of same-size
// blocks, without malloc's header or its work at each growth
// (list_slabs.hpp); heap_bytes() counts their room, not the slabs' slack.
//
// A prefix's route list grows by doubling from 2, but stops at the number
// of peers the replay knows (expect_peers) when that is below the double:
// one route per peer without add-path, so ten peers leave 10 slots, not 16.
// A TABLE_DUMP_V2 RIB record says how many routes its prefix has:
// expect_routes() sizes a new list for them at once, one allocation.
//
// Clearing a peer (session down) walks every prefix: session resets are
// rare next to updates, and this keeps a route at 24 bytes.
//
// Batches. In a large table, a route's announce() or withdraw() waits on up
// to three cache misses one after the other: the prefix's index slot (at a
// random place), its PrefixRoutes, then its route list. prefetch() starts
// those loads for a batch of prefixes (an UPDATE's), so that the misses of
// the batch overlap; the calls that follow find the lines in the cache.
//
//   if (rib.prefetch_pays()) rib.prefetch(prefixes_of_the_update);  // a hint: nothing changes
//   for (const Prefix& p : prefixes_of_the_update) rib.announce(p, peer, 0, attrs);
//
// A small table stays in the caches, where looking ahead only adds work
// (19 % more instructions on a 2007 RIS update file): prefetch_pays() says
// when the table has outgrown them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include <mempool/pool.hpp>

#include "address.hpp"
#include "attr_store.hpp"
#include "list_slabs.hpp"
#include "mapped_array.hpp"

namespace mempool::bgp {

// Three things are called "attributes" around a route; each has its own name:
//   Route::pool            the route's plugin pool, the specification's
//                          `mem_pool *attributes` (what plugins attach)
//   Route::path_attributes the id of its BGP path attributes, interned
//   Rib::attribute_store() the store of interned path attribute sets
struct Route {
    mempool::Pool pool;
    AttrId path_attributes = 0;
    std::uint32_t path_id = 0;
    std::uint32_t peer = 0;
    bool add_path = false;
};

// A prefix's routes, in the order the RIB keeps them. A handle on memory the
// Rib allocates, grows and frees: copying it copies no route, which is what
// lets the prefix table grow by moving its bytes (MappedArray). Only the Rib
// changes a list.
class RouteList {
public:
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] Route& operator[](std::size_t i) noexcept { return routes_[i]; }
    [[nodiscard]] const Route& operator[](std::size_t i) const noexcept { return routes_[i]; }
    [[nodiscard]] Route* begin() noexcept { return routes_; }
    [[nodiscard]] Route* end() noexcept { return routes_ + size_; }
    [[nodiscard]] const Route* begin() const noexcept { return routes_; }
    [[nodiscard]] const Route* end() const noexcept { return routes_ + size_; }

private:
    friend class Rib;
    Route* routes_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = 0;
};

struct PrefixRoutes {
    Prefix prefix;
    RouteList routes;
};
static_assert(std::is_trivially_copyable_v<PrefixRoutes>);

// The one hook where a prefix's best route may change: the RIB tells its
// observer about every route it is about to install, replace or remove,
// before doing so (so an observer can still finish work on the state
// before the change). Prefix indexes are stable: prefixes are never removed
// from prefixes(). Without an observer (the default) the RIB pays one
// predictable branch per change. The export side (src/bgp/export) is the
// observer; it marks the prefix and decides later, once the plugins have
// seen the route.
enum class RibChange : std::uint8_t { announce, withdraw };
class RibObserver {
public:
    virtual ~RibObserver() = default;
    virtual void route_changing(std::uint32_t prefix_index, std::uint32_t peer, std::uint32_t path_id,
                                RibChange change) = 0;
};

class Rib {
public:
    Rib();
    ~Rib();
    Rib(const Rib&) = delete;
    Rib& operator=(const Rib&) = delete;

    // Installs the route of (prefix, peer, path_id) with interned path
    // attributes `attrs`, whose reference the RIB takes over. An existing route is
    // replaced: its attribute reference and its pool are released.
    Route& announce(const Prefix& prefix, std::uint32_t peer, std::uint32_t path_id, AttrId attrs,
                    bool add_path = false);
    // Sizing hint: a prefix that gets its first route while the hint is set
    // reserves room for `routes` (at least 2). 0 (the default) for none;
    // the caller resets it once the announcements it counted are made.
    void expect_routes(std::uint32_t routes) noexcept { expected_routes_ = routes; }
    // Sizing hint: the number of peers that may hold routes. A full list
    // grows to it rather than doubling when it lies in between. 0: none.
    void expect_peers(std::uint32_t peers) noexcept { expected_peers_ = peers; }
    // Removes the route; false if there was none.
    bool withdraw(const Prefix& prefix, std::uint32_t peer, std::uint32_t path_id);
    // Starts loading what announce() and withdraw() will read for each of
    // `prefixes` (index slot, PrefixRoutes entry, route list), the batch's
    // cache misses overlapping. Changes nothing; a batch of up to 32 takes
    // the latency of about three misses, not three per prefix.
    void prefetch(std::span<const Prefix> prefixes) const noexcept;
    // prefetch()'s first step alone, the index slots: called before other
    // work (the message's attribute set), it lets that work overlap the
    // slots' misses, which prefetch() then finds arrived.
    void prefetch_slots(std::span<const Prefix> prefixes) const noexcept;
    // Whether prefetch() is worth its work: the table holds prefetch_from()
    // prefixes or more (kPrefetchFrom unless set). With ten peers a prefix
    // costs about 300 bytes of index, entry and route list, so 65,536 of
    // them are about 20 MB, more than the caches keep of it while other work runs.
    static constexpr std::size_t kPrefetchFrom = 65536;
    [[nodiscard]] bool prefetch_pays() const noexcept { return prefixes_.size() >= prefetch_from_; }
    // Sets that threshold (0: always; tests run the batch path on small tables with it).
    void prefetch_from(std::size_t prefixes) noexcept { prefetch_from_ = prefixes; }
    // For a walk over prefixes() in order (route selection, clear_peer), at
    // prefix `index`, where prefetch_pays(): starts loading the route list
    // 2 x kWalkAhead prefixes on and the attribute sets of the routes
    // kWalkAhead on (only `peer`'s, unless kAnyPeer), so that the walk's
    // misses overlap. ForWrite: the walk changes them.
    static constexpr std::uint32_t kAnyPeer = 0xffffffffu;
    static constexpr std::size_t kWalkAhead = 8;
    template <bool ForWrite = false>
    void walk_ahead(std::size_t index, std::uint32_t peer = kAnyPeer) const noexcept {
        if (!prefetch_pays()) return;
        if (index + 2 * kWalkAhead < prefixes_.size())
            prefetch_routes<ForWrite>(prefixes_[index + 2 * kWalkAhead].routes, 256);
        if (index + kWalkAhead < prefixes_.size())
            for (const Route& r : prefixes_[index + kWalkAhead].routes)
                if (peer == kAnyPeer || r.peer == peer) __builtin_prefetch(&store_[r.path_attributes], ForWrite);
    }
    // Removes every route of the peer; returns how many.
    std::size_t clear_peer(std::uint32_t peer);

    // Not owned; null (the default) for none. See RibObserver.
    void set_observer(RibObserver* observer) noexcept { observer_ = observer; }
    // The index of `prefix` in prefixes(), or npos.
    static constexpr std::uint32_t npos = 0xffffffffu;
    [[nodiscard]] std::uint32_t index_of(const Prefix& prefix) const noexcept { return find(prefix); }

    [[nodiscard]] std::uint64_t peer_routes(std::uint32_t peer) const noexcept {
        return peer < peer_routes_.size() ? peer_routes_[peer] : 0;
    }
    [[nodiscard]] std::uint64_t route_count() const noexcept { return routes_; }
    [[nodiscard]] std::size_t prefix_count() const noexcept { return prefixes_.size(); }
    [[nodiscard]] std::span<PrefixRoutes> prefixes() noexcept { return prefixes_.span(); }
    [[nodiscard]] std::span<const PrefixRoutes> prefixes() const noexcept { return prefixes_.span(); }
    [[nodiscard]] AttrStore& attribute_store() noexcept { return store_; }
    [[nodiscard]] const AttrStore& attribute_store() const noexcept { return store_; }

    // Heap bytes of the RIB's own structures (routes' pools not included).
    [[nodiscard]] std::size_t heap_bytes() const noexcept;
    // Bytes the RIB (its attribute store included) holds in mappings of its
    // own rather than from malloc: for measures made with malloc's
    // statistics (mallinfo2), which do not see them.
    [[nodiscard]] std::size_t mapped_bytes() const noexcept {
        return prefixes_.mapped_bytes() + slots_.mapped_bytes() + lists_.mapped_bytes() + store_.mapped_bytes();
    }

private:
    // Starts loading the first `max_bytes` of a route list (and its last line).
    template <bool ForWrite>
    static void prefetch_routes(const RouteList& routes, std::size_t max_bytes) noexcept {
        const auto* list = reinterpret_cast<const char*>(routes.begin());
        const std::size_t bytes = std::min(routes.size() * sizeof(Route), max_bytes);
        for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(list + off, ForWrite);
        if (bytes != 0) __builtin_prefetch(list + bytes - 1, ForWrite);
    }
    static constexpr std::uint32_t kEmpty = 0xffffffffu;
    static constexpr std::uint64_t kEmptySlot = ~std::uint64_t{0};
    [[nodiscard]] std::uint32_t find(const Prefix& p) const noexcept;
    std::uint32_t find_or_insert(const Prefix& p);
    void grow();
    void release(Route& r) noexcept;
    // The list's room grown to at least `room` routes.
    void reserve(RouteList& list, std::uint32_t room);
    // Route i removed, the last one moved into its place.
    static void erase_at(RouteList& list, std::uint32_t i) noexcept;

    ListSlabs lists_{sizeof(Route)};  // the route lists' memory
    MappedArray<PrefixRoutes> prefixes_;
    MappedArray<std::uint64_t> slots_;  // hash tag << 32 | index into prefixes_; kEmptySlot when free
    static constexpr std::uint32_t kFirstLog2Slots = 10;
    std::uint64_t mask_ = 0;    // slots - 1
    std::uint32_t shift_ = 64;  // a key's home slot: hash >> shift_ (64 - log2 of the slots)
    std::vector<std::uint64_t> peer_routes_;
    std::uint64_t routes_ = 0;
    std::uint32_t expected_routes_ = 0;  // expect_routes()
    std::uint32_t expected_peers_ = 0;   // expect_peers()
    std::size_t prefetch_from_ = kPrefetchFrom;  // prefetch_pays()
    AttrStore store_;
    RibObserver* observer_ = nullptr;
};

std::uint64_t hash_prefix(const Prefix& p) noexcept;

}  // namespace mempool::bgp
