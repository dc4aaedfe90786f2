/* xbgp_compliant_api/xbgp_common_vm_defs.h: the types and macros of the
 * xBGP plugin API that are not about BGP: typed variadic arguments for the
 * logging and formatting helpers, log levels, socket kinds, extra
 * configuration handles, and the values the plugin manager reserves.
 *
 * Variadic arguments cross into a helper as an array of tagged values,
 * `struct vtype`, built on the plugin's stack by the LOG_* macros:
 *
 *     ebpf_print("peer AS%u sent %d attributes\n", LOG_UINT(as), LOG_INT(n));
 *     log_msg(L_INFO "route %s rejected\n", LOG_STR(prefix_text));
 *
 * expands to a `struct vargs { nb_args = 2, args = (struct vtype[]){...} }`
 * handed to ebpf_print_intern (or super_log) with the format string. The
 * layout of struct vtype is an ABI with the host: 32 bytes, the tag at 0 and
 * the value at 16. Its union carries a 16-byte alignment of its own so that
 * the layout is the same when a plugin is compiled for the build machine and
 * lowered with `llc -march=bpf` (where long double takes 16 bytes) and when
 * it is compiled with `-target bpf` (where long double is a double); only
 * LOG_LDOUBLE's bits differ between the two.
 */
#ifndef MEMPOOL_XBGP_COMMON_VM_DEFS_H
#define MEMPOOL_XBGP_COMMON_VM_DEFS_H

#include <stdint.h>

/* ---- Counting macro arguments ----------------------------------------------
 * XBGP_PP_NARGS(a, b, c) is 3 and XBGP_PP_NARGS() is 0, for up to 32
 * arguments (the GNU `, ##__VA_ARGS__` comma elision does the empty case; it
 * is what clang and gcc do outside strict ISO modes, and plugins are built in
 * their default gnu mode). */
#define XBGP_PP_NARGS(...)                                                                         \
  XBGP_PP_NARGS_PICK_(_, ##__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, \
                      17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define XBGP_PP_NARGS_PICK_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15,  \
                            _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, \
                            _30, _31, _32, count, ...)                                             \
  count

/* The names xBGP gives the count for its two uses. */
#define NUMARGS_SPRINTF__(...) (XBGP_PP_NARGS(__VA_ARGS__))
#define NUMARGS_LOGMSG(...) (XBGP_PP_NARGS(__VA_ARGS__))

/* ---- Tagged values for variadic helpers ------------------------------------ */

/* One argument of a format: `type` is a VT_* tag saying which member of `val`
 * holds it. */
struct vtype {
  int type;
  union {
    int8_t s8;
    uint8_t u8;
    int16_t s16;
    uint16_t u16;
    int32_t s32;
    uint32_t u32;
    int64_t s64;
    uint64_t u64;
    float fvalue;
    double dvalue;
    long double ldvalue;
    void *pvalue;

    unsigned char uchar;
    char schar;
    unsigned short ushort;
    short sshort;
    unsigned int uint;
    int sint;
    unsigned long ulong;
    long slong;
    unsigned long long ullong;
    long long sllong;

    uint8_t xbgp_layout_[16]; /* fixes the size at 16 whatever long double is */
  } __attribute__((aligned(16))) val;
};

/* The argument list a logging or printing helper receives. 16 bytes. */
struct vargs {
  int nb_args;
  struct vtype *args;
};

enum {
  VT_S8, VT_U8,
  VT_S16, VT_U16,
  VT_S32, VT_U32,
  VT_S64, VT_U64,
  VT_FLOAT, VT_DOUBLE, VT_LONGDOUBLE,
  VT_POINTER,
  VT_UCHAR, VT_SCHAR,
  VT_USHORT, VT_SSHORT,
  VT_UINT, VT_SINT,
  VT_SLONG, VT_ULONG,
  VT_ULLONG, VT_SLLONG
};

