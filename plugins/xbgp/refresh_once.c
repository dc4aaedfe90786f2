/* refresh_once.c: a pre-outbound filter (bgp_pre_outbound_filter, replace)
 * that, the first time it runs, asks for a ROUTE-REFRESH (RFC 2918: type 5,
 * AFI 1, reserved, SAFI 1) to be sent to the neighbour 198.51.100.1 with
 * schedule_bgp_message, and tries the same to an address no neighbour has;
 * it prints both results ("refresh_once: 0 -1" is what a host that knows
 * only the first must answer). It decides nothing: next().
 *
 * Shared memory remembers that it ran (a block that outlives each run). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define SHM_DONE 1

uint64_t refresh_once(args_t *args UNUSED);

uint64_t refresh_once(args_t *args UNUSED) {
    uint8_t *body;
    struct bgp_message msg;
    int known, unknown;
    char known_ip[] = "198.51.100.1";
    char unknown_ip[] = "203.0.113.9";
    if (ctx_shmget(SHM_DONE) != NULL) return next();
    if (ctx_shmnew(SHM_DONE, 8) == NULL) return next();
    body = ctx_malloc(4);
    if (body == NULL) return next();
    body[0] = 0;
    body[1] = 1; /* AFI IPv4 */
    body[2] = 0;
    body[3] = 1; /* SAFI unicast */
    msg.type = 5;
    msg.buf_len = 4;
    msg.buf = body;
    known = schedule_bgp_message(5, &msg, known_ip);
    unknown = schedule_bgp_message(5, &msg, unknown_ip);
    ebpf_print("refresh_once: %d %d\n", LOG_INT(known), LOG_INT(unknown));
    return next();
}
