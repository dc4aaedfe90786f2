// xbgp/args.cpp: get_arg(type), xBGP's typed arguments (TypedArg in
// runtime.hpp), and the host side of hidden arguments.
//
// The host passes typed arguments in the run's CallScope. get_arg(type)
// finds the first one of that type: a `bytes` argument is copied into the
// calling plugin's heap (a fresh block per call, so the plugin may scribble
// on it) and the block is returned; a `hidden` one (a host object only
// helpers use) gives the plugin an 8-byte block holding an opaque handle:
//
//   handle = tag (16 bits) | argument index (16 bits) | type (32 bits)
//
// never an address. resolve_handle() turns a handle back into the object
// only if it names a hidden argument of the run in progress (a handle kept
// in shared memory from an earlier run names this run's argument of that
// place and type, which the plugin could get anyway). Absent type, no run in
// progress, or a full heap: NULL.
#include <mempool/runtime.hpp>

#include "../call_state.hpp"
#include "xbgp_helpers.hpp"

#include <cstring>

namespace mempool {
namespace {

constexpr std::uint64_t handle_tag = 0x4d50ull << 48;  // "MP"

std::span<const TypedArg> typed_args() noexcept {
    const CallFrame* f = detail::tls.frame;
    return f != nullptr ? f->scope.typed : std::span<const TypedArg>{};
}

}  // namespace

const TypedArg* find_typed_arg(std::uint32_t type) noexcept {
    for (const TypedArg& a : typed_args())
        if (a.type == type) return &a;
    return nullptr;
}

const void* resolve_handle(std::uint64_t handle) noexcept {
    if ((handle & (0xffffull << 48)) != handle_tag) return nullptr;
    const std::span<const TypedArg> args = typed_args();
    const auto index = static_cast<std::size_t>((handle >> 32) & 0xffff);
    const auto type = static_cast<std::uint32_t>(handle);
    if (index >= args.size() || args[index].type != type || args[index].kind != TypedArg::Kind::hidden) return nullptr;
    return args[index].data;
}

namespace detail::xbgp {

std::uint64_t get_arg(std::uint64_t type, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) noexcept {
    const std::span<const TypedArg> args = typed_args();
    for (std::size_t i = 0; i < args.size(); ++i) {
        const TypedArg& a = args[i];
        if (a.type != type) continue;
        if (a.kind == TypedArg::Kind::hidden) {
            const std::uint64_t handle = handle_tag | (static_cast<std::uint64_t>(i & 0xffff) << 32) | a.type;
            const std::uint64_t block = heap_alloc(sizeof handle);
            if (block != 0) std::memcpy(reinterpret_cast<void*>(block), &handle, sizeof handle);
            return block;
        }
        if (a.len == 0 || a.len > max_arg_bytes || a.data == nullptr) return 0;
        const std::uint64_t block = heap_alloc(a.len);
        if (block != 0) std::memcpy(reinterpret_cast<void*>(block), a.data, a.len);
        return block;
    }
    return 0;
}

}  // namespace detail::xbgp
}  // namespace mempool
