// Uses the installed C++ API; exits non-zero if anything is off.
#include <mempool/pool.hpp>

#include <cstdint>
#include <cstdio>

int main() {
    mempool::Pool pool;
    if (!pool.set<std::uint64_t>(1, 41)) return 1;
    if (!pool.set<std::uint64_t>(1, pool.get_u64(1).value() + 1)) return 1;
    if (pool.get_u64(1).value_or(0) != 42) return 1;
    if (pool.get_u64(2).error() != mempool::Error::missing) return 1;
    std::puts("consumer (find_package, C++): ok");
    return 0;
}
