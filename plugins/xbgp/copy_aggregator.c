/* copy_aggregator.c: a bgp_decode_attr plugin (replace). For every path
 * attribute the host receives it reads the attribute's code, flags, length
 * and bytes with get_arg() and checks them against get_attr(); an
 * AGGREGATOR is copied, byte for byte as received, into an attribute of its
 * own (code 251) with add_attr, which the host puts on every route of the
 * UPDATE. Attributes whose code the xBGP API does not name are counted in
 * shared memory and the first one is reported. Then it hands over to the
 * host's own decoding with next(). */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

#define COPY_ATTR_ID 251
#define SHM_UNKNOWN 2

uint64_t copy_aggregator(args_t *args UNUSED);

static __always_inline int named_code(uint8_t code) {
    return code <= 40 || code == ATTR_SET_ATTR_ID;
}

uint64_t copy_aggregator(args_t *args UNUSED) {
    uint8_t *code = get_arg(ARG_CODE);
    uint8_t *flags = get_arg(ARG_FLAGS);
    uint16_t *length = get_arg(ARG_LENGTH);
    uint8_t *data = get_arg(ARG_DATA);
    struct path_attribute *attr = get_attr();
    if (code == NULL || flags == NULL || length == NULL || attr == NULL) return BPF_FAILURE;
    if (attr->code != *code || attr->flags != *flags || attr->length != *length) return BPF_FAILURE;

    if (*code == AGGREGATOR_ATTR_ID && data != NULL) {
        if (add_attr(COPY_ATTR_ID, ATTR_OPTIONAL | ATTR_TRANSITIVE, *length, data) != 0) return BPF_FAILURE;
    }
    if (!named_code(*code)) {
        uint64_t *unknown = ctx_shmget(SHM_UNKNOWN);
        if (unknown == NULL) {
            unknown = ctx_shmnew(SHM_UNKNOWN, sizeof(*unknown));
            ebpf_print("copy_aggregator: first attribute of unnamed code %d (%d bytes)\n", LOG_INT(*code),
                       LOG_INT(*length));
        }
        if (unknown != NULL) *unknown += 1;
    }
    return next();
}
