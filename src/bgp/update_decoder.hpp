// update_decoder.hpp: one BGP UPDATE, decoded into what an Adj-RIB-In
// applies: the withdrawn routes, the announced routes, and the path
// attributes the announced routes share.
//
// An UPDATE body (RFC 4271 §4.3) holds prefixes in four places: the
// withdrawn-routes field and MP_UNREACH_NLRI (withdrawals), the NLRI field
// and MP_REACH_NLRI (announcements). The decoder frames the body, decodes the
// attributes once (path_attributes.hpp: descriptor table, RFC 7606 actions,
// the RFC 6793 merge of AS4_PATH), recognises MP_* attributes of families
// the RIB does not keep and leaves their NLRI unread, and then hands the
// prefixes out one at a time, in wire order, each as a `RoutePrefix`
// (prefix, add-path id; the family is `prefix.afi`):
//
//   UpdateDecoder decoder(diag);
//   if (decoder.decode_update(body, /*four_byte_as=*/true, /*add_path=*/false)) {
//       for (RoutePrefix w; decoder.next_withdrawal(w);) rib.withdraw(w.prefix, peer, w.path_id);
//       for (RoutePrefix a; decoder.next_announcement(a);)
//           use(a.prefix, decoder.attributes().as_path, decoder.path_length(), decoder.next_hop(a.prefix.afi));
//   }
//
// A RIB dump entry (TABLE_DUMP, TABLE_DUMP_V2) carries only an attribute
// field; decode_rib_attributes() decodes it into the same accessors.
//
// All per-message state (the cursors over the four prefix fields, which
// fields there are) lives in this object and is reset in one place,
// begin(), by each decode_* call. What follows from the attributes alone
// (L, the next hops) is worked out once per set of attributes, and
// attributes_number() changes whenever the attributes do, so a caller can
// cache what it derives from them (Replay caches the interned attribute
// set) without resetting anything itself.
//
// RIB dump entries repeat their attributes: a peer's table holds run after
// run of prefixes with the same attributes (37 % of the entries of a 2002
// RIPE TABLE_DUMP file repeat the entry before). When an entry's field is
// byte for byte the one decoded just before, in the same context, and that
// decode reported nothing, decode_rib_attributes() keeps the attributes as
// they are instead of decoding them again (same bytes, same result, nothing
// to report); attributes_number() then does not change. UPDATEs are always
// decoded (a repeat is rare there: 17 of 4,222 in a 2007 RIS file). Reuse one decoder for every message: its buffers
// keep their capacity, so decoding allocates nothing once they have grown.
//
// Malformed input goes to the Diagnostics given at construction, with the
// codes of diagnostics.hpp:
//   - body framing (update_field_overrun), repeated or malformed MP_*, an
//     MP_* attribute cut short (attribute_*, skip_message): decode_update()
//     returns false and nothing of the message is used;
//   - another attribute cut short, or too few bytes left for a header (RFC
//     7606 §4): treat_as_withdraw(), as below;
//   - a malformed attribute with RFC 7606 treat-as-withdraw:
//     treat_as_withdraw() is true, the announcements are still handed out
//     (the caller withdraws them);
//   - a bad prefix (prefix_malformed): the prefixes of that field before it
//     are handed out, the rest of the field is dropped;
//   - prefixes of a plain (not *_ADDPATH) record from a peer whose OPEN
//     offered to send path ids, that parse only with path ids
//     (prefix_path_ids_unflagged, read_with_path_ids): read with them.
//
// Where plugins come in (xBGP): a step that wants each attribute as
// received (code, flags, raw bytes) reads attribute_field() after a
// successful decode (Replay hands it to bgp_decode_attr); one that must act
// inside the attribute loop belongs in AttributeDecoder::decode
// (path_attributes.cpp), which both decode_* calls run. A per-route
// accept/reject step belongs in the caller, between next_announcement() and
// the RIB (Replay::announce runs the inbound filters there).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "address.hpp"
#include "bgp_message.hpp"
#include "byte_reader.hpp"
#include "diagnostics.hpp"
#include "nlri.hpp"
#include "path_attributes.hpp"

