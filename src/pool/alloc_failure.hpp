// Test hook: make the library's N-th allocation from now fail (N >= 1), as
// if memory were exhausted. 0 turns failures off. Process-wide.
#pragma once

#include <cstdint>

#include "mempool/export.h"

namespace mempool::detail {
MEMPOOL_API void fail_allocation_after(std::uint64_t n) noexcept;
// Allocations still to go before the injected failure; 0 once it happened.
MEMPOOL_API std::uint64_t allocations_before_failure() noexcept;
}  // namespace mempool::detail
