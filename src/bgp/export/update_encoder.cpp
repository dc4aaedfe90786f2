// update_encoder.cpp: attribute encoding and UPDATE packing.
#include "update_encoder.hpp"

#include <algorithm>

namespace mempool::bgp {
namespace {

void put16(std::vector<std::uint8_t>& o, std::uint32_t v) {
    o.push_back(static_cast<std::uint8_t>(v >> 8));
    o.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& o, std::uint32_t v) {
    put16(o, v >> 16);
    put16(o, v & 0xffff);
}

// Opens an attribute; returns where its length goes. Extended length when
// the value may pass 255 bytes (`extended`).
std::size_t open_attribute(std::vector<std::uint8_t>& o, std::uint8_t flags, std::uint8_t code, bool extended) {
    o.push_back(static_cast<std::uint8_t>(extended ? flags | attr::kFlagExtendedLength : flags & ~attr::kFlagExtendedLength));
    o.push_back(code);
    const std::size_t at = o.size();
    o.push_back(0);
    if (extended) o.push_back(0);
    return at;
}
void close_attribute(std::vector<std::uint8_t>& o, std::size_t at, bool extended) {
    const std::size_t len = o.size() - at - (extended ? 2 : 1);
    if (extended) {
        o[at] = static_cast<std::uint8_t>(len >> 8);
        o[at + 1] = static_cast<std::uint8_t>(len);
    } else {
        o[at] = static_cast<std::uint8_t>(len);
    }
}
void small_attribute(std::vector<std::uint8_t>& o, std::uint8_t flags, std::uint8_t code, std::span<const std::uint8_t> v) {
    const bool ext = v.size() > 255;
    const std::size_t at = open_attribute(o, flags, code, ext);
    o.insert(o.end(), v.begin(), v.end());
    close_attribute(o, at, ext);
}
void u32_attribute(std::vector<std::uint8_t>& o, std::uint8_t flags, std::uint8_t code, std::uint32_t v) {
    const std::size_t at = open_attribute(o, flags, code, false);
    put32(o, v);
    close_attribute(o, at, false);
}

// AS_PATH (or AS4_PATH with `as4`): sequences longer than 255 split.
void as_path_attribute(std::vector<std::uint8_t>& o, const AsPath& path, bool four, bool as4) {
    std::size_t bytes = 0;
    for (const auto& s : path.segments) bytes += (s.count / 255 + 1) * 2 + std::size_t{s.count} * (four ? 4 : 2);
    const bool ext = bytes > 255;
    const std::size_t at = open_attribute(o, as4 ? attr::kFlagOptional | attr::kFlagTransitive : attr::kFlagTransitive,
                                          as4 ? attr::kAs4Path : attr::kAsPath, ext);
    std::size_t i = 0;
    for (const auto& s : path.segments) {
        const bool confed = s.type == kAsConfedSequence || s.type == kAsConfedSet;
        if (as4 && confed) {
            i += s.count;
            continue;
        }
        for (std::size_t done = 0; done < s.count;) {
            const std::size_t n = std::min<std::size_t>(255, s.count - done);
            o.push_back(s.type);
            o.push_back(static_cast<std::uint8_t>(n));
            for (std::size_t k = 0; k < n; ++k) {
                const std::uint32_t as = path.asns[i + done + k];
                if (four) put32(o, as);
                else put16(o, as > 0xffff ? kAsTrans : as);
            }
            done += n;
        }
        i += s.count;
    }
    close_attribute(o, at, ext);
}

bool needs_as4(const AsPath& path) {
    std::size_t i = 0;
    for (const auto& s : path.segments) {
        const bool confed = s.type == kAsConfedSequence || s.type == kAsConfedSet;
        for (std::size_t k = 0; k < s.count; ++k)
            if (!confed && path.asns[i + k] > 0xffff) return true;
        i += s.count;
    }
    return false;
}

// The attributes the host writes itself, in code order.
constexpr std::uint8_t kHostCodes[] = {attr::kOrigin,        attr::kAsPath,     attr::kNextHop,
                                       attr::kMed,           attr::kLocalPref,  attr::kAtomicAggregate,
                                       attr::kAggregator,    attr::kOriginatorId, attr::kClusterList,
                                       attr::kAs4Path,       attr::kAs4Aggregator};

void host_attribute(std::uint8_t code, const OutgoingAttributes& a, bool four, Afi family, std::vector<std::uint8_t>& o) {
    switch (code) {
    case attr::kOrigin: {
        const std::uint8_t v = a.origin;
        small_attribute(o, attr::kFlagTransitive, code, {&v, 1});
        break;
    }
    case attr::kAsPath: as_path_attribute(o, a.as_path, four, false); break;
    case attr::kNextHop:
        if (family == Afi::ipv4) small_attribute(o, attr::kFlagTransitive, code, {a.next_hop.data(), 4});
        break;
    case attr::kMed:
        if (a.med) u32_attribute(o, attr::kFlagOptional, code, *a.med);
        break;
    case attr::kLocalPref:
        if (a.local_pref) u32_attribute(o, attr::kFlagTransitive, code, *a.local_pref);
        break;
    case attr::kAtomicAggregate:
        if (a.atomic_aggregate) small_attribute(o, attr::kFlagTransitive, code, {});
        break;
    case attr::kAggregator:
        if (a.aggregator.present) {
            const std::size_t at = open_attribute(o, attr::kFlagOptional | attr::kFlagTransitive, code, false);
            if (four) put32(o, a.aggregator.as);
            else put16(o, a.aggregator.as > 0xffff ? kAsTrans : a.aggregator.as);
            o.insert(o.end(), a.aggregator.ip.begin(), a.aggregator.ip.end());
            close_attribute(o, at, false);
        }
        break;
    case attr::kOriginatorId:
        if (a.originator_id) u32_attribute(o, attr::kFlagOptional, code, *a.originator_id);
        break;
    case attr::kClusterList:
        if (!a.cluster_list.empty()) {
            const bool ext = a.cluster_list.size() * 4 > 255;
            const std::size_t at = open_attribute(o, attr::kFlagOptional, code, ext);
            for (const std::uint32_t id : a.cluster_list) put32(o, id);
            close_attribute(o, at, ext);
        }
        break;
    case attr::kAs4Path:
        if (!four && needs_as4(a.as_path)) as_path_attribute(o, a.as_path, true, true);
        break;
    case attr::kAs4Aggregator:
        if (!four && a.aggregator.present && a.aggregator.as > 0xffff) {
            const std::size_t at = open_attribute(o, attr::kFlagOptional | attr::kFlagTransitive, code, false);
            put32(o, a.aggregator.as);
            o.insert(o.end(), a.aggregator.ip.begin(), a.aggregator.ip.end());
            close_attribute(o, at, false);
        }
        break;
    default: break;
    }
}

void write_prefix(std::vector<std::uint8_t>& o, const Prefix& p) {
    o.push_back(p.len);
    o.insert(o.end(), p.addr.begin(), p.addr.begin() + (p.len + 7) / 8);
}
std::size_t prefix_size(const Prefix& p) { return 1 + (p.len + 7u) / 8u; }

void begin_message(std::vector<std::uint8_t>& m) {
    m.assign(16, 0xff);
    m.push_back(0);
    m.push_back(0);
    m.push_back(2);  // UPDATE
}
void end_message(std::vector<std::uint8_t>& m) {
    m[16] = static_cast<std::uint8_t>(m.size() >> 8);
    m[17] = static_cast<std::uint8_t>(m.size());
}

// Room for prefixes in a message whose fixed part is `fixed` bytes.
std::size_t room(std::size_t fixed) { return fixed >= kMaxUpdateSize ? 0 : kMaxUpdateSize - fixed; }

}  // namespace

void encode_path_attributes(const OutgoingAttributes& a, bool four, Afi family, std::vector<std::uint8_t>& o) {
    o.clear();
    if (family == Afi::ipv6) {
        o.push_back(a.next_hop_len);
        o.insert(o.end(), a.next_hop.begin(), a.next_hop.begin() + a.next_hop_len);
    } else {
        o.push_back(0);
    }
    std::size_t p = 0;
    const auto passed_until = [&](unsigned code) {
        for (; p < a.passed.size() && a.passed[p].code < code; ++p)
            small_attribute(o, a.passed[p].flags, a.passed[p].code, a.passed[p].value);
    };
    for (const std::uint8_t code : kHostCodes) {
        passed_until(code);
        host_attribute(code, a, four, family, o);
    }
    passed_until(256);
}

bool whole_attributes(Bytes bytes) noexcept {
    ByteReader r(bytes);
    std::uint8_t flags = 0, code = 0;
    Bytes value;
    while (!r.empty())
        if (!read_raw_attribute(r, flags, code, value)) return false;
    return true;
}

void merge_plugin_attributes(std::vector<std::uint8_t>& sent, Bytes plugin) {
    struct Piece {
        std::uint8_t code;
        bool from_plugin;
        Bytes whole;  // flags .. value
    };
    std::vector<Piece> pieces;
    const auto split = [&pieces](Bytes field, bool from_plugin) {
        ByteReader r(field);
        std::uint8_t flags = 0, code = 0;
        Bytes value;
        for (;;) {
            const std::size_t at = field.size() - r.remaining();
            if (!read_raw_attribute(r, flags, code, value)) break;
            pieces.push_back({code, from_plugin, field.subspan(at, field.size() - r.remaining() - at)});
        }
    };
    const std::size_t head = 1 + std::size_t{sent[0]};  // the next hop part of the sent form
    const std::vector<std::uint8_t> host(sent.begin(), sent.end());
    split(Bytes(plugin), true);
    split(Bytes(host).subspan(head), false);
    // Plugins' first, so a stable sort by code keeps a plugin's attribute
    // before the host's of that code; then one per code.
    std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& x, const Piece& y) { return x.code < y.code; });
    sent.resize(head);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0 && pieces[i].code == pieces[i - 1].code) continue;
        sent.insert(sent.end(), pieces[i].whole.begin(), pieces[i].whole.end());
    }
}

