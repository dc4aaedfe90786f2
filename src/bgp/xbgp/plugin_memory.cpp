// plugin_memory.cpp: the running plugin's heap, seen from the BGP helpers.
#include "plugin_memory.hpp"

#include <mempool/runtime.hpp>

#include "call_state.hpp"  // src/plugins: the thread's heap arena

namespace mempool::bgp::xbgp {

std::uint64_t host_address(std::uint64_t address) noexcept {
    // Pointers inside heap objects are written as the arena's own addresses
    // (HeapAlloc::address unset) until the VM translates heap addresses:
    // nothing to translate yet.
    return address;
}

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
}  // namespace

HeapAlloc plugin_heap() noexcept { return HeapAlloc{&heap_malloc, nullptr, nullptr}; }

}  // namespace mempool::bgp::xbgp
