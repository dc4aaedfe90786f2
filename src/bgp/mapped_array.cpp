// mapped_array.cpp: the storage of MappedArray (malloc, then a mapping).
#include "mapped_array.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace mempool::bgp::mapped_storage {

namespace {
std::size_t round_up(std::size_t bytes, std::size_t unit) noexcept { return (bytes + unit - 1) / unit * unit; }
std::size_t page_size() noexcept {
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return page;
}
void* map_bytes(std::size_t bytes, bool populate) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0),
                     -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}
}  // namespace

void grow_bytes(MappedBytes& m, std::size_t bytes, std::size_t used) {
    if (bytes <= m.bytes) return;
    if (m.mapped) {
        bytes = round_up(bytes, page_size());
        void* p = ::mremap(m.data, m.bytes, bytes, MREMAP_MAYMOVE);
        if (p == MAP_FAILED) throw std::bad_alloc();
        m.data = p;
        m.bytes = bytes;
        return;
    }
    if (bytes < kMapFromBytes) {
        void* p = std::realloc(m.data, bytes);
        if (p == nullptr) throw std::bad_alloc();
        m.data = p;
        m.bytes = bytes;
        return;
    }
    bytes = round_up(bytes, page_size());
    MappedBytes next{map_bytes(bytes, false), bytes, 0, true};
    populate_bytes(next, used);  // the copy writes them at once
    if (used != 0) std::memcpy(next.data, m.data, used);
    std::free(m.data);
    m = next;
}

void replace_bytes(MappedBytes& m, std::size_t bytes) {
    MappedBytes next;
    if (bytes >= kMapFromBytes) {
        next.bytes = round_up(bytes, page_size());
        next.data = map_bytes(next.bytes, true);
        next.populated = next.bytes;
        next.mapped = true;
    } else if (bytes != 0) {
        next.data = std::malloc(bytes);
        if (next.data == nullptr) throw std::bad_alloc();
        next.bytes = bytes;
    }
    free_bytes(m);
    m = next;
}

void populate_bytes(MappedBytes& m, std::size_t bytes) noexcept {
    const std::size_t want = std::min(round_up(bytes, kPopulateBytes), m.bytes);
    if (want <= m.populated) return;
    populate_for_write(static_cast<char*>(m.data) + m.populated, want - m.populated);
    m.populated = want;
}

void populate_for_write(void* p, std::size_t bytes) noexcept {
    const std::size_t page = page_size();
    const std::uintptr_t first = round_up(reinterpret_cast<std::uintptr_t>(p), page);
    const std::uintptr_t last = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(page - 1);
    // Best effort: where the kernel lacks MADV_POPULATE_WRITE (before Linux
    // 5.14) the pages fault in one by one as they are written, as before.
    if (first < last) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
}

void free_bytes(MappedBytes& m) noexcept {
    if (m.mapped)
        ::munmap(m.data, m.bytes);
    else
        std::free(m.data);
    m = MappedBytes{};
}

}  // namespace mempool::bgp::mapped_storage
