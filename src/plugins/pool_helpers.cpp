// pool_helpers.cpp: the built-in helpers through which plugins reach pools.
//
// Plugins call these with 64-bit numbers and pointers into their own memory;
// the helpers find the pool for the call in the thread's CallFrame (set by
// Runtime::run), check every key, length and object index, charge what they
// add to the running plugin's budget, and copy values in or out. They never
// throw and never return a pointer.
//
// Conventions (also in plugin_sdk.h):
//   - setters return MEMPOOL_OK (0) or a MEMPOOL_ERR_* code;
//   - number getters return 0 when there is nothing to read;
//   - buffer getters return the number of bytes copied;
//   - `len` is the size the verifier proved for the buffer (HelperArg::size),
//     clamped again here to max_copy;
//   - growth of a pool is charged to the plugin (PluginBudget): a new key
//     costs its bytes plus entry_cost, a longer value the difference, a list
//     element its bytes; past the plugin's limit the call changes nothing and
//     returns MEMPOOL_ERR_LIMIT. Overwriting a number in place
//     (set_*_u64 on an existing key) is free: it changes at most 8 bytes.
#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "../pool/inline_access.hpp"
#include "builtin_helpers.hpp"
#include "call_state.hpp"
#include "program.hpp"  // vm::max_helper_size

#include <bit>
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

// Outside a run the thread's frame is detail::idle_frame: no pools.
Pool* global_pool() noexcept { return detail::tls.frame->global; }

Pool* object_pool(std::uint64_t obj) noexcept {
    if (obj > MEMPOOL_OBJ_SECOND) return nullptr;
    return detail::tls.frame->scope.objects[obj];
}

// The most a helper copies in one call, whatever the plugin says: the
// verifier proves every size argument at most this, and the buffer before it
// at least as long as the size, so this clamp is a second line only.
constexpr std::uint64_t max_copy = vm::max_helper_size;

std::size_t clamp_len(std::uint64_t len) noexcept { return len > max_copy ? max_copy : len; }

constexpr std::uint64_t entry_cost = detail::pool_entry_cost;

enum class Owner : std::uint8_t { global, object };

