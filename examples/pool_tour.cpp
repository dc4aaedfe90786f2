// A tour of the Memory Pool: the three kinds of entries, in-place updates,
// stable pointers, iteration, and what a pool per route costs.
#include <mempool/mempool.h>
#include <mempool/pool.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace {
constexpr mempool::Key kUpdatesSeen = 2;  // the specification's UPDATE_MSG_KEY
constexpr mempool::Key kMetric = 10;
constexpr mempool::Key kCommunities = 11;
constexpr mempool::Key kOwner = 12;

struct Route {
    std::uint32_t prefix;
    std::uint8_t length;
    mempool::Pool attributes;  // 8 bytes, nothing allocated until used
};
}  // namespace

int main() {
    // Plugin A's counter, through the C API a C host would use.
    mem_pool* global = new_mempool();
    for (int message = 0; message < 5; ++message) {
        std::uint64_t seen = get_mempool_u64(global, kUpdatesSeen) + 1;
        if (set_single_mempool(global, kUpdatesSeen, nullptr, sizeof seen, &seen) != 0) return 1;
    }
    std::printf("UPDATE messages counted in the global pool: %llu\n",
                static_cast<unsigned long long>(get_mempool_u64(global, kUpdatesSeen)));
    delete_mempool(global);

    // Attributes attached to routes, through the C++ API.
    std::vector<Route> routes(4);
    for (std::uint32_t i = 0; i < routes.size(); ++i) routes[i].prefix = 0x0a000000U + (i << 8);
    static const char owner[] = "plugin C";
    for (std::uint32_t i = 0; i < 2; ++i) {
        Route& r = routes[i];
        if (!r.attributes.set<std::uint64_t>(kMetric, 4 * (i + 1))) return 1;
        for (std::uint32_t c : {65000U << 16 | 1U, 65000U << 16 | 2U})
            if (!r.attributes.push(kCommunities, c)) return 1;
        if (!r.attributes.add_reference(kOwner, const_cast<char*>(owner))) return 1;
    }
    for (const Route& r : routes) {
        auto metric = r.attributes.get<std::uint64_t>(kMetric);
        std::printf("route %u.%u.%u.0/24: ", r.prefix >> 24, (r.prefix >> 16) & 255, (r.prefix >> 8) & 255);
        if (!metric) {
            std::printf("no metric (%s)\n", mempool::to_string(metric.error()));
            continue;
        }
        std::printf("metric %llu, communities", static_cast<unsigned long long>(*metric));
        (void)r.attributes.list(kCommunities)->for_each<std::uint32_t>(
            [](const std::uint32_t& c) { std::printf(" %u:%u", c >> 16, c & 0xffff); });
        std::printf(", set by %s\n", static_cast<const char*>(r.attributes.reference(kOwner).value()));
    }

    // Asking for the wrong thing is an error you can see, not a silent 0.
    auto wrong = routes[0].attributes.get_u64(kCommunities);
    std::printf("get_u64 on a list: %s\n", mempool::to_string(wrong.error()));

    // Iteration shows every key and its kind.
    for (const mempool::EntryView& e : routes[0].attributes)
        std::printf("  key %u: %s\n", e.key,
                    e.kind == mempool::Kind::value ? "value" : e.kind == mempool::Kind::list ? "list" : "reference");
    std::printf("sizeof(mempool::Pool) = %zu bytes; routes 2 and 3 allocated nothing\n", sizeof(mempool::Pool));
    return 0;
}
