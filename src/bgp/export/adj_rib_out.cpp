// adj_rib_out.cpp: the per-prefix table of one neighbour.
#include "adj_rib_out.hpp"

#include <algorithm>

namespace mempool::bgp {

void AdjRibOut::set(std::uint32_t prefix, AttrId id, AttrStore& store) {
    if (prefix >= by_prefix_.size()) by_prefix_.resize(std::max<std::size_t>(prefix + 1, by_prefix_.size() * 2), kNoRoute);
    AttrId& slot = by_prefix_[prefix];
    if (slot == kNoRoute) ++size_;
    else store.unref(slot);
    slot = id;
}

bool AdjRibOut::remove(std::uint32_t prefix, AttrStore& store) noexcept {
    if (prefix >= by_prefix_.size() || by_prefix_[prefix] == kNoRoute) return false;
    store.unref(by_prefix_[prefix]);
    by_prefix_[prefix] = kNoRoute;
    --size_;
    return true;
}

}  // namespace mempool::bgp
