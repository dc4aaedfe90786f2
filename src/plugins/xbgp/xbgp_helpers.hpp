// xbgp/xbgp_helpers.hpp: the generic helpers of the xBGP plugin API (those
// not about BGP), as the runtime implements them: one concern per file in
// this folder, all with the helper calling convention (five 64-bit
// arguments, a 64-bit result, never throwing). Runtime registers them with
// mempool::xbgp_helpers() (registry.cpp), which pairs each with its
// signature and permission bits.
//
//   std::uint64_t p = detail::xbgp::get_arg(ARG_CODE, 0, 0, 0, 0);  // a heap block, or 0
//
// Pointers they take are the plugin's (the verifier proved the regions its
// signature names; nested pointers are checked here with plugin_bytes());
// pointers they return are into the calling plugin's heap.
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <span>

namespace mempool::detail::xbgp {

using u64 = std::uint64_t;

// The most bytes get_arg copies for one argument.
inline constexpr std::uint32_t max_arg_bytes = 1u << 16;

// A block of `size` bytes in the running plugin's heap (ctx_malloc), or 0.
[[nodiscard]] u64 heap_alloc(u64 size) noexcept;

// `len` bytes at `address` if they lie wholly inside memory the running
// plugin may read: its heap arena, its argument struct, its read-only data
// or its stack (what a nested pointer, such as a LOG_STR in a struct vargs,
// may point to); empty otherwise. `writable` excludes read-only data.
[[nodiscard]] std::span<std::uint8_t> plugin_bytes(u64 address, u64 len, bool writable) noexcept;
// A NUL-terminated string at `address` inside the plugin's memory, at most
// `max` bytes before the NUL; false if it runs out of the region first.
[[nodiscard]] bool plugin_string(u64 address, std::size_t max, std::string_view& out) noexcept;

// args.cpp
u64 get_arg(u64 type, u64, u64, u64, u64) noexcept;
// chain.cpp
u64 next(u64, u64, u64, u64, u64) noexcept;

}  // namespace mempool::detail::xbgp
