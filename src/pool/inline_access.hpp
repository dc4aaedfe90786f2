// inline_access.hpp: the pool's lookups compiled into another component of
// this project (the plugin runtime's pool helpers), without a call into
// libmempool.so.
//
// A plugin's get_state_u64 / set_state_u64 run several times per plugin
// call; through Pool::get_u64 and Pool::set they are two calls through the
// PLT, a Result and a span each, which cost the runtime more than the lookup
// itself. Here the same lookups (core.hpp's find, read_u64 and
// overwrite_small_value, inline there for the C API and Pool) are reached
// from a Pool directly. Nothing here changes a pool except the one-store
// overwrite of a value of the same length that core.hpp defines; every
// other change goes through Pool as before.
//
//   if (mem_pool* mp = detail::core_of(pool); mp != nullptr)
//       if (const detail::Entry* e = detail::find(mp, key)) ...
//
// For the pool's owner: this header relies on core.hpp's find, read_u64 and
// overwrite_small_value and on Pool holding exactly one mem_pool* (checked
// below); keep them, or change this header with them.
#pragma once

#include "core.hpp"

#include <mempool/pool.hpp>

#include <cstdint>
#include <type_traits>

namespace mempool::detail {

// Pool is a standard-layout class whose only member is its mem_pool*, so
// the Pool and that member are pointer-interconvertible ([basic.compound]):
// the handle is read without a friend declaration or an exported call.
static_assert(std::is_standard_layout_v<Pool> && sizeof(Pool) == sizeof(mem_pool*),
              "Pool must hold exactly one mem_pool* for core_of()");

[[nodiscard]] inline mem_pool* core_of(const Pool& pool) noexcept {
    return *reinterpret_cast<mem_pool* const*>(&pool);
}

// The entry of `key`, or nullptr (no such key, or nothing ever stored).
[[nodiscard]] inline Entry* find_entry(const Pool& pool, Key key) noexcept {
    const mem_pool* mp = core_of(pool);
    return mp != nullptr ? find(mp, key) : nullptr;
}

// Pool::get_u64, inline: a value of at most 8 bytes, zero-extended; 0 if
// the key is absent or holds something else.
[[nodiscard]] inline std::uint64_t get_u64_or_0(const Pool& pool, Key key) noexcept {
    const Result<std::uint64_t> v = read_u64(find_entry(pool, key));
    return v ? v.value() : 0;
}

// The common Pool::set<std::uint64_t>: the key already holds an 8-byte value
// without cleanup, which becomes `value` in one store (the pool does not
// grow). False, having changed nothing, in every other case.
[[nodiscard]] inline bool overwrite_u64(Pool& pool, Key key, std::uint64_t value) noexcept {
    return overwrite_small_value(core_of(pool), key, &value, sizeof value, nullptr);
}

}  // namespace mempool::detail
