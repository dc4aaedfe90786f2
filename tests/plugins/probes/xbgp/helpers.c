/* probes/xbgp/helpers.c: one xBGP plugin per generic helper, written
 * against our xBGP API headers the way the collection's plugins use them
 * (tests/plugins/xbgp_helpers_test.cpp). Each returns a number the test
 * checks; test_trace records values that do not fit in one. */
#include "xbgp_compliant_api/xbgp_plugin_api.h"

extern uint64_t test_trace(uint64_t id, uint64_t value);
extern uint64_t test_resolve(uint64_t handle); /* 1 if the handle names the host's route object */

#define SEC(name) __attribute__((section(name), used))

/* get_arg: a primitive (ARG_CODE, 1 byte), a struct (ARG_DATA, 8 bytes),
 * a hidden object (ARG_BGP_ROUTE: an opaque handle), an absent one. */
SEC("xbgp/get_arg") uint64_t probe_get_arg(args_t *args UNUSED) {
  uint8_t *code = get_arg(ARG_CODE);
  if (code == NULL) return 1;
  uint64_t *data = get_arg(ARG_DATA);
  if (data == NULL) return 2;
  uint64_t *hidden = get_arg(ARG_BGP_ROUTE);
  if (hidden == NULL) return 3;
  test_trace(1, *code);
  test_trace(2, *data);
  test_trace(3, test_resolve(*hidden));
  return get_arg(ARG_BGP_PREFIX) == NULL ? 0 : 4;
}

/* memory, numbers, text, byte order */
SEC("xbgp/libc") uint64_t probe_libc(args_t *args UNUSED) {
  uint8_t a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  uint8_t b[16] = {0};
  uint64_t len = test_trace(20, 0) + 16; /* a length the verifier cannot see */
  if (len > 16) len = 16;
  ebpf_memcpy(b, a, len);
  test_trace(21, (uint64_t)(int64_t)ebpf_memcmp(a, b, len));
  b[3] = 0;
  test_trace(22, (uint64_t)(int64_t)ebpf_memcmp(a, b, len));
  test_trace(23, ebpf_sqrt(2, 3));
  uint8_t *ip = ctx_malloc(4);
  if (ip == NULL) return 3;
  ip[0] = 192, ip[1] = 0, ip[2] = 2, ip[3] = 1;
  char text[20];
  if (ebpf_inet_ntop(ip, AF_INET, text, sizeof text) != 0) return 1;
  uint64_t t8 = 0;
  __builtin_memcpy(&t8, text, 8);
  test_trace(24, t8);
  test_trace(25, ebpf_htonl(0x01020304));
  test_trace(26, ebpf_ntohs(0x0102));
  test_trace(27, ebpf_htonll(0x0102030405060708ull));
  return 0;
}

/* clocks */
SEC("xbgp/time") uint64_t probe_time(args_t *args UNUSED) {
  struct timespec t = {0, 0};
  if (get_time(&t) != 0) return 1;
  test_trace(30, (uint64_t)t.tv_sec);
  test_trace(31, (uint64_t)t.tv_nsec);
  struct timespec r = {0, 0};
  if (get_realtime(&r) != 0) return 2;
  test_trace(32, (uint64_t)r.tv_sec);
  return 0;
}

/* extra configuration: a list of IPv4 addresses and an int in a dict. The
 * keys are strings in the heap (a helper checks a string against the
 * plugin's regions; see also xbgp/extra_literal). */
static __always_inline char *heap_string(const char *s, int n) {
  char *h = ctx_malloc(16);
  if (h == NULL) return NULL;
  for (int i = 0; i < 16; i++) h[i] = i < n ? s[i] : 0;
  return h;
}

SEC("xbgp/extra") uint64_t probe_extra(args_t *args UNUSED) {
  struct global_info clients, client, dict, asn;
  char *k_clients = heap_string("rr_clients", 10), *k_peers = heap_string("peers", 5),
       *k_asn = heap_string("65002", 5), *k_absent = heap_string("absent", 6);
  if (k_clients == NULL || k_peers == NULL || k_asn == NULL || k_absent == NULL) return 10;
  if (get_extra_info(k_clients, &clients) != 0) return 1;
  uint32_t addr = 0;
  for (int i = 0; i < 4; i++) {
    if (get_extra_info_lst_idx(&clients, i, &client) != 0) break;
    if (get_extra_info_value(&client, &addr, sizeof addr) != 0) return 2;
    test_trace(40 + i, ebpf_ntohl(addr));
  }
  if (get_extra_info(k_peers, &dict) != 0) return 3;
  if (get_extra_info_dict(&dict, k_asn, &asn) != 0) return 4;
  uint64_t value = 0;
  if (get_extra_info_value(&asn, &value, sizeof value) != 0) return 5;
  test_trace(45, value);
  if (get_extra_info(k_absent, &dict) == 0) return 6;
  return 0;
}

/* The extra configuration as the collection asks for it: literal keys. */
SEC("xbgp/extra_literal") uint64_t probe_extra_literal(args_t *args UNUSED) {
  struct global_info clients, client;
  if (get_extra_info("rr_clients", &clients) != 0) return 1;
  if (get_extra_info_lst_idx(&clients, 1, &client) != 0) return 2;
  uint32_t addr = 0;
  if (get_extra_info_value(&client, &addr, sizeof addr) != 0) return 3;
  return ebpf_ntohl(addr);
}
