// heap_helpers.cpp: the plugin's heap (ctx_malloc, ctx_calloc, ctx_realloc,
// ctx_free) over the thread's arena (call_state.hpp).
//
// As in libxbgp, a plugin's heap lives for one run: the runtime resets it
// after each plugin, so nothing allocated survives and nothing needs freeing.
// The allocator is a bump pointer: blocks are 8-byte aligned, each preceded
// by an 8-byte header holding its size; freeing or growing the last block
// works in place, freeing another block does nothing, and growing another
// block moves it. A size of 0, an exhausted arena and a pointer that is not
// the start of a block in the arena give 0 (NULL).
//
// The arena is plugin memory: the plugin may overwrite the headers, so a
// header is only a hint, always clamped to the arena. Each pointer returned
// is the arena's address plus an offset inside it, valid for at least the
// requested size, which is what the verifier assumes (HelperRet::heap_or_null
// with the size taken from the argument).
#include <mempool/runtime.hpp>

#include "arena_memory.hpp"
#include "builtin_helpers.hpp"
#include "call_state.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace mempool {
namespace detail {
namespace {

// Owns the thread's arena buffer; frees it at thread exit. Kept apart from
// ThreadState so that ThreadState stays trivially destructible (the helpers'
// TLS access then needs no guard).
struct ArenaOwner {
    ~ArenaOwner() { unmap_arena(buffer, bytes); }
    std::uint8_t* buffer = nullptr;
    std::size_t bytes = 0;
};
thread_local ArenaOwner arena_owner;

}  // namespace

bool reserve_heap(HeapArena& heap, std::uint32_t size) noexcept {
    if (size <= heap.capacity) return true;
    // Rounded up to whole pages (map_arena).
    const std::size_t bytes = (static_cast<std::size_t>(size) + 4095) & ~std::size_t{4095};
    auto* fresh = static_cast<std::uint8_t*>(map_arena(bytes));
    if (fresh == nullptr) return false;
    unmap_arena(arena_owner.buffer, arena_owner.bytes);
    arena_owner.buffer = fresh;
    arena_owner.bytes = bytes;
    heap.base = fresh;
    heap.capacity = static_cast<std::uint32_t>(bytes < UINT32_MAX ? bytes : UINT32_MAX);
    heap.top = heap.high = 0;
    heap.last = UINT32_MAX;
    return true;
}

}  // namespace detail

namespace {

using u64 = std::uint64_t;
constexpr std::uint32_t header = 8;

constexpr u64 round8(u64 n) noexcept { return (n + 7) & ~u64{7}; }

// A new block of `size` bytes, or 0 (a failed helper call, counted: the
// BGP helpers' copies come through here too).
u64 allocate(detail::HeapArena& h, u64 size) noexcept {
    if (size == 0) {
        note_helper_failure(HelperFailure::bad_argument);
        return 0;
    }
    const u64 need = header + round8(size);
    if (size > h.size || need > h.size - h.top) {
        note_helper_failure(HelperFailure::heap_exhausted);
        return 0;
    }
    const std::uint32_t data = h.top + header;
    const auto stored = static_cast<std::uint32_t>(size);
    std::memcpy(h.base + h.top, &stored, sizeof stored);
    h.last = data;
    h.top = static_cast<std::uint32_t>(h.top + need);
    if (h.top > h.high) h.high = h.top;
    return reinterpret_cast<u64>(h.base + data);
}

// The offset of the block `ptr` points to, or UINT32_MAX if it is not a
// block start in the live part of the arena.
std::uint32_t block_of(const detail::HeapArena& h, u64 ptr) noexcept {
    const u64 base = reinterpret_cast<u64>(h.base);
    if (h.base == nullptr || ptr < base + header || ptr >= base + h.top) return UINT32_MAX;
    const u64 off = ptr - base;
    if (off % 8 != 0) return UINT32_MAX;
    return static_cast<std::uint32_t>(off);
}

#define H std::uint64_t

H ctx_malloc(u64 size, u64, u64, u64, u64) noexcept { return allocate(detail::tls.heap, size); }

H ctx_calloc(u64 n, u64 size, u64, u64, u64) noexcept {
    // n == 0 gives NULL, so that a non-NULL result always holds at least
    // `size` bytes (what the verifier is told).
    if (n == 0 || size == 0 || n > UINT32_MAX / size) {
        note_helper_failure(HelperFailure::bad_argument);
        return 0;
    }
    detail::HeapArena& h = detail::tls.heap;
    const u64 p = allocate(h, n * size);
    if (p != 0) std::memset(reinterpret_cast<void*>(p), 0, n * size);
    return p;
}

H ctx_free(u64 ptr, u64, u64, u64, u64) noexcept {
    detail::HeapArena& h = detail::tls.heap;
    const std::uint32_t off = block_of(h, ptr);
    if (off != UINT32_MAX && off == h.last) {  // the last block: give its space back
        h.top = off - header;
        h.last = UINT32_MAX;
    }
    return 0;
}

H ctx_realloc(u64 ptr, u64 size, u64, u64, u64) noexcept {
    detail::HeapArena& h = detail::tls.heap;
    if (ptr == 0) return allocate(h, size);
    const std::uint32_t off = block_of(h, ptr);
    if (off == UINT32_MAX || size == 0) {
        note_helper_failure(HelperFailure::bad_argument);
        return 0;
    }
    if (size > h.size) {
        note_helper_failure(HelperFailure::heap_exhausted);
        return 0;
    }
    if (off == h.last) {  // grow or shrink in place
        const u64 end = off + round8(size);
        if (end > h.size) {
            note_helper_failure(HelperFailure::heap_exhausted);
            return 0;
        }
        const auto stored = static_cast<std::uint32_t>(size);
        std::memcpy(h.base + off - header, &stored, sizeof stored);
        h.top = static_cast<std::uint32_t>(end);
        if (h.top > h.high) h.high = h.top;
        return ptr;
    }
    std::uint32_t old = 0;
    std::memcpy(&old, h.base + off - header, sizeof old);
    if (old > h.top - off) old = h.top - off;  // the header is the plugin's to scribble on
    const u64 fresh = allocate(h, size);
    if (fresh == 0) return 0;
    std::memcpy(reinterpret_cast<void*>(fresh), h.base + off, old < size ? old : size);
    return fresh;
}

#undef H

constexpr HelperArg N = HelperArg::number;
constexpr HelperArg P = HelperArg::heap_ptr;

}  // namespace

namespace detail {

std::span<const BuiltinHelper> heap_helper_table() noexcept {
    static constexpr BuiltinHelper table[] = {
        {"ctx_malloc", &ctx_malloc, 1, {N}, HelperRet::heap_or_null, 0, 0},
        {"ctx_calloc", &ctx_calloc, 2, {N, N}, HelperRet::heap_or_null, 0, 1},
        {"ctx_realloc", &ctx_realloc, 2, {P, N}, HelperRet::heap_or_null, 0, 1},
        {"ctx_free", &ctx_free, 1, {P}},
    };
    return table;
}

}  // namespace detail

std::span<const HelperSpec> heap_helpers() noexcept {
    static const std::vector<HelperSpec> table = detail::specs_of(detail::heap_helper_table());
    return table;
}

}  // namespace mempool
