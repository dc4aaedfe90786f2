// The one place where the library allocates, so that tests can make the
// N-th allocation fail and check that every caller copes.
#include <atomic>
#include <cstdlib>

#include "alloc_failure.hpp"
#include "core.hpp"

namespace mempool::detail {
namespace {
// Allocations left before the one that fails; 0 = never fail.
std::atomic<std::uint64_t> g_countdown{0};

bool injected_failure() noexcept {
    if (g_countdown.load(std::memory_order_relaxed) == 0) return false;
    return g_countdown.fetch_sub(1, std::memory_order_relaxed) == 1;
}
}  // namespace

void fail_allocation_after(std::uint64_t n) noexcept { g_countdown.store(n, std::memory_order_relaxed); }
std::uint64_t allocations_before_failure() noexcept { return g_countdown.load(std::memory_order_relaxed); }

void* allocate(std::size_t bytes) noexcept { return injected_failure() ? nullptr : std::malloc(bytes); }
void* allocate_zeroed(std::size_t bytes) noexcept {
    return injected_failure() ? nullptr : std::calloc(1, bytes);
}
void* allocate_aligned(std::size_t alignment, std::size_t bytes) noexcept {
    bytes = (bytes + alignment - 1) / alignment * alignment;  // aligned_alloc wants a multiple
    return injected_failure() ? nullptr : std::aligned_alloc(alignment, bytes);
}
void deallocate(void* p) noexcept { std::free(p); }

}  // namespace mempool::detail
