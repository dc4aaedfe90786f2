/* rib_census.c: a job plugin (job_plugins of rib_census.plugin: every 300 s
 * of MRT time) that walks the Loc-RIB with the RIB iterator helpers and
 * logs what it holds, one line per run:
 *
 *   rib_census t=<MRT time> ipv4=<routes> ipv6=<routes> origins=<distinct origin ASes> unplaced=<n> truncated=<0|1>
 *
 * The origin AS of a route is the last AS of its AS_PATH when the path ends
 * with an AS_SEQUENCE (a path ending with an AS_SET, or a confederation
 * segment, or more than MAX_SEGMENTS segments, has none). Distinct origins are kept in a hash set in the
 * plugin's shared memory (stamped with the run, so it needs no clearing);
 * an AS that finds no slot within PROBES is counted in `unplaced`.
 *
 * One run walks at most MAX_ROUTES routes (both families): the verifier
 * proves every run of a plugin ends within the runtime's instruction bound
 * (1,000,000 by default), and each route costs at most about 420 here
 * (the verifier's count: clang unrolls the small loops below).
 * `truncated` says the walk stopped before the end of the RIB. The run then
 * asks to run again one interval later (reschedule_plugin), as libxbgp's
 * rib_walk does. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define MAX_ROUTES 2048
#define MAX_ATTRIBUTES 4 /* AS_PATH is second in the host's order (ORIGIN, AS_PATH, NEXT_HOP, ...) */
#define MAX_SEGMENTS 4
#define SLOTS 8192       /* a power of two */
#define PROBES 4
#define CENSUS_KEY 1

struct slot {
    uint32_t as;
    uint32_t stamp; /* the run that put it there */
};

struct census {
    uint32_t stamp;
    uint32_t padding;
    struct slot slots[SLOTS];
};

uint64_t rib_census(args_t *args UNUSED);

/* 1 and the origin AS in *as, or 0. */
static __always_inline int origin_as(struct bgp_route *rte, uint32_t *as) {
    struct path_attribute *path = NULL;
    uint32_t offset = 0, length, last = 0;
    int i, origin = 0;

    for (i = 0; i < MAX_ATTRIBUTES; i++) {
        struct path_attribute *a;
        if (i >= rte->attr_nb) break;
        a = rte->attr[i];
        if (a != NULL && a->code == AS_PATH_ATTR_ID) {
            path = a;
            break;
        }
    }
    if (path == NULL) return 0;
    length = path->length;
    for (i = 0; i < MAX_SEGMENTS; i++) {
        uint8_t type, count;
        uint32_t end;
        if (offset + 2 > length) break;
        type = path->data[offset];
        count = path->data[offset + 1];
        end = offset + 2 + 4 * (uint32_t)count;
        if (end > length) return 0;
        if (count != 0) {
            origin = type == AS_PATH_SEGMENT_SEQUENCE;
            last = ((uint32_t)path->data[end - 4] << 24) | ((uint32_t)path->data[end - 3] << 16) |
                   ((uint32_t)path->data[end - 2] << 8) | path->data[end - 1];
        }
        offset = end;
    }
    if (offset != length) return 0; /* more segments than MAX_SEGMENTS */
    *as = last;
    return origin;
}

/* Adds `as` to the set; 1 if it was not there. */
static __always_inline int add_origin(struct census *c, uint32_t as, uint32_t *unplaced) {
    uint32_t h = (as * 2654435761u) >> 19; /* 13 bits */
    int i;
    for (i = 0; i < PROBES; i++) {
        struct slot *s = &c->slots[(h + i) & (SLOTS - 1)];
        if (s->stamp != c->stamp) {
            s->as = as;
            s->stamp = c->stamp;
            return 1;
        }
        if (s->as == as) return 0;
    }
    (*unplaced)++;
    return 0;
}

uint64_t rib_census(args_t *args UNUSED) {
    struct census *c = ctx_shmget(CENSUS_KEY);
    struct timespec now;
    uint32_t routes4 = 0, routes6 = 0;
    uint32_t origins = 0, unplaced = 0, truncated = 0, n;
    int it4, it6;

    if (c == NULL) c = ctx_shmnew(CENSUS_KEY, sizeof(struct census));
    if (c == NULL) return BPF_FAILURE;
    c->stamp = c->stamp + 1 == 0 ? 1 : c->stamp + 1;
    if (get_time(&now) != 0) return BPF_FAILURE;

    it4 = new_rib_iterator(XBGP_AFI_IPV4, XBGP_SAFI_UNICAST);
    it6 = new_rib_iterator(XBGP_AFI_IPV6, XBGP_SAFI_UNICAST);
    if (it4 < 0 || it6 < 0) return BPF_FAILURE;
    for (n = 0; n < MAX_ROUTES; n++) {
        struct bgp_route *rte;
        uint32_t as = 0;
        int family = 0;
        if (!rib_has_route(it4)) {
            if (!rib_has_route(it6)) break;
            family = 1;
        }
        rte = next_rib_route(family ? it6 : it4);
        if (rte == NULL) break;
        if (family) routes6++;
        else routes4++;
        if (origin_as(rte, &as)) origins += add_origin(c, as, &unplaced);
    }
    truncated = rib_has_route(it4) || rib_has_route(it6);
    rib_iterator_clean(it4);
    rib_iterator_clean(it6);

    ebpf_print("rib_census t=%u ipv4=%u ipv6=%u origins=%u unplaced=%u truncated=%u\n", LOG_UINT((uint32_t)now.tv_sec),
               LOG_UINT(routes4), LOG_UINT(routes6), LOG_UINT(origins), LOG_UINT(unplaced), LOG_UINT(truncated));
    reschedule_plugin(NULL);
    return BPF_CONTINUE;
}
