/* probes/xbgp/redteam.c: what a hostile plugin author shipping a libxbgp
 * manifest would try against the xBGP mode (tests/plugins/
 * test_xbgp_escapes.cpp): learn where the host put the arena (a pointer
 * turned into a number through a helper, a comparison, a global, 32-bit
 * truncation), forge a heap address past the arena (wrapping, negative),
 * a run-time sized buffer that wraps, blocks kept after ctx_shmrm or
 * ctx_realloc, nested log pointers above the frame. Each section is one
 * attempt; the test says how each is stopped. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);

#define SEC(name) __attribute__((section(name), used))

static void *volatile kept_pointer;
static volatile uint64_t kept_number;

/* A heap pointer copied by ebpf_memcpy from the stack into the heap, then
 * read back from the heap as a number. */
SEC("red/memcpy_pointer") uint64_t red_memcpy_pointer(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  void *slot = h;
  ebpf_memcpy(h, &slot, 8);
  return *(uint64_t *)h;
}

/* The same through a global: the pointer's bytes into .bss. */
SEC("red/global_pointer") uint64_t red_global_pointer(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  kept_pointer = h;
  return 0;
}

/* A pointer cast to a number and stored in a global. */
SEC("red/global_number") uint64_t red_global_number(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  kept_number = (uint64_t)(uintptr_t)h;
  return 0;
}

/* ubpf_sprintf's %lx of a pointer: the args array on the stack holds it. */
SEC("red/sprintf_pointer") uint64_t red_sprintf_pointer(args_t *args UNUSED) {
  char buf[32];
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  ubpf_sprintf(buf, sizeof buf, "%lx", (uintptr_t)h);
  uint64_t first8 = 0;
  __builtin_memcpy(&first8, buf, 8);
  test_trace(20, first8);
  return 0;
}

/* ebpf_print's LOG_UINT of a pointer: the vtype's value is the pointer. */
SEC("red/print_pointer") uint64_t red_print_pointer(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  return (uint64_t)ebpf_print("%lx\n", LOG_UINT((uintptr_t)h));
}

/* A comparison of a pointer with a constant: one bit of the address. */
SEC("red/compare") uint64_t red_compare(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  if ((uintptr_t)h > 0x500000000000ull) return 2;
  return 3;
}

/* The pointer's low 32 bits as a number. */
SEC("red/truncate") uint64_t red_truncate(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  return (uint32_t)(uintptr_t)h;
}

/* Pointer AND a mask: the page offset, then the rest by subtraction. */
SEC("red/mask") uint64_t red_mask(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  return ((uintptr_t)h & 0xfff) + ((uintptr_t)h >> 12);
}

/* Heap addresses forged around the arena: below the base (the offset
 * wraps to 2^64 - 8), at its end, far past it, and a host address
 * read as a number (traced value 0 at run time, so none is a constant). */
static uint64_t deref_number(uint64_t n) { return *(volatile uint64_t *)(uintptr_t)n; }

SEC("red/below_base") uint64_t red_below_base(args_t *args UNUSED) {
  uint64_t k = test_trace(30, 0);
  return deref_number((1ull << 44) - 8 + k);
}
SEC("red/wrap_to_zero") uint64_t red_wrap_to_zero(args_t *args UNUSED) {
  uint64_t k = test_trace(31, 0);
  return deref_number(0xfffffffffffffff8ull + k);
}
SEC("red/far_past") uint64_t red_far_past(args_t *args UNUSED) {
  uint64_t k = test_trace(32, 0);
  return deref_number((1ull << 44) + (1ull << 40) + k);
}
SEC("red/straddle_end") uint64_t red_straddle_end(args_t *args UNUSED) {
  /* the last 4 bytes of a 64 KiB arena and 4 past it */
  uint64_t k = test_trace(33, 0);
  return deref_number((1ull << 44) + 65536 - 4 + k);
}
SEC("red/write_far") uint64_t red_write_far(args_t *args UNUSED) {
  uint64_t k = test_trace(34, 0);
  *(volatile uint64_t *)(uintptr_t)((1ull << 44) - 4096 + k) = 0x4141414141414141ull;
  return 0;
}

