/* Plugins as clang writes them, for the verifier's tests on real objects
 * (tests/vm/verifier_test.cpp, RealObjects). One section per case; the
 * comment says what the verifier must decide and why. */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

struct args {
  u64 len;
  u8 data[32];
  u32 n;
  u32 x;
};

u64 set_state_buf(u64 key, const void *buf, u64 len);
u64 get_value(u64 key);
void *ctx_malloc(u64 size);

#define SEC(name) __attribute__((section(name), used))

/* accepted: a loop to a constant */
SEC("v/loop_const") u64 loop_const(struct args *a) {
  u64 s = 0;
#pragma clang loop unroll(disable)
  for (int i = 0; i < 10; i++) s += a->data[i] * get_value(i);
  return s;
}

/* accepted: a loop over a length clamped first */
SEC("v/loop_bounded") u64 loop_bounded(struct args *a) {
  u64 n = a->len;
  if (n > 32) n = 32;
  u64 s = 0;
#pragma clang loop unroll(disable)
  for (u64 i = 0; i < n; i++) s += get_value(a->data[i]);
  return s;
}

/* refused (T): counted by a raw 32-bit input */
SEC("v/loop_raw") u64 loop_raw(struct args *a) {
  u64 s = 0;
#pragma clang loop unroll(disable)
  for (u32 i = 0; i < a->n; i++) s += get_value(i);
  return s;
}

/* accepted: byte swaps (every BGP field is big-endian) */
SEC("v/bswap") u64 bswap(struct args *a) {
  return __builtin_bswap32(a->x) + __builtin_bswap16((u16)a->len) + __builtin_bswap64(a->len);
}

__attribute__((noinline)) static u64 fill(u8 *buf, u64 n) {
#pragma clang loop unroll(disable)
  for (u64 i = 0; i < 16; i++) buf[i] = (u8)(i + n);
  return n;
}

/* accepted: a local function writing through a pointer to the caller's frame */
SEC("v/calls") u64 calls(struct args *a) {
  u8 buf[16];
  fill(buf, a->len);
  return set_state_buf(1, buf, 16);
}

/* refused (I): issue 8's escape, uninitialised stack handed to a helper */
SEC("v/uninit_buf") u64 uninit_buf(struct args *a) {
  u64 b[8];
  b[0] = a->len;
  return set_state_buf(1, b, 64);
}

/* accepted: the same, initialised */
SEC("v/init_buf") u64 init_buf(struct args *a) {
  u64 b[8] = {0};
  b[0] = a->len;
  return set_state_buf(1, b, 64);
}

#define IF(i) if (a->data[i] & 1) s += get_value(i);
/* accepted, in about a millisecond: 26 sequential data-dependent ifs */
SEC("v/ifs26") u64 ifs26(struct args *a) {
  u64 s = 0;
  IF(0) IF(1) IF(2) IF(3) IF(4) IF(5) IF(6) IF(7) IF(8) IF(9) IF(10) IF(11) IF(12)
  IF(13) IF(14) IF(15) IF(16) IF(17) IF(18) IF(19) IF(20) IF(21) IF(22) IF(23) IF(24) IF(25)
  return s;
}

/* accepted: a heap object, checked against NULL */
SEC("v/heap") u64 heap(struct args *a) {
  u64 *p = ctx_malloc(16);
  if (!p) return 0;
  p[0] = a->len;
  p[1] = 2;
  return p[0] + p[1];
}

/* refused (M): an index the program never bounded */
SEC("v/oob") u64 oob(struct args *a) { return a->data[a->n]; }
