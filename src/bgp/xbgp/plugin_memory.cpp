// plugin_memory.cpp: the running plugin's heap, seen from the BGP helpers.
#include "plugin_memory.hpp"

#include <mempool/runtime.hpp>

#include "call_state.hpp"  // src/plugins: the thread's heap arena

namespace mempool::bgp::xbgp {

std::uint64_t host_address(std::uint64_t address) noexcept { return detail::tls.heap.host_address(address); }

bool in_plugin_heap(std::uint64_t address, std::size_t size) noexcept {
    const detail::HeapArena& h = detail::tls.heap;
    if (h.base == nullptr || size > h.size) return false;
    const auto base = reinterpret_cast<std::uint64_t>(h.base);
    return address >= base && address - base <= h.size - size;
}

namespace {
void* heap_malloc(void*, std::size_t size) {
    static const HelperFn malloc_fn = [] {
        for (const HelperSpec& h : mempool::heap_helpers())
            if (h.name == "ctx_malloc") return h.fn;
        return HelperFn{nullptr};
    }();
    if (malloc_fn == nullptr) return nullptr;
    return reinterpret_cast<void*>(malloc_fn(size, 0, 0, 0, 0));
}

// Pointers written inside heap objects (bgp_route.attr, .peer_info,
// local_bgp_session) are heap addresses: a host address stored there would
// be a number the plugin can read.
std::uint64_t plugin_address(void*, const void* p) noexcept { return detail::tls.heap.plugin_address(p); }
}  // namespace

HeapAlloc plugin_heap() noexcept { return HeapAlloc{&heap_malloc, nullptr, &plugin_address}; }

}  // namespace mempool::bgp::xbgp