namespace mempool::bgp {

// A withdrawn or announced route of one UPDATE: its prefix (whose `afi` is
// the route's family) and its add-path id (0 without add-path).
using RoutePrefix = NlriEntry;

class UpdateDecoder {
public:
    explicit UpdateDecoder(Diagnostics& diag) noexcept : diag_(diag) {}
    UpdateDecoder(const UpdateDecoder&) = delete;
    UpdateDecoder& operator=(const UpdateDecoder&) = delete;

    // Decodes an UPDATE body (after the 19-byte header). `four_byte_as`: the
    // AS_PATH holds 4-byte ASes (BGP4MP_*_AS4); `add_path`: every prefix
    // carries a path id (BGP4MP_*_ADDPATH); `path_ids_possible`: the peer
    // said in its OPEN that it sends path ids, so prefixes that parse only
    // with them are read with them (infer_path_ids). False when the message
    // cannot be used at all (reported); then no route is handed out.
    [[nodiscard]] bool decode_update(Bytes body, bool four_byte_as, bool add_path, bool path_ids_possible = false);

    // Decodes the attribute field of one RIB dump entry (or keeps the
    // attributes, when it repeats the field decoded just before). False when
    // the attributes cannot be used (reported). No prefix is handed out: the
    // entry's prefix is in the RIB record itself.
    [[nodiscard]] bool decode_rib_attributes(Bytes field, const AttributeContext& ctx);

    // The next withdrawn route: the withdrawn-routes field (IPv4), then
    // MP_UNREACH_NLRI of a kept family. False when there is none left.
    [[nodiscard]] bool next_withdrawal(RoutePrefix& out) {
        return has_routes_ && withdrawals_.next(add_path_, out, diag_);
    }
    // The next announced route: the NLRI field (IPv4), then MP_REACH_NLRI
    // of a kept family. Call after the withdrawals (RFC 4271 §9.1 order;
    // the diagnostics come in wire order that way).
    [[nodiscard]] bool next_announcement(RoutePrefix& out) {
        return has_routes_ && announcements_.next(add_path_, out, diag_);
    }
    // The prefixes the next_withdrawal() calls, then the next_announcement()
    // calls, have still to hand out, in that order, appended to `out`: read
    // again without reporting anything (a fault ends a field, as it does
    // for them). Returns how many of them are withdrawals. For a caller
    // that looks ahead (Rib::prefetch); reading them changes nothing.
    std::size_t peek_prefixes(std::vector<Prefix>& out) const;
    // Whether the message's prefixes carry path ids: the record's subtype
    // said so, or they parse only with them (infer_path_ids).
    [[nodiscard]] bool add_path() const noexcept { return add_path_; }
    // Whether the message announces anything (before reading a prefix).
    [[nodiscard]] bool has_announcements() const noexcept { return has_routes_ && !announcements_.exhausted(); }

    // The attribute field as received (flags, code, length, value of each
    // attribute), for a step that wants the raw bytes (xBGP's
    // bgp_decode_attr); empty when the body could not be framed.
    [[nodiscard]] Bytes attribute_field() const noexcept { return attribute_field_; }

