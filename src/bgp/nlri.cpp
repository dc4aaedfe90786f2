// nlri.cpp: prefix decoding with length checks and masking.
#include "nlri.hpp"

#include <bit>
#include <cstddef>
#include <cstring>
#include <string>

namespace mempool::bgp {

static_assert(offsetof(Prefix, afi) == offsetof(Prefix, len) + 1 && offsetof(Prefix, len) == 16,
              "read_prefix_quietly writes the address as two words, len and afi as one");

bool read_prefix_quietly(ByteReader& r, Afi afi, bool add_path, Prefix& out, std::uint32_t& path_id) noexcept {
    ByteReader at = r;
    std::uint32_t id = 0;
    std::uint8_t len = 0;
    Bytes bytes;
    if ((add_path && !at.u32(id)) || !at.u8(len) || len > max_prefix_len(afi) || !at.bytes((len + 7u) / 8u, bytes))
        return false;
    r = at;
    path_id = id;
    // mask_prefix()'s result: only the last byte can hold bits past the length.
    const auto last_mask = static_cast<std::uint8_t>(len % 8 == 0 ? 0xffu : 0xffu << (8 - len % 8));
    if constexpr (std::endian::native == std::endian::little) {
        // In registers (an array indexed by i/8 went to the stack, and was
        // read back with the very load that cannot be forwarded).
        std::uint64_t lo = 0, hi = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            const std::uint64_t b = i + 1 == bytes.size() ? bytes[i] & last_mask : bytes[i];
            if (i < 8) lo |= b << (8 * i);
            else hi |= b << (8 * (i - 8));
        }
        auto* raw = reinterpret_cast<unsigned char*>(&out);
        std::memcpy(raw, &lo, 8);
        std::memcpy(raw + 8, &hi, 8);
        const auto len_afi = static_cast<std::uint16_t>(len | static_cast<unsigned>(afi) << 8);
        std::memcpy(raw + offsetof(Prefix, len), &len_afi, 2);
    } else {
        out.addr = {};
        if (!bytes.empty()) std::memcpy(out.addr.data(), bytes.data(), bytes.size());
        if (len % 8 != 0) out.addr[len / 8] &= last_mask;
        out.len = len;
        out.afi = afi;
    }
    return true;
}

bool read_prefix(ByteReader& r, Afi afi, Prefix& out, Diagnostics& diag) {
    std::uint32_t no_path_id = 0;
    if (read_prefix_quietly(r, afi, false, out, no_path_id)) return true;
    // A fault: what is wrong, said where the prefix starts.
    const std::uint8_t* at = r.here();
    std::uint8_t len = 0;
    if (!r.u8(len)) {
        diag.report(at, DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "prefix length missing");
        return false;
    }
    if (len > max_prefix_len(afi)) {
        diag.report(at, DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "prefix length " + std::to_string(len) + " exceeds " + std::to_string(max_prefix_len(afi)));
        return false;
    }
    // Length and bound are good, so the bytes are what is missing.
    const std::size_t nbytes = (len + 7u) / 8u;
    diag.report(at, DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "prefix /" + std::to_string(len) + " needs " + std::to_string(nbytes) + " bytes, " +
                        std::to_string(r.remaining()) + " left");
    return false;
}

NlriStatus next_nlri(ByteReader& r, Afi afi, bool add_path, NlriEntry& out, Diagnostics& diag) {
    if (r.empty()) return NlriStatus::end;
    if (read_prefix_quietly(r, afi, add_path, out.prefix, out.path_id)) return NlriStatus::ok;
    out.path_id = 0;
    if (add_path && !r.u32(out.path_id)) {
        diag.report(r.here(), DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "add-path identifier truncated");
        return NlriStatus::error;
    }
    return read_prefix(r, afi, out.prefix, diag) ? NlriStatus::ok : NlriStatus::error;
}

bool nlri_field_parses(Bytes field, Afi afi, bool add_path) noexcept {
    const std::size_t id_bytes = add_path ? 4 : 0;
    std::size_t at = 0;
    while (at < field.size()) {
        at += id_bytes;
        if (at >= field.size()) return false;
        const unsigned len = field[at];
        if (len > max_prefix_len(afi)) return false;
        at += 1 + (len + 7u) / 8u;
    }
    return at == field.size();
}

}  // namespace mempool::bgp
