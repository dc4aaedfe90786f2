// update_decoder.cpp: framing of the UPDATE body, the attributes through
// AttributeDecoder, and the selection of the prefix fields to hand out.
#include "update_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace mempool::bgp {

void UpdateDecoder::begin(bool add_path) noexcept {
    ++message_number_;
    add_path_ = add_path;
    have_path_length_ = false;
    other_families_ = 0;
    withdrawals_.close();
    announcements_.close();
    // attributes_ is cleared by AttributeDecoder::decode, the first thing
    // each decode_* call does after this (or by decode_update when the body
    // cannot be framed): clearing it here too would do it twice per message.
}

bool UpdateDecoder::decode_update(Bytes body, bool four_byte_as, bool add_path) {
    begin(add_path);
    UpdateParts parts;
    if (!split_update(body, parts, diag_)) {
        attributes_.clear();
        return false;
    }
    const AttributeContext ctx{four_byte_as, false, add_path};
    if (!attribute_decoder_.decode(parts.attributes, ctx, attributes_, diag_)) return false;
    withdrawals_.reset(parts.withdrawn);
    announcements_.reset(parts.nlri);
    // MP_* of a family the RIB does not keep (VPN, labeled, multicast,
    // flowspec, EVPN, ...): recognised by AFI/SAFI, counted, and their NLRI
    // never read as prefixes. A kept family's AFI is IPv4 or IPv6.
    const MpUnreach& unreach = attributes_.mp_unreach;
    if (unreach.present) {
        if (rib_keeps_family(unreach.afi, unreach.safi))
            withdrawals_.set_mp(unreach.withdrawn, unreach.afi == kAfiIpv4 ? Afi::ipv4 : Afi::ipv6);
        else
            ++other_families_;
    }
    const MpReach& reach = attributes_.mp_reach;
    if (reach.present) {
        if (rib_keeps_family(reach.afi, reach.safi))
            announcements_.set_mp(reach.nlri, reach.afi == kAfiIpv4 ? Afi::ipv4 : Afi::ipv6);
        else
            ++other_families_;
    }
    return true;
}

bool UpdateDecoder::decode_rib_attributes(Bytes field, const AttributeContext& ctx) {
    begin(ctx.add_path);
    return attribute_decoder_.decode(field, ctx, attributes_, diag_);
}

IpAddress UpdateDecoder::next_hop(Afi family) const noexcept {
    if (family == Afi::ipv4 && attributes_.has_next_hop) return attributes_.next_hop;
    IpAddress nh;
    if (attributes_.mp_reach.present) {
        const MpReach& m = attributes_.mp_reach;
        nh.afi = m.next_hop_len == 4 ? Afi::ipv4 : Afi::ipv6;
        std::memcpy(nh.bytes.data(), m.next_hop.data(), std::min<std::size_t>(m.next_hop_len, 16));
    }
    return nh;
}

}  // namespace mempool::bgp
