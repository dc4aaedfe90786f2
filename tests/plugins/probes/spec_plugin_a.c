/*
 * The specification's plugin A (memory_pool.rst), as written there, plus
 * the section attribute and the `if` on the message type that issue 3
 * allows. It must compile against the SDK unchanged and count correctly.
 */
#include <mempool/plugin_sdk.h>

#define UPDATE_MSG_KEY 2

MEMPOOL_PLUGIN("plugin/main_plugin_A")
uint64_t main_plugin_A(bpf_full_args_t *args) {
    int *type_message;
    uint64_t update_message_seen;

    type_message = bpf_get_arg(0, args);
    if (!type_message) return EXIT_FAILURE;
    if (*type_message != 2) return EXIT_SUCCESS;

    update_message_seen = get_state_u64(UPDATE_MSG_KEY);
    update_message_seen++;

    return set_state(UPDATE_MSG_KEY, update_message_seen) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
