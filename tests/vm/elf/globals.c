/* Writable globals: refused (plugins keep state in pools or their heap). */
typedef unsigned long long u64;

static u64 counter; /* .bss */
u64 total = 5;      /* .data */

__attribute__((section("xbgp/count"), used)) u64 count(u64 x) {
  counter++;
  total += x;
  return counter;
}
