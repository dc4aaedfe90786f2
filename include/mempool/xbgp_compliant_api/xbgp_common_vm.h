/* xbgp_compliant_api/xbgp_common_vm.h: the helpers of the xBGP plugin API
 * that are not about BGP (memory, shared memory, time, logging, byte order,
 * formatting, extra configuration, sockets, chaining with next()), and the
 * macros that build their variadic arguments.
 *
 * Every function declared `extern` here is a helper: the plugin's object
 * calls it by name and mempool's runtime links the call to its own
 * implementation when it loads the plugin (a helper the runtime does not
 * know, or that the code's manifest permissions do not allow, makes the load
 * fail with the helper's name). Pointers a helper returns point into the
 * calling plugin's heap, never into the host.
 *
 * The byte order conversions are not helpers here: they are inline functions
 * with the helpers' names and signatures, compiled into the plugin (a byte
 * swap instruction or nothing), so no call leaves the plugin for them.
 *
 *     #include "../xbgp_compliant_api/xbgp_plugin_api.h"
 *
 *     uint64_t count_hops(args_t *args UNUSED) {
 *         struct path_attribute *path = get_attr_from_code(AS_PATH_ATTR_ID);
 *         if (path == NULL) return next();   // let the next plugin decide
 *         ebpf_print("AS_PATH of %d bytes\n", LOG_INT((int)path->length));
 *         return next();
 *     }
 */
#ifndef MEMPOOL_XBGP_COMMON_VM_H
#define MEMPOOL_XBGP_COMMON_VM_H

#include <time.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "xbgp_common_vm_defs.h"

/* glibc defines it (with inline); elsewhere, ours. */
#if !defined(__always_inline) && defined(__GNUC__)
#define __always_inline __inline__ __attribute__((always_inline))
#endif

/* ---- Macros over the variadic helpers ---------------------------------------- */

/* Calls fun_name(format, &vargs) with the LOG_* values that follow the
 * format gathered in a struct vargs on the caller's stack; evaluates to the
 * helper's result. */
#define var_fun(fun_name, format, ...)                                        \
  ({                                                                          \
    struct vargs xbgp_vargs_ = {.nb_args = NUMARGS_LOGMSG(__VA_ARGS__),       \
                                .args = (struct vtype[]){__VA_ARGS__}};       \
    fun_name(format, &xbgp_vargs_);                                           \
  })

/* log_msg(L_WARN "fmt", LOG_*(...), ...): a message to the host's log, kept
 * if its level passes the host's mask. */
#define log_msg(format, ...) var_fun(super_log, format, ##__VA_ARGS__)

/* ebpf_print("fmt", LOG_*(...), ...): printf-like output to the host's
 * standard error (or the file it was told to use). */
#define ebpf_print(format, ...) var_fun(ebpf_print_intern, format, ##__VA_ARGS__)

/* ubpf_sprintf(buf, size, "fmt", a, b, ...): snprintf into the plugin's own
 * buffer; the arguments travel as integers (uintptr_t), preceded by their
 * count. */
