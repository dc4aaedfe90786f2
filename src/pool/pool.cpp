// mempool::Pool: the owning C++ handle over the core. It allocates the core
// on the first insert, so an unused Pool costs only its 8 bytes.
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

// Runs `insert` on the core, creating the core first if needed; a core made
// for an insert that failed is dropped again, so a failed call leaves the
// handle as it was.
template <class Insert>
static Status with_core(mem_pool*& core, Insert&& insert) noexcept {
    const bool created = core == nullptr;
    if (created && (core = detail::pool_create()) == nullptr) return Error::out_of_memory;
    Status s = insert(core);
    if (!s && created) {
        detail::pool_destroy(core);
        core = nullptr;
    }
    return s;
}

Result<mem_pool*> Pool::c_pool() noexcept {
    if (core_ == nullptr && (core_ = detail::pool_create()) == nullptr) return Error::out_of_memory;
    return core_;
}

Status Pool::add(Key key, std::span<const std::byte> bytes, Cleanup cleanup) noexcept {
    bytes = checked(bytes);
    return with_core(core_, [&](mem_pool* mp) {
        return detail::add_value(mp, key, bytes.data(), static_cast<std::uint32_t>(bytes.size()), cleanup);
    });
}

Status Pool::assign(Key key, std::span<const std::byte> bytes, Cleanup cleanup) noexcept {
    bytes = checked(bytes);
    if (detail::overwrite_small_value(core_, key, bytes.data(), static_cast<std::uint32_t>(bytes.size()), cleanup))
        return {};
    return with_core(core_, [&](mem_pool* mp) {
        return detail::assign_value(mp, key, bytes.data(), static_cast<std::uint32_t>(bytes.size()),
                                    cleanup);
    });
}

Status Pool::add_reference(Key key, void* pointer, Cleanup cleanup) noexcept {
    return with_core(core_, [&](mem_pool* mp) { return detail::add_reference(mp, key, pointer, cleanup); });
}

Status Pool::append(Key key, std::span<const std::byte> element, Cleanup cleanup) noexcept {
    element = checked(element);
    return with_core(core_, [&](mem_pool* mp) {
        return detail::append(mp, key, element.data(), static_cast<std::uint32_t>(element.size()), cleanup);
    });
}

Result<std::uint64_t> Pool::get_u64(Key key) const noexcept {
    if (core_ == nullptr) return Error::missing;
    return detail::read_u64(detail::find(core_, key));
}

Result<std::span<std::byte>> Pool::bytes(Key key) const noexcept {
    detail::Entry* e = core_ != nullptr ? detail::find(core_, key) : nullptr;
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kValue) return Error::wrong_kind;
    return detail::value_bytes(e);
}

Result<void*> Pool::reference(Key key) const noexcept {
    detail::Entry* e = core_ != nullptr ? detail::find(core_, key) : nullptr;
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kReference) return Error::wrong_kind;
    return reinterpret_cast<void*>(e->payload);
}

Result<ListView> Pool::list(Key key) const noexcept {
    detail::Entry* e = core_ != nullptr ? detail::find(core_, key) : nullptr;
    if (e == nullptr) return Error::missing;
    if (detail::kind_of(e->meta) != detail::kList) return Error::wrong_kind;
    return ListView(reinterpret_cast<const detail::List*>(e->payload));
}

Result<Kind> Pool::kind(Key key) const noexcept {
    detail::Entry* e = core_ != nullptr ? detail::find(core_, key) : nullptr;
    if (e == nullptr) return Error::missing;
    return static_cast<Kind>(detail::kind_of(e->meta));
}

std::size_t Pool::size() const noexcept { return detail::live_count(core_); }

bool Pool::remove(Key key) noexcept { return detail::remove(core_, key); }

}  // namespace mempool
