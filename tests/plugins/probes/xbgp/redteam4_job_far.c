/* redteam4_job_far.c (fourth red-team pass): a job plugin that reschedules
 * itself with the largest interval a time_t holds. Its next due time is
 * beyond any MRT time: it must not run again in the replay (the due time
 * computed as time + interval must not wrap around to the past). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t redteam4_job_far(args_t *args UNUSED);

uint64_t redteam4_job_far(args_t *args UNUSED) {
    time_t t = (time_t)0x7fffffffffffffffll;
    return reschedule_plugin(&t);
}
