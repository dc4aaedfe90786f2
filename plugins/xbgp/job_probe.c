/* job_probe.c: a job plugin that tries reschedule_plugin's cases, for
 * tests/bgp/xbgp_jobs_test.py --probe. A counter in its shared memory says
 * which run this is; each run logs
 *
 *   job_probe run=<n> t=<get_time() seconds> first=<result> second=<result>
 *
 *   run 1: reschedule_plugin(&10) (a new interval: 0), then
 *          reschedule_plugin(NULL) (already rescheduled in this run: -1)
 *   run 2: reschedule_plugin(&0) (under 1 second: -1), then
 *          reschedule_plugin(NULL) (the interval of run 1 stays: 0)
 *   run 3: no call: the job is not run again. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define PROBE_KEY 1

uint64_t job_probe(args_t *args UNUSED);

uint64_t job_probe(args_t *args UNUSED) {
    uint32_t *runs = ctx_shmget(PROBE_KEY);
    struct timespec now;
    time_t interval;
    int first = 0, second = 0;

    if (runs == NULL) runs = ctx_shmnew(PROBE_KEY, sizeof(uint32_t));
    if (runs == NULL) return BPF_FAILURE;
    if (get_time(&now) != 0) return BPF_FAILURE;
    *runs = *runs + 1;
    if (*runs == 1) {
        interval = 10;
        first = reschedule_plugin(&interval);
        second = reschedule_plugin(NULL);
    } else if (*runs == 2) {
        interval = 0;
        first = reschedule_plugin(&interval);
        second = reschedule_plugin(NULL);
    }
    ebpf_print("job_probe run=%u t=%u first=%d second=%d\n", LOG_UINT(*runs), LOG_UINT((uint32_t)now.tv_sec),
               LOG_INT(first), LOG_INT(second));
    return BPF_CONTINUE;
}
