/* globals.c: state in C globals, as three of the collection's objects keep
 * it: a zero-initialised counter (.bss) and an initialised threshold
 * (.data), both kept across runs of the plugin (xBGP's uBPF semantics). */
#include "../xbgp_compliant_api/xbgp_plugin_api.h"

static uint64_t routes_seen;
static uint32_t every = 1000;
uint64_t last_reported[4];

uint64_t count_routes(args_t *args UNUSED);

uint64_t count_routes(args_t *args UNUSED) {
    routes_seen++;
    if (routes_seen % every == 0) {
        last_reported[routes_seen / every % 4] = routes_seen;
        ebpf_print("%llu routes\n", LOG_U64(routes_seen));
    }
    return next();
}
