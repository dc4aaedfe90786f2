// xbgp/shared_memory.cpp: SharedMemory (see the header) and the helpers over
// it: ctx_shmnew(key, size), ctx_shmget(key), ctx_shmrm(key). They act on the
// shared memory of the running plugin's group (PluginBudget::shared); a
// plugin without one (shared_mem 0) gets NULL. Keys are xBGP's key_t, a
// 32-bit int.
#include "shared_memory.hpp"

#include "../call_state.hpp"
#include "xbgp_helpers.hpp"

#include <cstdlib>
#include <cstring>

namespace mempool::detail {

SharedMemory::SharedMemory(std::uint32_t limit) noexcept {
    if (limit == 0) return;
    const std::size_t bytes = (static_cast<std::size_t>(limit) + 63) & ~std::size_t{63};
    arena_ = static_cast<std::uint8_t*>(std::aligned_alloc(64, bytes));
    if (arena_ == nullptr) return;  // limit_ stays 0: every create fails
    std::memset(arena_, 0, bytes);
    limit_ = limit;
}

SharedMemory::~SharedMemory() { std::free(arena_); }

std::uint8_t* SharedMemory::create(std::uint32_t key, std::uint64_t size) noexcept {
    const std::scoped_lock lock(mutex_);
    if (size == 0 || size > limit_ || directory_.contains(key)) return nullptr;
    const auto need = static_cast<std::uint32_t>((size + 7) & ~std::uint64_t{7});
    // First fit between the blocks taken, in offset order.
    std::uint32_t at = 0;
    for (const auto& [offset, length] : taken_) {
        if (offset - at >= need) break;
        at = offset + length;
    }
    if (at > limit_ || limit_ - at < need) return nullptr;
    const Block block{at, static_cast<std::uint32_t>(size)};
    if (!directory_.put(key, block)) return nullptr;
    try {
        taken_.emplace(at, need);
    } catch (...) {
        directory_.remove(key);
        return nullptr;
    }
    std::memset(arena_ + at, 0, need > limit_ - at ? limit_ - at : need);
    return arena_ + at;
}

std::uint8_t* SharedMemory::find(std::uint32_t key, std::uint32_t* size) const noexcept {
    const std::scoped_lock lock(mutex_);
    const Result<Block> b = directory_.get<Block>(key);
    if (!b) return nullptr;
    if (size != nullptr) *size = b->size;
    return arena_ + b->offset;
}

void SharedMemory::remove(std::uint32_t key) noexcept {
    const std::scoped_lock lock(mutex_);
    const Result<Block> b = directory_.get<Block>(key);
    if (!b) return;
    const auto it = taken_.find(b->offset);
    if (it != taken_.end()) {
        std::memset(arena_ + it->first, 0, it->second > limit_ - it->first ? limit_ - it->first : it->second);
        taken_.erase(it);
    }
    directory_.remove(key);
}

std::uint64_t SharedMemory::used() const noexcept {
    const std::scoped_lock lock(mutex_);
    std::uint64_t total = 0;
    for (const auto& [offset, length] : taken_) total += length;
    return total;
}

std::size_t SharedMemory::blocks() const noexcept {
    const std::scoped_lock lock(mutex_);
    return taken_.size();
}

namespace xbgp {

namespace {
SharedMemory* group_memory() noexcept {
    const PluginBudget* b = tls.budget;
    return b != nullptr ? b->shared : nullptr;
}
}  // namespace

u64 ctx_shmnew(u64 key, u64 size, u64, u64, u64) noexcept {
    SharedMemory* shm = group_memory();
    return shm != nullptr ? reinterpret_cast<u64>(shm->create(static_cast<std::uint32_t>(key), size)) : 0;
}

u64 ctx_shmget(u64 key, u64, u64, u64, u64) noexcept {
    SharedMemory* shm = group_memory();
    return shm != nullptr ? reinterpret_cast<u64>(shm->find(static_cast<std::uint32_t>(key))) : 0;
}

u64 ctx_shmrm(u64 key, u64, u64, u64, u64) noexcept {
    if (SharedMemory* shm = group_memory()) shm->remove(static_cast<std::uint32_t>(key));
    return 0;
}

}  // namespace xbgp
}  // namespace mempool::detail