// Charges `bytes` of growth to the running plugin, or refuses (false) if
// that would pass its limit. Outside a plugin (no budget) nothing is charged.
bool admit(Owner owner, std::uint64_t bytes) noexcept {
    detail::ThreadState& t = detail::tls;
    const detail::PluginBudget* b = t.budget;
    if (b == nullptr || bytes == 0) return true;
    if (owner == Owner::object) return detail::charge_object_bytes(bytes);
    // Several threads may run the plugin at once: add, then take it back if
    // that passed the limit.
    const std::uint64_t before = b->global_added.fetch_add(bytes, std::memory_order_relaxed);
    if (before + bytes > b->global_limit || before + bytes < before) {
        b->global_added.fetch_sub(bytes, std::memory_order_relaxed);
        b->limit_hits.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

// Gives back what admit() charged for a change that then failed.
void refund(Owner owner, std::uint64_t bytes) noexcept {
    detail::ThreadState& t = detail::tls;
    const detail::PluginBudget* b = t.budget;
    if (b == nullptr) return;
    if (owner == Owner::object)
        detail::refund_object_bytes(bytes);
    else
        b->global_added.fetch_sub(bytes, std::memory_order_relaxed);
}

// ---- operations on one pool, shared by the global and attr helpers -------

// Numbers go through the pool's own inline lookups (inline_access.hpp): no
// call into libmempool.so for a read or an overwrite, the helpers' hot path.
// A number in the pool's handle (a route's metric, a small global pool) or
// in a small heap pool (a C host's mem_pool* global, a route pool of 2-8
// keys) is read and overwritten in the helper itself, which then needs no
// stack frame; a big pool's lookup is out of line (it needs registers the
// usual cases would otherwise save and restore on each call), and tries
// the pool's two most recent keys first (core.hpp, "Recent keys": a
// counter's get then set, a few counters in turn).
//
// Before anything else, the two places a pool's first key lives (a counter,
// the usual thing a plugin reads and writes): the Pool's own word when it
// holds one small number, or else the heap pool's handle entry (ordinal 0,
// in a small or a big pool alike: a removed entry there is kEmpty). Keys
// are compared whole there, so one past key_limit matches neither; the
// paths after them check it.

// The number an entry holds as a get_*_u64 helper reads it: 0 when there
// is no entry or it holds no number.
inline std::uint64_t number_or_zero(const detail::Entry* e) noexcept {
    const Result<std::uint64_t> v = detail::read_u64(e);
    return v ? v.value() : 0;
}

// A big pool's number: from the recent keys' entry, or else from a lookup
// (out of line: a hit then needs no stack frame).
[[gnu::noinline]] std::uint64_t get_u64_lookup(const mem_pool* mp, Key key) noexcept {
    return number_or_zero(detail::find_big_remembering(mp->ext, key));
}
[[gnu::noinline]] std::uint64_t get_u64_big(const mem_pool* mp, Key key) noexcept {
    const detail::Entry* e = detail::find_recent(mp->ext, key);
    return e != nullptr ? number_or_zero(e) : get_u64_lookup(mp, key);
}

static_assert(std::endian::native == std::endian::little, "an inline value is its payload (read_u64)");

// A heap pool's number past its handle entry (out of line: the caller then
// keeps nothing of its own for this path).
[[gnu::noinline]] std::uint64_t get_u64_rest(const mem_pool* mp, std::uint64_t key) noexcept {
    if (key > key_limit) return 0;
    if (detail::is_big(mp)) [[unlikely]]
        return get_u64_big(mp, static_cast<Key>(key));
    return number_or_zero(detail::find_small(mp, static_cast<Key>(key)));
}

std::uint64_t op_get_u64(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr) return 0;
    const std::uint64_t w = detail::word_of(*p);
    if (detail::word_is_inline(w)) return detail::word_key(w) == key ? detail::word_number(w) : 0;
    const mem_pool* mp = detail::word_core(w);
    if (mp == nullptr) return 0;
    const detail::Entry& first = mp->first;
    if (first.key == key && (first.meta & (detail::kKindMask | detail::kBoxed)) == detail::kValue) [[likely]]
        return first.payload;  // read_u64's inline value
    return get_u64_rest(mp, key);
}

// A set that may create the key or change its kind or length (out of line,
// so that the overwrite below stays a leaf function without a frame).
[[gnu::noinline]] std::uint64_t set_u64_slow(Pool* p, Owner owner, Key key, std::uint64_t value) noexcept {
    if (detail::tls.budget == nullptr) return code_of(p->set<std::uint64_t>(key, value));
    // Whether the set creates the key, from one inline lookup: a new key is
    // charged before (refused past the limit) and refunded if the set fails;
    // an existing one (a shorter number, a list: set() decides) is free.
    const bool is_new = !detail::has_key(*p, key);
    if (is_new && !admit(owner, sizeof value + entry_cost)) return MEMPOOL_ERR_LIMIT;
    const Status s = p->set<std::uint64_t>(key, value);
    if (!s && is_new) refund(owner, sizeof value + entry_cost);
    return code_of(s);
}

// A big pool's 8-byte number overwritten in one store where the recent
// keys or else a lookup find it, or else the general set (out of line, as
// get_u64_big).
[[gnu::noinline]] std::uint64_t set_u64_lookup(Pool* p, Owner owner, Key key, std::uint64_t value) noexcept {
    if (detail::overwrite_entry_bits(detail::find_big_remembering(detail::core_of(*p)->ext, key), value,
                                     detail::inline_value_meta(sizeof value)))
        return MEMPOOL_OK;
    return set_u64_slow(p, owner, key, value);
}
[[gnu::noinline]] std::uint64_t set_u64_big(Pool* p, Owner owner, Key key, std::uint64_t value) noexcept {
    if (detail::overwrite_entry_bits(detail::find_recent(detail::core_of(*p)->ext, key), value,
                                     detail::inline_value_meta(sizeof value))) [[likely]]
        return MEMPOOL_OK;
    return set_u64_lookup(p, owner, key, value);
}

// Every set but op_set_u64's shortcuts, out of line: the caller then keeps
// nothing of its own for these paths (the key and value first: where the
// helper has them). An 8-byte number already in a heap pool is overwritten
// in one store after one lookup (a small pool's here, without a frame);
// everything else (a new key, another kind or length, a number the Pool's
// word holds but that will not fit it) is set_u64_slow's.
[[gnu::noinline]] std::uint64_t set_u64_rest(std::uint64_t key, std::uint64_t value, Pool* p, Owner owner) noexcept {
    if (key > key_limit) return MEMPOOL_ERR_INVALID;
    if (const mem_pool* mp = detail::core_of(*p); mp != nullptr) [[likely]] {
        if (detail::is_big(mp)) [[unlikely]]
            return set_u64_big(p, owner, static_cast<Key>(key), value);
        if (detail::overwrite_entry_bits(detail::find_small(mp, static_cast<Key>(key)), value,
                                         detail::inline_value_meta(sizeof value))) [[likely]]
            return MEMPOOL_OK;
    }
    return set_u64_slow(p, owner, static_cast<Key>(key), value);
}

// An empty pool's first number, in the Pool's own word: a new route's first
// attribute, the set a route pool mostly sees. Charged as any new key
// (set_u64_slow's rule, without its lookups). key <= kMaxInlineKey and
// value < 2^32 (op_set_u64 checked).
[[gnu::noinline]] std::uint64_t set_u64_first(std::uint64_t key, std::uint64_t value, Pool* p, Owner owner) noexcept {
    if (!admit(owner, sizeof value + entry_cost)) return MEMPOOL_ERR_LIMIT;
    detail::set_first_word(*p, detail::make_inline_word(static_cast<Key>(key), sizeof value, value));
    return MEMPOOL_OK;
}

inline std::uint64_t op_set_u64(Pool* p, Owner owner, std::uint64_t key, std::uint64_t value) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    // An 8-byte number already there: one store, the pool does not grow, so
    // nothing is charged (a counter's read-modify-write ends here).
    const std::uint64_t w = detail::word_of(*p);
    if (detail::word_is_inline(w)) {
        // The word's low half (tag, length 8, key) stays; the number, if it
        // fits there too, is its high half (overwrite_u64, in place).
        constexpr std::uint64_t tag_and_length = detail::make_inline_word(0, sizeof value, 0);
        if ((w & tag_and_length) == tag_and_length && detail::word_key(w) == key && (value >> 32) == 0) [[likely]] {
            detail::set_first_word(*p, (w & 0xffffffffu) | (value << 32));
            return MEMPOOL_OK;
        }
    } else if (w == 0) {
        if (key <= detail::kMaxInlineKey && (value >> 32) == 0) [[likely]]
            return set_u64_first(key, value, p, owner);
    } else if (mem_pool* mp = detail::word_core(w); mp != nullptr) [[likely]] {
        if (mp->first.key == key &&
            detail::overwrite_entry_bits(&mp->first, value, detail::inline_value_meta(sizeof value))) [[likely]]
            return MEMPOOL_OK;
    }
    return set_u64_rest(key, value, p, owner);
}