bool fits_one_update(Bytes sent, Afi family) noexcept {
    if (sent.empty()) return false;
    const std::size_t attrs = sent.size() - 1 - sent[0];
    const std::size_t fixed = 19 + 2 + 2 + attrs + (family == Afi::ipv6 ? 4 + 5 + sent[0] : 0);
    return fixed + (family == Afi::ipv4 ? 5 : 17) <= kMaxUpdateSize;
}

std::size_t UpdatePacker::withdraw(Afi family, std::span<const Prefix> prefixes) {
    std::size_t messages = 0;
    for (std::size_t i = 0; i < prefixes.size();) {
        begin_message(msg_);
        if (family == Afi::ipv4) {
            const std::size_t wpos = msg_.size();
            put16(msg_, 0);
            const std::size_t limit = room(19 + 4);
            std::size_t used = 0;
            while (i < prefixes.size() && used + prefix_size(prefixes[i]) <= limit) {
                used += prefix_size(prefixes[i]);
                write_prefix(msg_, prefixes[i++]);
            }
            msg_[wpos] = static_cast<std::uint8_t>(used >> 8);
            msg_[wpos + 1] = static_cast<std::uint8_t>(used);
            put16(msg_, 0);  // no attributes
        } else {
            put16(msg_, 0);  // no IPv4 withdrawals
            const std::size_t apos = msg_.size();
            put16(msg_, 0);
            const std::size_t at = open_attribute(msg_, attr::kFlagOptional, attr::kMpUnreach, true);
            put16(msg_, kAfiIpv6);
            msg_.push_back(kSafiUnicast);
            const std::size_t limit = room(msg_.size());
            std::size_t used = 0;
            while (i < prefixes.size() && used + prefix_size(prefixes[i]) <= limit) {
                used += prefix_size(prefixes[i]);
                write_prefix(msg_, prefixes[i++]);
            }
            close_attribute(msg_, at, true);
            const std::size_t alen = msg_.size() - apos - 2;
            msg_[apos] = static_cast<std::uint8_t>(alen >> 8);
            msg_[apos + 1] = static_cast<std::uint8_t>(alen);
        }
        end_message(msg_);
        sink_(Bytes(msg_.data(), msg_.size()));
        ++messages;
    }
    return messages;
}

