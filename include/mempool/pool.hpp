// mempool/pool.hpp: the Memory Pool's C++ API.
//
// `mempool::Pool` is an owning, move-only, 8-byte handle to a key-value store
// with 32-bit keys. It allocates nothing until its first entry, so a host can
// embed one in every route or peer object for free and pay only where a
// plugin attaches something:
//
//   struct Route {
//       Prefix prefix;
//       mempool::Pool attributes;   // 8 bytes, no allocation while empty
//   };
//
//   route.attributes.set<std::uint64_t>(kMetric, 17).has_value();
//   mempool::Result<std::uint64_t> m = route.attributes.get<std::uint64_t>(kMetric);
//   if (!m && m.error() == mempool::Error::missing) { /* no metric yet */ }
//
//   for (const mempool::EntryView& e : route.attributes)
//       std::printf("key %u kind %d\n", e.key, static_cast<int>(e.kind));
//
// A pool whose only key holds a small value keeps it in the handle itself,
// with no heap block at all: the common per-route case, one metric per
// route (see "One value in the handle" below).
//
// It is the same store as the C API of mempool.h (`mem_pool *`): `release()`
// hands a pool to C code and `adopt()` takes one back. The rules are those of
// the C API (see mempool.h): an entry is a value, a reference or a list for
// its whole life; `add` refuses to overwrite, `assign` overwrites values in
// place; cleanups run exactly once; pointers and spans into the pool stay
// valid until their key is removed. Unlike the C API, reads tell a missing key
// (`Error::missing`) from another kind (`Error::wrong_kind`) and from another
// length (`Error::wrong_size`): no ambiguous 0.
//
// Nothing here throws. Not synchronised: one thread at a time per pool, const
// calls included (bytes() and iteration may move an inline value to the heap).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <span>
#include <type_traits>
#include <utility>

#include "mempool/detail/layout.hpp"
#include "mempool/mempool.h"
#include "mempool/result.hpp"

