// list_slabs.cpp: slabs of same-size blocks, linked per size while they have
// room, freed when they empty.
#include "list_slabs.hpp"

#include <sys/mman.h>

#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A released block stays poisoned until it is handed out again:
// AddressSanitizer still sees a route list read after its prefix let it go,
// as it did when lists came from malloc.
#define MEMPOOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MEMPOOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define MEMPOOL_POISON(p, n) ((void)(p), (void)(n))
#define MEMPOOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mempool::bgp {

// At the start of each slab (64 bytes, so blocks stay aligned); its blocks follow.
struct alignas(64) ListSlabs::Slab {
    Slab* prev = nullptr;  // in with_room_[units], while linked
    Slab* next = nullptr;
    void* free = nullptr;  // released blocks, linked through their first word
    std::uint32_t units = 0;
    std::uint32_t live = 0;    // blocks handed out
    std::uint32_t carved = 0;  // blocks ever handed out from the tail
    std::uint32_t capacity = 0;
    bool linked = false;

    [[nodiscard]] bool has_room() const noexcept { return free != nullptr || carved < capacity; }
};

ListSlabs::Slab* ListSlabs::slab_of(void* block) noexcept {
    return reinterpret_cast<Slab*>(reinterpret_cast<std::uintptr_t>(block) & ~(kSlabBytes - 1));
}

ListSlabs::~ListSlabs() {
    for (void* r : regions_) {
        MEMPOOL_UNPOISON(r, kRegionBytes);
        ::munmap(r, kRegionBytes);
    }
}

void ListSlabs::link(Slab* s) noexcept {
    Slab*& head = with_room_[s->units];
    s->prev = nullptr;
    s->next = head;
    if (head != nullptr) head->prev = s;
    head = s;
    s->linked = true;
}

void ListSlabs::unlink(Slab* s) noexcept {
    if (s->prev != nullptr) s->prev->next = s->next;
    else with_room_[s->units] = s->next;
    if (s->next != nullptr) s->next->prev = s->prev;
    s->prev = s->next = nullptr;
    s->linked = false;
}

ListSlabs::Slab* ListSlabs::new_slab(std::uint32_t units) {
    void* memory = free_slabs_;
    if (memory != nullptr) {
        MEMPOOL_UNPOISON(memory, sizeof(void*));
        free_slabs_ = *static_cast<void**>(memory);
    } else {
        if (next_ == end_) map_region();
        memory = next_;
        next_ += kSlabBytes;
        // A big RIB's fresh slab: one system call for its pages instead of a
        // fault per page. A small RIB's first slabs fault in only the pages
        // its few lists touch: populated whole, a tiny replay would pay for
        // 16 pages a size it never uses (a page costs about 1.6 µs here).
        if (slab_count_ >= kPopulateFromSlabs) (void)::madvise(memory, kSlabBytes, MADV_POPULATE_WRITE);
    }
    MEMPOOL_UNPOISON(memory, sizeof(Slab));
    Slab* s = ::new (memory) Slab;
    s->units = units;
    s->capacity = static_cast<std::uint32_t>((kSlabBytes - sizeof(Slab)) / (units * unit_));
    ++slab_count_;
    link(s);
    return s;
}

void ListSlabs::map_region() {
    regions_.reserve(regions_.size() + 1);  // so that a failure below leaks nothing
    // kRegionBytes, aligned to kSlabBytes: map a slab more and trim both ends.
    const std::size_t span = kRegionBytes + kSlabBytes;
    void* p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t aligned = (start + kSlabBytes - 1) & ~(kSlabBytes - 1);
    if (aligned != start) ::munmap(p, aligned - start);
    if (aligned + kRegionBytes != start + span)
        ::munmap(reinterpret_cast<void*>(aligned + kRegionBytes), start + span - aligned - kRegionBytes);
    next_ = reinterpret_cast<std::byte*>(aligned);
    end_ = next_ + kRegionBytes;
    MEMPOOL_POISON(next_, kRegionBytes);
    regions_.push_back(next_);
}

void* ListSlabs::allocate(std::uint32_t units) {
    const std::size_t bytes = std::size_t{units} * unit_;
    if (units > kMaxSmallUnits) {
        void* block = ::operator new(bytes);
        large_bytes_ += bytes;
        return block;
    }
    Slab* s = with_room_[units];
    if (s == nullptr) s = new_slab(units);
    void* block = s->free;
    if (block != nullptr) {
        MEMPOOL_UNPOISON(block, sizeof(void*));
        s->free = *static_cast<void**>(block);
    } else {
        block = reinterpret_cast<std::byte*>(s + 1) + std::size_t{s->carved++} * bytes;
    }
    ++s->live;
    if (!s->has_room()) unlink(s);
    MEMPOOL_UNPOISON(block, bytes);
    return block;
}

void ListSlabs::release(void* block, std::uint32_t units) noexcept {
    if (block == nullptr) return;
    const std::size_t bytes = std::size_t{units} * unit_;
    if (units > kMaxSmallUnits) {
        ::operator delete(block);
        large_bytes_ -= bytes;
        return;
    }
    Slab* s = slab_of(block);
    *static_cast<void**>(block) = s->free;
    s->free = block;
    MEMPOOL_POISON(block, bytes);
    --s->live;
    if (!s->linked) link(s);
    // An empty slab goes back, unless it is its size's only slab with room.
    if (s->live == 0 && (s->prev != nullptr || s->next != nullptr)) {
        unlink(s);
        --slab_count_;
        *reinterpret_cast<void**>(s) = free_slabs_;
        free_slabs_ = s;
        MEMPOOL_POISON(s, kSlabBytes);
    }
}

}  // namespace mempool::bgp