std::size_t UpdatePacker::announce(Bytes sent, Afi family, std::span<const Prefix> prefixes) {
    if (!fits_one_update(sent, family)) return 0;
    const std::uint8_t nh_len = sent[0];
    const Bytes nh = sent.subspan(1, nh_len);
    const Bytes attrs = sent.subspan(1 + nh_len);
    // MP_REACH_NLRI goes where its code (14) sorts among the attributes.
    std::size_t split = 0;
    if (family == Afi::ipv6) {
        ByteReader r(attrs);
        while (!r.empty()) {
            const std::size_t at = attrs.size() - r.remaining();
            std::uint8_t flags = 0, code = 0, l8 = 0;
            std::uint16_t len = 0;
            (void)r.u8(flags);
            (void)r.u8(code);
            if (code > attr::kMpReach) {
                split = at;
                break;
            }
            if (flags & attr::kFlagExtendedLength) (void)r.u16(len);
            else {
                (void)r.u8(l8);
                len = l8;
            }
            (void)r.skip(len);
            split = attrs.size() - r.remaining();
        }
    }
    std::size_t messages = 0;
    for (std::size_t i = 0; i < prefixes.size();) {
        begin_message(msg_);
        put16(msg_, 0);  // no withdrawals
        const std::size_t apos = msg_.size();
        put16(msg_, 0);
        std::size_t used = 0;
        if (family == Afi::ipv4) {
            msg_.insert(msg_.end(), attrs.begin(), attrs.end());
            msg_[apos] = static_cast<std::uint8_t>(attrs.size() >> 8);
            msg_[apos + 1] = static_cast<std::uint8_t>(attrs.size());
            const std::size_t limit = room(msg_.size());
            while (i < prefixes.size() && used + prefix_size(prefixes[i]) <= limit) {
                used += prefix_size(prefixes[i]);
                write_prefix(msg_, prefixes[i++]);
            }
        } else {
            msg_.insert(msg_.end(), attrs.begin(), attrs.begin() + static_cast<std::ptrdiff_t>(split));
            const std::size_t at = open_attribute(msg_, attr::kFlagOptional, attr::kMpReach, true);
            put16(msg_, kAfiIpv6);
            msg_.push_back(kSafiUnicast);
            msg_.push_back(nh_len);
            msg_.insert(msg_.end(), nh.begin(), nh.end());
            msg_.push_back(0);  // reserved
            const std::size_t limit = room(msg_.size() + (attrs.size() - split));
            while (i < prefixes.size() && used + prefix_size(prefixes[i]) <= limit) {
                used += prefix_size(prefixes[i]);
                write_prefix(msg_, prefixes[i++]);
            }
            close_attribute(msg_, at, true);
            msg_.insert(msg_.end(), attrs.begin() + static_cast<std::ptrdiff_t>(split), attrs.end());
            const std::size_t alen = msg_.size() - apos - 2;
            msg_[apos] = static_cast<std::uint8_t>(alen >> 8);
            msg_[apos + 1] = static_cast<std::uint8_t>(alen);
        }
        end_message(msg_);
        sink_(Bytes(msg_.data(), msg_.size()));
        ++messages;
    }
    return messages;
}

}  // namespace mempool::bgp