#define ubpf_sprintf(str, size, format, ...)                                  \
  ebpf_bvsnprintf(str, size, format,                                          \
                  (uintptr_t[]){NUMARGS_SPRINTF__(__VA_ARGS__), ##__VA_ARGS__})

/* ---- Helpers -------------------------------------------------------------------- */

/* Sends len bytes to the host's monitoring channel; 1 if sent, 0 if not. */
extern int send_to_monitor(const void *data, size_t len, unsigned int type);

/* The host's clocks (a replaying host gives the time of the data it
 * replays). 0 on success. */
extern int get_time(struct timespec *spec);
extern int get_realtime(struct timespec *spec);
extern clock_t bpf_clock(void);

/* memcpy/memcmp of a length known only at run time. */
extern void *ebpf_memcpy(void *dst0, const void *src0, size_t length);
extern int ebpf_memcmp(const void *s1, const void *s2, size_t n);

/* Behind ebpf_print and log_msg. */
extern int ebpf_print_intern(const char *format, struct vargs *args);
extern int super_log(const char *msg, struct vargs *args);

/* Records why the plugin failed, for the host's report. */
extern void set_error(const char *reason, size_t len);

/* The plugin's heap (the manifest's extra_mem), emptied after each run. NULL
 * when exhausted. */
extern void *ctx_malloc(size_t size);
extern void *ctx_calloc(size_t nmemb, size_t size);
extern void *ctx_realloc(void *ptr, size_t size);
extern void ctx_free(void *ptr);

/* The plugin's shared memory (the manifest's shared_mem): blocks by key that
 * outlive a run. ctx_shmnew creates a zeroed block of `size` bytes (NULL when
 * it cannot), ctx_shmget finds it (NULL if absent), ctx_shmrm frees it. */
extern void *ctx_shmnew(key_t key, size_t size);
extern void *ctx_shmget(key_t key);
extern void ctx_shmrm(key_t key);

/* The insertion point's argument of the given kind (enum ubpf_arg_type or a
 * host's own kind), copied into the plugin's heap; NULL if absent. */
extern void *get_arg(unsigned int arg_type);

extern int bpf_sockunion_cmp(const struct sockaddr *su1, const struct sockaddr *su2);

/* floor(sqrt(a) * 10^precision). */
extern uint64_t ebpf_sqrt(uint64_t a, unsigned int precision);

/* snprintf with arguments as integers: args[0] is their count. */
extern int ebpf_bvsnprintf(char *buf, int size, const char *fmt, uintptr_t *args);

/* Runs the rest of the chain (the next replace plugin, or the host's own
 * code after the last) and returns its result; `return next();` hands the
 * decision over. */
extern int next(void);

/* Extra configuration (the manifest's extra configuration file). */
extern int get_extra_info_value(struct global_info *info, void *buf, size_t len_buf);
extern int get_extra_info_lst_idx(struct global_info *info, int arr_idx, struct global_info *value);
extern int get_extra_info(const char *key, struct global_info *info);
extern int get_extra_info_dict(struct global_info *info, const char *key, struct global_info *value);

/* Text forms of addresses. ebpf_inet_ntop reads 4 (AF_INET) or 16 (AF_INET6)
 * bytes at ipaddr. */
extern int ebpf_inet_ntop(uint8_t *ipaddr, int type, char *buf, size_t len);
extern int ebpf_inet_pton(int af, const char *src, void *dst, size_t buf_len);

/* Sockets opened on the plugin's behalf. */
extern int sock_open(sk_type_t proto, int af, const struct sockaddr *addr, socklen_t len);
extern int sock_write(int sfd, const void *buf, size_t len);
extern int sock_read(int sfd, void *buf, size_t len);
extern int sock_close(int sfd);

/* Job plugins: when to run next. */
extern int reschedule_plugin(time_t *time);

/* The insertion point the plugin runs at (enum ubpf_plugins). */
extern int whereami(void);

/* ---- Byte order, inline ----------------------------------------------------------
 * Network order is big-endian; on a little-endian target (bpfel, what llc
 * -march=bpf gives on x86) these swap, on a big-endian one they do nothing. */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define XBGP_TO_NETWORK_(bits, v) (v)
#else
#define XBGP_TO_NETWORK_(bits, v) __builtin_bswap##bits(v)
#endif

static __inline__ __attribute__((always_inline, unused)) uint16_t ebpf_htons(uint16_t value) {
  return XBGP_TO_NETWORK_(16, value);
}
static __inline__ __attribute__((always_inline, unused)) uint32_t ebpf_htonl(uint32_t value) {
  return XBGP_TO_NETWORK_(32, value);
}
static __inline__ __attribute__((always_inline, unused)) uint64_t ebpf_htonll(uint64_t value) {
  return XBGP_TO_NETWORK_(64, value);
}
/* The same swap back. */
static __inline__ __attribute__((always_inline, unused)) uint16_t ebpf_ntohs(uint16_t value) {
  return XBGP_TO_NETWORK_(16, value);
}
static __inline__ __attribute__((always_inline, unused)) uint32_t ebpf_ntohl(uint32_t value) {
  return XBGP_TO_NETWORK_(32, value);
}
static __inline__ __attribute__((always_inline, unused)) uint64_t ebpf_ntohll(uint64_t value) {
  return XBGP_TO_NETWORK_(64, value);
}

#endif /* MEMPOOL_XBGP_COMMON_VM_H */
