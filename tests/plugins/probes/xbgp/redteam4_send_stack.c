/* redteam4_send_stack.c (fourth red-team pass): a bgp_pre_outbound_filter
 * replace plugin that, once (a flag in its shared memory), sends with
 * schedule_bgp_message a ROUTE-REFRESH (type 5) whose 16-byte body it keeps
 * on its stack: the marker "RT4LEAK!" then a pointer it spilled there (the
 * body's own address, a host stack address under the JIT). The body goes
 * to --updates-out as it is: the helper must not write a plugin's stack
 * bytes, which may hold spilled pointers, into the host's output. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_send_stack(args_t *args UNUSED);

uint64_t redteam4_send_stack(args_t *args UNUSED) {
    struct {
        uint64_t marker;
        uint8_t *self;
    } body;
    struct bgp_message msg;
    char ip[] = "198.51.100.1";
    int sent;
    if (ctx_shmget(1) != NULL) return next();
    if (ctx_shmnew(1, 8) == NULL) return next();
    body.marker = 0x214b41454c345452ull; /* "RT4LEAK!" */
    body.self = (uint8_t *)&body;
    msg.type = 5;
    msg.buf_len = sizeof body;
    msg.buf = (uint8_t *)&body;
    sent = schedule_bgp_message(5, &msg, ip);
    ebpf_print("redteam4-send: %d\n", LOG_INT(sent));
    return next();
}