std::uint64_t op_len(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr || key > key_limit) return 0;
    // A value in the Pool's own word (a route's metric: plugin D asks for
    // two per comparison) is read here, as Pool::value_size would, without
    // the call into the pool.
    if (const std::uint64_t w = detail::word_of(*p); detail::word_is_inline(w))
        return detail::word_key(w) == key ? detail::word_length(w) : 0;
    // value_size, not bytes(): an inline value stays in its handle.
    Result<std::size_t> n = p->value_size(static_cast<Key>(key));
    return n ? n.value() : 0;
}

// Copies what fits of `from` into the plugin's buffer and zeroes the rest of
// the `len` bytes: the verifier counts every byte of an out_bytes buffer as
// written by the call, so none may keep what was there (uninitialised stack
// is host stack). Returns the bytes copied.
std::uint64_t copy_out(std::uint64_t buf, std::uint64_t len, std::span<const std::byte> from) noexcept {
    if (buf == 0) return 0;
    const std::size_t room = clamp_len(len);
    const std::size_t n = from.size() < room ? from.size() : room;
    auto* out = reinterpret_cast<std::byte*>(buf);
    if (n != 0) std::memcpy(out, from.data(), n);
    if (room > n) std::memset(out + n, 0, room - n);
    return n;
}

std::uint64_t op_get_buf(const Pool* p, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr || key > key_limit) return copy_out(buf, len, {});
    // A value that fits the pool's handle is read from a copy: bytes() would
    // move it to the heap.
    std::byte small[8];
    if (Result<std::size_t> n = p->read(static_cast<Key>(key), small); n && n.value() <= sizeof small)
        return copy_out(buf, len, {small, n.value()});
    Result<std::span<std::byte>> b = p->bytes(static_cast<Key>(key));
    return copy_out(buf, len, b ? b.value() : std::span<const std::byte>{});
}

