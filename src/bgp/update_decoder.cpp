// update_decoder.cpp: framing of the UPDATE body, the attributes through
// AttributeDecoder, and the selection of the prefix fields to hand out.
#include "update_decoder.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>

namespace mempool::bgp {

void UpdateDecoder::begin(bool add_path) noexcept {
    ++message_number_;
    add_path_ = add_path;
    other_families_ = 0;
    has_routes_ = false;  // the prefix fields are set only by a decode_update that succeeds
    attribute_field_ = Bytes{};
    // attributes_ is decoded, kept or cleared by the decode_* call that
    // follows; L and the next hops follow attributes_number_.
}

bool UpdateDecoder::decode_rib_attributes(Bytes field, const AttributeContext& ctx) {
    begin(ctx.add_path);
    attribute_field_ = field;
    if (reusable_ && field.size() == decoded_field_.size() && ctx.four_byte_as == decoded_context_.four_byte_as &&
        ctx.rib_dump == decoded_context_.rib_dump && ctx.add_path == decoded_context_.add_path &&
        std::equal(field.begin(), field.end(), decoded_field_.begin())) {
        // The same bytes as the field decoded just before, which reported
        // nothing: the same attributes. Only the spans into the field move.
        if (attributes_.mp_reach.present)
            attributes_.mp_reach.nlri = field.subspan(reach_offset_, attributes_.mp_reach.nlri.size());
        if (attributes_.mp_unreach.present)
            attributes_.mp_unreach.withdrawn = field.subspan(unreach_offset_, attributes_.mp_unreach.withdrawn.size());
        return true;
    }
    ++attributes_number_;
    const std::uint64_t reports = diag_.count();
    const bool ok = attribute_decoder_.decode(field, ctx, attributes_, diag_);
    reusable_ = ok && diag_.count() == reports;
    if (reusable_) {
        decoded_field_.assign(field.begin(), field.end());
        decoded_context_ = ctx;
        // An empty span may point anywhere (or nowhere): its offset is 0.
        const auto offset = [&](Bytes b) { return b.empty() ? 0 : static_cast<std::size_t>(b.data() - field.data()); };
        reach_offset_ = offset(attributes_.mp_reach.nlri);
        unreach_offset_ = offset(attributes_.mp_unreach.withdrawn);
    }
    return ok;
}

bool UpdateDecoder::decode_update(Bytes body, bool four_byte_as, bool add_path, bool path_ids_possible) {
    begin(add_path);
    UpdateParts parts;
    // UPDATEs rarely repeat the attribute field of the message before (17
    // of 4,222 in a 2007 RIS file): not worth keeping a copy to compare.
    ++attributes_number_;
    reusable_ = false;
    if (!split_update(body, parts, diag_)) {
        attributes_.clear();
        return false;
    }
    attribute_field_ = parts.attributes;
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
    if (!add_path && path_ids_possible) infer_path_ids();
    has_routes_ = true;
    return true;
}

// Some writers negotiate ADD-PATH with a peer and still record its UPDATEs
// under the plain subtypes, which RFC 8050 says carry no path ids (BIRD's
// mrtdump before its RFC 8050 support, for one). Such prefixes do not parse
// without path ids and do with them. Only asked for a peer whose OPEN
// offered to send path ids: a malformed field of another peer may parse
// with path ids by chance. A message whose fields all parse plainly is
// always read plainly.
void UpdateDecoder::infer_path_ids() {
    const auto all_parse = [&](bool with_ids) {
        return withdrawals_.parse_whole(with_ids) && announcements_.parse_whole(with_ids);
    };
    if (all_parse(false) || !all_parse(true)) return;
    add_path_ = true;
    diag_.report(attribute_field_.data(), DiagCode::prefix_path_ids_unflagged, DiagAction::read_with_path_ids,
                 "the prefixes carry ADD-PATH path ids (RFC 7911) that the record's subtype does not announce "
                 "(RFC 8050 gives them the *_ADDPATH subtypes); read with their path ids");
}

void UpdateDecoder::PrefixFields::peek(bool add_path, std::vector<Prefix>& out) const {
    // One field's prefixes as next() reads them, without its reports, up to
    // the end of the field or its first fault. Each is written in place in
    // `out` (copied from a local Prefix, its bytes would be read back as one
    // 16-byte load that store forwarding cannot serve).
    const auto field = [&](ByteReader r, Afi afi) {
        std::uint32_t path_id = 0;
        while (!r.empty()) {
            Prefix& p = out.emplace_back();
            if (!read_prefix_quietly(r, afi, add_path, p, path_id)) {
                out.pop_back();
                return;
            }
        }
    };
    if (!in_mp_) {
        field(reader_, Afi::ipv4);
        field(ByteReader(mp_), mp_family_);
    } else {
        field(reader_, mp_family_);
    }
}

std::size_t UpdateDecoder::peek_prefixes(std::vector<Prefix>& out) const {
    if (!has_routes_) return 0;
    const std::size_t before = out.size();
    withdrawals_.peek(add_path_, out);
    const std::size_t withdrawals = out.size() - before;
    announcements_.peek(add_path_, out);
    return withdrawals;
}

IpAddress UpdateDecoder::next_hop_of(Afi family) const noexcept {
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
