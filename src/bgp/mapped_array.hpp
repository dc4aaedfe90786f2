// mapped_array.hpp: a growable array of trivially copyable elements for the
// RIB's big tables (its prefixes and its index), which grows without copying
// and without a page fault per page.
//
// std::vector grows by allocating anew and copying: loading a full table
// (577,703 prefixes from one session's initial transfer) copied the prefix
// table at each doubling, touching 77 MB to end with 28 MB, and each 4 KiB
// page cost a page fault: half of the replay's 38,000. Here a small
// array lives in malloc'd memory; past kMapFromBytes it gets a mapping of its
// own, which grows with mremap (the kernel moves the pages, no byte is
// copied), and whose pages are populated ahead of the writes, kPopulateBytes
// at a time (MADV_POPULATE_WRITE: one system call for 64 pages instead of 64
// faults). assign() maps a new table populated at once, as a rehash writes
// all of it. No huge pages: MADV_HUGEPAGE on the RIB's memory made the
// replay of a 1e6 x 10 table 1.44x slower on a machine whose memory was
// fragmented (the kernel compacts on the fault), for 3 % on a quiet one.
//
//   MappedArray<PrefixRoutes> prefixes;
//   prefixes.push_back(PrefixRoutes{p, {}});  // amortised O(1); past 256 KiB no copy
//   MappedArray<std::uint64_t> slots;
//   slots.assign(std::size_t{1} << 20, kEmptySlot);  // a new index of 8 MiB, populated
//
// Failures to allocate throw std::bad_alloc, as std::vector does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

namespace mempool::bgp {

namespace mapped_storage {
inline constexpr std::size_t kMapFromBytes = std::size_t{256} << 10;
inline constexpr std::size_t kPopulateBytes = std::size_t{256} << 10;

// The storage of a MappedArray, in bytes: malloc'd below kMapFromBytes,
// else its own mapping (`mapped`).
struct MappedBytes {
    void* data = nullptr;
    std::size_t bytes = 0;      // capacity
    std::size_t populated = 0;  // mapped only: bytes [0, populated) are populated
    bool mapped = false;
};
// Grows `m` to at least `bytes`, keeping its first `used` bytes. Throws std::bad_alloc.
void grow_bytes(MappedBytes& m, std::size_t bytes, std::size_t used);
// Replaces `m` with fresh storage of exactly `bytes`, every page populated.
void replace_bytes(MappedBytes& m, std::size_t bytes);
// Populates the mapping's pages up to at least `bytes` (rounded up to kPopulateBytes).
void populate_bytes(MappedBytes& m, std::size_t bytes) noexcept;
// Populates the whole pages inside [p, p + bytes), any memory (a buffer from
// new[] about to be filled whole: one system call instead of a fault per
// page, about 10 us each on a virtual machine). Best effort, as populate_bytes.
void populate_for_write(void* p, std::size_t bytes) noexcept;
void free_bytes(MappedBytes& m) noexcept;
}  // namespace mapped_storage

template <class T>
class MappedArray {
    static_assert(std::is_trivially_copyable_v<T>, "elements move by their bytes (mremap, memcpy)");
    static_assert(alignof(T) <= alignof(std::max_align_t), "malloc'd storage is aligned for no more");

public:
    MappedArray() = default;
    ~MappedArray() { mapped_storage::free_bytes(m_); }
    MappedArray(const MappedArray&) = delete;
    MappedArray& operator=(const MappedArray&) = delete;
    MappedArray(MappedArray&& other) noexcept : m_(std::exchange(other.m_, {})), size_(std::exchange(other.size_, 0)) {}
    MappedArray& operator=(MappedArray&& other) noexcept {
        swap(other);
        return *this;
    }
    void swap(MappedArray& other) noexcept {
        std::swap(m_, other.m_);
        std::swap(size_, other.size_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return m_.bytes / sizeof(T); }
    // Bytes in a mapping of its own (0 while in malloc'd memory): what
    // malloc's statistics do not see.
    [[nodiscard]] std::size_t mapped_bytes() const noexcept { return m_.mapped ? m_.bytes : 0; }
    [[nodiscard]] T* data() noexcept { return static_cast<T*>(m_.data); }
    [[nodiscard]] const T* data() const noexcept { return static_cast<const T*>(m_.data); }
    [[nodiscard]] T& operator[](std::size_t i) noexcept { return data()[i]; }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return data()[i]; }
    [[nodiscard]] T* begin() noexcept { return data(); }
    [[nodiscard]] T* end() noexcept { return data() + size_; }
    [[nodiscard]] const T* begin() const noexcept { return data(); }
    [[nodiscard]] const T* end() const noexcept { return data() + size_; }
    [[nodiscard]] std::span<T> span() noexcept { return {data(), size_}; }
    [[nodiscard]] std::span<const T> span() const noexcept { return {data(), size_}; }

    T& push_back(const T& value) {
        if (size_ == capacity()) [[unlikely]]
            mapped_storage::grow_bytes(m_, std::max<std::size_t>(2 * size_, 16) * sizeof(T), size_ * sizeof(T));
        if (m_.mapped && (size_ + 1) * sizeof(T) > m_.populated) [[unlikely]]
            mapped_storage::populate_bytes(m_, (size_ + 1) * sizeof(T));
        T* slot = data() + size_++;
        *slot = value;
        return *slot;
    }
    // n copies of `value`, in fresh storage of exactly n elements.
    void assign(std::size_t n, const T& value) {
        mapped_storage::replace_bytes(m_, n * sizeof(T));
        size_ = n;
        std::fill_n(data(), n, value);
    }

private:
    mapped_storage::MappedBytes m_;
    std::size_t size_ = 0;
};

}  // namespace mempool::bgp