namespace mempool {

using Key = std::uint32_t;
using Cleanup = void (*)(void*);

enum class Kind : std::uint8_t { value = 1, reference = 2, list = 3 };

// Types that can be stored and read back by copying their bytes.
template <class T>
concept Storable = std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T> &&
                   (sizeof(T) <= UINT32_MAX);

namespace detail {
// ---- One value in the handle ------------------------------------------------
//
// A Pool is one 64-bit word:
//
//   0                     empty: nothing stored, nothing allocated
//   a mem_pool*           bit 0 clear (malloc aligns to 16): the heap pool
//   one inline value      bit 0 set:
//       bit  0      1
//       bits 1-3    the value's length less one (1..8 bytes)
//       bits 4-31   its key (below 2^28)
//       bits 32-63  its bytes read as a little-endian number, below 2^32:
//                   a value longer than 4 bytes fits only if its bytes 4..7
//                   are zero (a u64 metric or counter below 2^32 does)
//
// An empty Pool's first value goes inline when it fits (no cleanup: a
// cleanup is called with the value's address, which an inline value does
// not have). The pool moves to the heap ("promotion": a core is allocated
// and the value copied into it) when a second key comes, when the value is
// overwritten by one that does not fit, when anything but a value is
// stored, and when an address is asked for (bytes(), iteration, c_pool(),
// release()). It never moves back (clear() empties it). So every pointer the
// pool hands out points into the heap pool, and the pointer promise is the
// C API's, unchanged: valid until the key is removed or the pool deleted.
inline constexpr std::uint64_t kInlineWordTag = 1;
inline constexpr Key kMaxInlineKey = (Key{1} << 28) - 1;

[[nodiscard]] constexpr bool word_is_inline(std::uint64_t word) noexcept { return (word & kInlineWordTag) != 0; }
[[nodiscard]] inline mem_pool* word_core(std::uint64_t word) noexcept {
    return word_is_inline(word) ? nullptr : reinterpret_cast<mem_pool*>(static_cast<std::uintptr_t>(word));
}
[[nodiscard]] constexpr Key word_key(std::uint64_t word) noexcept {
    return static_cast<Key>(word >> 4) & kMaxInlineKey;
}
[[nodiscard]] constexpr std::uint32_t word_length(std::uint64_t word) noexcept {
    return static_cast<std::uint32_t>((word >> 1) & 7) + 1;
}
[[nodiscard]] constexpr std::uint64_t word_number(std::uint64_t word) noexcept { return word >> 32; }
// The inline word of `key` holding a value of `length` (1..8) bytes that
// read as `number` (little-endian; below 2^32).
[[nodiscard]] constexpr std::uint64_t make_inline_word(Key key, std::uint32_t length, std::uint64_t number) noexcept {
    return kInlineWordTag | std::uint64_t{length - 1} << 1 | std::uint64_t{key} << 4 | number << 32;
}
// `length` (1..8) bytes as a little-endian number; constant-size copies
// for the usual lengths, so no call to memcpy on the way.
[[nodiscard]] inline std::uint64_t little_endian_number(const void* bytes, std::uint32_t length) noexcept {
    std::uint64_t n = 0;
    if constexpr (std::endian::native == std::endian::little) {
        switch (length) {
        case 8: std::memcpy(&n, bytes, 8); break;
        case 4: std::memcpy(&n, bytes, 4); break;
        case 2: std::memcpy(&n, bytes, 2); break;
        case 1: std::memcpy(&n, bytes, 1); break;
        default: std::memcpy(&n, bytes, length); break;
        }
    } else {
        const auto* b = static_cast<const unsigned char*>(bytes);
        for (std::uint32_t i = length; i-- > 0;) n = (n << 8) | b[i];
    }
    return n;
}
// The inline word for this value, or 0 if it cannot be inline.
[[nodiscard]] inline std::uint64_t inline_word_for(Key key, const void* bytes, std::size_t length,
                                                   Cleanup cleanup) noexcept {
    if (bytes == nullptr || length - 1 >= 8 || cleanup != nullptr || key > kMaxInlineKey) return 0;
    const std::uint64_t number = little_endian_number(bytes, static_cast<std::uint32_t>(length));
    if ((number >> 32) != 0) return 0;
    return make_inline_word(key, static_cast<std::uint32_t>(length), number);
}
// Writes the inline value's bytes (word_length of them) to `out`.
inline void inline_word_bytes(std::uint64_t word, std::byte* out) noexcept {
    const std::uint64_t n = word_number(word);
    for (std::uint32_t i = 0; i < word_length(word); ++i) out[i] = static_cast<std::byte>(n >> (8 * i));
}

// Element `index` (0-based, removed elements not counted) of `list`, or
// nullptr past the end (list.cpp).
MEMPOOL_API std::byte* list_element(const List* list, std::size_t index) noexcept;
}  // namespace detail

// The elements of a list, in insertion order, each as a span of its bytes.
// A view stays valid until the list's key is removed; appends made after the
// view was taken may or may not be visited by an iteration already under way.
class ListView {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::span<std::byte>;
        using difference_type = std::ptrdiff_t;

        iterator() noexcept = default;
        value_type operator*() const noexcept {
            return {chunk_->data() + std::size_t{index_} * size_, size_};
        }
        iterator& operator++() noexcept {
            ++index_;
            settle();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.chunk_ == b.chunk_ && a.index_ == b.index_;
        }

    private:
        friend class ListView;
        iterator(detail::ListChunk* chunk, std::uint32_t size) noexcept
            : chunk_(chunk), size_(size) {
            settle();
        }
        // Moves forward to a live element, or to the end (null chunk).
        void settle() noexcept {
            while (chunk_ != nullptr) {
                if (index_ == chunk_->used) {
                    chunk_ = chunk_->next;
                    index_ = 0;
                } else if (chunk_->is_dead(index_)) {
                    ++index_;
                } else {
                    return;
                }
            }
        }
        detail::ListChunk* chunk_ = nullptr;
        std::uint32_t index_ = 0;
        std::uint32_t size_ = 0;
    };

    ListView() noexcept = default;
    explicit ListView(const detail::List* list) noexcept : list_(list) {}

