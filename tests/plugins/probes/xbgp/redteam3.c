/* probes/xbgp/redteam3.c: a third hostile plugin author, against what the
 * anchored runner keeps between plugins for speed (tests/plugins/
 * redteam3_test.cpp): the per-thread, per-nesting-level argument struct and
 * heap arena, the arena zeroed only up to its high mark, next() nesting,
 * shared memory and globals across groups, programs and runtimes. Each
 * section is one plugin; test_mode(id) tells it its parameters, test_trace
 * reports what it saw. A "secret" is 0x5e, the byte a writer leaves and a
 * reader must never find. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_mode(uint64_t id);
extern uint64_t test_trace(uint64_t id, uint64_t value);

#define SEC(name) __attribute__((section(name), used))
#define SECRET 0x5e5e5e5e5e5e5e5eull
#define HEAP_ADDRESS(off) ((1ull << 44) + (off))

/* The arena's bytes [0, n) as the plugin can reach them whatever it
 * allocated: through heap addresses (numbers the executors translate and
 * check against the arena), 8 bytes at a time. */
static __always_inline uint64_t or_arena(uint64_t n) {
  uint64_t seen = 0;
  if (n > (1u << 18)) n = 1u << 18;
  for (uint64_t off = 0; off + 8 <= n; off += 8) seen |= *(volatile uint64_t *)(uintptr_t)HEAP_ADDRESS(off);
  return seen;
}
static __always_inline void fill_arena(uint64_t n) {
  if (n > (1u << 18)) n = 1u << 18;
  for (uint64_t off = 0; off + 8 <= n; off += 8) *(volatile uint64_t *)(uintptr_t)HEAP_ADDRESS(off) = SECRET;
}

/* Writes the secret over the first test_mode(1) bytes of its arena, block
 * headers and free space alike, without allocating. */
SEC("r3/fill_arena") uint64_t fill_arena_plugin(args_t *args UNUSED) {
  fill_arena(test_mode(1));
  return 0;
}

/* ORs the first test_mode(2) bytes of its arena: 0 unless something was
 * left there. */
SEC("r3/scan_arena") uint64_t scan_arena_plugin(args_t *args UNUSED) {
  uint64_t seen = or_arena(test_mode(2));
  test_trace(2, seen);
  return seen;
}

/* The controls: the same plugin finds what it wrote, through heap
 * addresses (its arena) and through a block it freed and allocated again
 * (ctx_malloc does not zero), so a reader that finds zeros above read
 * memory that could have shown the secret. */
SEC("r3/fill_then_scan") uint64_t fill_then_scan(args_t *args UNUSED) {
  fill_arena(test_mode(1));
  return or_arena(test_mode(2));
}
SEC("r3/reuse_block") uint64_t reuse_block(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(4000);
  if (p == NULL) return 1;
  for (int i = 0; i < 500; i++) p[i] = SECRET;
  ctx_free(p);
  uint64_t *q = ctx_malloc(4000);
  if (q == NULL) return 2;
  uint64_t seen = 0;
  for (int i = 0; i < 500; i++) seen |= q[i];
  return seen;
}

/* Allocates 4000 bytes, fills them with the secret through the block (the
 * verifier proves every access: no run-time check, so the runner knows
 * only the high mark), then gives the block back: ctx_free of the last
 * block lowers the allocator's top below the secret. Then a block of 8
 * bytes, shrunk in place by ctx_realloc. */
SEC("r3/fill_blocks") uint64_t fill_blocks(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(4000);
  if (p == NULL) return 1;
  for (int i = 0; i < 500; i++) p[i] = SECRET;
  ctx_free(p);
  uint64_t *q = ctx_malloc(3000);
  if (q == NULL) return 2;
  for (int i = 0; i < 375; i++) q[i] = SECRET;
  q = ctx_realloc(q, 8);
  if (q == NULL) return 3;
  return 0;
}

/* ctx_malloc does not zero: a fresh block of 4000 bytes read whole (every
 * access proven, none checked at run time). */
SEC("r3/read_block") uint64_t read_block(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(4000);
  if (p == NULL) return 1;
  uint64_t seen = 0;
  for (int i = 0; i < 500; i++) seen |= p[i];
  test_trace(3, seen);
  return seen;
}

/* The argument struct past exec_info_t (24 bytes): what the verifier lets
 * an xBGP plugin touch (the context is 1096 bytes for every ABI). */
