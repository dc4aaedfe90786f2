// plugin_memory.hpp: whether a pointer a plugin hands to a BGP helper lies
// in memory that plugin owns, and allocation in its heap.
//
// The verifier proves what a helper's signature declares (fixed-size
// buffers); a structure whose size is inside it (a path_attribute: 8 bytes
// of header, then `length` bytes) can only be checked by the helper, at run
// time, once it has read the length. Today the check accepts the plugin's
// heap arena, where the collection builds every structure it passes
// (ctx_malloc'd attributes, get_arg's copies).
#pragma once

#include <cstddef>
#include <cstdint>

#include "heap_objects.hpp"

namespace mempool::bgp::xbgp {

// A pointer the plugin passed, as a host address: the VM's heap addresses
// (what the plugin read from an object's pointer field) are translated into
// the arena; anything else is returned as it is.
[[nodiscard]] std::uint64_t host_address(std::uint64_t address) noexcept;
// True if [address, address + size) lies in the running plugin's heap
// (`address` as host_address() gives it).
[[nodiscard]] bool in_plugin_heap(std::uint64_t address, std::size_t size) noexcept;

// Allocation in the running plugin's heap (the runtime's ctx_malloc).
[[nodiscard]] HeapAlloc plugin_heap() noexcept;

}  // namespace mempool::bgp::xbgp