    [[nodiscard]] std::size_t size() const noexcept { return list_ ? list_->live : 0; }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }
    [[nodiscard]] std::uint32_t element_size() const noexcept {
        return list_ ? list_->element_size : 0;
    }
    [[nodiscard]] iterator begin() const noexcept {
        return list_ ? iterator(list_->head, list_->element_size) : iterator();
    }
    [[nodiscard]] iterator end() const noexcept { return {}; }

    // Element `index` in insertion order (removed elements not counted), or
    // Error::missing past the end. Constant time: the element's chunk follows
    // from the index (chunk sizes depend on the element size only) and a
    // table gives its address. After an element of the list was removed
    // (remove_lst_mempool_iterator), it walks the list's chunks instead.
    [[nodiscard]] Result<std::span<std::byte>> at(std::size_t index) const noexcept {
        std::byte* e = detail::list_element(list_, index);
        if (e == nullptr) return Error::missing;
        return std::span<std::byte>(e, list_->element_size);
    }

    // Calls fn(const T&) on each element; the list's elements must be
    // sizeof(T) bytes (returns Error::wrong_size otherwise, calling nothing).
    template <Storable T, class Fn>
    Status for_each(Fn&& fn) const noexcept(noexcept(fn(std::declval<const T&>()))) {
        if (list_ == nullptr) return {};
        if (list_->element_size != sizeof(T)) return Error::wrong_size;
        for (const detail::ListChunk* c = list_->head; c != nullptr; c = c->next) {
            // Chunks are 16-byte aligned and elements sizeof(T) apart, so each
            // element is suitably aligned for T.
            const T* elems = reinterpret_cast<const T*>(const_cast<detail::ListChunk*>(c)->data());
            if (c->dead == nullptr) {
                for (std::uint32_t i = 0; i < c->used; ++i) fn(elems[i]);
            } else {
                for (std::uint32_t i = 0; i < c->used; ++i)
                    if (!c->is_dead(i)) fn(elems[i]);
            }
        }
        return {};
    }

private:
    const detail::List* list_ = nullptr;
};

// One entry seen by iteration over a pool.
struct EntryView {
    Key key = 0;
    Kind kind = Kind::value;
    std::span<std::byte> bytes;   // value: the pool's copy; empty for other kinds
    void* reference = nullptr;    // reference: the stored pointer
    ListView list;                // list: its elements
};

class Pool;

namespace detail {
// Ordinal of the first live entry at or after `from`, or UINT32_MAX.
MEMPOOL_API std::uint32_t next_live(const mem_pool* mp, std::uint32_t from) noexcept;
MEMPOOL_API EntryView view_at(const mem_pool* mp, std::uint32_t ordinal) noexcept;
}  // namespace detail

class EntryIterator {
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = EntryView;
    using difference_type = std::ptrdiff_t;

    EntryIterator() noexcept = default;
    EntryView operator*() const noexcept { return detail::view_at(pool_, ordinal_); }
    EntryIterator& operator++() noexcept {
        ordinal_ = detail::next_live(pool_, ordinal_ + 1);
        return *this;
    }
    EntryIterator operator++(int) noexcept {
        EntryIterator old = *this;
        ++*this;
        return old;
    }
    friend bool operator==(const EntryIterator& a, const EntryIterator& b) noexcept {
        return a.ordinal_ == b.ordinal_;
    }

private:
    friend class Pool;
    EntryIterator(const mem_pool* pool, std::uint32_t ordinal) noexcept
        : pool_(pool), ordinal_(ordinal) {}
    const mem_pool* pool_ = nullptr;
    std::uint32_t ordinal_ = UINT32_MAX;
};

class MEMPOOL_API Pool {
public:
    constexpr Pool() noexcept = default;
    ~Pool() { delete_mempool(detail::word_core(word_)); }
    Pool(Pool&& other) noexcept : word_(std::exchange(other.word_, 0)) {}
    Pool& operator=(Pool&& other) noexcept {
        if (this != &other) {
            delete_mempool(detail::word_core(word_));
            word_ = std::exchange(other.word_, 0);
        }
        return *this;
    }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Takes ownership of a pool made by new_mempool().
    [[nodiscard]] static Pool adopt(mem_pool* mp) noexcept {
        Pool p;
        p.word_ = reinterpret_cast<std::uintptr_t>(mp);
        return p;
    }
    // Gives up ownership; the caller frees it with delete_mempool(). Null if
    // nothing was ever stored, and null, keeping the pool, if its inline
    // value cannot be moved to a heap pool (out of memory).
    [[nodiscard]] mem_pool* release() noexcept;
    // The C handle of this pool, allocated if not yet (an inline value is
    // moved into it); still owned by *this.
    [[nodiscard]] Result<mem_pool*> c_pool() noexcept;

