/* decode_custom.c: a bgp_decode_attr replace plugin for
 * tests/bgp/xbgp_points_test.cpp. Attribute 99 is "decoded": its first
 * byte plus one stored as attribute 200, EXIT_SUCCESS. Attribute 98 is
 * half decoded (attribute 201 added) and then refused with EXIT_FAILURE:
 * the host's own decoding must stand alone, without 201. Any other code is
 * handed over with next() after adding attribute 202 for code 97 (a
 * plugin that hands over keeps what it added). */
#include <stdlib.h>

#include "xbgp_compliant_api/xbgp_plugin_api.h"

uint64_t decode_custom(args_t *args UNUSED);

uint64_t decode_custom(args_t *args UNUSED) {
    uint8_t *code = get_arg(ARG_CODE);
    uint8_t *data = get_arg(ARG_DATA);
    uint8_t value;
    if (code == NULL) return EXIT_FAILURE;
    if (*code == 99 && data != NULL) {
        value = data[0] + 1;
        if (add_attr(200, ATTR_OPTIONAL | ATTR_TRANSITIVE, 1, &value) != 0) return EXIT_FAILURE;
        return EXIT_SUCCESS;
    }
    if (*code == 98) {
        value = 1;
        (void)add_attr(201, ATTR_OPTIONAL | ATTR_TRANSITIVE, 1, &value);
        return EXIT_FAILURE;
    }
    if (*code == 97) {
        value = 7;
        (void)add_attr(202, ATTR_OPTIONAL | ATTR_TRANSITIVE, 1, &value);
    }
    return next();
}
