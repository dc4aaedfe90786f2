/* encode_med_attr.c: an encoder (bgp_encode_attr, replace) for the
 * MULTI_EXIT_DISC a plugin stored on a route: the host runs the point once
 * per such attribute, get_attr() gives it, and the plugin writes the whole
 * attribute (flags, code, length, 4-byte value) into the UPDATE being built
 * with write_to_buffer, returning the bytes written. Any other attribute
 * goes to the next encoder (in the end, the host, which writes nothing for
 * a plugin's attribute). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t encode_med_attr(args_t *args UNUSED);

uint64_t encode_med_attr(args_t *args UNUSED) {
    uint8_t buf[7];
    struct path_attribute *attr = get_attr();
    if (attr == NULL || attr->code != MULTI_EXIT_DISC_ATTR_ID || attr->length != 4) return next();
    buf[0] = ATTR_OPTIONAL;
    buf[1] = MULTI_EXIT_DISC_ATTR_ID;
    buf[2] = 4;
    __builtin_memcpy(&buf[3], attr->data, 4);
    if (write_to_buffer(buf, sizeof(buf)) != 0) return 0;
    return sizeof(buf);
}
