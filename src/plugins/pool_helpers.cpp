// pool_helpers.cpp: the built-in helpers through which plugins reach pools.
//
// Plugins call these with 64-bit numbers; the helpers find the pool for the
// call in the thread's CallFrame (set by Runtime::run), check every key,
// length and object index, and copy values in or out. They never throw,
// never return a pointer, and are MEMPOOL_HELPER (force_align_arg_pointer):
// DPDK 22.11's JIT calls them with the stack 8 bytes off the ABI alignment.
//
// Conventions (also in plugin_sdk.h):
//   - setters return MEMPOOL_OK (0) or a MEMPOOL_ERR_* code;
//   - number getters return 0 when there is nothing to read;
//   - buffer getters return the number of bytes copied;
//   - `len` is clamped to MEMPOOL_BUF_SIZE, the size the validator checked.
#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "call_state.hpp"

#include <cstring>

namespace mempool {
namespace {

constexpr std::uint64_t key_limit = UINT32_MAX;

std::uint64_t code_of(Error e) noexcept {
    switch (e) {
    case Error::none: return MEMPOOL_OK;
    case Error::missing: return MEMPOOL_ERR_MISSING;
    case Error::wrong_kind: return MEMPOOL_ERR_WRONG_KIND;
    case Error::wrong_size: return MEMPOOL_ERR_WRONG_SIZE;
    case Error::exists: return MEMPOOL_ERR_EXISTS;
    case Error::invalid_argument: return MEMPOOL_ERR_INVALID;
    case Error::out_of_memory: return MEMPOOL_ERR_NO_MEMORY;
    }
    return MEMPOOL_ERR_INVALID;
}

std::uint64_t code_of(const Status& s) noexcept { return s ? MEMPOOL_OK : code_of(s.error()); }

Pool* global_pool() noexcept {
    const CallFrame* f = detail::tls.frame;
    return f != nullptr ? f->global : nullptr;
}

Pool* object_pool(std::uint64_t obj) noexcept {
    const CallFrame* f = detail::tls.frame;
    if (f == nullptr || obj > MEMPOOL_OBJ_SECOND) return nullptr;
    return f->scope.objects[obj];
}

std::size_t clamp_len(std::uint64_t len) noexcept { return len > MEMPOOL_BUF_SIZE ? MEMPOOL_BUF_SIZE : len; }

// ---- operations on one pool, shared by the global and attr helpers -------

std::uint64_t op_get_u64(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr || key > key_limit) return 0;
    return p->get_u64(static_cast<Key>(key)).value_or(0);
}

std::uint64_t op_set_u64(Pool* p, std::uint64_t key, std::uint64_t value) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    if (key > key_limit) return MEMPOOL_ERR_INVALID;
    return code_of(p->set<std::uint64_t>(static_cast<Key>(key), value));
}

std::uint64_t op_len(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr || key > key_limit) return 0;
    Result<std::span<std::byte>> b = p->bytes(static_cast<Key>(key));
    return b ? b.value().size() : 0;
}

std::uint64_t op_get_buf(const Pool* p, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr || key > key_limit || buf == 0) return 0;
    Result<std::span<std::byte>> b = p->bytes(static_cast<Key>(key));
    if (!b) return 0;
    std::size_t n = clamp_len(len);
    if (n > b.value().size()) n = b.value().size();
    std::memcpy(reinterpret_cast<void*>(buf), b.value().data(), n);
    return n;
}

std::uint64_t op_set_buf(Pool* p, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    if (key > key_limit || buf == 0 || len == 0) return MEMPOOL_ERR_INVALID;
    const auto* data = reinterpret_cast<const std::byte*>(buf);
    return code_of(p->assign(static_cast<Key>(key), {data, clamp_len(len)}));
}

std::uint64_t op_append(Pool* p, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    if (key > key_limit || buf == 0 || len == 0) return MEMPOOL_ERR_INVALID;
    const auto* data = reinterpret_cast<const std::byte*>(buf);
    return code_of(p->append(static_cast<Key>(key), {data, clamp_len(len)}));
}

std::uint64_t op_list_len(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr || key > key_limit) return 0;
    Result<ListView> l = p->list(static_cast<Key>(key));
    return l ? l.value().size() : 0;
}

