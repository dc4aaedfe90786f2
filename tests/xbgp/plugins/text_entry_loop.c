/* text_entry_loop.c: an xBGP inbound filter as the public collection writes
 * them: the entry is a plain global function (clang puts it in .text, the
 * manifest names it), and it walks the AS_PATH segments of the attribute the
 * host copied into the plugin's heap: a loop whose bound is a length read
 * from that heap object (a flexible array: data[] follows the header). */
#include "../xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t count_as_path_hops(args_t *args UNUSED);

uint64_t count_as_path_hops(args_t *args UNUSED) {
    struct path_attribute *path = get_attr_from_code(AS_PATH_ATTR_ID);
    if (path == NULL) return next();
    unsigned int length = path->length;
    if (length > 4096) return PLUGIN_FILTER_UNKNOWN;
    unsigned int hops = 0, i = 0;
    while (i + 2 <= length) {
        uint8_t type = path->data[i];
        uint8_t count = path->data[i + 1];
        if (type == AS_PATH_SEGMENT_SEQUENCE) hops += count;
        else if (type == AS_PATH_SEGMENT_SET) hops += 1;
        i += 2 + 4u * count;
    }
    return hops > 50 ? PLUGIN_FILTER_REJECT : next();
}
