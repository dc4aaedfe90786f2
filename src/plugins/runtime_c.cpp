// runtime_c.cpp: the extern "C" layer over mempool::Runtime (nothing thrown
// crosses it). C pools (mem_pool *) reach the helpers as mempool::Pool views:
// a Pool adopts the C handle for the duration and releases it afterwards, so
// the C caller keeps ownership.
#include <mempool/pool.hpp>
#include <mempool/runtime.h>
#include <mempool/runtime.hpp>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

// The C clock, called through Runtime::Clock's noexcept signature.
struct CClock {
    mempool_clock_fn fn = nullptr;
    void* data = nullptr;
};

// A C result check, called through ResultCheck's noexcept signature.
struct CCheck {
    mempool_result_check_fn fn;
    void* data;
};

struct mempool_runtime {
    explicit mempool_runtime(mempool::RuntimeOptions o) : rt(o) {}
    ~mempool_runtime() { (void)global.release(); }
    mempool::Runtime rt;
    mempool::Pool global;  // a view of the caller's pool, never owned
    std::vector<std::unique_ptr<CCheck>> checks;  // the C result checks, kept while the runtime lives
    CClock clock;
};

namespace {

void copy_message(const std::string& text, char* out, size_t len) noexcept {
    if (out == nullptr || len == 0) return;
    const size_t n = text.size() < len - 1 ? text.size() : len - 1;
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
}

}  // namespace

