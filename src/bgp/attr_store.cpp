// attr_store.cpp: the interning table.
#include "attr_store.hpp"

#include <cstring>

namespace mempool::bgp {

namespace {
constexpr std::uint64_t kTagMask = 0xffffffff00000000ull;
inline std::uint64_t mix(std::uint64_t h) noexcept {
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}
}  // namespace

std::uint64_t hash_bytes(Bytes b) noexcept {
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (b.size() * 0xff51afd7ed558ccdull);
    std::size_t i = 0;
    for (; i + 8 <= b.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, b.data() + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    std::uint64_t w = 0;
    if (i < b.size()) std::memcpy(&w, b.data() + i, b.size() - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return mix(h);
}

AttrStore::AttrStore() : mask_(255) { slots_.assign(256, kEmpty); }

void AttrStore::grow() {
    MappedArray<std::uint64_t> next;
    next.assign(slots_.size() * 2, kEmpty);
    const std::uint64_t m = next.size() - 1;
    // Walks the sets in id order (their hashes are read in sequence), not
    // the old slots: a set's place in the new index depends only on the
    // order of insertion within its probe run, never on what intern() or
    // unref() find. Each insertion lands at a random place: the slot of the
    // set kAhead further on is loaded ahead. A set with no reference is free.
    constexpr std::size_t kAhead = 16;
    const std::size_t n = sets_.size();
    for (std::size_t id = 0; id < n; ++id) {
        if (id + kAhead < n && sets_[id + kAhead].refs != 0)
            __builtin_prefetch(&next[sets_[id + kAhead].hash & m], 1);
        if (sets_[id].refs == 0) continue;
        const std::uint64_t h = sets_[id].hash;
        std::uint64_t i = h & m;
        while (next[i] != kEmpty) i = (i + 1) & m;
        next[i] = (h & kTagMask) | id;
    }
    slots_.swap(next);
    mask_ = m;
}

AttrId AttrStore::intern(Bytes canonical, std::uint8_t origin, std::uint32_t path_length) {
    const std::uint64_t h = hash_bytes(canonical);
    std::uint64_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
        const std::uint64_t s = slots_[i];
        if (s == kEmpty) break;
        if ((s & kTagMask) == (h & kTagMask)) {
            AttrSet& set = sets_[static_cast<AttrId>(s)];
            if (set.size == canonical.size() &&
                (canonical.empty() || std::memcmp(set.bytes.get(), canonical.data(), canonical.size()) == 0)) {
                ++set.refs;
                return static_cast<AttrId>(s);
            }
        }
    }
    AttrId id;
    if (!free_.empty()) {
        id = free_.back();
        free_.pop_back();
    } else {
        id = static_cast<AttrId>(sets_.size());
        sets_.emplace_back();
    }
    AttrSet& s = sets_[id];
    s.bytes = std::make_unique_for_overwrite<std::uint8_t[]>(canonical.size() ? canonical.size() : 1);
    if (!canonical.empty()) std::memcpy(s.bytes.get(), canonical.data(), canonical.size());
    s.size = static_cast<std::uint32_t>(canonical.size());
    s.hash = h;
    s.refs = 1;
    s.origin = origin;
    s.path_length = path_length;
    payload_ += s.size;
    ++live_;
    slots_[i] = (h & kTagMask) | id;
    if (live_ * 2 > slots_.size()) grow();
    return id;
}

void AttrStore::unref(AttrId id) noexcept {
    AttrSet& set = sets_[id];
    if (--set.refs != 0) return;
    // Find its slot, then close the gap by shifting later entries back.
    std::uint64_t i = set.hash & mask_;
    while (static_cast<AttrId>(slots_[i]) != id || slots_[i] == kEmpty) i = (i + 1) & mask_;
    for (std::uint64_t j = i;;) {
        j = (j + 1) & mask_;
        const std::uint64_t s = slots_[j];
        if (s == kEmpty) break;
        const std::uint64_t home = sets_[static_cast<AttrId>(s)].hash & mask_;
        // Move s into the hole at i unless its home lies cyclically in (i, j].
        const bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            slots_[i] = s;
            i = j;
        }
    }
    slots_[i] = kEmpty;
    payload_ -= set.size;
    set.bytes.reset();
    set.size = 0;
    --live_;
    free_.push_back(id);
}

std::size_t AttrStore::heap_bytes() const noexcept {
    return sets_.capacity() * sizeof(AttrSet) + free_.capacity() * sizeof(AttrId) + payload_ +
           slots_.capacity() * sizeof(std::uint64_t);
}

}  // namespace mempool::bgp
