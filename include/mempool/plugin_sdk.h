/*
 * mempool/plugin_sdk.h -- the header a plugin includes.
 *
 * A mempool plugin is a small C function compiled for the eBPF target and run
 * by the host (a routing daemon, say) at a named insertion point. It cannot
 * see the host's memory nor another plugin's: it receives a private copy of
 * its arguments and reaches shared state only through the helpers declared
 * here, which copy numbers and bytes in and out of the host's memory pools.
 *
 * This header is freestanding: it needs no libc and is meant to be compiled
 * with
 *
 *     clang -O2 -target bpf -mcpu=v2 -ffreestanding -nostdinc \
 *           -isystem $(clang -print-resource-dir)/include -I<this dir> -c p.c
 *
 * which is what the CMake function `mempool_add_bpf_plugin()` does.
 *
 * Example: the specification's plugin A, counting BGP UPDATE messages.
 *
 *     #include <mempool/plugin_sdk.h>
 *     #define UPDATE_MSG_KEY 2
 *
 *     MEMPOOL_PLUGIN("plugin/count")
 *     uint64_t main_plugin_A(bpf_full_args_t *args) {
 *         int *type_message = bpf_get_arg(0, args);
 *         if (!type_message) return EXIT_FAILURE;
 *         if (*type_message != 2) return EXIT_SUCCESS;   // not an UPDATE
 *         uint64_t seen = get_state_u64(UPDATE_MSG_KEY);
 *         seen++;
 *         return set_state(UPDATE_MSG_KEY, seen) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
 *     }
 *
 * What the verifier refuses, with every problem listed (instruction, source
 * line when built with -g, and a hint): a read or write outside the argument
 * struct, the stack frame, read-only data or the heap block a pointer came
 * from; a stack byte read (or handed to a helper) before it was written; a
 * loop whose bound it cannot prove (bound it: `if (n > 255) n = 255;`) or a
 * run that could pass the host's instruction limit; a pointer turned into a
 * number (returned, compared with a number, passed as a number, masked);
 * writable globals; calls to helpers the host did not register. Loops,
 * calls to the plugin's own functions, string literals and constant tables
 * are fine. One entry point per ELF section, and the section name must
 * differ from the function name (use MEMPOOL_PLUGIN("plugin/<name>")).
 *
 * The argument struct
 * -------------------
 * The program's only argument points to a per-call copy of:
 *
 *     struct bpf_full_args {
 *         uint32_t count;                    // arguments passed by the host
 *         uint32_t reserved;
 *         struct {                           // MEMPOOL_MAX_ARGS slots
 *             uint32_t len;                  // bytes valid in data
 *             uint32_t type;                 // MEMPOOL_ARG_* tag
 *             uint8_t  data[MEMPOOL_ARG_SIZE];   // 8-byte aligned
 *         } slot[MEMPOOL_MAX_ARGS];
 *     };
 *
 * Numbers are stored little-endian at the start of `data`. Bytes past `len`
 * are unspecified (never host memory). The copy is writable but writes are
 * lost after the call. `bpf_get_arg(i, args)` returns slot i's data area and
 * never NULL (the validator rejects a dereference after a merged NULL path);
 * test presence with `bpf_arg_len(i, args)` (0 when absent).
 *
 * Helper results
 * --------------
 * Only the heap helpers return pointers (into the plugin's heap, or NULL).
 * Setters return 0 on success or a nonzero MEMPOOL_ERR_* code
 * (MEMPOOL_ERR_LIMIT: the plugin's pool budget is spent). Getters of numbers
 * return 0 when the key is missing or holds something else; use
 * get_state_len()/get_attr_len() to tell 0 from absent. Buffer getters
 * return the number of bytes copied (0 if none) and zero the rest of the
 * buffer. A buffer and its length go together: the verifier proves the
 * buffer holds `len` bytes (initialised, for the setters), so bound a
 * variable length first (`if (len > sizeof buf) len = sizeof buf;`).
 *
 * Object (attribute) pools
 * ------------------------
 * The attr helpers act on the pool of an object the host designates for the
 * call: MEMPOOL_OBJ_FIRST is "the current object" (the route being received)
 * and, where the host compares two objects (route_compare), MEMPOOL_OBJ_SECOND
 * is the other one. Asking for an object the host did not provide yields 0 or
 * MEMPOOL_ERR_NO_POOL.
 */
#ifndef MEMPOOL_PLUGIN_SDK_H
#define MEMPOOL_PLUGIN_SDK_H

/* clang's freestanding <stdint.h> for plugins; the host's for the runtime,
 * which includes this header to share the argument layout. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ABI constants (shared with the host; changing one breaks plugins) -- */

#define MEMPOOL_PLUGIN_ABI_VERSION 1
#define MEMPOOL_MAX_ARGS 8   /* argument slots */
#define MEMPOOL_ARG_SIZE 128 /* bytes of inline data per slot */
#define MEMPOOL_BUF_SIZE 64  /* size of buffers passed to helpers */

/* Argument type tags (informative; the host sets them). */
#define MEMPOOL_ARG_NONE 0u
#define MEMPOOL_ARG_U8 1u
#define MEMPOOL_ARG_U16 2u
#define MEMPOOL_ARG_U32 3u
#define MEMPOOL_ARG_U64 4u
#define MEMPOOL_ARG_BYTES 5u

/* Which object pool the attr helpers act on. */
#define MEMPOOL_OBJ_FIRST 0u
#define MEMPOOL_OBJ_SECOND 1u

