/* redteam4_job_peer.c (fourth red-team pass): a job plugin that calls
 * get_peer_info(&n). A job has no peer: the helper returns NULL, and the 4
 * bytes of n, declared written by the call (out_fixed), must read 0. The
 * job shows n through reschedule_plugin: a count above 0 becomes its new
 * interval (mempool-bgp reports it), 0 stops it. No helper here follows
 * pointers or reads strings, so its frame is not zeroed at entry. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_job_peer(args_t *args UNUSED);

uint64_t redteam4_job_peer(args_t *args UNUSED) {
    int n;
    time_t t;
    (void)get_peer_info(&n);
    t = (time_t)(unsigned)n;
    if (t > 0) return reschedule_plugin(&t);
    return 0;
}
