// Loads the plugin built by the installed CMake function and runs it.
#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include <cstdio>

int main() {
    mempool::Pool global;
    mempool::Runtime runtime;
    runtime.set_global_pool(&global);
    const mempool::PointId point = runtime.point("message");
    mempool::LoadResult plugin = runtime.load(PLUGIN_OBJECT, "plugin/counter");
    if (!plugin) {
        std::fprintf(stderr, "load failed: %s\n", plugin.error().to_string().c_str());
        return 1;
    }
    if (!runtime.attach(point, plugin.value())) return 1;
    for (int type : {1, 2, 2, 4, 2}) (void)runtime.run(point, {mempool::Arg::u8(static_cast<std::uint8_t>(type))});
    if (global.get_u64(7).value_or(0) != 3) return 1;
    std::puts("consumer (find_package, plugin built with mempool_add_bpf_plugin): ok");
    return 0;
}
