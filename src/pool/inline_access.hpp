// inline_access.hpp: the pool's lookups compiled into another component of
// this project (the plugin runtime's pool helpers), without a call into
// libmempool.so.
//
// A plugin's get_state_u64 / set_state_u64 run several times per plugin
// call; through Pool::get_u64 and Pool::set they are two calls through the
// PLT, a Result and a span each, which cost the runtime more than the lookup
// itself. Here the same lookups (core.hpp's find, read_u64 and
// overwrite_small_value, inline there for the C API and Pool, and the
// inline value of pool.hpp's "One value in the handle") are reached from a
// Pool directly. Nothing here changes a pool except the one-store overwrite
// of a value of the same length (in the heap pool, or in the handle when
// the new value fits there too, and a first value that fits the handle of
// an empty pool); every other change goes through Pool as before.
//
//   if (detail::has_key(pool, key)) ...
//   std::uint64_t metric = detail::get_u64_or_0(pool, key);
//
// For the pool's owner: this header relies on core.hpp's find, read_u64 and
// overwrite_small_value and on Pool holding exactly one 64-bit word, 0, a
// mem_pool* or an inline value (checked below); keep them, or change this
// header with them.
#pragma once

#include "core.hpp"

#include <mempool/pool.hpp>

#include <cstdint>
#include <type_traits>

namespace mempool::detail {

// Pool is a standard-layout class whose only member is its word, so the
// Pool and that member are pointer-interconvertible ([basic.compound]): the
// handle is read without a friend declaration or an exported call.
static_assert(std::is_standard_layout_v<Pool> && sizeof(Pool) == sizeof(std::uint64_t),
              "Pool must hold exactly one 64-bit word for word_of()");

[[nodiscard]] inline std::uint64_t word_of(const Pool& pool) noexcept {
    return *reinterpret_cast<const std::uint64_t*>(&pool);
}

// The heap pool behind `pool`, or nullptr (empty, or one inline value).
[[nodiscard]] inline mem_pool* core_of(const Pool& pool) noexcept { return word_core(word_of(pool)); }

// Whether `key` is in the pool, whatever its kind.
[[nodiscard]] inline bool has_key(const Pool& pool, Key key) noexcept {
    const std::uint64_t w = word_of(pool);
    if (word_is_inline(w)) return word_key(w) == key;
    const mem_pool* mp = word_core(w);
    return mp != nullptr && find(mp, key) != nullptr;
}

// Pool::get_u64, inline: a value of at most 8 bytes, zero-extended; 0 if
// the key is absent or holds something else.
[[nodiscard]] inline std::uint64_t get_u64_or_0(const Pool& pool, Key key) noexcept {
    const std::uint64_t w = word_of(pool);
    if (word_is_inline(w)) return word_key(w) == key ? word_number(w) : 0;
    const mem_pool* mp = word_core(w);
    if (mp == nullptr) return 0;
    const Result<std::uint64_t> v = read_u64(find(mp, key));
    return v ? v.value() : 0;
}

// The common Pool::set<std::uint64_t>: the key already holds an 8-byte value
// without cleanup, which becomes `value` in one store (the pool does not
// grow). False, having changed nothing, in every other case (among them an
// inline value that `value` would not fit: Pool::set moves it to the heap).
[[nodiscard]] inline bool overwrite_u64(Pool& pool, Key key, std::uint64_t value) noexcept {
    const std::uint64_t w = word_of(pool);
    if (word_is_inline(w)) {
        if (word_key(w) != key || word_length(w) != sizeof value || (value >> 32) != 0) return false;
        *reinterpret_cast<std::uint64_t*>(&pool) = make_inline_word(key, sizeof value, value);
        return true;
    }
    return overwrite_small_value(word_core(w), key, &value, sizeof value, nullptr);
}

// An empty pool's first value, `w` from inline_word_for (not 0): the word
// Pool::assign would write (a route's first metric), with no call.
inline void set_first_word(Pool& pool, std::uint64_t w) noexcept {
    *reinterpret_cast<std::uint64_t*>(&pool) = w;
}

}  // namespace mempool::detail
