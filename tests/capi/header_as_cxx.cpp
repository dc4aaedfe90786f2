// mempool.h compiles as C++ and declares every function noexcept there.
#include "mempool/mempool.h"

#include <type_traits>

static_assert(noexcept(new_mempool()));
static_assert(noexcept(get_mempool_u64(nullptr, 0)));
static_assert(std::is_same_v<decltype(&add_single_mempool),
                             int (*)(mem_pool*, uint32_t, void (*)(void*), uint32_t, void*) noexcept>);
