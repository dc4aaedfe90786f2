// xbgp/shared_memory.hpp: the shared memory of an xBGP plugin group
// (ctx_shmnew, ctx_shmget, ctx_shmrm): blocks by key that outlive a run,
// shared by the codes of one *.plugin manifest, at most `shared_mem` bytes.
//
// The block directory is a Memory Pool the group owns (key -> {offset,
// size}): the specification's purpose, per-plugin state by key. The bytes
// live in one arena per group, allocated once at load and never moved, so a
// pointer a plugin got stays valid until the block is removed; the executors
// check accesses against it like the heap (vm::RunContext's shared arena).
// New blocks are zeroed; a removed block's bytes are zeroed too.
//
//   detail::SharedMemory shm(4096);
//   std::uint8_t* p = shm.create(7, 64);   // zeroed, or nullptr
//   assert(shm.find(7) == p);
//   shm.remove(7);
#pragma once

#include <mempool/pool.hpp>

#include <cstdint>
#include <map>
#include <mutex>

namespace mempool::detail {

class SharedMemory {
public:
    explicit SharedMemory(std::uint32_t limit) noexcept;
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;

    // A new zeroed block of `size` bytes under `key`; nullptr if the key is
    // taken, size is 0, or the blocks would pass the limit (or fragment it).
    [[nodiscard]] std::uint8_t* create(std::uint32_t key, std::uint64_t size) noexcept;
    // The block under `key`, or nullptr (its size in *size if not null).
    [[nodiscard]] std::uint8_t* find(std::uint32_t key, std::uint32_t* size = nullptr) const noexcept;
    void remove(std::uint32_t key) noexcept;

    [[nodiscard]] std::uint8_t* arena() const noexcept { return arena_; }
    [[nodiscard]] std::uint32_t limit() const noexcept { return limit_; }
    [[nodiscard]] std::uint64_t used() const noexcept;
    [[nodiscard]] std::size_t blocks() const noexcept;

private:
    struct Block {
        std::uint32_t offset;
        std::uint32_t size;
    };
    mutable std::mutex mutex_;
    std::uint8_t* arena_ = nullptr;       // limit_ bytes (8-byte aligned blocks), or null when limit_ is 0
    std::uint32_t limit_ = 0;
    Pool directory_;                      // key -> Block
    std::map<std::uint32_t, std::uint32_t> taken_;  // offset -> rounded size, for placing new blocks
};

}  // namespace mempool::detail
