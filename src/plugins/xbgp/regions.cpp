// xbgp/regions.cpp: plugin_bytes() and plugin_string() (xbgp_helpers.hpp)
// over the running plugin's regions (regions.hpp): its heap arena, its
// shared arena, its argument struct, its read-only data and, when the
// executor gave it, the calling function's frame, and its writable globals.
// A range is accepted only if it lies wholly inside one of them (read-only
// data only for reading); the arithmetic cannot wrap. A heap address
// (vm::heap_address) is translated into the arena first.
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

// A heap address (vm::heap_address(), what the host writes inside heap
// objects and the plugin may pass back) as the arena's real address; other
// numbers unchanged.
u64 translate(u64 address) noexcept { return tls.heap.host_address(address); }

// Calls f(base, size, writable, stack) for every region of the running plugin.
template <class F>
void for_each_region(F&& f) {
    const HeapArena& heap = tls.heap;
    f(reinterpret_cast<u64>(heap.base), u64{heap.size}, true, false);
    const RunView* v = current_view;
    if (v == nullptr) return;
    f(v->ctx, v->ctx_size, true, false);
    const vm::RunContext* rc = v->rc;
    const vm::Program* program = v->program;
    if (rc != nullptr) {
        f(reinterpret_cast<u64>(rc->shared), rc->shared_size, true, false);
        if (program != nullptr) f(reinterpret_cast<u64>(rc->data), program->data.size(), true, false);
        if (rc->frame_hi > rc->frame_lo) f(rc->frame_lo, rc->frame_hi - rc->frame_lo, true, true);
        if (rc->rodata != 0) {
            f(rc->rodata, rc->rodata_size, false, false);
            return;
        }
    }
    if (program != nullptr)
        f(reinterpret_cast<u64>(program->rodata.data()), program->rodata.size(), false, false);
}

}  // namespace

std::span<std::uint8_t> plugin_bytes(u64 address, u64 len, bool writable, int arg, bool no_stack) noexcept {
    address = translate(address);
    bool found = false, on_stack = false;
    for_each_region([&](u64 base, u64 size, bool region_writable, bool stack) {
        if (found || !(region_writable || !writable) || !inside(address, len, base, size)) return;
        found = true;
        on_stack = stack;
    });
    if (!found || len == 0) return {};
    if (on_stack) {
        // Spilled pointers live on the stack: a helper that keeps what it
        // reads (set_attr) gave the plugin a host stack address back as an
        // attribute's value, schedule_bgp_message wrote one into
        // --updates-out (redteam4_holes_test.cpp).
        if (no_stack) return {};
        const RunView* v = current_view;
        if (arg >= 0 && arg < 5 && v != nullptr && v->rc != nullptr) {
            const std::uint32_t room = v->rc->arg_room[arg];
            if (room != UINT32_MAX && len > room) return {};  // 0: nothing reported, nothing read
        }
    }
    return {reinterpret_cast<std::uint8_t*>(address), static_cast<std::size_t>(len)};
}

bool plugin_string(u64 address, std::size_t max, std::string_view& out, int arg, bool no_stack) noexcept {
    address = translate(address);
    // The region holding the first byte bounds the search for the NUL.
    u64 limit = 0;
    for_each_region([&](u64 base, u64 size, bool, bool stack) {
        if (limit == 0 && !(no_stack && stack) && inside(address, 1, base, size)) limit = base + size;
    });
    if (limit == 0) return false;
    const RunView* v = current_view;
    if (arg >= 0 && arg < 5 && v != nullptr && v->rc != nullptr) {
        const std::uint32_t room = v->rc->arg_room[arg];
        if (room != 0 && room != UINT32_MAX && limit - address > room) limit = address + room;
    }
    const u64 span = limit - address < max + 1 ? limit - address : max + 1;
    const auto* p = reinterpret_cast<const char*>(address);
    const void* nul = std::memchr(p, 0, static_cast<std::size_t>(span));
    if (nul == nullptr) return false;
    out = std::string_view(p, static_cast<std::size_t>(static_cast<const char*>(nul) - p));
    return true;
}

}  // namespace mempool::detail::xbgp
