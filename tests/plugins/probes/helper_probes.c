/*
 * Plugins that drive one pool helper each from their arguments, so the tests
 * can check every helper's bounds, kinds and lengths from the host side,
 * under the JIT and the interpreter. Buffers read back by the host are
 * written to the global pool at the key given as the last argument.
 *
 * Arguments are numbers unless noted; "obj" selects the object pool.
 */
#include <mempool/plugin_sdk.h>

#define ARG(i) bpf_arg_u64((i), args)

/* A length argument, bounded by the buffer it describes: the verifier proves
 * every helper buffer holds the size passed with it, so a plugin clamps
 * (the host's own clamp of earlier versions is tested this way). */
static inline __attribute__((always_inline)) uint64_t buf_len(uint64_t n) {
  return n > MEMPOOL_BUF_SIZE ? MEMPOOL_BUF_SIZE : n;
}
#define LEN(i) buf_len(ARG(i))

/* Copies slot i's first MEMPOOL_BUF_SIZE bytes into buf. */
#define ARG_BYTES(buf, i) __builtin_memcpy((buf), bpf_get_arg((i), args), MEMPOOL_BUF_SIZE)

/* ---- global pool ---- */

MEMPOOL_PLUGIN("probe/get_state_u64")
uint64_t p_get_state_u64(bpf_full_args_t *args) { return get_state_u64(ARG(0)); }

MEMPOOL_PLUGIN("probe/set_state_u64")
uint64_t p_set_state_u64(bpf_full_args_t *args) { return set_state_u64(ARG(0), ARG(1)); }

/* The specification's spelling. */
MEMPOOL_PLUGIN("probe/set_state")
uint64_t p_set_state(bpf_full_args_t *args) { return set_state(ARG(0), ARG(1)); }

MEMPOOL_PLUGIN("probe/get_state_len")
uint64_t p_get_state_len(bpf_full_args_t *args) { return get_state_len(ARG(0)); }

/* (key, len, out_key): get_state_buf into a zeroed buffer, store the whole
 * buffer at out_key, return the helper's result. */
MEMPOOL_PLUGIN("probe/get_state_buf")
uint64_t p_get_state_buf(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  __builtin_memset(buf, 0, sizeof buf);
  uint64_t n = get_state_buf(ARG(0), buf, LEN(1));
  set_state_buf(ARG(2), buf, MEMPOOL_BUF_SIZE);
  return n;
}

/* (key, bytes, len) */
MEMPOOL_PLUGIN("probe/set_state_buf")
uint64_t p_set_state_buf(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  ARG_BYTES(buf, 1);
  return set_state_buf(ARG(0), buf, LEN(2));
}

/* (key, bytes, len) */
MEMPOOL_PLUGIN("probe/append_state")
uint64_t p_append_state(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  ARG_BYTES(buf, 1);
  return append_state(ARG(0), buf, LEN(2));
}

MEMPOOL_PLUGIN("probe/state_list_len")
uint64_t p_state_list_len(bpf_full_args_t *args) { return state_list_len(ARG(0)); }

/* (key, index, len, out_key) */
MEMPOOL_PLUGIN("probe/get_state_elem")
uint64_t p_get_state_elem(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  __builtin_memset(buf, 0, sizeof buf);
  uint64_t n = get_state_elem(ARG(0), ARG(1), buf, LEN(2));
  set_state_buf(ARG(3), buf, MEMPOOL_BUF_SIZE);
  return n;
}

/* ---- object pools: the same, with obj first ---- */

MEMPOOL_PLUGIN("probe/get_attr_u64")
uint64_t p_get_attr_u64(bpf_full_args_t *args) { return get_attr_u64(ARG(0), ARG(1)); }

MEMPOOL_PLUGIN("probe/set_attr_u64")
uint64_t p_set_attr_u64(bpf_full_args_t *args) { return set_attr_u64(ARG(0), ARG(1), ARG(2)); }

MEMPOOL_PLUGIN("probe/get_attr_len")
uint64_t p_get_attr_len(bpf_full_args_t *args) { return get_attr_len(ARG(0), ARG(1)); }

/* (obj, key, len, out_key): the buffer goes to the GLOBAL pool at out_key. */
MEMPOOL_PLUGIN("probe/get_attr_buf")
uint64_t p_get_attr_buf(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  __builtin_memset(buf, 0, sizeof buf);
  uint64_t n = get_attr_buf(ARG(0), ARG(1), buf, LEN(2));
  set_state_buf(ARG(3), buf, MEMPOOL_BUF_SIZE);
  return n;
}

/* (obj, key, bytes, len) */
MEMPOOL_PLUGIN("probe/set_attr_buf")
uint64_t p_set_attr_buf(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  ARG_BYTES(buf, 2);
  return set_attr_buf(ARG(0), ARG(1), buf, LEN(3));
}

/* (obj, key, bytes, len) */
MEMPOOL_PLUGIN("probe/append_attr")
uint64_t p_append_attr(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  ARG_BYTES(buf, 2);
  return append_attr(ARG(0), ARG(1), buf, LEN(3));
}

MEMPOOL_PLUGIN("probe/attr_list_len")
uint64_t p_attr_list_len(bpf_full_args_t *args) { return attr_list_len(ARG(0), ARG(1)); }

/* (obj, key, index, len, out_key) */
MEMPOOL_PLUGIN("probe/get_attr_elem")
uint64_t p_get_attr_elem(bpf_full_args_t *args) {
  uint8_t buf[MEMPOOL_BUF_SIZE];
  __builtin_memset(buf, 0, sizeof buf);
  uint64_t n = get_attr_elem(ARG(0), ARG(1), ARG(2), buf, LEN(3));
  set_state_buf(ARG(4), buf, MEMPOOL_BUF_SIZE);
  return n;
}
