// entry_set_cache.cpp: see entry_set_cache.hpp.
#include "entry_set_cache.hpp"

#include <cstring>

namespace mempool::bgp {

namespace {
std::size_t slot_of(std::uint64_t h) noexcept { return (h >> 32) & (EntrySetCache::kSlots - 1); }
}  // namespace

bool EntrySetCache::find(Bytes field, std::uint32_t context, std::uint64_t h, AttrId& id) const noexcept {
    if (!slots_) return false;
    const std::size_t i = slot_of(h);
    const Slot& s = slots_[i];
    if (s.hash != h || s.context != context || s.size != field.size() || field.empty() ||
        std::memcmp(fields_.get() + i * kMaxField, field.data(), field.size()) != 0)
        return false;
    id = s.id;
    return true;
}

void EntrySetCache::put(Bytes field, std::uint32_t context, std::uint64_t h, AttrId id, AttrStore& store) {
    if (field.empty() || field.size() > kMaxField) return;
    if (!slots_) {
        slots_ = std::make_unique<Slot[]>(kSlots);
        fields_ = std::make_unique_for_overwrite<std::uint8_t[]>(kSlots * kMaxField);
    }
    const std::size_t i = slot_of(h);
    Slot& s = slots_[i];
    store.ref(id);  // before the unref below: the same set may be in the slot
    if (s.size != 0) store.unref(s.id);
    s = Slot{h, context, static_cast<std::uint32_t>(field.size()), id};
    std::memcpy(fields_.get() + i * kMaxField, field.data(), field.size());
}

void EntrySetCache::clear(AttrStore& store) noexcept {
    if (!slots_) return;
    for (std::size_t i = 0; i < kSlots; ++i) {
        if (slots_[i].size != 0) store.unref(slots_[i].id);
        slots_[i] = Slot{};
    }
}

}  // namespace mempool::bgp
