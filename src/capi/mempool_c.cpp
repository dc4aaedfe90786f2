// The C API of mempool.h: argument mapping over the core, nothing else.
// Every function is noexcept, so nothing thrown can cross into C.
#include "mempool/mempool.h"

#include "../pool/core.hpp"

namespace detail = mempool::detail;

namespace {
int status_code(mempool::Status s) noexcept { return s ? 0 : -1; }
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
    return status_code(detail::assign_value(mp, type, val, length, cleanup));
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

}  // extern "C"
