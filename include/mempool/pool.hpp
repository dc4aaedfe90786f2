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
// It is the same store as the C API of mempool.h (`mem_pool *`): `release()`
// hands a pool to C code and `adopt()` takes one back. The rules are those of
// the C API (see mempool.h): an entry is a value, a reference or a list for
// its whole life; `add` refuses to overwrite, `assign` overwrites values in
// place; cleanups run exactly once; pointers and spans into the pool stay
// valid until their key is removed. Unlike the C API, reads tell a missing key
// (`Error::missing`) from another kind (`Error::wrong_kind`) and from another
// length (`Error::wrong_size`): no ambiguous 0.
//
// Nothing here throws. Not synchronised: one thread at a time per pool.
#pragma once

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
    ~Pool() { delete_mempool(core_); }
    Pool(Pool&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}
    Pool& operator=(Pool&& other) noexcept {
        if (this != &other) {
            delete_mempool(core_);
            core_ = std::exchange(other.core_, nullptr);
        }
        return *this;
    }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Takes ownership of a pool made by new_mempool().
    [[nodiscard]] static Pool adopt(mem_pool* mp) noexcept {
        Pool p;
        p.core_ = mp;
        return p;
    }
    // Gives up ownership; the caller frees it with delete_mempool(). Null if
    // nothing was ever stored.
    [[nodiscard]] mem_pool* release() noexcept { return std::exchange(core_, nullptr); }
    // The C handle of this pool, allocated if not yet; still owned by *this.
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
    // A value of exactly sizeof(T) bytes.
    template <Storable T>
    [[nodiscard]] Result<T> get(Key key) const noexcept {
        Result<std::span<std::byte>> b = bytes(key);
        if (!b) return b.error();
        if (b->size() != sizeof(T)) return Error::wrong_size;
        T out;
        std::memcpy(&out, b->data(), sizeof(T));
        return out;
    }
    // The pool's copy of a value, writable in place.
    [[nodiscard]] Result<std::span<std::byte>> bytes(Key key) const noexcept;
    [[nodiscard]] Result<void*> reference(Key key) const noexcept;
    [[nodiscard]] Result<ListView> list(Key key) const noexcept;
    [[nodiscard]] Result<Kind> kind(Key key) const noexcept;
    [[nodiscard]] bool contains(Key key) const noexcept { return kind(key).has_value(); }

    // Number of keys (not of list elements).
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    // Runs the key's cleanups and removes it; false if it was absent.
    bool remove(Key key) noexcept;
    // Removes every key (running cleanups) and frees all memory.
    void clear() noexcept {
        delete_mempool(core_);
        core_ = nullptr;
    }

    [[nodiscard]] EntryIterator begin() const noexcept {
        return {core_, detail::next_live(core_, 0)};
    }
    [[nodiscard]] EntryIterator end() const noexcept { return {core_, UINT32_MAX}; }

private:
    mem_pool* core_ = nullptr;
};

static_assert(sizeof(Pool) == sizeof(void*), "a Pool must stay embeddable at pointer size");

}  // namespace mempool
