// mempool::Pool: the owning C++ handle over the core. An unused Pool costs
// only its 8 bytes; a pool of one small value keeps it in those 8 bytes
// (pool.hpp, "One value in the handle"); anything more allocates the core.
#include "mempool/pool.hpp"

#include "core.hpp"

namespace mempool {
namespace {
std::span<const std::byte> checked(std::span<const std::byte> bytes) noexcept {
    // The C layout stores lengths as uint32_t.
    return bytes.size() > UINT32_MAX ? std::span<const std::byte>{} : bytes;
}
}  // namespace

namespace detail {
std::uint32_t next_live(const mem_pool* mp, std::uint32_t from) noexcept {
    if (from == kNoOrdinal) return kNoOrdinal;
    for (std::uint32_t ordinal = from; const Entry* e = entry_at(mp, ordinal); ++ordinal)
        if (e->meta != kEmpty) return ordinal;
    return kNoOrdinal;
}

EntryView view_at(const mem_pool* mp, std::uint32_t ordinal) noexcept {
    EntryView view;
    Entry* e = entry_at(mp, ordinal);
    if (e == nullptr || e->meta == kEmpty) return view;
    view.key = e->key;
    view.kind = static_cast<Kind>(kind_of(e->meta));
    switch (kind_of(e->meta)) {
    case kValue: view.bytes = value_bytes(e); break;
    case kReference: view.reference = reinterpret_cast<void*>(e->payload); break;
    case kList: view.list = ListView(reinterpret_cast<const List*>(e->payload)); break;
    default: break;
    }
    return view;
}
}  // namespace detail

namespace {
using detail::word_core;
using detail::word_is_inline;
using detail::word_key;

bool holds_inline_key(std::uint64_t word, Key key) noexcept { return word_is_inline(word) && word_key(word) == key; }

// A new heap pool holding what `word` holds inline (nothing for an empty
// word); null if out of memory.
mem_pool* core_from(std::uint64_t word) noexcept {
    mem_pool* mp = detail::pool_create();
    if (mp == nullptr || !word_is_inline(word)) return mp;
    std::byte bytes[8];
    detail::inline_word_bytes(word, bytes);
    if (!detail::add_value(mp, word_key(word), bytes, detail::word_length(word), nullptr)) {
        detail::pool_destroy(mp);
        return nullptr;
    }
    return mp;
}

// Runs `change` on the word's heap pool, making it first (from the inline
// value, if any) when there is none yet. The word takes a pool made here
// only if the change succeeded: a failed call leaves the handle as it was.
template <class Change>
Status with_core(std::uint64_t& word, Change&& change) noexcept {
    if (mem_pool* mp = word_core(word); mp != nullptr) return change(mp);
    mem_pool* mp = core_from(word);
    if (mp == nullptr) return Error::out_of_memory;
    Status s = change(mp);
    if (s)
        word = reinterpret_cast<std::uintptr_t>(mp);
    else
        detail::pool_destroy(mp);
    return s;
}

// The word's heap pool, made from its inline value if it holds one (what
// hands out addresses calls this); null for an empty word.
Result<mem_pool*> promote(std::uint64_t& word) noexcept {
    if (!word_is_inline(word)) return word_core(word);
    mem_pool* mp = core_from(word);
    if (mp == nullptr) return Error::out_of_memory;
    word = reinterpret_cast<std::uintptr_t>(mp);
    return mp;
}

// The entry of `key` in the word's heap pool, or null.
detail::Entry* heap_entry(std::uint64_t word, Key key) noexcept {
    mem_pool* mp = word_core(word);
    return mp != nullptr ? detail::find(mp, key) : nullptr;
}
}  // namespace

mem_pool* Pool::release() noexcept {
    Result<mem_pool*> mp = promote(word_);
    if (!mp) return nullptr;
    word_ = 0;
    return mp.value();
}

Result<mem_pool*> Pool::c_pool() noexcept {
    Result<mem_pool*> mp = promote(word_);
    if (!mp) return mp.error();
    if (mp.value() != nullptr) return mp;
    mem_pool* made = detail::pool_create();
    if (made == nullptr) return Error::out_of_memory;
    word_ = reinterpret_cast<std::uintptr_t>(made);
    return made;
}

const mem_pool* Pool::iteration_core() const noexcept {
    Result<mem_pool*> mp = promote(word_);
    return mp ? mp.value() : nullptr;
}

Status Pool::add(Key key, std::span<const std::byte> bytes, Cleanup cleanup) noexcept {
    bytes = checked(bytes);
    if (word_ == 0) {
        if (const std::uint64_t w = detail::inline_word_for(key, bytes.data(), bytes.size(), cleanup); w != 0) {
            word_ = w;
            return {};
        }
    } else if (holds_inline_key(word_, key)) {
        // What the core answers for a present key, without making one.
        return bytes.empty() || bytes.data() == nullptr ? Error::invalid_argument : Error::exists;
    }
    return with_core(word_, [&](mem_pool* mp) {
        return detail::add_value(mp, key, bytes.data(), static_cast<std::uint32_t>(bytes.size()), cleanup);
    });
}

Status Pool::assign(Key key, std::span<const std::byte> bytes, Cleanup cleanup) noexcept {
    bytes = checked(bytes);
    if (word_ == 0 || holds_inline_key(word_, key)) {
        // An inline value has no cleanup, so its overwrite runs none.
        if (const std::uint64_t w = detail::inline_word_for(key, bytes.data(), bytes.size(), cleanup); w != 0) {
            word_ = w;
            return {};
        }
    } else if (detail::overwrite_small_value(word_core(word_), key, bytes.data(),
                                             static_cast<std::uint32_t>(bytes.size()), cleanup)) {
        return {};
    }
    return with_core(word_, [&](mem_pool* mp) {
        return detail::assign_value(mp, key, bytes.data(), static_cast<std::uint32_t>(bytes.size()),
                                    cleanup);
    });
}

Status Pool::add_reference(Key key, void* pointer, Cleanup cleanup) noexcept {
    if (holds_inline_key(word_, key)) return pointer == nullptr ? Error::invalid_argument : Error::exists;
    return with_core(word_, [&](mem_pool* mp) { return detail::add_reference(mp, key, pointer, cleanup); });
}

Status Pool::append(Key key, std::span<const std::byte> element, Cleanup cleanup) noexcept {
    element = checked(element);
    if (holds_inline_key(word_, key)) {
        // The core's order of checks, for a key that holds a value.
        if (element.empty() || element.data() == nullptr) return Error::invalid_argument;
        if (detail::cleanup_id(cleanup) == detail::kNoCleanupId) return Error::out_of_memory;
        return Error::wrong_kind;
    }
    return with_core(word_, [&](mem_pool* mp) {
        return detail::append(mp, key, element.data(), static_cast<std::uint32_t>(element.size()), cleanup);
    });
}

Result<std::uint64_t> Pool::get_u64(Key key) const noexcept {
    if (word_is_inline(word_)) {
        if (word_key(word_) != key) return Error::missing;
        return detail::word_number(word_);
    }
    if (word_ == 0) return Error::missing;
    return detail::read_u64(detail::find(word_core(word_), key));
}

Result<std::size_t> Pool::value_size(Key key) const noexcept {
    if (word_is_inline(word_)) {
        if (word_key(word_) != key) return Error::missing;
        return std::size_t{detail::word_length(word_)};
    }
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kValue) return Error::wrong_kind;
    return detail::value_bytes(e).size();
}

