// Cleanup functions are stored in entries as 12-bit ids into this table, so
// that an entry stays 16 bytes whether or not it has a cleanup. A process has
// a handful of distinct cleanup functions; the table is append-only, read
// without locks, and written under a mutex.
#include <atomic>
#include <mutex>

#include "core.hpp"

namespace mempool::detail {
namespace {
constexpr std::uint32_t kMaxCleanups = 1U << 12;  // id 0 means "none"

std::atomic<Cleanup> g_table[kMaxCleanups];
std::atomic<std::uint32_t> g_used{1};
std::mutex g_mutex;

std::uint32_t lookup(Cleanup fn, std::uint32_t used) noexcept {
    for (std::uint32_t id = 1; id < used; ++id)
        if (g_table[id].load(std::memory_order_acquire) == fn) return id;
    return 0;
}
}  // namespace

std::uint32_t register_cleanup(Cleanup fn) noexcept {
    if (std::uint32_t id = lookup(fn, g_used.load(std::memory_order_acquire))) return id;
    std::lock_guard lock(g_mutex);
    std::uint32_t used = g_used.load(std::memory_order_relaxed);
    if (std::uint32_t id = lookup(fn, used)) return id;
    if (used == kMaxCleanups) return kNoCleanupId;
    g_table[used].store(fn, std::memory_order_release);
    g_used.store(used + 1, std::memory_order_release);
    return used;
}

Cleanup cleanup_fn(std::uint32_t id) noexcept {
    return id == 0 ? nullptr : g_table[id].load(std::memory_order_acquire);
}

}  // namespace mempool::detail