extern "C" {

mempool_runtime* mempool_runtime_new(int use_jit) noexcept {
    mempool::RuntimeOptions o;
    o.jit = use_jit != 0;
    return new (std::nothrow) mempool_runtime(o);
}

void mempool_runtime_delete(mempool_runtime* rt) noexcept { delete rt; }

int mempool_runtime_register_helper(mempool_runtime* rt, const char* name, mempool_helper_fn fn, unsigned nargs,
                                    unsigned buffer_mask) noexcept {
    if (rt == nullptr || name == nullptr || fn == nullptr || nargs > 5) return -1;
    try {
        mempool::HelperSpec spec;
        spec.name = name;
        spec.fn = fn;
        spec.arg_count = static_cast<std::uint8_t>(nargs);
        for (unsigned i = 0; i < nargs; ++i)
            spec.args[i] = (buffer_mask >> i) & 1u ? mempool::HelperArg::buffer : mempool::HelperArg::number;
        return rt->rt.register_helper(std::move(spec)) ? 0 : -1;
    } catch (const std::bad_alloc&) {
        return -1;
    }
}

int mempool_runtime_register_helper_signature(mempool_runtime* rt, const char* name, mempool_helper_fn fn,
                                              const struct mempool_helper_signature* sig) noexcept {
    if (rt == nullptr || name == nullptr || fn == nullptr || sig == nullptr || sig->nargs > 5) return -1;
    try {
        mempool::HelperSpec spec;
        spec.name = name;
        spec.fn = fn;
        spec.arg_count = static_cast<std::uint8_t>(sig->nargs);
        for (unsigned i = 0; i < sig->nargs; ++i) {
            if (sig->args[i] > MEMPOOL_HELPER_ARG_HEAP_PTR) return -1;
            spec.args[i] = static_cast<mempool::HelperArg>(sig->args[i]);
        }
        if (sig->ret > MEMPOOL_HELPER_RET_HEAP_OR_NULL) return -1;
        spec.ret = static_cast<mempool::HelperRet>(sig->ret);
        spec.ret_size = sig->ret_size;
        spec.ret_size_arg = sig->ret_size_arg;
        return rt->rt.register_helper(std::move(spec)) ? 0 : -1;
    } catch (const std::bad_alloc&) {
        return -1;
    }
}

void mempool_runtime_set_global_pool(mempool_runtime* rt, struct mem_pool* mp) noexcept {
    if (rt == nullptr) return;
    (void)rt->global.release();
    if (mp != nullptr) rt->global = mempool::Pool::adopt(mp);
    rt->rt.set_global_pool(mp != nullptr ? &rt->global : nullptr);
}

int mempool_runtime_point(mempool_runtime* rt, const char* name) noexcept {
    if (rt == nullptr || name == nullptr) return -1;
    mempool::PointId p = rt->rt.point(name);
    return p.valid() ? static_cast<int>(p.index) : -1;
}

int mempool_runtime_load_with_limits(mempool_runtime* rt, const char* object, const char* section, const char* name,
                                     int point, int32_t order, const struct mempool_plugin_limits* limits, char* err,
                                     size_t errlen) noexcept {
    try {
        if (rt == nullptr || object == nullptr || section == nullptr || point < 0) {
            copy_message("invalid argument", err, errlen);
            return -1;
        }
        mempool::PluginSource source{object, section, name != nullptr ? name : ""};
        if (limits != nullptr) {
            if (limits->heap != MEMPOOL_LIMIT_DEFAULT) {
                if (limits->heap > mempool::max_heap_size) {
                    copy_message("invalid argument: heap above 64 MiB", err, errlen);
                    return -1;
                }
                source.limits.heap = static_cast<std::uint32_t>(limits->heap);
            }
            if (limits->global_pool_bytes != MEMPOOL_LIMIT_DEFAULT)
                source.limits.global_pool_bytes = limits->global_pool_bytes;
            if (limits->object_pool_bytes != MEMPOOL_LIMIT_DEFAULT)
                source.limits.object_pool_bytes = limits->object_pool_bytes;
        }
        mempool::LoadResult r = rt->rt.load(source);
        if (!r) {
            copy_message(r.error().to_string(), err, errlen);
            return -1;
        }
        mempool::PluginStatus s = rt->rt.attach(mempool::PointId{static_cast<std::uint32_t>(point)}, r.value(), order);
        if (!s) {
            copy_message(s.error.to_string(), err, errlen);
            return -1;
        }
        copy_message("", err, errlen);
        return 0;
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", err, errlen);
        return -1;
    }
}

int mempool_runtime_load(mempool_runtime* rt, const char* object, const char* section, const char* name, int point,
                         int32_t order, char* err, size_t errlen) noexcept {
    return mempool_runtime_load_with_limits(rt, object, section, name, point, order, nullptr, err, errlen);
}

int mempool_runtime_load_batch(mempool_runtime* rt, const struct mempool_plugin_spec* specs, size_t n, char* errors,
                               size_t errlen) noexcept {
    if (rt == nullptr || (specs == nullptr && n != 0)) return -1;
    try {
        std::vector<std::string> problem(n);   // per spec, in spec order
        std::vector<mempool::PluginSource> sources;
        std::vector<std::size_t> index;  // specs index of each source
        for (size_t i = 0; i < n; ++i) {
            const mempool_plugin_spec& s = specs[i];
            if (s.object == nullptr || s.section == nullptr || s.point < 0 ||
                static_cast<std::size_t>(s.point) >= rt->rt.point_count()) {
                std::string who("#");  // (not "#" + to_string: GCC 12's -Wrestrict false positive)
                if (s.name != nullptr)
                    who = s.name;
                else if (s.section != nullptr)
                    who = s.section;
                else
                    who += std::to_string(i + 1);
                problem[i] = "plugin '" + who + "' rejected: invalid argument (no object, no section or no such point)";
                continue;
            }
            sources.push_back(mempool::PluginSource{s.object, s.section, s.name != nullptr ? s.name : ""});
            index.push_back(i);
        }
        std::vector<mempool::LoadResult> loaded = rt->rt.load_batch(sources);
        if (loaded.size() != sources.size()) throw std::bad_alloc();
        int count = 0;
        for (std::size_t k = 0; k < loaded.size(); ++k)
            if (!loaded[k]) problem[index[k]] = loaded[k].error().to_string();
        std::string text;
        for (const std::string& p : problem)
            if (!p.empty()) {
                text += p + "\n";
                ++count;
            }
        if (count == 0) {
            for (std::size_t k = 0; k < loaded.size(); ++k) {
                const mempool_plugin_spec& s = specs[index[k]];
                mempool::PluginStatus st =
                    rt->rt.attach(mempool::PointId{static_cast<std::uint32_t>(s.point)}, loaded[k].value(), s.order);
                if (!st) {  // out of memory only: the point exists
                    text += st.error.to_string() + "\n";
                    ++count;
                }
            }
        }
        copy_message(text, errors, errlen);
        return count;
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", errors, errlen);
        return n == 0 ? 1 : static_cast<int>(n);
    }
}

int mempool_runtime_load_manifest(mempool_runtime* rt, const char* path, char* errors, size_t errlen) noexcept {
    if (rt == nullptr || path == nullptr) return -1;
    try {
        mempool::ManifestReport report = rt->rt.load_manifest(path);
        std::string text;
        for (const mempool::PluginError& e : report.problems) text += e.to_string() + "\n";
        copy_message(text, errors, errlen);
        return static_cast<int>(report.problems.size());
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", errors, errlen);
        return 1;
    }
}

namespace {

// mempool_runtime_run with object pools: views of the caller's pools for the
// helpers (a Pool wraps the handle; released after, so the caller keeps
// ownership). Out of line, so that the call without pools is a tail call.
[[gnu::noinline]] std::uint64_t run_c_with_pools(const mempool::Runtime& rt, std::uint32_t point,
                                                 const struct mempool_arg* args, size_t nargs, struct mem_pool* first,
                                                 struct mem_pool* second, unsigned* ran) noexcept {
    mempool::Pool views[2];
    mempool::CallScope scope;
    if (first != nullptr) {
        views[0] = mempool::Pool::adopt(first);
        scope.objects[0] = &views[0];
    }
    if (second != nullptr) {
        views[1] = mempool::Pool::adopt(second);
        scope.objects[1] = &views[1];
    }
    const std::uint64_t v = mempool::detail::run_c(rt, point, args, nargs, &scope, ran);
    (void)views[0].release();
    (void)views[1].release();
    return v;
}

}  // namespace

uint64_t mempool_runtime_run(const mempool_runtime* rt, int point, const struct mempool_arg* args, size_t nargs,
                             struct mem_pool* first, struct mem_pool* second, unsigned* ran) noexcept {
    if (rt == nullptr || point < 0 || (args == nullptr && nargs != 0)) [[unlikely]] {
        if (ran != nullptr) *ran = 0;
        return 0;
    }
    // run_c sets *ran in every case.
    if (first != nullptr || second != nullptr)
        return run_c_with_pools(rt->rt, static_cast<std::uint32_t>(point), args, nargs, first, second, ran);
    return mempool::detail::run_c(rt->rt, static_cast<std::uint32_t>(point), args, nargs, nullptr, ran);
}

int mempool_runtime_load_anchored(mempool_runtime* rt, const char* object, const char* section, const char* name,
                                  int point, int anchor, int32_t seq, int abi, const struct mempool_plugin_limits* limits,
                                  char* err, size_t errlen) noexcept {
    try {
        if (rt == nullptr || object == nullptr || section == nullptr || point < 0 || anchor < MEMPOOL_ANCHOR_PRE ||
            anchor > MEMPOOL_ANCHOR_POST || (abi != MEMPOOL_ABI_MEMPOOL && abi != MEMPOOL_ABI_XBGP)) {
            copy_message("invalid argument", err, errlen);
            return -1;
        }
        mempool::PluginSource source{object, section, name != nullptr ? name : ""};
        source.abi = abi == MEMPOOL_ABI_XBGP ? mempool::PluginAbi::xbgp : mempool::PluginAbi::mempool;
        if (limits != nullptr) {
            if (limits->heap != MEMPOOL_LIMIT_DEFAULT) {
                if (limits->heap > mempool::max_heap_size) {
                    copy_message("invalid argument: heap above 64 MiB", err, errlen);
                    return -1;
                }
                source.limits.heap = static_cast<std::uint32_t>(limits->heap);
            }
            if (limits->global_pool_bytes != MEMPOOL_LIMIT_DEFAULT)
                source.limits.global_pool_bytes = limits->global_pool_bytes;
            if (limits->object_pool_bytes != MEMPOOL_LIMIT_DEFAULT)
                source.limits.object_pool_bytes = limits->object_pool_bytes;
        }
        mempool::LoadResult r = rt->rt.load(source);
        if (!r) {
            copy_message(r.error().to_string(), err, errlen);
            return -1;
        }
        mempool::PluginStatus s = rt->rt.attach(mempool::PointId{static_cast<std::uint32_t>(point)}, r.value(),
                                                static_cast<mempool::Anchor>(anchor), seq);
        if (!s) {
            copy_message(s.error.to_string(), err, errlen);
            return -1;
        }
        copy_message("", err, errlen);
        return 0;
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", err, errlen);
        return -1;
    }
}

namespace {
// The C default code, called through DefaultCode's noexcept signature.
struct CDefault {
    mempool_default_fn fn;
    void* data;
};
}  // namespace

int mempool_runtime_set_result_check(mempool_runtime* rt, int point, mempool_result_check_fn fn, void* data) noexcept {
    if (rt == nullptr || point < 0 || static_cast<std::size_t>(point) >= rt->rt.point_count()) return -1;
    try {
        mempool::ResultCheck check;
        if (fn != nullptr) {
            rt->checks.push_back(std::make_unique<CCheck>(CCheck{fn, data}));
            check.data = rt->checks.back().get();
            check.fn = [](std::uint64_t v, void* d) noexcept {
                const auto* c = static_cast<const CCheck*>(d);
                return c->fn(v, c->data) != 0;
            };
        }
        return rt->rt.set_result_check(mempool::PointId{static_cast<std::uint32_t>(point)}, check) ? 0 : -1;
    } catch (const std::bad_alloc&) {
        return -1;
    }
}

int mempool_runtime_run_anchored(const mempool_runtime* rt, int point, const struct mempool_arg* args, size_t nargs,
                                 const struct mempool_typed_arg* typed, size_t ntyped, struct mem_pool* first,
                                 struct mem_pool* second, mempool_default_fn default_fn, void* default_data,
                                 struct mempool_run_result* out) noexcept {
    if (out != nullptr) *out = mempool_run_result{};
    if (rt == nullptr || point < 0 || static_cast<std::size_t>(point) >= rt->rt.point_count() ||
        (args == nullptr && nargs != 0) || (typed == nullptr && ntyped != 0))
        return -1;
    mempool::Arg converted[MEMPOOL_MAX_ARGS];
    if (nargs > MEMPOOL_MAX_ARGS) nargs = MEMPOOL_MAX_ARGS;
    for (size_t i = 0; i < nargs; ++i) {
        const mempool_arg& a = args[i];
        switch (a.type) {
        case MEMPOOL_ARG_U8: converted[i] = mempool::Arg::u8(static_cast<std::uint8_t>(a.number)); break;
        case MEMPOOL_ARG_U16: converted[i] = mempool::Arg::u16(static_cast<std::uint16_t>(a.number)); break;
        case MEMPOOL_ARG_U32: converted[i] = mempool::Arg::u32(static_cast<std::uint32_t>(a.number)); break;
        case MEMPOOL_ARG_BYTES:
            converted[i] = mempool::Arg::bytes(
                a.bytes != nullptr ? std::span<const std::byte>(static_cast<const std::byte*>(a.bytes), a.len)
                                   : std::span<const std::byte>());
            break;
        default: converted[i] = mempool::Arg::u64(a.number); break;
        }
    }
    // Typed arguments: the C array as TypedArgs (a small run keeps them on the stack).
    constexpr std::size_t on_stack = 16;
    mempool::TypedArg local[on_stack];
    std::unique_ptr<mempool::TypedArg[]> heap;
    mempool::TypedArg* t = local;
    if (ntyped > on_stack) {
        heap.reset(new (std::nothrow) mempool::TypedArg[ntyped]);
        if (heap == nullptr) return -1;
        t = heap.get();
    }
    for (size_t i = 0; i < ntyped; ++i)
        t[i] = mempool::TypedArg{typed[i].type,
                                 typed[i].kind == MEMPOOL_TYPED_HIDDEN ? mempool::TypedArg::Kind::hidden
                                                                       : mempool::TypedArg::Kind::bytes,
                                 typed[i].data, typed[i].len};
    mempool::Pool views[2];
    mempool::CallScope scope;
    scope.typed = std::span<const mempool::TypedArg>(t, ntyped);
    if (first != nullptr) {
        views[0] = mempool::Pool::adopt(first);
        scope.objects[0] = &views[0];
    }
    if (second != nullptr) {
        views[1] = mempool::Pool::adopt(second);
        scope.objects[1] = &views[1];
    }
    CDefault c_default{default_fn, default_data};
    mempool::DefaultCode fallback;
    if (default_fn != nullptr) {
        fallback.data = &c_default;
        fallback.fn = [](void* d) noexcept -> std::uint64_t {
            const auto* c = static_cast<const CDefault*>(d);
            return c->fn(c->data);
        };
    }
    const mempool::RunResult r = rt->rt.run(mempool::PointId{static_cast<std::uint32_t>(point)},
                                            std::span<const mempool::Arg>(converted, nargs), scope, fallback);
    (void)views[0].release();
    (void)views[1].release();
    if (out != nullptr) {
        out->value = r.value;
        out->ran = r.ran;
        out->aborted = r.aborted;
        out->failed = r.failed;
        out->refused = r.refused;
        out->fell_back = r.fell_back ? 1 : 0;
    }
    return 0;
}

int mempool_runtime_register_xbgp_helpers(mempool_runtime* rt) noexcept {
    if (rt == nullptr) return -1;
    int status = 0;
    for (const mempool::HelperSpec& h : mempool::xbgp_helpers())
        if (!rt->rt.register_helper(h)) status = -1;
    return status;
}

int mempool_runtime_register_xbgp_helper(mempool_runtime* rt, const char* name, mempool_helper_fn fn) noexcept {
    if (rt == nullptr || name == nullptr || fn == nullptr) return -1;
    std::optional<mempool::HelperSpec> spec = mempool::xbgp_helper_spec(name, fn);
    if (!spec) return -1;
    return rt->rt.register_helper(std::move(*spec)) ? 0 : -1;
}

void mempool_runtime_fail_current_plugin(void) noexcept { mempool::fail_current_plugin(); }

const void* mempool_runtime_resolve_handle(uint64_t handle) noexcept { return mempool::resolve_handle(handle); }

int mempool_runtime_load_extra_config(mempool_runtime* rt, const char* path, const char* key, char* err,
                                      size_t errlen) noexcept {
    if (rt == nullptr || path == nullptr) {
        copy_message("invalid argument", err, errlen);
        return -1;
    }
    try {
        const mempool::PluginStatus s = rt->rt.load_extra_config(path, key != nullptr ? key : "");
        copy_message(s ? std::string() : s.error.message, err, errlen);
        return s ? 0 : -1;
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", err, errlen);
        return -1;
    }
}

void mempool_runtime_set_log_mask(mempool_runtime* rt, uint32_t mask) noexcept {
    if (rt != nullptr) rt->rt.set_log_mask(mask);
}

int mempool_runtime_set_log_file(mempool_runtime* rt, const char* path, char* err, size_t errlen) noexcept {
    if (rt == nullptr || path == nullptr) {
        copy_message("invalid argument", err, errlen);
        return -1;
    }
    try {
        const mempool::PluginStatus s = rt->rt.set_log_file(path);
        copy_message(s ? std::string() : s.error.message, err, errlen);
        return s ? 0 : -1;
    } catch (const std::bad_alloc&) {
        copy_message("out of memory", err, errlen);
        return -1;
    }
}

void mempool_runtime_set_clock(mempool_runtime* rt, mempool_clock_fn fn, void* data) noexcept {
    if (rt == nullptr) return;
    rt->clock = CClock{fn, data};
    if (fn == nullptr) {
        rt->rt.set_clock(nullptr);
        return;
    }
    rt->rt.set_clock(
        [](mempool::Runtime::HostTime& now, void* d) noexcept {
            const auto* c = static_cast<const CClock*>(d);
            std::int64_t seconds = 0, nanoseconds = 0;
            if (c->fn(&seconds, &nanoseconds, c->data) == 0) return false;
            now.seconds = seconds;
            now.nanoseconds = nanoseconds;
            return true;
        },
        &rt->clock);
}

size_t mempool_runtime_job_count(const mempool_runtime* rt) noexcept { return rt != nullptr ? rt->rt.jobs().size() : 0; }

int mempool_runtime_job(const mempool_runtime* rt, size_t i, const char** name, uint64_t* schedule_seconds) noexcept {
    if (rt == nullptr || i >= rt->rt.jobs().size()) return -1;
    const mempool::JobPlugin& j = rt->rt.jobs()[i];
    if (name != nullptr) *name = j.program->name().c_str();
    if (schedule_seconds != nullptr) *schedule_seconds = j.schedule_seconds;
    return 0;
}

}  // extern "C"