/* ebpf_memcpy with a run-time size that wraps the address space:
 * [p, p + n) with n = 2^64 - 8. */
SEC("red/memcpy_wrap") uint64_t red_memcpy_wrap(args_t *args UNUSED) {
  uint64_t k = test_trace(35, 0);
  char *h = ctx_malloc(64);
  if (h == NULL) return 1;
  ebpf_memcpy(h + 8, h, 0xfffffffffffffff8ull + k);
  return 0;
}

/* ebpf_memcpy into a forged heap address with a size that ends past the
 * arena; and one whose offset + size wraps. */
SEC("red/memcpy_address_past") uint64_t red_memcpy_address_past(args_t *args UNUSED) {
  uint64_t k = test_trace(36, 0);
  char *h = ctx_malloc(64);
  if (h == NULL) return 1;
  ebpf_memcpy((void *)(uintptr_t)((1ull << 44) + 65536 - 8 + k), h, 64 + k);
  return 0;
}
SEC("red/memcpy_address_wrap") uint64_t red_memcpy_address_wrap(args_t *args UNUSED) {
  uint64_t k = test_trace(37, 0);
  char *h = ctx_malloc(64);
  if (h == NULL) return 1;
  ebpf_memcpy((void *)(uintptr_t)((1ull << 44) + 16 + k), h, 0xfffffffffffffff0ull + k);
  return 0;
}

/* A shared block written after ctx_shmrm, then made again: the plugin's
 * bytes stay in the shared arena; the new block starts zeroed. */
SEC("red/shm_after_rm") uint64_t red_shm_after_rm(args_t *args UNUSED) {
  uint64_t *p = ctx_shmnew(7, 64);
  if (p == NULL) return 1;
  ctx_shmrm(7);
  p[0] = 0x4242424242424242ull;
  p[7] = 0x4343434343434343ull;
  uint64_t *q = ctx_shmnew(7, 64);
  if (q == NULL) return 2;
  return q[0] + q[7];
}

/* A block kept after ctx_realloc moved it; and an allocator header
 * scribbled on before ctx_realloc grows the block. */
SEC("red/realloc_kept") uint64_t red_realloc_kept(args_t *args UNUSED) {
  uint64_t *p = ctx_malloc(16);
  if (p == NULL) return 1;
  uint64_t *other = ctx_malloc(16);
  if (other == NULL) return 1;
  uint64_t *q = ctx_realloc(p, 4096);
  if (q == NULL) return 2;
  p[0] = 0x4444444444444444ull; /* the old block: still inside the arena */
  p[-1] = 0xffffffffffffffffull; /* its header */
  q[-1] = 0xfffffff0ull;         /* the moved block's header */
  uint64_t *r = ctx_realloc(q, 8192);
  return r == NULL ? 3 : 4;
}

/* log_msg and ebpf_print with a LOG_STR above the frame (the caller's
 * stack, where the host's return addresses are) and at a forged heap
 * address past the arena. */
SEC("red/log_above_frame") uint64_t red_log_above_frame(args_t *args UNUSED) {
  char word[8] = {'a', 0};
  uint64_t k = test_trace(38, 0);
  char *above = word + 512 + k;
  return (uint64_t)ebpf_print("[%s]\n", LOG_STR(above));
}
SEC("red/log_past_arena") uint64_t red_log_past_arena(args_t *args UNUSED) {
  uint64_t k = test_trace(39, 0);
  char *end = (char *)(uintptr_t)((1ull << 44) + 65536 - 2 + k); /* the arena's last two bytes */
  end[0] = 'A';
  end[1] = 'A';
  log_msg(L_WARN "[%s]\n", LOG_STR(end));
  return 0;
}

