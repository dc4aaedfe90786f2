/* redteam4_encode_nlri.c (fourth red-team pass): a bgp_encode_custom_attr
 * replace plugin that writes, as "attributes" of every route it encodes,
 * an MP_UNREACH_NLRI withdrawing 198.18.77.99/32 (AFI 1, SAFI 1) and an
 * MP_REACH_NLRI announcing 2001:db8:4d63::/48 (AFI 2, SAFI 1, next hop
 * 2001:db8::99): routes the host never selected nor withdrew, and a second
 * MP_REACH_NLRI in an IPv6 UPDATE, whose NLRI the host writes itself. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_encode_nlri(args_t *args UNUSED);

uint64_t redteam4_encode_nlri(args_t *args UNUSED) {
    uint8_t buf[64];
    int n = 0;
    /* MP_UNREACH_NLRI: flags, code, length 8: AFI 1, SAFI 1, /32 198.18.77.99 */
    buf[n++] = ATTR_OPTIONAL; buf[n++] = 15; buf[n++] = 8;
    buf[n++] = 0; buf[n++] = 1; buf[n++] = 1;
    buf[n++] = 32; buf[n++] = 198; buf[n++] = 18; buf[n++] = 77; buf[n++] = 99;
    /* MP_REACH_NLRI: AFI 2, SAFI 1, next hop of 16 bytes, 0 SNPA, /48 2001:db8:4d63:: */
    buf[n++] = ATTR_OPTIONAL; buf[n++] = 14; buf[n++] = 4 + 16 + 1 + 7;
    buf[n++] = 0; buf[n++] = 2; buf[n++] = 1; buf[n++] = 16;
    buf[n++] = 0x20; buf[n++] = 0x01; buf[n++] = 0x0d; buf[n++] = 0xb8;
    buf[n++] = 0; buf[n++] = 0; buf[n++] = 0; buf[n++] = 0;
    buf[n++] = 0; buf[n++] = 0; buf[n++] = 0; buf[n++] = 0;
    buf[n++] = 0; buf[n++] = 0; buf[n++] = 0; buf[n++] = 0x99;
    buf[n++] = 0;
    buf[n++] = 48; buf[n++] = 0x20; buf[n++] = 0x01; buf[n++] = 0x0d; buf[n++] = 0xb8; buf[n++] = 0x4d; buf[n++] = 0x63;
    if (write_to_buffer(buf, n) != 0) return 0;
    return n;
}
