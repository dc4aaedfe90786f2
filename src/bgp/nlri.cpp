// nlri.cpp: prefix decoding with length checks and masking.
#include "nlri.hpp"

#include <string>

namespace mempool::bgp {

bool read_prefix(ByteReader& r, Afi afi, Prefix& out, Diagnostics& diag) {
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
    const std::size_t nbytes = (len + 7u) / 8u;
    out.addr = {};
    if (!r.copy(out.addr.data(), nbytes)) {
        diag.report(at, DiagCode::prefix_malformed, DiagAction::prefix_tail_dropped, "prefix /" + std::to_string(len) + " needs " + std::to_string(nbytes) + " bytes, " +
                            std::to_string(r.remaining()) + " left");
        return false;
    }
    out.len = len;
    out.afi = afi;
    if (len % 8 != 0) mask_prefix(out);
    return true;
}

NlriStatus next_nlri(ByteReader& r, Afi afi, bool add_path, NlriEntry& out, Diagnostics& diag) {
    if (r.empty()) return NlriStatus::end;
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