/* ebpf_inet_ntop from a heap address at the arena's end (16 bytes
 * straddling it) and into a buffer past it. */
SEC("red/ntop_end") uint64_t red_ntop_end(args_t *args UNUSED) {
  uint64_t k = test_trace(40, 0);
  char buf[64];
  return (uint64_t)ebpf_inet_ntop((uint8_t *)(uintptr_t)((1ull << 44) + 65536 - 8 + k), AF_INET6, buf, sizeof buf);
}

/* log_msg with pointers tagged as pointers (LOG_PTR) but formatted with
 * %lx: a heap, a stack and a read-only data pointer. */
SEC("red/print_ptr_as_hex") uint64_t red_print_ptr_as_hex(args_t *args UNUSED) {
  void *h = ctx_malloc(16);
  if (h == NULL) return 1;
  char word[8] = {'s', 0};
  uint64_t k = test_trace(41, 0);
  log_msg(L_WARN "%lx %lx %lx %u\n", LOG_PTR(h), LOG_PTR(word), LOG_PTR("ro"), LOG_U32(k));
  return 0;
}

/* Pointer differences across regions: heap - stack, heap - shared block,
 * heap - read-only data, and a number minus a pointer. */
SEC("red/sub_stack") uint64_t red_sub_stack(args_t *args UNUSED) {
  char word[8] = {'s', 0};
  char *h = ctx_malloc(16);
  if (h == NULL) return 1;
  h[0] = word[0];
  return (uint64_t)(h - word);
}
SEC("red/sub_shared") uint64_t red_sub_shared(args_t *args UNUSED) {
  char *h = ctx_malloc(16);
  char *s = ctx_shmnew(3, 16);
  if (h == NULL || s == NULL) return 1;
  return (uint64_t)(h - s);
}
SEC("red/sub_number") uint64_t red_sub_number(args_t *args UNUSED) {
  uint64_t k = test_trace(42, 0);
  char *h = ctx_malloc(16);
  if (h == NULL) return 1;
  return (k + (1ull << 44)) - (uint64_t)(uintptr_t)h;
}
/* Two heap pointers: their difference is an offset in the arena. */
SEC("red/sub_heap") uint64_t red_sub_heap(args_t *args UNUSED) {
  char *a = ctx_malloc(16);
  char *b = ctx_malloc(16);
  if (a == NULL || b == NULL) return 1;
  return (uint64_t)(b - a);
}

/* ebpf_inet_ntop(AF_INET6) of a stack buffer whose first 4 bytes are a
 * number and whose next 8 hold a spilled heap pointer: the text would go
 * back to the plugin with the pointer's bytes in hex. */
SEC("red/ntop_stack_pointer") uint64_t red_ntop_stack_pointer(args_t *args UNUSED) {
  struct {
    uint32_t a, b;
    void *p;
  } s;
  char buf[64];
  s.a = (uint32_t)test_trace(43, 0);
  s.b = 0;
  s.p = ctx_malloc(16);
  if (s.p == NULL) return 1;
  int r = ebpf_inet_ntop((uint8_t *)&s, AF_INET6, buf, sizeof buf);
  uint64_t first8 = 0;
  __builtin_memcpy(&first8, buf, 8);
  test_trace(21, first8);
  return (uint64_t)(int64_t)r;
}

/* Heap bytes left by a run without allocating: written through a forged
 * heap address, then read by a later run of another plugin. */
SEC("red/leave_mark") uint64_t red_leave_mark(args_t *args UNUSED) {
  uint64_t k = test_trace(60, 0);
  *(volatile uint64_t *)(uintptr_t)((1ull << 44) + 512 + k) = 0x5a5a5a5a5a5a5a5aull;
  return 0;
}
SEC("red/read_mark") uint64_t red_read_mark(args_t *args UNUSED) {
  uint64_t k = test_trace(61, 0);
  return deref_number((1ull << 44) + 512 + k);
}