std::uint64_t op_get_elem(const Pool* p, std::uint64_t key, std::uint64_t index, std::uint64_t buf,
                          std::uint64_t len) noexcept {
    if (p == nullptr || key > key_limit || buf == 0) return 0;
    Result<ListView> l = p->list(static_cast<Key>(key));
    if (!l || index >= l.value().size()) return 0;
    std::uint64_t i = 0;
    for (std::span<std::byte> e : l.value()) {
        if (i++ != index) continue;
        std::size_t n = clamp_len(len);
        if (n > e.size()) n = e.size();
        std::memcpy(reinterpret_cast<void*>(buf), e.data(), n);
        return n;
    }
    return 0;
}

// ---- the helpers ----------------------------------------------------------

#define H MEMPOOL_HELPER std::uint64_t
using u64 = std::uint64_t;

H get_state_u64(u64 key, u64, u64, u64, u64) noexcept { return op_get_u64(global_pool(), key); }
H set_state_u64(u64 key, u64 v, u64, u64, u64) noexcept { return op_set_u64(global_pool(), key, v); }
H get_state_len(u64 key, u64, u64, u64, u64) noexcept { return op_len(global_pool(), key); }
H get_state_buf(u64 key, u64 buf, u64 len, u64, u64) noexcept { return op_get_buf(global_pool(), key, buf, len); }
H set_state_buf(u64 key, u64 buf, u64 len, u64, u64) noexcept { return op_set_buf(global_pool(), key, buf, len); }
H append_state(u64 key, u64 buf, u64 len, u64, u64) noexcept { return op_append(global_pool(), key, buf, len); }
H state_list_len(u64 key, u64, u64, u64, u64) noexcept { return op_list_len(global_pool(), key); }
H get_state_elem(u64 key, u64 i, u64 buf, u64 len, u64) noexcept {
    return op_get_elem(global_pool(), key, i, buf, len);
}

u64 no_object(u64 obj) noexcept { return obj > MEMPOOL_OBJ_SECOND ? MEMPOOL_ERR_INVALID : MEMPOOL_ERR_NO_POOL; }

H get_attr_u64(u64 obj, u64 key, u64, u64, u64) noexcept { return op_get_u64(object_pool(obj), key); }
H set_attr_u64(u64 obj, u64 key, u64 v, u64, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_set_u64(p, key, v);
}
H get_attr_len(u64 obj, u64 key, u64, u64, u64) noexcept { return op_len(object_pool(obj), key); }
H get_attr_buf(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    return op_get_buf(object_pool(obj), key, buf, len);
}
H set_attr_buf(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_set_buf(p, key, buf, len);
}
H append_attr(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_append(p, key, buf, len);
}
H attr_list_len(u64 obj, u64 key, u64, u64, u64) noexcept { return op_list_len(object_pool(obj), key); }
H get_attr_elem(u64 obj, u64 key, u64 i, u64 buf, u64 len) noexcept {
    return op_get_elem(object_pool(obj), key, i, buf, len);
}

#undef H

constexpr HelperArg N = HelperArg::number;
constexpr HelperArg B = HelperArg::buffer;

}  // namespace

std::span<const HelperSpec> pool_helpers() noexcept {
    // Built on first use; a failed allocation here is fatal anyway (static init).
    static const HelperSpec table[] = {
        {"get_state_u64", &get_state_u64, 1, {N}},
        {"set_state_u64", &set_state_u64, 2, {N, N}},
        {"get_state_len", &get_state_len, 1, {N}},
        {"get_state_buf", &get_state_buf, 3, {N, B, N}},
        {"set_state_buf", &set_state_buf, 3, {N, B, N}},
        {"append_state", &append_state, 3, {N, B, N}},
        {"state_list_len", &state_list_len, 1, {N}},
        {"get_state_elem", &get_state_elem, 4, {N, N, B, N}},
        {"get_attr_u64", &get_attr_u64, 2, {N, N}},
        {"set_attr_u64", &set_attr_u64, 3, {N, N, N}},
        {"get_attr_len", &get_attr_len, 2, {N, N}},
        {"get_attr_buf", &get_attr_buf, 4, {N, N, B, N}},
        {"set_attr_buf", &set_attr_buf, 4, {N, N, B, N}},
        {"append_attr", &append_attr, 4, {N, N, B, N}},
        {"attr_list_len", &attr_list_len, 2, {N, N}},
        {"get_attr_elem", &get_attr_elem, 5, {N, N, N, B, N}},
    };
    return table;
}

}  // namespace mempool
