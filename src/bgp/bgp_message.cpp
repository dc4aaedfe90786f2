// bgp_message.cpp: BGP message header, OPEN, NOTIFICATION and UPDATE framing.
#include "bgp_message.hpp"

#include "address.hpp"

#include <string>

namespace mempool::bgp {

bool decode_message(Bytes wire, BgpMessage& out, Diagnostics& diag) {
    ByteReader r(wire);
    if (wire.size() < kBgpHeaderSize) {
        diag.report(wire.data(), DiagCode::message_short, DiagAction::skip_message, "BGP message shorter than its 19-byte header (" + std::to_string(wire.size()) + " bytes)");
        return false;
    }
    for (std::size_t i = 0; i < 16; ++i) {
        if (wire[i] != 0xff) {
            diag.report(wire.data() + i, DiagCode::message_bad_marker, DiagAction::skip_message, "BGP message marker is not all ones");
            return false;
        }
    }
    (void)r.skip(16);
    std::uint16_t len = 0;
    std::uint8_t type = 0;
    (void)r.u16(len);
    (void)r.u8(type);
    if (len < kBgpHeaderSize || len > wire.size()) {
        diag.report(wire.data() + 16, DiagCode::message_bad_length, DiagAction::skip_message, "BGP message length " + std::to_string(len) + " does not fit the " +
                                          std::to_string(wire.size()) + " bytes available");
        return false;
    }
    if (type < 1 || type > 5) {
        diag.report(wire.data() + 18, DiagCode::message_bad_type, DiagAction::skip_message, "unknown BGP message type " + std::to_string(type));
        return false;
    }
    out.type = static_cast<MessageType>(type);
    out.body = Bytes(wire.data() + kBgpHeaderSize, len - kBgpHeaderSize);
    return true;
}

bool decode_open(Bytes body, OpenMessage& out, Diagnostics& diag) {
    ByteReader r(body);
    std::uint8_t opt_len = 0;
    if (!r.u8(out.version) || !r.u16(out.my_as) || !r.u16(out.hold_time) || !r.u32(out.bgp_id) || !r.u8(opt_len)) {
        diag.report(r.here(), DiagCode::open_malformed, DiagAction::skip_message, "OPEN message truncated");
        return false;
    }
    ByteReader opts;
    if (!r.sub(opt_len, opts)) {
        diag.report(r.here(), DiagCode::open_malformed, DiagAction::skip_message, "OPEN optional parameters length runs past the message");
        return false;
    }
    while (!opts.empty()) {
        std::uint8_t ptype = 0, plen = 0;
        ByteReader pval;
        if (!opts.u8(ptype) || !opts.u8(plen) || !opts.sub(plen, pval)) {
            diag.report(opts.here(), DiagCode::open_malformed, DiagAction::skip_message, "OPEN optional parameter overruns its field");
            return false;
        }
        if (ptype != 2) continue;  // only capabilities matter here
        while (!pval.empty()) {
            std::uint8_t code = 0, clen = 0;
            ByteReader cval;
            if (!pval.u8(code) || !pval.u8(clen) || !pval.sub(clen, cval)) {
                diag.report(pval.here(), DiagCode::open_malformed, DiagAction::skip_message, "OPEN capability overruns its parameter");
                return false;
            }
            if (code == 65) {
                std::uint32_t as = 0;
                if (clen != 4 || !cval.u32(as)) {
                    diag.report(cval.here(), DiagCode::open_malformed, DiagAction::skip_message, "4-octet AS capability has length " + std::to_string(clen));
                    return false;
                }
                out.as4 = as;
            } else if (code == 69) {
                out.add_path = true;
                // (AFI u16, SAFI u8, send/receive u8) per family
                std::uint16_t afi = 0;
                std::uint8_t safi = 0, send_receive = 0;
                while (cval.u16(afi) && cval.u8(safi) && cval.u8(send_receive))
                    if ((afi == kAfiIpv4 || afi == kAfiIpv6) && safi == kSafiUnicast && (send_receive & 2) != 0)
                        out.add_path_sends_unicast = true;
            }
        }
    }
    return true;
}

bool decode_notification(Bytes body, NotificationMessage& out, Diagnostics& diag) {
    ByteReader r(body);
    if (!r.u8(out.code) || !r.u8(out.subcode)) {
        diag.report(r.here(), DiagCode::notification_truncated, DiagAction::skip_message, "NOTIFICATION message truncated");
        return false;
    }
    out.data = r.rest();
    return true;
}

bool split_update(Bytes body, UpdateParts& out, Diagnostics& diag) {
    ByteReader r(body);
    std::uint16_t wlen = 0, alen = 0;
    if (!r.u16(wlen)) {
        diag.report(r.here(), DiagCode::update_field_overrun, DiagAction::skip_message, "UPDATE message truncated before the withdrawn routes length");
        return false;
    }
    if (!r.bytes(wlen, out.withdrawn)) {
        diag.report(r.here() - 2, DiagCode::update_field_overrun, DiagAction::skip_message, "UPDATE withdrawn routes length " + std::to_string(wlen) + " runs past the message (" +
                                      std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    if (!r.u16(alen)) {
        diag.report(r.here(), DiagCode::update_field_overrun, DiagAction::skip_message, "UPDATE message truncated before the path attributes length");
        return false;
    }
    if (!r.bytes(alen, out.attributes)) {
        diag.report(r.here() - 2, DiagCode::update_field_overrun, DiagAction::skip_message, "UPDATE path attributes length " + std::to_string(alen) + " runs past the message (" +
                                      std::to_string(r.remaining()) + " bytes left)");
        return false;
    }
    out.nlri = r.rest();
    return true;
}

}  // namespace mempool::bgp
