/* Global functions sharing a section. In xbgp/pair, `helper_fn` comes first
 * and is called by `pair`, so `pair` is the entry. In xbgp/ambiguous, two
 * functions nobody calls: which one is the plugin cannot be told. */
typedef unsigned long long u64;

u64 get_value(u64 key);

__attribute__((section("xbgp/pair"), noinline)) u64 helper_fn(u64 x) { return get_value(x + 2) * 5; }
__attribute__((section("xbgp/pair"), used)) u64 pair(u64 x) { return helper_fn(x) + 1; }

__attribute__((section("xbgp/ambiguous"), used)) u64 first(u64 x) { return x + 1; }
__attribute__((section("xbgp/ambiguous"), used)) u64 second(u64 x) { return x + 2; }
