// xbgp/regions.cpp: plugin_bytes() and plugin_string() (xbgp_helpers.hpp)
// over the running plugin's regions (regions.hpp): its heap arena, its
// shared arena, its argument struct, its read-only data and, when the
// executor gave it, the calling function's frame. A range is accepted only
// if it lies wholly inside one of them; the arithmetic cannot wrap.
#include "regions.hpp"

#include "../call_state.hpp"
#include "xbgp_helpers.hpp"

#include <cstring>

namespace mempool::detail::xbgp {

constinit thread_local const RunView* current_view __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

bool inside(u64 address, u64 len, u64 base, u64 size) noexcept {
    return base != 0 && address >= base && len <= size && address - base <= size - len;
}

}  // namespace

std::span<std::uint8_t> plugin_bytes(u64 address, u64 len, bool writable) noexcept {
    auto ok = [&](u64 base, u64 size) { return inside(address, len, base, size); };
    const HeapArena& heap = tls.heap;
    bool found = ok(reinterpret_cast<u64>(heap.base), heap.size);
    if (const RunView* v = current_view; !found && v != nullptr)
        found = ok(v->ctx, v->ctx_size) || ok(v->shared, v->shared_size) || ok(v->frame_lo, v->frame_hi - v->frame_lo) ||
                (!writable && ok(v->rodata, v->rodata_size));
    if (!found || len == 0) return {};
    return {reinterpret_cast<std::uint8_t*>(address), static_cast<std::size_t>(len)};
}

bool plugin_string(u64 address, std::size_t max, std::string_view& out) noexcept {
    // The region holding the first byte bounds the search for the NUL.
    u64 limit = 0;
    auto region = [&](u64 base, u64 size) {
        if (limit == 0 && inside(address, 1, base, size)) limit = base + size;
    };
    const HeapArena& heap = tls.heap;
    region(reinterpret_cast<u64>(heap.base), heap.size);
    if (const RunView* v = current_view; v != nullptr) {
        region(v->ctx, v->ctx_size);
        region(v->shared, v->shared_size);
        region(v->frame_lo, v->frame_hi - v->frame_lo);
        region(v->rodata, v->rodata_size);
    }
    if (limit == 0) return false;
    const u64 span = limit - address < max + 1 ? limit - address : max + 1;
    const auto* p = reinterpret_cast<const char*>(address);
    const void* nul = std::memchr(p, 0, static_cast<std::size_t>(span));
    if (nul == nullptr) return false;
    out = std::string_view(p, static_cast<std::size_t>(static_cast<const char*>(nul) - p));
    return true;
}

}  // namespace mempool::detail::xbgp
