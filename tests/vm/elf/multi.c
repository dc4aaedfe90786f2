/* Two plugins in one object, as clang lays them out: string literals
 * (.rodata.str1.1), a constant table (.rodata.cst32), static functions in
 * .text shared by both plugins, static functions in a plugin's own section
 * (called pc-relative, without relocation), helpers by name. Built with -g,
 * so the object carries .BTF and .BTF.ext line information. */
typedef unsigned long long u64;

u64 log_msg(const char *text, u64 len);
u64 get_value(u64 key);

static const u64 weights[4] = {11, 22, 33, 44};

__attribute__((noinline)) static u64 scale(u64 x) { return get_value(x) * 3; }
__attribute__((noinline)) static u64 scale_twice(u64 x) { return scale(x) + scale(x + 1); }

__attribute__((section("xbgp/one"), noinline)) static u64 weigh(u64 x) { return weights[x & 3] + get_value(x); }
__attribute__((section("xbgp/one"), noinline)) static u64 weigh_and_scale(u64 x) {
  return weigh(x) + scale_twice(x);
}

__attribute__((section("xbgp/one"), used)) u64 plugin_one(u64 x) {
  log_msg("hello", 5); /* LINE_ONE */
  return weigh_and_scale(x) + weigh(x * 2) + scale(x);
}

__attribute__((section("xbgp/two"), used)) u64 plugin_two(u64 x) {
  log_msg("world!", 6);
  return scale_twice(x) + weights[(x >> 2) & 3];
}
