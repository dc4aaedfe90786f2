// route_attributes.hpp: the path attributes of one route as an xBGP plugin
// sees them — a list of (code, flags, value bytes as on the wire) — and the
// attributes plugins set or add, kept in the route's pool.
//
// The RIB keeps a route's attributes interned in canonical form
// (path_attributes.hpp: origin, next hop, merged AS path, aggregator, then
// every other attribute as received). A plugin asks for wire attributes, so
// the few the canonical form decodes are encoded back:
//
//   ORIGIN      flags 0x40, 1 byte                    (absent if the route had none)
//   AS_PATH     flags 0x40, segments of 4-byte ASes   (AS_PATH merged with AS4_PATH,
//                                                      RFC 6793 §4.2.3; a segment of
//                                                      more than 255 ASes is split)
//   NEXT_HOP    flags 0x40, 4 bytes                   (IPv4 next hop only; an IPv6
//                                                      route's is in MP_REACH, which
//                                                      the RIB does not keep)
//   AGGREGATOR  flags 0xc0, 8 bytes (4-byte AS, IPv4) (the one RFC 6793 keeps)
//   others      flags, code and value as received, unknown codes included
//
// Attributes a plugin stores (set_attr, add_attr, set_attr_to_route) live in
// the route's pool (Route::pool) under attribute_key(code), one value each:
// the flags byte, then the value bytes. They take precedence over the
// received attribute of the same code, and the per-route dump (rib_dump.cpp,
// `--rib-format jsonl`) shows them under "plugin_attributes".
//
//   RouteAttributes attrs;
//   attrs.build(store[route.path_attributes].key(), &route.pool);
//   if (const WireAttribute* med = attrs.find(4)) use(med->value);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <mempool/pool.hpp>

#include "byte_reader.hpp"

namespace mempool::bgp::xbgp {

struct WireAttribute {
    std::uint8_t code = 0;
    std::uint8_t flags = 0;
    Bytes value;
};

// Keys 0x78620000 + code ("xb" and the code) of a route's pool hold the
// attributes plugins stored; nothing else uses that range.
inline constexpr std::uint32_t kAttributeKeyBase = 0x78620000u;
[[nodiscard]] constexpr std::uint32_t attribute_key(std::uint8_t code) noexcept { return kAttributeKeyBase | code; }
[[nodiscard]] constexpr bool is_attribute_key(std::uint32_t key) noexcept { return (key & ~0xffu) == kAttributeKeyBase; }

// Stores (or replaces) attribute `code` in `pool`. False if the pool refuses
// (out of memory).
[[nodiscard]] bool store_attribute(mempool::Pool& pool, std::uint8_t code, std::uint8_t flags, Bytes value) noexcept;
// Reads one back from a pool entry's bytes (flags, then value); false if the
// entry is too short to be one.
[[nodiscard]] bool stored_attribute(std::uint32_t key, std::span<const std::byte> bytes, WireAttribute& out) noexcept;

class RouteAttributes {
public:
    // The attributes of a route with canonical bytes `canonical` and,
    // if `pool` is given, the ones plugins stored in it. False (and an
    // empty list) if `canonical` is not a canonical form. Reuses its
    // buffers: no allocation once they have grown. The list refers to
    // `canonical` and to the pool's values: keep both alive and unchanged.
    bool build(Bytes canonical, const mempool::Pool* pool);

    [[nodiscard]] std::span<const WireAttribute> list() const noexcept { return list_; }
    // The attribute `code`, or nullptr.
    [[nodiscard]] const WireAttribute* find(std::uint8_t code) const noexcept;
    // The route's next hop as the canonical form keeps it (NEXT_HOP's 4
    // bytes, or MP_REACH_NLRI's: 4, 16, or 32 with the link-local address
    // second); empty if it has none. Refers to `canonical`, like list().
    [[nodiscard]] Bytes next_hop() const noexcept { return next_hop_; }

private:
    Bytes next_hop_;
    std::vector<std::uint8_t> encoded_;  // ORIGIN, AS_PATH, NEXT_HOP, AGGREGATOR values
    std::vector<WireAttribute> list_;
};

}  // namespace mempool::bgp::xbgp
