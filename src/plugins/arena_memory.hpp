// arena_memory.hpp: memory for a plugin heap arena: zeroed, page-aligned,
// and not touched until a plugin uses it.
//
// Usage:
//   auto* base = static_cast<std::uint8_t*>(detail::map_arena(64 * 1024));
//   if (base == nullptr) return false;  // out of memory
//   ...
//   detail::unmap_arena(base, 64 * 1024);
#pragma once

#include <sys/mman.h>

#include <cstddef>

namespace mempool::detail {

// Anonymous pages, not malloc and memset: the kernel hands them out zeroed
// and faults each in on its first use, so the default 64 KiB arena costs
// what its plugins write to it, most of them nothing (with memset, every
// mempool-bgp run paid 17 page faults and 64 KiB of stores before its first
// plugin). `bytes` is a multiple of the page size. nullptr if out of memory.
[[nodiscard]] inline void* map_arena(std::size_t bytes) noexcept {
    void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? nullptr : m;
}

// Gives back what map_arena returned (nullptr: nothing).
inline void unmap_arena(void* base, std::size_t bytes) noexcept {
    if (base != nullptr) ::munmap(base, bytes);
}

}  // namespace mempool::detail
