// The C API of mempool.h: argument mapping over the core, nothing else.
// Every function is noexcept, so nothing thrown can cross into C.
#include "mempool/mempool.h"

#include "../pool/core.hpp"

namespace detail = mempool::detail;

namespace {
int status_code(mempool::Status s) noexcept { return s ? 0 : -1; }

// set_single_mempool past its fast path.
[[gnu::noinline]] int assign_any(mem_pool* mp, uint32_t type, void (*cleanup)(void*), uint32_t length,
                                 void* val) noexcept {
    return status_code(detail::assign_value(mp, type, val, length, cleanup));
}

// The list held by `type`, or nullptr.
const detail::List* list_of(mem_pool* mp, uint32_t type) noexcept {
    if (mp == nullptr) return nullptr;
    detail::Entry* e = detail::find(mp, type);
    if (e == nullptr || detail::kind_of(e->meta) != detail::kList) return nullptr;
    return reinterpret_cast<const detail::List*>(e->payload);
}
}  // namespace

extern "C" {

mem_pool* new_mempool(void) noexcept { return detail::pool_create(); }

void delete_mempool(mem_pool* mp) noexcept { detail::pool_destroy(mp); }

int add_single_mempool(mem_pool* mp, uint32_t type, void (*cleanup)(void*), uint32_t length,
                       void* val) noexcept {
    return status_code(detail::add_value(mp, type, val, length, cleanup));
}

int set_single_mempool(mem_pool* mp, uint32_t type, void (*cleanup)(void*), uint32_t length,
                       void* val) noexcept {
    if (mp != nullptr && val != nullptr && cleanup == nullptr && length - 1 < 8) [[likely]] {
        // The value's bytes are read first, so that only they, the key and
        // the length stay live across the lookup: no register is saved on
        // this path. Anything else it cannot do gets the same bytes, copied.
        std::uint64_t bits = detail::inline_bits(val, length);
        if (detail::overwrite_inline_bits(mp, type, bits, detail::inline_value_meta(length))) return 0;
        return assign_any(mp, type, nullptr, length, &bits);
    }
    return assign_any(mp, type, cleanup, length, val);
}

int add_raw_ptr_mempool(mem_pool* mp, uint32_t type, void (*cleanup)(void*), void* val) noexcept {
    return status_code(detail::add_reference(mp, type, val, cleanup));
}

int add_lst_mempool(mem_pool* mp, uint32_t type, void (*cleanup)(void*), uint32_t length,
                    void* val) noexcept {
    return status_code(detail::append(mp, type, val, length, cleanup));
}

void remove_mempool(mem_pool* mp, uint32_t type) noexcept { detail::remove(mp, type); }

uint64_t get_mempool_u64(mem_pool* mp, uint32_t type) noexcept {
    if (mp == nullptr) return 0;
    return detail::read_u64(detail::find(mp, type)).value_or(0);
}

void* get_mempool_ptr(mem_pool* mp, uint32_t type) noexcept {
    if (mp == nullptr) return nullptr;
    detail::Entry* e = detail::find(mp, type);
    if (e == nullptr) return nullptr;
    switch (detail::kind_of(e->meta)) {
    case detail::kValue: return detail::value_bytes(e).data();
    case detail::kReference: return reinterpret_cast<void*>(e->payload);
    default: return nullptr;
    }
}

uint32_t get_mempool_len(mem_pool* mp, uint32_t type) noexcept {
    if (mp == nullptr) return 0;
    detail::Entry* e = detail::find(mp, type);
    if (e == nullptr) return 0;
    switch (detail::kind_of(e->meta)) {
    case detail::kValue: return static_cast<uint32_t>(detail::value_bytes(e).size());
    case detail::kList: return reinterpret_cast<const detail::List*>(e->payload)->element_size;
    default: return 0;
    }
}

uint64_t get_lst_mempool_count(mem_pool* mp, uint32_t type) noexcept {
    const detail::List* list = list_of(mp, type);
    return list != nullptr ? list->live : 0;
}

void* get_lst_mempool_elem(mem_pool* mp, uint32_t type, uint64_t index) noexcept {
    const detail::List* list = list_of(mp, type);
    if (list == nullptr || index >= list->live) return nullptr;
    return detail::list_element(list, static_cast<std::size_t>(index));
}

}  // extern "C"
