/* Counts calls whose first argument is 2 into the global pool. */
#include <mempool/plugin_sdk.h>

MEMPOOL_PLUGIN("plugin/counter")
uint64_t counter(bpf_full_args_t *args) {
    int *type = bpf_get_arg(0, args);
    if (bpf_arg_len(0, args) == 0) return EXIT_FAILURE;
    if ((*type & 0xff) != 2) return EXIT_SUCCESS;
    return set_state(7, get_state_u64(7) + 1) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
