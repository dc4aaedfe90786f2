/*
 * mempool/runtime.h -- the plugin runtime's C API, for C daemons.
 *
 * The same runtime as mempool/runtime.hpp, behind an opaque handle: declare
 * insertion points, register helpers, load plugins (one by one or from a JSON
 * manifest), and run a point with arguments that are copied into each
 * plugin's private argument struct. The built-in pool helpers act on the
 * global pool given with mempool_runtime_set_global_pool() and, per run, on
 * up to two object pools (MEMPOOL_OBJ_FIRST, MEMPOOL_OBJ_SECOND).
 *
 * No function throws or aborts; each one lists its error cases.
 *
 * Example:
 *
 *     mem_pool *global = new_mempool();
 *     mempool_runtime *rt = mempool_runtime_new(1);
 *     mempool_runtime_set_global_pool(rt, global);
 *     int msg = mempool_runtime_point(rt, "bgp_message");
 *     char errors[1024];
 *     if (mempool_runtime_load_manifest(rt, "plugins.json", errors, sizeof errors) != 0)
 *         fprintf(stderr, "%s", errors);
 *     struct mempool_arg args[3] = {
 *         mempool_arg_number(MEMPOOL_ARG_U8, 2), mempool_arg_number(MEMPOOL_ARG_U32, peer),
 *         mempool_arg_number(MEMPOOL_ARG_U64, now)};
 *     mempool_runtime_run(rt, msg, args, 3, NULL, NULL, NULL);
 *     ...
 *     mempool_runtime_delete(rt);
 *     delete_mempool(global);
 */
#ifndef MEMPOOL_RUNTIME_H
#define MEMPOOL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "mempool/mempool.h"
#include "mempool/plugin_sdk.h"

