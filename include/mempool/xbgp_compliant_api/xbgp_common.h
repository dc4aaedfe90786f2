/* xbgp_compliant_api/xbgp_common.h: the few definitions that xBGP shares
 * between a plugin and its host: the range of return values the plugin
 * manager keeps for itself, the permission bits a helper can require, and the
 * opaque per-run context a host-side helper receives.
 *
 * This folder is mempool's own rendering of the xBGP plugin API (the one the
 * public xbgp_plugins collection is written against): same names, values,
 * types and layouts, written for mempool's runtime. A plugin includes
 * "xbgp_plugin_api.h", which pulls this file in:
 *
 *     #include "../xbgp_compliant_api/xbgp_plugin_api.h"
 *     if (ret <= HI_RESERVED_RETURN_VAL) { ... }   // a value of the manager's
 */
#ifndef MEMPOOL_XBGP_COMMON_H
#define MEMPOOL_XBGP_COMMON_H

/* Return values from LO_ to HI_RESERVED_RETURN_VAL belong to the plugin
 * manager (BPF_CONTINUE, BPF_FAILURE, ...); plugin-specific results such as
 * PLUGIN_FILTER_ACCEPT start above them. */
#define LO_RESERVED_RETURN_VAL 0
#define HI_RESERVED_RETURN_VAL 255

/* Permission bits of a helper, matched against the code's manifest
 * "permissions" (read, write, usr_ptr): a helper needing a bit the code was
 * not granted is not linked. */
#define HELPER_ATTR_NONE 0
#define HELPER_ATTR_USR_PTR 1
#define HELPER_ATTR_WRITE 2
#define HELPER_ATTR_READ 4
#define HELPER_ATTR_MASK 7

/* The host's per-run state; plugins never see inside it. */
typedef struct context context_t;

#endif /* MEMPOOL_XBGP_COMMON_H */