SEC("r3/write_ctx") uint64_t write_ctx(args_t *args) {
  uint64_t *w = (uint64_t *)args;
  for (int i = 3; i < 137; i++) w[i] = SECRET;
  return 0;
}
SEC("r3/read_ctx") uint64_t read_ctx(args_t *args) {
  uint64_t *w = (uint64_t *)args;
  uint64_t seen = 0;
  for (int i = 3; i < 137; i++) seen |= w[i] == SECRET ? 1 : 0;
  test_trace(4, seen);
  return seen;
}

/* next() nesting: the outer plugin fills a block of its heap, hands over,
 * and checks afterwards that its block is intact (trace 10: 1 if intact)
 * and that its arena past the block holds nothing the inner plugin wrote
 * (trace 11). */
SEC("r3/outer_keep") uint64_t outer_keep(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(512);
  if (p == NULL) return 1;
  for (int i = 0; i < 64; i++) p[i] = 0x0123456789abcdefull + i;
  int r = next();
  uint64_t intact = 1;
  for (int i = 0; i < 64; i++)
    if (p[i] != 0x0123456789abcdefull + i) intact = 0;
  test_trace(10, intact);
  /* Past the block (header 8 + 512 bytes): what is left of the arena. */
  uint64_t seen = 0;
  uint64_t n = test_mode(12);
  if (n > (1u << 16)) n = 1u << 16;
  for (uint64_t off = 520; off + 8 <= n; off += 8) seen |= *(volatile uint64_t *)(uintptr_t)HEAP_ADDRESS(off);
  test_trace(11, seen);
  return (uint64_t)(int64_t)r;
}

/* The inner plugin of a chain: scans its own arena (trace 2), fills it with
 * the secret, and returns 2002. */
SEC("r3/inner_scan_fill") uint64_t inner_scan_fill(args_t *args UNUSED) {
  test_trace(2, or_arena(test_mode(2)));
  fill_arena(test_mode(1));
  return 2002;
}

/* Shared memory: a writer puts the secret in block test_mode(20) (made if
 * needed); a reader looks the same key up in its own group's memory and
 * traces 21: 0 (no block), 1 (a block without the secret), 2 (the secret). */
SEC("r3/shm_write") uint64_t shm_write(args_t *args UNUSED) {
  key_t key = (key_t)test_mode(20);
  uint64_t *b = ctx_shmget(key);
  if (b == NULL) b = ctx_shmnew(key, 64);
  if (b == NULL) return 1;
  b[0] = SECRET;
  return 0;
}
SEC("r3/shm_read") uint64_t shm_read(args_t *args UNUSED) {
  uint64_t *b = ctx_shmget((key_t)test_mode(20));
  uint64_t what = b == NULL ? 0 : b[0] == SECRET ? 2 : 1;
  test_trace(21, what);
  return what;
}

/* Calls next() and returns what it gave (for the chain tests). */
SEC("r3/pass") uint64_t pass(args_t *args UNUSED) { return (uint64_t)(int64_t)next(); }

/* Returns 1001 after calling run_other(), a host helper of the test that
 * runs another point (a nested run() from a helper). */
extern uint64_t run_other(void);
SEC("r3/own_value") uint64_t own_value(args_t *args UNUSED) {
  run_other();
  return 1001;
}

/* A plugin that fills a block with the secret, then calls run_other() (the
 * test's helper runs another point: a nested run()), then checks its block
 * (trace 10: 1 if intact). */
SEC("r3/fill_then_run_other") uint64_t fill_then_run_other(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(4000);
  if (p == NULL) return 1;
  for (int i = 0; i < 500; i++) p[i] = SECRET;
  run_other();
  uint64_t intact = 1;
  for (int i = 0; i < 500; i++)
    if (p[i] != SECRET) intact = 0;
  test_trace(10, intact);
  return 0;
}

/* A post plugin: traces 50 with 1 if get_arg(77) finds the run's typed
 * argument 77, 0 if not. */
SEC("r3/post_get_arg") uint64_t post_get_arg(args_t *args UNUSED) {
  void *p = get_arg(77);
  test_trace(50, p != NULL ? 1 : 0);
  return 0;
}

/* Fills test_mode(1) bytes of its arena with the secret, then reads far
 * past the arena: a run-time check stops it there. */
SEC("r3/fill_then_abort") uint64_t fill_then_abort(args_t *args UNUSED) {
  fill_arena(test_mode(1));
  return *(volatile uint64_t *)(uintptr_t)HEAP_ADDRESS(1ull << 30);
}