    // Stores a copy of `bytes`; Error::exists if the key is present.
    [[nodiscard]] Status add(Key key, std::span<const std::byte> bytes,
                             Cleanup cleanup = nullptr) noexcept;
    // Creates or overwrites a value (in place when the length is unchanged).
    [[nodiscard]] Status assign(Key key, std::span<const std::byte> bytes,
                                Cleanup cleanup = nullptr) noexcept;
    // Stores the pointer itself; Error::exists if the key is present.
    [[nodiscard]] Status add_reference(Key key, void* pointer, Cleanup cleanup = nullptr) noexcept;
    // Appends a copy of `element` to the key's list, creating it if absent.
    [[nodiscard]] Status append(Key key, std::span<const std::byte> element,
                                Cleanup cleanup = nullptr) noexcept;

    template <Storable T>
    [[nodiscard]] Status put(Key key, const T& value) noexcept {
        return add(key, std::as_bytes(std::span<const T, 1>(&value, 1)));
    }
    template <Storable T>
    [[nodiscard]] Status set(Key key, const T& value) noexcept {
        return assign(key, std::as_bytes(std::span<const T, 1>(&value, 1)));
    }
    template <Storable T>
    [[nodiscard]] Status push(Key key, const T& element) noexcept {
        return append(key, std::as_bytes(std::span<const T, 1>(&element, 1)));
    }

    // A value of at most 8 bytes, zero-extended little-endian.
    [[nodiscard]] Result<std::uint64_t> get_u64(Key key) const noexcept;
    // A value of exactly sizeof(T) bytes, copied out (never moves an inline
    // value to the heap).
    template <Storable T>
    [[nodiscard]] Result<T> get(Key key) const noexcept {
        T out;
        Result<std::size_t> n = read(key, std::as_writable_bytes(std::span<T, 1>(&out, 1)));
        if (!n) return n.error();
        if (n.value() != sizeof(T)) return Error::wrong_size;
        return out;
    }
    // The length of a value (Error::wrong_kind for a reference or a list).
    [[nodiscard]] Result<std::size_t> value_size(Key key) const noexcept;
    // Copies the first min(out.size(), length) bytes of a value into `out`
    // and returns the value's length; Error::missing, Error::wrong_kind as
    // value_size. Never allocates.
    [[nodiscard]] Result<std::size_t> read(Key key, std::span<std::byte> out) const noexcept;
    // The pool's copy of a value, writable in place. The address is stable
    // (until the key is removed), so an inline value is first moved to a
    // heap pool: this can fail with Error::out_of_memory.
    [[nodiscard]] Result<std::span<std::byte>> bytes(Key key) const noexcept;
    [[nodiscard]] Result<void*> reference(Key key) const noexcept;
    [[nodiscard]] Result<ListView> list(Key key) const noexcept;
    [[nodiscard]] Result<Kind> kind(Key key) const noexcept;
    [[nodiscard]] bool contains(Key key) const noexcept { return kind(key).has_value(); }

    // Number of keys (not of list elements).
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] bool empty() const noexcept { return word_ == 0 || size() == 0; }
    // Whether the pool's one value lives in the handle (no heap block).
    [[nodiscard]] bool holds_inline_value() const noexcept { return detail::word_is_inline(word_); }

    // Runs the key's cleanups and removes it; false if it was absent.
    bool remove(Key key) noexcept;
    // Removes every key (running cleanups) and frees all memory.
    void clear() noexcept {
        delete_mempool(detail::word_core(word_));
        word_ = 0;
    }

    // Iteration hands out the addresses of values, so an inline value is
    // first moved to a heap pool; if that allocation fails, the iteration
    // visits nothing (call c_pool() first to tell).
    [[nodiscard]] EntryIterator begin() const noexcept {
        const mem_pool* mp = iteration_core();
        return {mp, detail::next_live(mp, 0)};
    }
    [[nodiscard]] EntryIterator end() const noexcept { return {nullptr, UINT32_MAX}; }

private:
    // The heap pool to iterate, made from an inline value if need be.
    [[nodiscard]] const mem_pool* iteration_core() const noexcept;

    // See "One value in the handle" above. Mutable: the reads that hand out
    // addresses (bytes(), begin()) move an inline value to the heap.
    mutable std::uint64_t word_ = 0;
};

static_assert(sizeof(Pool) == 8, "a Pool must stay embeddable in 8 bytes");

}  // namespace mempool