Result<std::size_t> Pool::read(Key key, std::span<std::byte> out) const noexcept {
    if (word_is_inline(word_)) {
        if (word_key(word_) != key) return Error::missing;
        std::byte bytes[8];
        detail::inline_word_bytes(word_, bytes);
        const std::size_t length = detail::word_length(word_);
        if (const std::size_t n = out.size() < length ? out.size() : length; n != 0) std::memcpy(out.data(), bytes, n);
        return length;
    }
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kValue) return Error::wrong_kind;
    const std::span<std::byte> value = detail::value_bytes(e);
    if (const std::size_t n = out.size() < value.size() ? out.size() : value.size(); n != 0)
        std::memcpy(out.data(), value.data(), n);
    return value.size();
}

Result<std::span<std::byte>> Pool::bytes(Key key) const noexcept {
    if (holds_inline_key(word_, key)) {
        if (Result<mem_pool*> mp = promote(word_); !mp) return mp.error();
    }
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kValue) return Error::wrong_kind;
    return detail::value_bytes(e);
}

Result<void*> Pool::reference(Key key) const noexcept {
    if (word_is_inline(word_)) return word_key(word_) == key ? Error::wrong_kind : Error::missing;
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kReference) return Error::wrong_kind;
    return reinterpret_cast<void*>(e->payload);
}

Result<ListView> Pool::list(Key key) const noexcept {
    if (word_is_inline(word_)) return word_key(word_) == key ? Error::wrong_kind : Error::missing;
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kList) return Error::wrong_kind;
    return ListView(reinterpret_cast<const detail::List*>(e->payload));
}

Result<Kind> Pool::kind(Key key) const noexcept {
    if (word_is_inline(word_)) {
        if (word_key(word_) != key) return Error::missing;
        return Kind::value;
    }
    detail::Entry* e = heap_entry(word_, key);
    if (e == nullptr) return Error::missing;
    return static_cast<Kind>(detail::kind_of(e->meta));
}

std::size_t Pool::size() const noexcept {
    return word_is_inline(word_) ? 1 : detail::live_count(word_core(word_));
}

bool Pool::remove(Key key) noexcept {
    if (word_is_inline(word_)) {
        if (word_key(word_) != key) return false;
        word_ = 0;
        return true;
    }
    return detail::remove(word_core(word_), key);
}

}  // namespace mempool