/* Helper status codes (0 is success). */
#define MEMPOOL_OK 0u
#define MEMPOOL_ERR_MISSING 1u      /* no such key */
#define MEMPOOL_ERR_WRONG_KIND 2u   /* key holds a list / a value / a reference */
#define MEMPOOL_ERR_WRONG_SIZE 3u   /* list element of another size */
#define MEMPOOL_ERR_EXISTS 4u
#define MEMPOOL_ERR_INVALID 5u      /* bad length, bad object index */
#define MEMPOOL_ERR_NO_MEMORY 6u
#define MEMPOOL_ERR_NO_POOL 7u      /* the host gave no pool for this call */
#define MEMPOOL_ERR_LIMIT 8u        /* the plugin's pool budget is spent (nothing changed) */

/* What the host sees as a plugin's value when a run-time check stopped it. */
#define MEMPOOL_RUN_ABORTED UINT64_MAX

#ifndef EXIT_SUCCESS
#define EXIT_SUCCESS 0
#endif
#ifndef EXIT_FAILURE
#define EXIT_FAILURE 1
#endif

/* ---- The argument struct ------------------------------------------------ */

typedef struct bpf_arg_slot {
  uint32_t len;
  uint32_t type;
  uint8_t data[MEMPOOL_ARG_SIZE] __attribute__((aligned(8)));
} bpf_arg_slot_t;

typedef struct bpf_full_args {
  uint32_t count;
  uint32_t reserved;
  bpf_arg_slot_t slot[MEMPOOL_MAX_ARGS];
} bpf_full_args_t;

typedef uint8_t mempool_buf_t[MEMPOOL_BUF_SIZE];

#if defined(__bpf__) || defined(__BPF__)

/* ---- Plugin-side conveniences ------------------------------------------- */

/* Put the entry point in its own ELF section, e.g. MEMPOOL_PLUGIN("plugin/a"). */
#define MEMPOOL_PLUGIN(name) __attribute__((section(name), used))

/* Slot i's data area. Never NULL: test presence with bpf_arg_len(). The index
 * is masked into range so that a non-constant i still passes the validator. */
static inline __attribute__((always_inline)) void *bpf_get_arg(uint32_t i, bpf_full_args_t *args) {
  return args->slot[i & (MEMPOOL_MAX_ARGS - 1)].data;
}

/* Bytes passed in slot i, or 0 if the host passed fewer arguments. */
static inline __attribute__((always_inline)) uint32_t bpf_arg_len(uint32_t i, const bpf_full_args_t *args) {
  if (i >= args->count || i >= MEMPOOL_MAX_ARGS) return 0;
  uint32_t len = args->slot[i].len;
  return len > MEMPOOL_ARG_SIZE ? MEMPOOL_ARG_SIZE : len;
}

/* Slot i as a number (0 when absent); reads min(len, 8) little-endian bytes. */
static inline __attribute__((always_inline)) uint64_t bpf_arg_u64(uint32_t i, const bpf_full_args_t *args) {
  uint32_t len = bpf_arg_len(i, args);
  if (len == 0) return 0;
  const bpf_arg_slot_t *s = &args->slot[i & (MEMPOOL_MAX_ARGS - 1)];
  uint64_t v = *(const uint64_t *)s->data;
  if (len >= 8) return v;
  return v & ((1ull << (len * 8)) - 1);
}

/* ---- Helpers: global pool ----------------------------------------------- */

uint64_t get_state_u64(uint32_t key);
uint64_t set_state_u64(uint32_t key, uint64_t value);          /* overwrites */
uint64_t get_state_len(uint32_t key);                          /* value length, 0 if none */
uint64_t get_state_buf(uint32_t key, void *buf, uint64_t len); /* bytes copied */
uint64_t set_state_buf(uint32_t key, const void *buf, uint64_t len);
uint64_t append_state(uint32_t key, const void *buf, uint64_t len);  /* list append */
uint64_t state_list_len(uint32_t key);                               /* element count */
uint64_t get_state_elem(uint32_t key, uint64_t index, void *buf, uint64_t len);

/* The specification's name for set_state_u64. */
#define set_state(key, value) set_state_u64((key), (value))
#define get_state(key) get_state_u64((key))

/* ---- Helpers: the current object's attribute pool ----------------------- */

uint64_t get_attr_u64(uint32_t obj, uint32_t key);
uint64_t set_attr_u64(uint32_t obj, uint32_t key, uint64_t value);
uint64_t get_attr_len(uint32_t obj, uint32_t key);
uint64_t get_attr_buf(uint32_t obj, uint32_t key, void *buf, uint64_t len);
uint64_t set_attr_buf(uint32_t obj, uint32_t key, const void *buf, uint64_t len);
uint64_t append_attr(uint32_t obj, uint32_t key, const void *buf, uint64_t len);
uint64_t attr_list_len(uint32_t obj, uint32_t key);
uint64_t get_attr_elem(uint32_t obj, uint32_t key, uint64_t index, void *buf, uint64_t len);

/* ---- Helpers: the plugin's heap ------------------------------------------ */
/* A per-plugin arena (size from the manifest's "heap" or the host), reset
 * after each run: nothing survives a run and nothing needs freeing. Each
 * returns NULL for a size of 0 or when the arena is exhausted; test it. */

void *ctx_malloc(uint64_t size);
void *ctx_calloc(uint64_t n, uint64_t size); /* zeroed; NULL if n or size is 0 */
void *ctx_realloc(void *ptr, uint64_t size);  /* ptr NULL: ctx_malloc */
void ctx_free(void *ptr);                     /* gives back the last block only */

#endif /* __bpf__ */

#ifdef __cplusplus
}
#endif

#endif /* MEMPOOL_PLUGIN_SDK_H */
