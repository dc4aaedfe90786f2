// list_arena.cpp: chunks, free lists by size, large blocks.
#include "list_arena.hpp"

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

ListArena::~ListArena() {
    for (void* c : chunks_) {
        MEMPOOL_UNPOISON(c, kChunkBytes);
        ::munmap(c, kChunkBytes);
    }
}

void* ListArena::carve(std::size_t bytes) {
    if (static_cast<std::size_t>(end_ - next_) < bytes) {
        chunks_.reserve(chunks_.size() + 1);  // so that a failure below leaks nothing
        void* c = ::mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (c == MAP_FAILED) throw std::bad_alloc();
        chunks_.push_back(c);
        chunk_bytes_ += kChunkBytes;
        next_ = static_cast<std::byte*>(c);
        end_ = next_ + kChunkBytes;
        MEMPOOL_POISON(next_, kChunkBytes);
    }
    void* block = next_;
    next_ += bytes;
    return block;
}

void* ListArena::allocate(std::uint32_t units) {
    const std::size_t bytes = std::size_t{units} * unit_;
    if (units > kMaxSmallUnits) {
        void* block = ::operator new(bytes);
        large_bytes_ += bytes;
        return block;
    }
    void* block = free_[units];
    if (block != nullptr) {
        MEMPOOL_UNPOISON(block, sizeof(void*));
        free_[units] = *static_cast<void**>(block);
    } else {
        block = carve(bytes);
    }
    MEMPOOL_UNPOISON(block, bytes);
    return block;
}

void ListArena::release(void* block, std::uint32_t units) noexcept {
    if (block == nullptr) return;
    if (units > kMaxSmallUnits) {
        ::operator delete(block);
        large_bytes_ -= std::size_t{units} * unit_;
        return;
    }
    *static_cast<void**>(block) = free_[units];
    free_[units] = block;
    MEMPOOL_POISON(block, std::size_t{units} * unit_);
}

}  // namespace mempool::bgp
