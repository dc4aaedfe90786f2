// list_arena.hpp: storage for the RIB's route lists, one block per list,
// carved from large chunks and recycled by size.
//
// A table of a million prefixes has a million route lists, each a few dozen
// bytes that grow 2, 4, 8, ... as peers announce the prefix. From malloc
// each cost a 16-byte header, a page fault per 4 KiB as the heap grew, and
// a free and a malloc at every growth (a tenth of a full replay's time in
// malloc and free). Here a block of n units (n * unit bytes, n up to
// kMaxSmallUnits) comes from the free list of its size, else from the
// current chunk; a released block goes back on its size's free list. Chunks
// are mappings of kChunkBytes whose pages are populated at once (one system
// call, not a fault per page) and are kept until the arena dies: a RIB's
// lists come back, so memory is reused, not returned. Larger blocks (a
// prefix with hundreds of add-path routes) go to operator new.
//
//   ListArena arena(sizeof(Route));
//   void* block = arena.allocate(4);  // room for 4 routes, 8-byte aligned
//   arena.release(block, 4);          // the next allocate(4) returns it
//
// allocate() throws std::bad_alloc, as operator new does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mempool::bgp {

class ListArena {
public:
    static constexpr std::uint32_t kMaxSmallUnits = 64;
    static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

    // `unit`: bytes per unit, a multiple of 8.
    explicit ListArena(std::size_t unit) noexcept : unit_(unit) {}
    ~ListArena();
    ListArena(const ListArena&) = delete;
    ListArena& operator=(const ListArena&) = delete;

    [[nodiscard]] void* allocate(std::uint32_t units);
    void release(void* block, std::uint32_t units) noexcept;

    // Bytes taken from the system: chunks and large blocks.
    [[nodiscard]] std::size_t reserved_bytes() const noexcept { return chunk_bytes_ + large_bytes_; }

private:
    [[nodiscard]] void* carve(std::size_t bytes);

    std::size_t unit_;
    void* free_[kMaxSmallUnits + 1] = {};  // free blocks by size, linked through their first word
    std::byte* next_ = nullptr;            // the current chunk's unused part
    std::byte* end_ = nullptr;
    std::vector<void*> chunks_;
    std::size_t chunk_bytes_ = 0;
    std::size_t large_bytes_ = 0;
};

}  // namespace mempool::bgp