    // The decoded attributes: AS_PATH merged with AS4_PATH (RFC 6793
    // §4.2.3), origin, aggregator, MP_*, and the others as received.
    [[nodiscard]] const PathAttributes& attributes() const noexcept { return attributes_; }
    // RFC 7606 treat-as-withdraw: the announcements must be withdrawn.
    [[nodiscard]] bool treat_as_withdraw() const noexcept { return attributes_.treat_as_withdraw; }
    // L of the merged AS path (selection_path_length()), counted once per
    // set of attributes.
    [[nodiscard]] std::uint32_t path_length() noexcept {
        if (path_length_of_ != attributes_number_) {
            path_length_ = selection_path_length(attributes_.as_path);
            path_length_of_ = attributes_number_;
        }
        return path_length_;
    }
    // The next hop of a route of `family`: NEXT_HOP for IPv4 when present,
    // else MP_REACH_NLRI's (an IPv6 one may be 32 bytes: the first 16 are
    // used); unset (Afi::ipv4, all zero) when the message has neither.
    // Worked out once per set of attributes and family.
    [[nodiscard]] const IpAddress& next_hop(Afi family) noexcept {
        NextHop& nh = next_hops_[family == Afi::ipv4 ? 0 : 1];
        if (nh.attributes != attributes_number_) {
            nh.address = next_hop_of(family);
            nh.attributes = attributes_number_;
        }
        return nh.address;
    }
    // MP_REACH_NLRI and MP_UNREACH_NLRI of families the RIB does not keep
    // (rib_keeps_family()): 0, 1 or 2; their NLRI are not read.
    [[nodiscard]] unsigned other_families() const noexcept { return other_families_; }
    // Changes whenever the attributes change (never 0): with every decode
    // that is not a repeat of the field decoded just before.
    [[nodiscard]] std::uint64_t attributes_number() const noexcept { return attributes_number_; }
    // Changes with every decode_* call (never 0).
    [[nodiscard]] std::uint64_t message_number() const noexcept { return message_number_; }

private:
    // The prefixes of one direction: up to two fields (the plain one, IPv4,
    // then the MP_* one), read one prefix at a time up to the first fault.
    class PrefixFields {
    public:
        void reset(Bytes plain) noexcept {
            reader_ = ByteReader(plain);
            mp_ = Bytes{};
            mp_family_ = Afi::ipv4;
            in_mp_ = false;
        }
        void set_mp(Bytes field, Afi family) noexcept {
            mp_ = field;
            mp_family_ = family;
        }
        [[nodiscard]] bool exhausted() const noexcept { return reader_.empty() && (in_mp_ || mp_.empty()); }
        // Whether both fields, none read yet, parse whole (nlri_field_parses).
        [[nodiscard]] bool parse_whole(bool add_path) const noexcept {
            return nlri_field_parses(reader_.rest(), Afi::ipv4, add_path) &&
                   nlri_field_parses(mp_, mp_family_, add_path);
        }
        // The prefixes next() has still to hand out, read quietly.
        void peek(bool add_path, std::vector<Prefix>& out) const;
        [[nodiscard]] bool next(bool add_path, RoutePrefix& out, Diagnostics& diag) {
            for (;;) {
                if (next_nlri(reader_, in_mp_ ? mp_family_ : Afi::ipv4, add_path, out, diag) == NlriStatus::ok)
                    return true;
                // end of the field, or a fault that drops the rest of it
                if (in_mp_) {
                    reader_ = ByteReader();
                    return false;
                }
                reader_ = ByteReader(mp_);
                in_mp_ = true;
            }
        }

    private:
        ByteReader reader_;
        Bytes mp_;
        Afi mp_family_ = Afi::ipv4;
        bool in_mp_ = false;
    };

    // Resets every piece of per-message state; the one place that does.
    void begin(bool add_path) noexcept;
    // A message of a plain subtype whose prefixes only parse with path ids:
    // read with them (reported). See update_decoder.cpp.
    void infer_path_ids();
    [[nodiscard]] IpAddress next_hop_of(Afi family) const noexcept;

    // A next hop worked out for the attributes numbered `attributes` (stale
    // when that is not attributes_number_: nothing to reset).
    struct NextHop {
        std::uint64_t attributes = 0;
        IpAddress address;
    };

    Diagnostics& diag_;
    AttributeDecoder attribute_decoder_;
    PathAttributes attributes_;  // buffers reused from message to message
    std::uint64_t attributes_number_ = 0;
    std::uint64_t message_number_ = 0;
    std::uint32_t path_length_ = 0;
    std::uint64_t path_length_of_ = 0;    // attributes_number_ that path_length_ is for
    std::array<NextHop, 2> next_hops_{};  // IPv4, IPv6

    // The RIB entry's field the attributes were decoded from, kept while
    // they may be reused (a clean decode): its bytes, its context, and where MP_REACH's
    // NLRI and MP_UNREACH's withdrawn routes sat in it (the attributes point
    // into the field, so a reuse points them into the new one).
    std::vector<std::uint8_t> decoded_field_;
    AttributeContext decoded_context_;
    bool reusable_ = false;
    std::size_t reach_offset_ = 0;
    std::size_t unreach_offset_ = 0;

    Bytes attribute_field_;
    PrefixFields withdrawals_;     // valid when has_routes_
    PrefixFields announcements_;   // valid when has_routes_
    bool has_routes_ = false;      // an UPDATE was decoded: the fields above are set
    bool add_path_ = false;
    unsigned other_families_ = 0;
};

}  // namespace mempool::bgp
