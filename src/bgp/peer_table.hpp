// peer_table.hpp: the peers of a replay, each once: who it is (address and
// AS, as the MRT records name it) and the figures counted for it.
//
// A peer's index is the position it was first met at; the Adj-RIB-In, the
// insertion points (MessageEvent::peer, RouteEvent::peer) and selection all
// name peers by it. Records come in runs from one peer, so the table
// remembers the last peer looked up and answers a repeat without hashing.
//
//   PeerTable peers;
//   const std::uint32_t p = peers.index_of(PeerKey{parse_ip("192.0.2.1"), 65001});
//   ++peers.figures(p).update_messages;
//   select_best_routes(rib, peers.identities(), hooks, best);
//
// The identity is stored once, in identities(); the figures' own `ip` and
// `as` are filled in by report_row(), which builds the row of the report.
#pragma once

#include <cstdint>
#include <vector>

#include "mrt_record.hpp"
#include "report.hpp"
#include "selection.hpp"

namespace mempool::bgp {

class PeerTable {
public:
    // The index of the peer `key`, added (with zero figures) if new.
    [[nodiscard]] std::uint32_t index_of(const PeerKey& key);

    [[nodiscard]] std::size_t size() const noexcept { return identities_.size(); }
    [[nodiscard]] const std::vector<PeerIdentity>& identities() const noexcept { return identities_; }
    [[nodiscard]] const PeerIdentity& identity(std::uint32_t peer) const noexcept { return identities_[peer]; }
    // The counters of `peer` (its `ip` and `as` are not kept here: see report_row()).
    [[nodiscard]] PeerFigures& figures(std::uint32_t peer) noexcept { return figures_[peer]; }
    [[nodiscard]] const PeerFigures& figures(std::uint32_t peer) const noexcept { return figures_[peer]; }
    // The figures of `peer` with its address and AS: a row of the report.
    [[nodiscard]] PeerFigures report_row(std::uint32_t peer) const;

private:
    static constexpr std::uint32_t kEmpty = UINT32_MAX;

    [[nodiscard]] static std::size_t hash(const IpAddress& ip, std::uint32_t as) noexcept;
    [[nodiscard]] bool is(std::uint32_t peer, const PeerKey& key) const noexcept {
        const PeerIdentity& id = identities_[peer];
        return id.as == key.as && id.ip == key.ip;
    }
    void grow();

    std::vector<PeerIdentity> identities_;  // by peer index
    std::vector<PeerFigures> figures_;      // by peer index
    // Open addressing over peer indexes (kEmpty: free), linear probing,
    // a power of two at most half full. The keys are identities_ itself.
    std::vector<std::uint32_t> slots_;
    std::uint32_t last_ = kEmpty;  // the peer of the last lookup
};

}  // namespace mempool::bgp