std::uint64_t op_set_buf(Pool* p, Owner owner, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    if (key > key_limit || buf == 0 || len == 0) return MEMPOOL_ERR_INVALID;
    const auto* data = reinterpret_cast<const std::byte*>(buf);
    const std::size_t n = clamp_len(len);
    if (detail::tls.budget != nullptr) {
        std::uint64_t growth = n + entry_cost;  // a new key
        if (Result<std::size_t> old = p->value_size(static_cast<Key>(key)); old)
            growth = n > old.value() ? n - old.value() : 0;
        else if (p->contains(static_cast<Key>(key)))
            growth = 0;  // a list or a reference: assign() refuses it below
        if (!admit(owner, growth)) return MEMPOOL_ERR_LIMIT;
    }
    return code_of(p->assign(static_cast<Key>(key), {data, n}));
}

std::uint64_t op_append(Pool* p, Owner owner, std::uint64_t key, std::uint64_t buf, std::uint64_t len) noexcept {
    if (p == nullptr) return MEMPOOL_ERR_NO_POOL;
    if (key > key_limit || buf == 0 || len == 0) return MEMPOOL_ERR_INVALID;
    const auto* data = reinterpret_cast<const std::byte*>(buf);
    const std::size_t n = clamp_len(len);
    if (detail::tls.budget == nullptr) return code_of(p->append(static_cast<Key>(key), {data, n}));
    const bool is_new = !p->contains(static_cast<Key>(key));
    if (!admit(owner, n + (is_new ? entry_cost : 0))) return MEMPOOL_ERR_LIMIT;
    return code_of(p->append(static_cast<Key>(key), {data, n}));
}

std::uint64_t op_list_len(const Pool* p, std::uint64_t key) noexcept {
    if (p == nullptr || key > key_limit) return 0;
    Result<ListView> l = p->list(static_cast<Key>(key));
    return l ? l.value().size() : 0;
}

// Element `index` of a list, in constant time (ListView::at).
std::uint64_t op_get_elem(const Pool* p, std::uint64_t key, std::uint64_t index, std::uint64_t buf,
                          std::uint64_t len) noexcept {
    if (p == nullptr || key > key_limit) return copy_out(buf, len, {});
    Result<ListView> l = p->list(static_cast<Key>(key));
    if (!l) return copy_out(buf, len, {});
    Result<std::span<std::byte>> e = l.value().at(index);
    return copy_out(buf, len, e ? e.value() : std::span<const std::byte>{});
}

// ---- the helpers ----------------------------------------------------------

#define H std::uint64_t
using u64 = std::uint64_t;