#ifdef __cplusplus
extern "C" {
#define MEMPOOL_RT_NOEXCEPT noexcept
#else
#define MEMPOOL_RT_NOEXCEPT
#endif

typedef struct mempool_runtime mempool_runtime;

/* A host helper; see mempool_runtime_register_helper(). Mark it
 * __attribute__((force_align_arg_pointer)). */
typedef uint64_t (*mempool_helper_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* One argument of a run. type: MEMPOOL_ARG_U8..U64 (number used) or
 * MEMPOOL_ARG_BYTES (bytes/len used, at most MEMPOOL_ARG_SIZE copied). */
struct mempool_arg {
  uint32_t type;
  uint32_t len;
  uint64_t number;
  const void *bytes;
};

static inline struct mempool_arg mempool_arg_number(uint32_t type, uint64_t value) {
  struct mempool_arg a;
  a.type = type;
  a.len = 0;
  a.number = value;
  a.bytes = NULL;
  return a;
}
static inline struct mempool_arg mempool_arg_bytes(const void *bytes, uint32_t len) {
  struct mempool_arg a;
  a.type = MEMPOOL_ARG_BYTES;
  a.len = len;
  a.number = 0;
  a.bytes = bytes;
  return a;
}

/* A runtime with the built-in pool helpers. use_jit = 0: interpret only.
 * NULL if out of memory. */
mempool_runtime *mempool_runtime_new(int use_jit) MEMPOOL_RT_NOEXCEPT;

/* Frees the runtime and its plugins (not the pools). NULL: no-op. */
void mempool_runtime_delete(mempool_runtime *rt) MEMPOOL_RT_NOEXCEPT;

/* Registers a helper of nargs (0..5) arguments; bit i of buffer_mask marks
 * argument i as a buffer of at least MEMPOOL_BUF_SIZE bytes. Returns 0, or
 * -1 if rt/name/fn is NULL, nargs > 5, or the name is already taken. */
int mempool_runtime_register_helper(mempool_runtime *rt, const char *name, mempool_helper_fn fn,
                                    unsigned nargs, unsigned buffer_mask) MEMPOOL_RT_NOEXCEPT;

/* Argument kinds of mempool_runtime_register_helper_signature(), as
 * mempool::HelperArg in runtime.hpp: */
#define MEMPOOL_HELPER_ARG_NUMBER 0u    /* any number (never a pointer) */
#define MEMPOOL_HELPER_ARG_BUFFER 1u    /* >= MEMPOOL_BUF_SIZE initialised bytes */
#define MEMPOOL_HELPER_ARG_IN_BYTES 2u  /* bytes the helper reads; count in the next argument */
#define MEMPOOL_HELPER_ARG_OUT_BYTES 3u /* bytes the helper fills (all of them); count next */
#define MEMPOOL_HELPER_ARG_SIZE 4u      /* the count of the argument before, proven <= 65536 */
#define MEMPOOL_HELPER_ARG_HEAP_PTR 5u  /* a pointer a heap helper returned, or 0 */
/* Return kinds: */
#define MEMPOOL_HELPER_RET_NUMBER 0u
#define MEMPOOL_HELPER_RET_HEAP_OR_NULL 1u /* into the plugin's heap: ret_size bytes, or as many
                                              as argument ret_size_arg (0-based) holds */

/* A helper's signature, for the verifier. */
struct mempool_helper_signature {
  unsigned nargs;       /* 0..5 */
  uint8_t args[5];      /* MEMPOOL_HELPER_ARG_* */
  uint8_t ret;          /* MEMPOOL_HELPER_RET_* */
  uint32_t ret_size;    /* RET_HEAP_OR_NULL: bytes, or 0 to use ret_size_arg */
  int8_t ret_size_arg;  /* -1: none */
};

/* Registers a helper with a full signature (see mempool_helper_signature).
 * Returns 0, or -1 if rt/name/fn/sig is NULL, the name is taken, or the
 * signature is malformed (an IN/OUT_BYTES argument not followed by a SIZE, a
 * SIZE not after one, a heap return without its size, more than 5 args). */
int mempool_runtime_register_helper_signature(mempool_runtime *rt, const char *name, mempool_helper_fn fn,
                                              const struct mempool_helper_signature *sig) MEMPOOL_RT_NOEXCEPT;

/* A plugin's own limits (mempool::PluginLimits); a field left at
 * MEMPOOL_LIMIT_DEFAULT takes the runtime's default. */
#define MEMPOOL_LIMIT_DEFAULT UINT64_MAX
struct mempool_plugin_limits {
  uint64_t heap;              /* bytes of its heap arena (at most 64 MiB) */
  uint64_t global_pool_bytes; /* bytes it may add to the global pool, in all */
  uint64_t object_pool_bytes; /* bytes it may add to object pools, per run */
};
static inline struct mempool_plugin_limits mempool_plugin_limits_default(void) {
  struct mempool_plugin_limits l;
  l.heap = MEMPOOL_LIMIT_DEFAULT;
  l.global_pool_bytes = MEMPOOL_LIMIT_DEFAULT;
  l.object_pool_bytes = MEMPOOL_LIMIT_DEFAULT;
  return l;
}

/* The pool get_state_u64 & co act on (NULL: they fail). Not owned. */
void mempool_runtime_set_global_pool(mempool_runtime *rt, struct mem_pool *mp) MEMPOOL_RT_NOEXCEPT;

/* Declares (or finds) an insertion point. Returns its id (>= 0), or -1 if
 * rt/name is NULL or out of memory. */
int mempool_runtime_point(mempool_runtime *rt, const char *name) MEMPOOL_RT_NOEXCEPT;

/* Loads `section` of `object` under `name` (NULL: the section name) and
 * attaches it at `point` (an id) with `order`. Returns 0, or -1 with the
 * reason in err (if err != NULL; truncated to errlen, NUL-terminated): a bad
 * argument, an unreadable or non-BPF file, a missing section, a verifier
 * refusal (the first problem, and how many more). */
int mempool_runtime_load(mempool_runtime *rt, const char *object, const char *section, const char *name,
                         int point, int32_t order, char *err, size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* mempool_runtime_load() with the plugin's own limits (NULL: the defaults).
 * Also fails if limits->heap is above 64 MiB. */
int mempool_runtime_load_with_limits(mempool_runtime *rt, const char *object, const char *section,
                                     const char *name, int point, int32_t order,
                                     const struct mempool_plugin_limits *limits, char *err,
                                     size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* One plugin of mempool_runtime_load_batch(). name NULL: the section name. */
struct mempool_plugin_spec {
  const char *object;
  const char *section;
  const char *name;
  int point;
  int32_t order;
};

/* Loads the n plugins of specs[] as mempool_runtime_load() would, but
 * judges each one on its own (its own reason, named), then attaches them. All or nothing, like a manifest:
 * returns the number of problems (0: every plugin attached; otherwise none
 * attached), one line each in errors (if errors != NULL; truncated to
 * errlen), or -1 if rt is NULL, or specs is NULL with n > 0. */
int mempool_runtime_load_batch(mempool_runtime *rt, const struct mempool_plugin_spec *specs, size_t n,
                               char *errors, size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* Loads a JSON manifest (docs/plugins.md). Returns the number of problems
 * (0: every plugin attached; otherwise none attached), one line each in
 * errors (if errors != NULL; truncated to errlen), or -1 if rt/path is NULL. */
int mempool_runtime_load_manifest(mempool_runtime *rt, const char *path, char *errors,
                                  size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* Runs the plugins attached at `point` on a copy of args[0..nargs) (at most
 * MEMPOOL_MAX_ARGS used), with `first`/`second` as the object pools (may be
 * NULL). Returns the last plugin's return value (0 if none ran, or if rt is
 * NULL or point unknown); *ran (if not NULL) gets how many plugins ran. */
uint64_t mempool_runtime_run(const mempool_runtime *rt, int point, const struct mempool_arg *args,
                             size_t nargs, struct mem_pool *first, struct mem_pool *second,
                             unsigned *ran) MEMPOOL_RT_NOEXCEPT;

/* ---- Anchors (libxbgp's model; see mempool::Anchor in runtime.hpp) -------------
 *
 * A point runs its pre plugins (observers), then its replace chain: the first
 * replace plugin decides the point's result or calls next() to hand over to
 * the next one; after the last one, or when a replace plugin fails (stopped
 * by a run-time check, marked failed by a helper, or its value refused by the
 * point's result check), the host's default code decides. Then the post
 * plugins run (observers; xBGP plugins find the result in exec_info_t at R1).
 * Sequence numbers order plugins within an anchor, lowest first.
 *
 *     static uint64_t builtin_filter(void *route) { return my_filter(route); }
 *     static int is_verdict(uint64_t v, void *d) { return v >= 256 && v <= 258; }
 *     int pt = mempool_runtime_point(rt, "bgp_pre_inbound_filter");
 *     mempool_runtime_set_result_check(rt, pt, is_verdict, NULL);
 *     mempool_runtime_load_anchored(rt, "filter.o", ".text", "f", pt, MEMPOOL_ANCHOR_REPLACE, 10,
 *                                   NULL, err, sizeof err);
 *     struct mempool_run_result r;
 *     mempool_runtime_run_anchored(rt, pt, NULL, 0, typed, ntyped, NULL, NULL, builtin_filter,
 *                                  route, &r);
 *     use(r.value);   // the plugin's verdict, or builtin_filter's (r.fell_back)
 */
#define MEMPOOL_ANCHOR_PRE 0
#define MEMPOOL_ANCHOR_REPLACE 1
#define MEMPOOL_ANCHOR_POST 2

/* What R1 points to (mempool::PluginAbi): our argument struct, or xBGP's
 * exec_info_t (arguments then come from get_arg). */
#define MEMPOOL_ABI_MEMPOOL 0
#define MEMPOOL_ABI_XBGP 1

/* mempool_runtime_load_with_limits() at an anchor (MEMPOOL_ANCHOR_*) with a
 * sequence number, and the ABI (MEMPOOL_ABI_*). Fails as it does, and also
 * if anchor or abi is unknown or the point already has 32 replace plugins. */
int mempool_runtime_load_anchored(mempool_runtime *rt, const char *object, const char *section, const char *name,
                                  int point, int anchor, int32_t seq, int abi,
                                  const struct mempool_plugin_limits *limits, char *err,
                                  size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* A point's check of replace results: nonzero if the host can use `value`.
 * fn NULL removes the check. Returns 0, or -1 if rt is NULL or the point
 * unknown. */
typedef int (*mempool_result_check_fn)(uint64_t value, void *data);
int mempool_runtime_set_result_check(mempool_runtime *rt, int point, mempool_result_check_fn fn,
                                     void *data) MEMPOOL_RT_NOEXCEPT;

/* The host's default code of a point; its return value is the point's result
 * when it runs. */
typedef uint64_t (*mempool_default_fn)(void *data);

/* A typed argument for xBGP's get_arg(type) (mempool::TypedArg): kind BYTES
 * (len bytes copied into the plugin's heap by get_arg) or HIDDEN (a host
 * object only helpers use: the plugin gets an opaque handle, helpers turn it
 * back with mempool_runtime_resolve_handle()). data must outlive the run. */
#define MEMPOOL_TYPED_BYTES 0u
#define MEMPOOL_TYPED_HIDDEN 1u
struct mempool_typed_arg {
  uint32_t type;
  uint32_t kind;
  const void *data;
  uint32_t len;
};

struct mempool_run_result {
  uint64_t value;    /* the point's result (see fell_back) */
  unsigned ran;      /* plugins run */
  unsigned aborted;  /* stopped by a run-time check */
  unsigned failed;   /* plugins whose result was not used */
  unsigned refused;  /* values refused by the result check */
  int fell_back;     /* the default code decided (when default_fn is NULL:
                        the host must run its own code now; value is 0) */
};

/* Runs `point` with anchors: pre plugins, the replace chain ending in
 * default_fn(default_data) (may be NULL), post plugins. args as for
 * mempool_runtime_run(); typed[0..ntyped) for get_arg (may be NULL if
 * ntyped is 0). Fills *out (if not NULL). Returns 0, or -1 if rt is NULL,
 * the point unknown, or args/typed NULL with a nonzero count. */
int mempool_runtime_run_anchored(const mempool_runtime *rt, int point, const struct mempool_arg *args,
                                 size_t nargs, const struct mempool_typed_arg *typed, size_t ntyped,
                                 struct mem_pool *first, struct mem_pool *second, mempool_default_fn default_fn,
                                 void *default_data, struct mempool_run_result *out) MEMPOOL_RT_NOEXCEPT;

/* Registers the generic helpers of the xBGP API (mempool::xbgp_helpers():
 * next, get_arg, shared memory, extra configuration, logging, ...). Returns
 * 0, or -1 if rt is NULL or one of the names is already taken. */
int mempool_runtime_register_xbgp_helpers(mempool_runtime *rt) MEMPOOL_RT_NOEXCEPT;

/* Registers fn as the xBGP API helper `name` (a BGP one, such as
 * "get_attr_from_code"), with the signature and permission bits the xBGP
 * helper table gives it. Returns 0, or -1 if rt/name/fn is NULL, the API has
 * no helper of that name, or the name is taken. */
int mempool_runtime_register_xbgp_helper(mempool_runtime *rt, const char *name,
                                         mempool_helper_fn fn) MEMPOOL_RT_NOEXCEPT;

/* Reads libxbgp's extra configuration file (what get_extra_info* read;
 * mempool::Runtime::load_extra_config): `key` names the top-level member
 * holding the entries (NULL or "": the whole file). Returns 0, or -1 with the
 * reason in err (the entry at fault, by its path) if rt/path is NULL, the
 * file cannot be read, or an entry is malformed (the previous configuration
 * then stays). */
int mempool_runtime_load_extra_config(mempool_runtime *rt, const char *path, const char *key, char *err,
                                      size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* Where super_log/log_msg and ebpf_print write: bit L of mask lets messages
 * of level L (L_DEBUG 1 .. L_BUG 9) through, bit 0 ebpf_print's output
 * (default: all); a file opened for appending (-1 with the reason in err if
 * it cannot be), or standard error by default. */
void mempool_runtime_set_log_mask(mempool_runtime *rt, uint32_t mask) MEMPOOL_RT_NOEXCEPT;
int mempool_runtime_set_log_file(mempool_runtime *rt, const char *path, char *err,
                                 size_t errlen) MEMPOOL_RT_NOEXCEPT;

/* The host's clock for get_time(): fills *seconds and *nanoseconds and
 * returns nonzero, or returns 0 (get_time then fails). NULL: CLOCK_MONOTONIC. */
typedef int (*mempool_clock_fn)(int64_t *seconds, int64_t *nanoseconds, void *data);
void mempool_runtime_set_clock(mempool_runtime *rt, mempool_clock_fn fn, void *data) MEMPOOL_RT_NOEXCEPT;

/* The job plugins of the xBGP manifests loaded (job_plugins): how many, and
 * job i's code name ("plugin/code") and schedule in seconds. Returns 0, or
 * -1 if rt is NULL or i out of range. */
size_t mempool_runtime_job_count(const mempool_runtime *rt) MEMPOOL_RT_NOEXCEPT;
int mempool_runtime_job(const mempool_runtime *rt, size_t i, const char **name,
                        uint64_t *schedule_seconds) MEMPOOL_RT_NOEXCEPT;

/* For a helper: marks the plugin being run as failed (see
 * mempool::fail_current_plugin); no effect outside an anchored run. */
void mempool_runtime_fail_current_plugin(void) MEMPOOL_RT_NOEXCEPT;

/* For a helper: the host object of a hidden typed argument, from the handle
 * get_arg gave the plugin; NULL if it is not one of the current run's. */
const void *mempool_runtime_resolve_handle(uint64_t handle) MEMPOOL_RT_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MEMPOOL_RUNTIME_H */