/* A tagged value from an expression, one macro per member of vtype.val. */
#define XBGP_VTYPE_(member, tag, v) ((struct vtype){.type = (tag), .val = {.member = (v)}})
#define LOG_S8(v) XBGP_VTYPE_(s8, VT_S8, v)
#define LOG_U8(v) XBGP_VTYPE_(u8, VT_U8, v)
#define LOG_S16(v) XBGP_VTYPE_(s16, VT_S16, v)
#define LOG_U16(v) XBGP_VTYPE_(u16, VT_U16, v)
#define LOG_S32(v) XBGP_VTYPE_(s32, VT_S32, v)
#define LOG_U32(v) XBGP_VTYPE_(u32, VT_U32, v)
#define LOG_S64(v) XBGP_VTYPE_(s64, VT_S64, v)
#define LOG_U64(v) XBGP_VTYPE_(u64, VT_U64, v)
#define LOG_FLOAT(v) XBGP_VTYPE_(fvalue, VT_FLOAT, v)
#define LOG_DOUBLE(v) XBGP_VTYPE_(dvalue, VT_DOUBLE, v)
#define LOG_LDOUBLE(v) XBGP_VTYPE_(ldvalue, VT_LONGDOUBLE, v)
#define LOG_PTR(v) XBGP_VTYPE_(pvalue, VT_POINTER, (void *)(v))
#define LOG_STR(v) LOG_PTR(v) /* a NUL-terminated string, printed with %s */
#define LOG_SCHAR(v) XBGP_VTYPE_(schar, VT_SCHAR, v)
#define LOG_UCHAR(v) XBGP_VTYPE_(uchar, VT_UCHAR, v)
#define LOG_SSHORT(v) XBGP_VTYPE_(sshort, VT_SSHORT, v)
#define LOG_USHORT(v) XBGP_VTYPE_(ushort, VT_USHORT, v)
#define LOG_INT(v) XBGP_VTYPE_(sint, VT_SINT, v)
#define LOG_UINT(v) XBGP_VTYPE_(uint, VT_UINT, v)
#define LOG_SLONG(v) XBGP_VTYPE_(slong, VT_SLONG, v)
#define LOG_ULONG(v) XBGP_VTYPE_(ulong, VT_ULONG, v)
#define LOG_SLLONG(v) XBGP_VTYPE_(sllong, VT_SLLONG, v)
#define LOG_ULLONG(v) XBGP_VTYPE_(ullong, VT_ULLONG, v)

/* ---- Log levels --------------------------------------------------------------
 * A level is a one-byte string put in front of the format, as in
 * log_msg(L_WARN "...\n"); the host reads it and filters with its mask. */
#define L_DEBUG "\001" /* debugging */
#define L_TRACE "\002" /* protocol tracing */
#define L_INFO "\003"
#define L_REMOTE "\004" /* errors of the remote side */
#define L_WARN "\005"
#define L_ERR "\006"
#define L_AUTH "\007" /* authorisation failures */
#define L_FATAL "\010"
#define L_BUG "\011" /* host bugs */

/* ---- Sockets (sock_open) -------------------------------------------------- */

typedef enum SOCKET_INTERFACE sk_type_t;

enum SOCKET_INTERFACE {
  PLUGIN_SOCKET_MIN,
  PLUGIN_SOCKET_QUIC,
  PLUGIN_SOCKET_TCP,
  PLUGIN_SOCKET_UDP,
  PLUGIN_SOCKET_MAX
};

/* ---- Extra configuration ---------------------------------------------------
 * A handle on a node of the extra configuration (a JSON value), filled by
 * get_extra_info() and walked by get_extra_info_dict/_lst_idx/_value; only
 * the host reads hidden_ptr. 16 bytes. */
struct global_info {
  void *hidden_ptr;
  int type;
};

/* ---- What the plugin manager hands a plugin --------------------------------- */

/* The insertion point's arguments; opaque to plugins, read through get_arg(). */
typedef struct entry_arg entry_arg_t;

/* The type of a plugin's entry point parameter: uint64_t f(args_t *args). */
typedef struct {
  entry_arg_t *args;
  int nargs;
} args_t;

/* How a run went, as the manager records it. 24 bytes. */
typedef struct {
  int return_val_set;
  uint64_t replace_return_value;
  int insertion_point_id;
} exec_info_t;

/* The values a plugin returns to the manager itself (all at most
 * HI_RESERVED_RETURN_VAL). */
enum RESERVED_RETURN_VAL {
  BPF_UNDEF = 0,
  BPF_CONTINUE, /* pre/post: go on with the next plugin */
  BPF_FAILURE,  /* the plugin failed; pre/post: go on with the next plugin */
  BPF_SUCCESS,  /* the plugin succeeded; pre/post: stop there */
  BPF_MAX_RESERVED_RETURN_VAL
};

#endif /* MEMPOOL_XBGP_COMMON_VM_DEFS_H */
