// adj_rib_out.hpp: what one neighbour has been sent and not withdrawn: per
// prefix of the RIB (by its stable index), the id of the sent form of its
// attributes (update_encoder.hpp), interned in a store shared by every
// neighbour.
//
//   by_prefix : vector<u32>, kNoRoute where nothing was sent   // 4 bytes per prefix
//
// Setting a route takes over one reference of its id; replacing or
// removing one gives the old reference back to the store.
#pragma once

#include <cstdint>
#include <vector>

#include "attr_store.hpp"

namespace mempool::bgp {

class AdjRibOut {
public:
    static constexpr AttrId kNoRoute = 0xffffffffu;

    [[nodiscard]] AttrId get(std::uint32_t prefix) const noexcept {
        return prefix < by_prefix_.size() ? by_prefix_[prefix] : kNoRoute;
    }
    // Installs `id` (a reference the table keeps); the old one is released.
    void set(std::uint32_t prefix, AttrId id, AttrStore& store);
    // Removes the route; false if there was none.
    bool remove(std::uint32_t prefix, AttrStore& store) noexcept;
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t prefix_slots() const noexcept { return by_prefix_.size(); }

private:
    std::vector<AttrId> by_prefix_;
    std::uint64_t size_ = 0;
};

}  // namespace mempool::bgp
