// list_slabs.hpp: storage for the RIB's route lists: blocks of n units
// (n routes), carved from slabs that each hold blocks of one size, and
// given back to the system when a slab empties.
//
// A table of a million prefixes has a million route lists, each a few dozen
// bytes that grow 2, 4, 8, ... as peers announce the prefix. From malloc
// each list carried a 16-byte header and each growth cost a malloc and a
// free (a tenth of a full table's replay). Here a block of n units (n up to
// kMaxSmallUnits) comes from a slab of size-n blocks: from the slab's free
// list, else its unused tail. A slab is kSlabBytes, aligned to its size, so
// a block finds its slab by masking its address; its header counts the live
// blocks. Slabs with room are linked per size, and a slab whose last block
// goes back becomes free for any size (one empty slab per size is kept, so
// that a list growing and shrinking at a boundary does not give up and take
// a slab each time). So when a table's lists all outgrow one size (every
// list of 2 becoming 4 as the third peer arrives), that size's slabs serve
// the next, and what the RIB holds is about what its live lists need. Slabs
// are cut from regions of kRegionBytes, mapped and kept until the RIB goes;
// once a RIB has kPopulateFromSlabs slabs, a fresh slab's pages are
// populated at once (one system call, not a fault per page).
// Larger blocks (a prefix with hundreds of add-path routes) come from
// operator new.
//
//   ListSlabs slabs(sizeof(Route));
//   void* block = slabs.allocate(4);  // room for 4 routes, 8-byte aligned
//   slabs.release(block, 4);
//
// allocate() throws std::bad_alloc, as operator new does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mempool::bgp {

class ListSlabs {
public:
    static constexpr std::uint32_t kMaxSmallUnits = 64;
    static constexpr std::size_t kSlabBytes = std::size_t{64} << 10;
    static constexpr std::size_t kRegionBytes = std::size_t{2} << 20;
    static constexpr std::size_t kPopulateFromSlabs = 16;

    // `unit`: bytes per unit, a multiple of 8, at most kSlabBytes / (2 * kMaxSmallUnits).
    explicit ListSlabs(std::size_t unit) noexcept : unit_(unit) {}
    ~ListSlabs();
    ListSlabs(const ListSlabs&) = delete;
    ListSlabs& operator=(const ListSlabs&) = delete;

    [[nodiscard]] void* allocate(std::uint32_t units);
    void release(void* block, std::uint32_t units) noexcept;

    // Bytes held: regions and large blocks.
    [[nodiscard]] std::size_t reserved_bytes() const noexcept { return mapped_bytes() + large_bytes_; }
    // The regions alone (large blocks come from operator new): what
    // malloc's statistics do not see.
    [[nodiscard]] std::size_t mapped_bytes() const noexcept { return regions_.size() * kRegionBytes; }

private:
    struct Slab;
    [[nodiscard]] static Slab* slab_of(void* block) noexcept;
    [[nodiscard]] Slab* new_slab(std::uint32_t units);
    void map_region();
    void link(Slab* s) noexcept;
    void unlink(Slab* s) noexcept;

    std::size_t unit_;
    Slab* with_room_[kMaxSmallUnits + 1] = {};  // per size: slabs that can hand out a block
    void* free_slabs_ = nullptr;                 // empty slabs, linked through their first word
    std::byte* next_ = nullptr;                  // the current region's uncut part
    std::byte* end_ = nullptr;
    std::vector<void*> regions_;
    std::size_t slab_count_ = 0;                 // slabs in use
    std::size_t large_bytes_ = 0;
};

}  // namespace mempool::bgp