H get_state_u64(u64 key, u64, u64, u64, u64) noexcept { return op_get_u64(global_pool(), key); }
H set_state_u64(u64 key, u64 v, u64, u64, u64) noexcept { return op_set_u64(global_pool(), Owner::global, key, v); }
H get_state_len(u64 key, u64, u64, u64, u64) noexcept { return op_len(global_pool(), key); }
H get_state_buf(u64 key, u64 buf, u64 len, u64, u64) noexcept { return op_get_buf(global_pool(), key, buf, len); }
H set_state_buf(u64 key, u64 buf, u64 len, u64, u64) noexcept {
    return op_set_buf(global_pool(), Owner::global, key, buf, len);
}
H append_state(u64 key, u64 buf, u64 len, u64, u64) noexcept {
    return op_append(global_pool(), Owner::global, key, buf, len);
}
H state_list_len(u64 key, u64, u64, u64, u64) noexcept { return op_list_len(global_pool(), key); }
H get_state_elem(u64 key, u64 i, u64 buf, u64 len, u64) noexcept {
    return op_get_elem(global_pool(), key, i, buf, len);
}

u64 no_object(u64 obj) noexcept { return obj > MEMPOOL_OBJ_SECOND ? MEMPOOL_ERR_INVALID : MEMPOOL_ERR_NO_POOL; }

H get_attr_u64(u64 obj, u64 key, u64, u64, u64) noexcept { return op_get_u64(object_pool(obj), key); }
H set_attr_u64(u64 obj, u64 key, u64 v, u64, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_set_u64(p, Owner::object, key, v);
}
H get_attr_len(u64 obj, u64 key, u64, u64, u64) noexcept { return op_len(object_pool(obj), key); }
H get_attr_buf(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    return op_get_buf(object_pool(obj), key, buf, len);
}
H set_attr_buf(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_set_buf(p, Owner::object, key, buf, len);
}
H append_attr(u64 obj, u64 key, u64 buf, u64 len, u64) noexcept {
    Pool* p = object_pool(obj);
    return p == nullptr ? no_object(obj) : op_append(p, Owner::object, key, buf, len);
}
H attr_list_len(u64 obj, u64 key, u64, u64, u64) noexcept { return op_list_len(object_pool(obj), key); }
H get_attr_elem(u64 obj, u64 key, u64 i, u64 buf, u64 len) noexcept {
    return op_get_elem(object_pool(obj), key, i, buf, len);
}

#undef H

constexpr HelperArg N = HelperArg::number;
constexpr HelperArg In = HelperArg::in_bytes;
constexpr HelperArg Out = HelperArg::out_bytes;
constexpr HelperArg S = HelperArg::size;

}  // namespace

namespace detail {

std::span<const BuiltinHelper> pool_helper_table() noexcept {
    static constexpr BuiltinHelper table[] = {
        {"get_state_u64", &get_state_u64, 1, {N}},
        {"set_state_u64", &set_state_u64, 2, {N, N}},
        {"get_state_len", &get_state_len, 1, {N}},
        {"get_state_buf", &get_state_buf, 3, {N, Out, S}},
        {"set_state_buf", &set_state_buf, 3, {N, In, S}},
        {"append_state", &append_state, 3, {N, In, S}},
        {"state_list_len", &state_list_len, 1, {N}},
        {"get_state_elem", &get_state_elem, 4, {N, N, Out, S}},
        {"get_attr_u64", &get_attr_u64, 2, {N, N}},
        {"set_attr_u64", &set_attr_u64, 3, {N, N, N}},
        {"get_attr_len", &get_attr_len, 2, {N, N}},
        {"get_attr_buf", &get_attr_buf, 4, {N, N, Out, S}},
        {"set_attr_buf", &set_attr_buf, 4, {N, N, In, S}},
        {"append_attr", &append_attr, 4, {N, N, In, S}},
        {"attr_list_len", &attr_list_len, 2, {N, N}},
        {"get_attr_elem", &get_attr_elem, 5, {N, N, N, Out, S}},
    };
    return table;
}

}  // namespace detail

std::span<const HelperSpec> pool_helpers() noexcept {
    // Built on first use; a failed allocation here is fatal anyway (static init).
    static const std::vector<HelperSpec> table = detail::specs_of(detail::pool_helper_table());
    return table;
}

}  // namespace mempool
