// mempool/runtime.hpp: run eBPF plugins at a host's insertion points.
//
// A `Runtime` is what a protocol daemon embeds to let operators add code to
// it without recompiling it. The daemon declares *insertion points* (named
// places in its processing, such as "bgp_message"), registers *helpers* (host
// functions that plugins may call) and loads plugins: eBPF objects compiled
// from C with the SDK header <mempool/plugin_sdk.h>. Running a point runs the
// plugins attached to it, in order, each on a private copy of the arguments.
//
// How it differs from calling a function pointer:
//   - a plugin never sees a host address: arguments are copied into a
//     fixed-size struct, helpers copy numbers and bytes in and out, and the
//     pointers a plugin holds (its arguments, stack, read-only data, heap)
//     never become numbers it can see;
//   - each object file is read once; the project's own loader, verifier,
//     interpreter and JIT (src/vm) run in this process. The verifier proves
//     every access inside the plugin's regions, every stack byte written
//     before it is read, and every run finite (loops bounded); a refusal
//     lists every problem with its instruction (and source line with -g);
//   - plugins share state only through memory pools, via the built-in pool
//     helpers (get_state_u64, set_state_u64, ..., get_attr_u64, ...): the
//     global pool set with `set_global_pool()` and, per call, up to two
//     object pools passed in a `CallScope` (the route being processed, or the
//     two routes being compared).
//
// Performance: running a point with nothing attached is an inline test of
// one counter (about 1 ns). A JIT-compiled plugin costs a few ns plus its
// helper calls; with RuntimeOptions::jit false (or if the JIT fails) the
// interpreter runs it. Each plugin has a heap arena (ctx_malloc & co) reset
// after each run, and limits on what it may add to pools (PluginLimits).
//
// Threads: load, attach and detach must not run concurrently with anything
// else on the same Runtime. `run()` may be called from several threads at
// once (each thread has its own argument copy) provided the pools it touches
// are not shared between those threads (pools are not synchronised).
//
// Example:
//
//   mempool::Pool global;
//   mempool::Runtime rt;                         // pool helpers built in
//   rt.set_global_pool(&global);
//   auto msg = rt.point("bgp_message");
//   if (auto r = rt.load_manifest("plugins.json"); !r.ok())
//       for (auto& p : r.problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
//   ...
//   rt.run(msg, {mempool::Arg::u8(type), mempool::Arg::u32(peer), mempool::Arg::u64(ts)});
//   std::uint64_t updates = global.get_u64(key).value_or(0);
//
// Plugin ABI and threat model: docs/plugins.md.
#pragma once

#include <mempool/plugin_sdk.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct mempool_arg;  // runtime.h

namespace mempool {

class Pool;

// A host function callable from plugins: up to five 64-bit arguments, a 64-bit
// result. It must never throw, never return a host pointer (only, if declared
// heap_or_null, one into the plugin's heap), check every length and key, and
// fill every byte of an out_bytes buffer. MEMPOOL_HELPER is kept for old
// hosts: the first runtime's JIT called helpers with a misaligned stack;
// ours keeps the System V alignment.
using HelperFn = std::uint64_t (*)(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                   std::uint64_t);

#define MEMPOOL_HELPER __attribute__((force_align_arg_pointer))

// How the verifier checks a helper argument. A host declares each argument
// precisely; the verifier then proves, for every call, that what the plugin
// passes is what the helper will use (vm::HelperSignature, mapped in one
// place: src/plugins/helper_signature.cpp).
enum class HelperArg : std::uint8_t {
    number,     // any initialised 64-bit number (never a pointer)
    buffer,     // pointer to at least MEMPOOL_BUF_SIZE readable and writable,
                // initialised bytes (the first runtime's only memory kind)
    in_bytes,   // pointer to bytes the helper reads, every one initialised;
                // their count is the next argument, of kind `size`
    out_bytes,  // pointer to bytes the helper writes (it must initialise all
                // of them); their count is the next argument, of kind `size`
    size,       // the byte count of the in_bytes/out_bytes argument just before:
                // a number the verifier proves at most 65536 (vm::max_helper_size)
    heap_ptr,   // a pointer into the plugin's heap (what a heap_or_null helper
                // returned, NULL included) or a number, never a pointer into
                // another region; the helper must check it lies in the arena
};

// What a helper returns.
enum class HelperRet : std::uint8_t {
    number,        // a number (the default)
    heap_or_null,  // a pointer into the calling plugin's heap arena, or 0: the
                   // plugin may use it for ret_size bytes, or for as many bytes
                   // as argument ret_size_arg (0-based) is proven to hold at least
};

struct HelperSpec {
    std::string name;
    HelperFn fn = nullptr;
    std::uint8_t arg_count = 0;  // 0..5
    std::array<HelperArg, 5> args{};
    HelperRet ret = HelperRet::number;
    std::uint32_t ret_size = 0;     // heap_or_null: bytes the pointer is valid for ...
    std::int8_t ret_size_arg = -1;  // ... or the argument holding that size (>= 0)
    // xBGP permission bits the calling code must hold (HELPER_ATTR_READ 4,
    // HELPER_ATTR_WRITE 2, HELPER_ATTR_USR_PTR 1; 0: none needed). A code
    // loaded with PluginSource::permissions lacking one of them is refused
    // if it calls this helper ("needs the 'write' permission").
    std::uint8_t permissions = 0;
    // Nonzero: an xBGP helper, whose signature (and permissions) are those of
    // the xBGP helper table's entry of this id (src/plugins/xbgp/
    // helper_signatures.*), not args/ret above. Made by xbgp_helper_spec().
    std::uint32_t xbgp_id = 0;
};

// The spec of the xBGP API helper `name` (xbgp_plugin_api.h,
// xbgp_common_vm.h) implemented by `fn`: its name, its signature and
// permission bits from the one xBGP helper table. nullopt if the API has no
// helper of that name. A host implements the BGP helpers this way:
//
//   rt.register_helper(*mempool::xbgp_helper_spec("get_attr_from_code", &my_get_attr_from_code));
[[nodiscard]] std::optional<HelperSpec> xbgp_helper_spec(std::string_view name, HelperFn fn) noexcept;

// The permission bits of HelperSpec::permissions and PluginSource::permissions
// (the values of xBGP's HELPER_ATTR_*, the manifest's "permissions" words).
inline constexpr std::uint8_t permission_usr_ptr = 1;
inline constexpr std::uint8_t permission_write = 2;
inline constexpr std::uint8_t permission_read = 4;

// The largest heap arena a plugin may have (64 MiB).
inline constexpr std::uint32_t max_heap_size = 64u << 20;

// Replace plugins a point may have, and plugins nested on one thread (next()
// and runs from helpers, each holding a frame of up to 8 KiB): the bound on
// the native stack a run may use.
inline constexpr std::uint32_t max_replace_plugins = 32;
inline constexpr std::uint32_t max_chain_depth = 40;

// Resource limits of one plugin. Unset fields take RuntimeOptions' defaults.
struct PluginLimits {
    std::optional<std::uint32_t> heap;               // bytes of its heap arena (ctx_malloc & co)
    std::optional<std::uint64_t> global_pool_bytes;  // bytes it may add to the global pool, in all
    std::optional<std::uint64_t> object_pool_bytes;  // bytes it may add to object pools, per run
    // Bytes of shared memory (ctx_shmnew) its plugin group may hold, in all
    // (xBGP's "shared_mem"; default 0: ctx_shmnew always fails). The arena
    // of a code with shared memory is heap + this, so that a run can hold a
    // copy of every block (see PluginSource::group).
    std::optional<std::uint32_t> shared_memory{};
};

// Why a plugin (or a manifest entry) was refused.
enum class PluginErrc : std::uint8_t {
    none = 0,
    cannot_read,        // the object file is missing or unreadable
    not_bpf_object,     // not an ELF file, or not for the BPF target
    missing_section,    // no such section in the object
    loop,               // a backward jump (loop not unrolled)
    global_variable,    // global/static variable, string literal or constant table
    non_inlined_call,   // a call to one of the plugin's own functions
    unknown_helper,     // calls a function the host did not register
    out_of_bounds,      // memory access outside the argument struct or a buffer
    stack_too_large,    // stack access beyond 512 bytes
    rejected,           // another refusal (message has the detail)
    validator_timeout,  // (the librte_bpf runtime's child timed out; no longer reported)
    validator_crashed,  // (the librte_bpf runtime's child died; no longer reported)
    unknown_point,      // manifest names a point the host did not declare
    bad_manifest,       // manifest missing, not JSON, or malformed
    duplicate,          // a plugin or helper name used twice
    invalid_argument,
    internal,           // out of memory and the like
    uninitialized,      // reads (or passes a helper) stack bytes never written
    too_complex,        // the verifier gave up, or the instruction bound exceeds the host's maximum
    pointer_leak,       // a pointer would become a number the plugin sees (returned, stored, compared, passed)
};

[[nodiscard]] const char* to_string(PluginErrc e) noexcept;

struct PluginError {
    PluginErrc code = PluginErrc::none;
    std::string plugin;   // the plugin's name (manifest name or section)
    std::string message;  // one line, plain words: the first problem (and how many more)
    std::vector<std::string> diagnostics;  // every problem the loader and verifier found, one line
                                           // each ("pc 12 (file.c:40): what; hint"); may be empty
    [[nodiscard]] std::string to_string() const;  // "plugin X rejected: <message>"
};

// A loaded plugin section; shared by the points it is attached to.
// Why a helper call failed (it returned NULL or -1), for the figures a host
// reports: per plugin (Program::helper_failures) and per run
// (RunResult::helper_failures). Helpers count their own failures with
// note_helper_failure(); a NULL that only says "absent" (no such attribute)
// is no failure.
enum class HelperFailure : std::uint8_t {
    bad_argument,    // a pointer outside the plugin's memory, an unknown route type, a size of 0, ...
    refused,         // not allowed here: a write where the run has nothing to write to (write_to_buffer
                     // on the receiving side, set_attr_to_route of a route the point does not have)
    heap_exhausted,  // no room for the result: the plugin's heap (ctx_malloc & co, the getters'
                     // copies) or the pool that would keep it
};

class Program;
using ProgramPtr = std::shared_ptr<const Program>;

namespace vm {
struct RunContext;
struct Program;
}

class Runtime;
struct CallScope;

// What R1 points to when a plugin runs.
enum class PluginAbi : std::uint8_t {
    mempool,  // bpf_full_args_t: the arguments of run() (plugin_sdk.h)
    xbgp,     // xBGP's exec_info_t {return_val_set, replace_return_value,
              // insertion_point_id}: what libxbgp hands its plugins, and all
              // such a plugin may reach through R1 (xbgp_context_size bytes,
              // written before each plugin); arguments come from get_arg().
              // A post plugin finds the replace result there.
};
// The bytes an xBGP code's context has (exec_info_t): what the runtime and
// `mempool-plugin verify --xbgp` verify its accesses through R1 against.
inline constexpr std::uint32_t xbgp_context_size = 24;

namespace detail {
// Which files a load reads: any (a FIFO or standard input too), or only
// regular files (what a manifest names).
enum class AcceptedFiles : bool { any, regular_only };
struct XbgpHost;     // the runtime's xBGP state (src/plugins/xbgp/host.hpp)
const XbgpHost* xbgp_host_of(const Runtime& rt) noexcept;
struct ChainRun;     // an anchored run in progress (src/plugins/chain_state.hpp)
class SharedMemory;  // a plugin group's ctx_shmnew blocks (src/plugins/xbgp/shared_memory.hpp)
struct ProgramImpl;  // the verified program, its native code and helper table (src/plugins)
struct ManifestFile;  // a manifest's text, its parse and which file it is (src/plugins/manifest.cpp)
// mempool_runtime_run (runtime_c.cpp, run.cpp); `scope` null: no object pools.
std::uint64_t run_c(const Runtime& rt, std::uint32_t point, const ::mempool_arg* args, std::size_t n,
                    const CallScope* scope, unsigned* ran) noexcept;
std::uint64_t run_c_nested(const Runtime& rt, std::uint32_t point, const ::mempool_arg* args, std::size_t n,
                           const CallScope& scope, unsigned* ran) noexcept;
// mempool_runtime_run at a point with replace or post plugins (anchors.cpp).
std::uint64_t run_c_anchored(const Runtime& rt, std::uint32_t point, const ::mempool_arg* args, std::size_t n,
                             const CallScope& scope, unsigned* ran) noexcept;

// A plugin's resource budget, as the helpers see it during its run.
struct PluginBudget {
    std::uint32_t heap_size = 0;           // bytes of its heap arena
    std::uint64_t global_limit = 0;        // bytes it may add to the global pool, in all
    std::uint64_t object_limit = 0;        // bytes it may add to object pools, per run
    mutable std::atomic<std::uint64_t> global_added{0};  // bytes added to the global pool so far
    mutable std::atomic<std::uint64_t> limit_hits{0};    // helper calls refused with MEMPOOL_ERR_LIMIT
    mutable std::atomic<std::uint64_t> aborts{0};        // runs stopped by a run-time check
    // xBGP: the shared memory of the plugin group (ctx_shmnew & co), or null.
    SharedMemory* shared = nullptr;
    mutable std::atomic<std::uint64_t> failures{0};      // anchored runs whose result was not used
    // Helper calls that failed, by HelperFailure (note_helper_failure).
    mutable std::array<std::atomic<std::uint64_t>, 3> helper_failures{};
};

// What an anchored run (src/plugins/anchors.cpp) sets for one attached
// plugin, copied at attach from the Program, its implementation, budget and
// shared memory, so that a run reads the point's entry instead of chasing
// them. heap_size .. data are laid out as vm::RunContext's (one copy).
struct AnchoredCode {
    std::uint64_t heap_size = 0;
    std::uint8_t* shared = nullptr;      // the group's shared arena, or null
    std::uint64_t shared_size = 0;
    std::uint8_t* data = nullptr;        // its writable globals, or null
    const vm::Program* program = nullptr;  // what it was verified as (xbgp::RunView::program)
    PluginAbi abi = PluginAbi::mempool;
    bool writes_outside_blocks = false;  // its arena is zeroed whole after a run (ProgramImpl)
    bool sets_call_regions = false;      // its executor may set RunContext's frame, rodata, arg_room
    bool writes_arguments = false;       // mempool ABI: it may write the argument struct, zeroed after it
    bool reserved = false;               // (the four flags are tested as one word)
};
}  // namespace detail

class Program {
public:
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const std::string& section() const noexcept { return section_; }
    [[nodiscard]] bool jitted() const noexcept { return jit_ != nullptr; }
    [[nodiscard]] std::uint32_t instruction_count() const noexcept { return instructions_; }
    // Its limits (PluginLimits resolved against RuntimeOptions) and usage.
    [[nodiscard]] std::uint32_t heap_size() const noexcept { return budget_.heap_size; }
    [[nodiscard]] std::uint64_t global_pool_limit() const noexcept { return budget_.global_limit; }
    [[nodiscard]] std::uint64_t object_pool_limit() const noexcept { return budget_.object_limit; }
    [[nodiscard]] std::uint64_t global_pool_added() const noexcept { return budget_.global_added.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t limit_hits() const noexcept { return budget_.limit_hits.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t aborts() const noexcept { return budget_.aborts.load(std::memory_order_relaxed); }
    // Anchored runs (pre/replace/post) in which this plugin failed: stopped by
    // a run-time check, marked failed by a helper (fail_current_plugin), or
    // its value refused by the point's ResultCheck.
    [[nodiscard]] std::uint64_t failures() const noexcept { return budget_.failures.load(std::memory_order_relaxed); }
    // Its helper calls that failed (note_helper_failure), of one kind or in all.
    [[nodiscard]] std::uint64_t helper_failures(HelperFailure why) const noexcept {
        return budget_.helper_failures[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t helper_failures() const noexcept {
        std::uint64_t n = 0;
        for (const auto& c : budget_.helper_failures) n += c.load(std::memory_order_relaxed);
        return n;
    }
    // How R1 is laid out for it (PluginSource::abi), the permission bits it
    // was granted (nullopt: every helper), and its plugin group ("": none).
    [[nodiscard]] PluginAbi abi() const noexcept { return abi_; }
    [[nodiscard]] std::optional<std::uint8_t> permissions() const noexcept { return permissions_; }
    [[nodiscard]] const std::string& group() const noexcept { return group_; }
    ~Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    // What the verifier proved: at most this many instructions per run, and
    // this many bytes of stack (all frames of the deepest chain of calls).
    [[nodiscard]] std::uint64_t instruction_bound() const noexcept { return instruction_bound_; }
    [[nodiscard]] std::uint32_t stack_size() const noexcept { return stack_size_; }

private:
    friend class Runtime;
    Program() noexcept;
    std::string name_, section_;
    std::uint64_t (*jit_)(vm::RunContext*) = nullptr;  // native code, or nullptr: interpreted
    std::unique_ptr<detail::ProgramImpl> impl_;
    std::uint32_t instructions_ = 0;
    std::uint32_t stack_size_ = 0;
    std::uint64_t instruction_bound_ = 0;
    detail::PluginBudget budget_;
    PluginAbi abi_ = PluginAbi::mempool;
    std::optional<std::uint8_t> permissions_;
    std::string group_;
    std::shared_ptr<detail::SharedMemory> shared_;  // budget_.shared's owner
    // xBGP: its writable globals (.data, .bss), made from the image at load
    // and kept across runs (vm::RunContext::data); empty for most plugins.
    mutable std::vector<std::uint8_t> data_;
};

// Load-or-error result for programs.
class [[nodiscard]] LoadResult {
public:
    LoadResult(ProgramPtr p) noexcept : program_(std::move(p)) {}
    LoadResult(PluginError e) noexcept : error_(std::move(e)) {}
    [[nodiscard]] bool has_value() const noexcept { return program_ != nullptr; }
    explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] const ProgramPtr& value() const noexcept { return program_; }
    [[nodiscard]] const PluginError& error() const noexcept { return error_; }

private:
    ProgramPtr program_;
    PluginError error_;
};

// Outcome of a call that can fail with a reason.
struct [[nodiscard]] PluginStatus {
    PluginError error;
    [[nodiscard]] bool ok() const noexcept { return error.code == PluginErrc::none; }
    explicit operator bool() const noexcept { return ok(); }
};

// One plugin of a batch (Runtime::load_batch).
struct PluginSource {
    std::string object_path;
    std::string section;
    std::string name;  // empty: the section name
    PluginLimits limits{};  // unset fields: RuntimeOptions' defaults
    // Additions for xBGP codes (all optional):
    PluginAbi abi = PluginAbi::mempool;
    // Permission bits granted (permission_read | ...): a call to a helper
    // whose HelperSpec::permissions are not all granted is refused at load,
    // naming the helper and the permission. nullopt: no check (every helper).
    std::optional<std::uint8_t> permissions{};
    // The xBGP plugin this code belongs to: codes of one group share one
    // shared memory (ctx_shmnew & co), kept in a Memory Pool the group owns,
    // of limits.shared_memory bytes (the group's first code sets it). "":
    // the code is a group of its own.
    std::string group{};
    // false: always interpreted, even when RuntimeOptions::jit is set (an
    // xBGP manifest's "jit": false, or "jit_all": false for a code without
    // "jit"). true: compiled when RuntimeOptions::jit is set.
    bool jit = true;
};

struct ManifestReport {
    std::vector<PluginError> problems;  // every problem found, in manifest order
    std::size_t attached = 0;           // plugins attached (0 unless no problems)
    [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
    // xBGP manifests: what was read but not honoured, and spellings accepted
    // for real manifests' sake ("'permission' read as 'permissions'").
    std::vector<std::string> notes;
    // What was attached, one line each, in manifest order, for reports:
    // "name (point)", or for an xBGP manifest "code (point anchor)".
    std::vector<std::string> entries;
};

// A job plugin of an xBGP manifest ("job_plugins"): a code the host runs on
// a schedule rather than at a point. Loaded (and verified) with the
// manifest, not scheduled by the runtime: the host attaches it to a point of
// its own and runs that point every `schedule_seconds`.
struct JobPlugin {
    std::string plugin;              // the manifest's "name"
    std::string code;                // its code's name in obj_code_list
    ProgramPtr program;
    std::uint64_t schedule_seconds = 0;
};

// One argument for a point; copied into the plugin's argument struct.
class Arg {
public:
    static Arg u8(std::uint8_t v) noexcept { return number(MEMPOOL_ARG_U8, 1, v); }
    static Arg u16(std::uint16_t v) noexcept { return number(MEMPOOL_ARG_U16, 2, v); }
    static Arg u32(std::uint32_t v) noexcept { return number(MEMPOOL_ARG_U32, 4, v); }
    static Arg u64(std::uint64_t v) noexcept { return number(MEMPOOL_ARG_U64, 8, v); }
    // At most MEMPOOL_ARG_SIZE bytes are copied; longer input is truncated
    // (the slot's len says how much arrived). The bytes must outlive run().
    static Arg bytes(std::span<const std::byte> b) noexcept {
        Arg a;
        a.type_ = MEMPOOL_ARG_BYTES;
        a.len_ = b.size() > MEMPOOL_ARG_SIZE ? MEMPOOL_ARG_SIZE : static_cast<std::uint32_t>(b.size());
        a.ptr_ = b.data();
        return a;
    }

    [[nodiscard]] bool is_bytes() const noexcept { return type_ == MEMPOOL_ARG_BYTES; }
    // A number is laid out as its slot's first 16 bytes (len, type, the
    // value), so it is copied in two 8-byte moves: an Arg just built by two
    // 8-byte stores cannot be forwarded to one 16-byte load, which would
    // wait for both stores to retire (about 1.5 ns of a 6 ns plugin call).
    void copy_to(bpf_arg_slot_t& slot) const noexcept {
        if (type_ == MEMPOOL_ARG_BYTES) [[unlikely]] {
            slot.len = len_;
            slot.type = type_;
            std::memcpy(slot.data, ptr_, len_);
            return;
        }
        std::uint64_t head, value;
        std::memcpy(&head, this, 8);
        std::memcpy(&value, &num_, 8);
#if defined(__GNUC__)
        __asm__("" : "+r"(head), "+r"(value));  // or GCC merges the two moves back into one
#endif
        std::memcpy(&slot, &head, 8);
        std::memcpy(slot.data, &value, 8);
    }

private:
    static Arg number(std::uint32_t type, std::uint32_t len, std::uint64_t v) noexcept {
        Arg a;
        a.type_ = type;
        a.len_ = len;
        a.num_ = v;
        return a;
    }
    // In the order of bpf_arg_slot_t's len, type and data (copy_to).
    std::uint32_t len_ = 0;
    std::uint32_t type_ = MEMPOOL_ARG_NONE;
    union {
        std::uint64_t num_ = 0;
        const void* ptr_;
    };
};
static_assert(offsetof(bpf_arg_slot_t, len) == 0 && offsetof(bpf_arg_slot_t, type) == 4 &&
              offsetof(bpf_arg_slot_t, data) == 8 && sizeof(Arg) == 16);

struct PointId {
    std::uint32_t index = UINT32_MAX;
    [[nodiscard]] bool valid() const noexcept { return index != UINT32_MAX; }
};

// An argument of xBGP's get_arg(type): the host's typed values for a run.
// `type` is the point's own numbering (xBGP's enum ubpf_arg_type, or a
// host's kinds from ARG_MAX_OPAQUE on). A `bytes` argument (a primitive or
// a struct) is copied into the calling plugin's heap by each get_arg (len
// bytes, at most 65536); a `hidden` one is a host object only helpers use:
// get_arg gives the plugin an 8-byte opaque handle to it, which a host
// helper turns back into `data` with resolve_handle(). `data` must outlive
// the run.
struct TypedArg {
    enum class Kind : std::uint8_t { bytes, hidden };
    std::uint32_t type = 0;
    Kind kind = Kind::bytes;
    const void* data = nullptr;
    std::uint32_t len = 0;

    static TypedArg of_bytes(std::uint32_t type, const void* data, std::uint32_t len) noexcept {
        return TypedArg{type, Kind::bytes, data, len};
    }
    template <class T>
    static TypedArg of(std::uint32_t type, const T& value) noexcept {
        return TypedArg{type, Kind::bytes, &value, static_cast<std::uint32_t>(sizeof(T))};
    }
    static TypedArg hidden_object(std::uint32_t type, const void* object) noexcept {
        return TypedArg{type, Kind::hidden, object, 0};
    }
};

// What the pool helpers act on during one run(): the object pools
// (MEMPOOL_OBJ_FIRST, MEMPOOL_OBJ_SECOND), an opaque pointer for the
// host's own helpers (see current_call()) and the typed arguments of
// get_arg() (xBGP).
struct CallScope {
    Pool* objects[2] = {nullptr, nullptr};
    void* user = nullptr;
    std::span<const TypedArg> typed{};
};

namespace detail {
// A run's scope, or an empty one for a run given none (Runtime::run's
// overloads without a scope pass nullptr down the fast path).
[[nodiscard]] inline const CallScope& scope_or_none(const CallScope* scope) noexcept {
    static constexpr CallScope none{};
    return scope != nullptr ? *scope : none;
}
}  // namespace detail

// Where a plugin is attached at a point (libxbgp's anchors). Running a point
// runs, in this order:
//   pre      every pre plugin, lowest sequence number first; they observe
//            (their values are ignored);
//   replace  the first replace plugin; it decides the point's result, or
//            calls the helper next() to hand over to the next replace plugin,
//            and so on; after the last one the host's default code (the
//            DefaultCode given to run()) decides;
//   post     every post plugin; they observe, and see the result (Anchor
//            xbgp ABI: exec_info_t at R1; helpers: current_chain()).
// Runtime::attach(point, program, order) without an anchor is `pre`: a point
// with only pre plugins runs exactly as before anchors existed.
enum class Anchor : std::uint8_t { pre, replace, post };
[[nodiscard]] const char* to_string(Anchor a) noexcept;  // "pre", "replace", "post"

// The host's own code at a point, run by the replace chain when it ends (or a
// replace plugin fails): a function and its data, called at most once per
// run() on the running thread. It may run other points (nested runs).
//
//   auto builtin = [&] { return my_default_filter(route); };
//   rt.run(point, args, scope, mempool::DefaultCode::of(builtin));
struct DefaultCode {
    std::uint64_t (*fn)(void* data) noexcept = nullptr;
    void* data = nullptr;

    [[nodiscard]] explicit operator bool() const noexcept { return fn != nullptr; }
    // From a callable `f` (kept by reference: it must outlive the run).
    template <class F>
    static DefaultCode of(F& f) noexcept {
        return DefaultCode{[](void* d) noexcept -> std::uint64_t { return (*static_cast<F*>(d))(); }, &f};
    }
};

// A point's check of the values replace plugins return: true if `value` is a
// result the host can use (a filter: PLUGIN_FILTER_ACCEPT/REJECT/UNKNOWN).
// A refused value counts as a failure of the plugin: the host's default code
// decides instead, RunResult::refused counts it, and so does the plugin's
// failures(). Values of pre and post plugins are not checked (ignored).
struct ResultCheck {
    bool (*fn)(std::uint64_t value, void* data) noexcept = nullptr;
    void* data = nullptr;
};

// During an anchored run, for helpers: where the plugin being run stands.
struct ChainInfo {
    PointId point;
    Anchor anchor = Anchor::pre;
    std::uint32_t depth = 0;          // replace plugins handed over to so far (next() calls)
    bool result_set = false;          // post: the replace stage (or default code) gave a result
    std::uint64_t result = 0;         // that result
    bool fell_back = false;           // ... and it came from the host's default code
};
// The anchored run in progress on this thread (innermost), or nullptr.
[[nodiscard]] const ChainInfo* current_chain() noexcept;

// For a helper: counts one failed call of the plugin being run (its
// Program::helper_failures(why) and the run's RunResult::helper_failures).
// The helper still returns its failure value (NULL, -1) and the plugin goes
// on, as in libxbgp; a host reports the counts. No effect outside a run.
void note_helper_failure(HelperFailure why) noexcept;
// "bad_argument", "refused", "heap_exhausted".
[[nodiscard]] const char* helper_failure_name(HelperFailure why) noexcept;

// For a helper: marks the plugin being run as failed (the helper met an error
// the plugin cannot be trusted to handle). After it returns, an anchored run
// treats it like a plugin stopped by a run-time check: a replace plugin's
// value is not used (the default code decides). No effect outside a run.
void fail_current_plugin() noexcept;

// For a helper: the host object behind a hidden TypedArg's handle (what
// get_arg gave the plugin), or nullptr if `handle` is not one of the current
// run's.
[[nodiscard]] const void* resolve_handle(std::uint64_t handle) noexcept;
// The current run's typed argument of `type`, or nullptr.
[[nodiscard]] const TypedArg* find_typed_arg(std::uint32_t type) noexcept;

// During a run(): the global pool and the scope of the call being run, for
// helpers. Outside a run(): nullptr.
struct CallFrame {
    Pool* global = nullptr;
    CallScope scope;
    const Runtime* runtime = nullptr;  // anchored runs: the runtime running the point
};
[[nodiscard]] const CallFrame* current_call() noexcept;


struct RunResult {
    std::uint32_t ran = 0;     // plugins run
    std::uint64_t value = 0;   // return value of the last plugin run (MEMPOOL_RUN_ABORTED
                               // if a run-time check stopped it); at a point with replace
                               // plugins or a DefaultCode: the point's result (below)
    std::uint32_t aborted = 0; // plugins stopped by a run-time check (counted in Program::aborts())
    // Anchored runs (a point with replace or post plugins, or run() with a
    // DefaultCode): `value` is the replace stage's result, or the default
    // code's when `fell_back`. fell_back with no DefaultCode given means the
    // host must run its own code now (value is then 0).
    bool fell_back = false;
    std::uint32_t failed = 0;   // plugins whose result was not used (aborted, failed, refused)
    std::uint32_t refused = 0;  // values refused by the point's ResultCheck
    // Helper calls that failed during the run (note_helper_failure), those of
    // nested runs included: the plugins' results were used all the same.
    std::uint32_t helper_failures = 0;
};

struct RuntimeOptions {
    bool jit = true;                 // false: always interpret (also when the JIT fails)
    // No-ops, kept for source compatibility: loading no longer forks a
    // validating child (the verifier is ours, linear and in-process).
    bool validate_in_child = true;
    std::chrono::milliseconds validation_timeout{10000};
    // The most instructions a run may be proven to execute (loops included):
    // a plugin whose bound the verifier cannot prove below it is refused.
    std::uint64_t max_instructions = 1'000'000;
    bool pool_helpers = true;        // register the built-in pool helpers
    bool heap_helpers = true;        // register ctx_malloc, ctx_calloc, ctx_realloc, ctx_free
    bool xbgp_helpers = false;       // register the generic xBGP helpers (mempool::xbgp_helpers())
    // Defaults of PluginLimits (per plugin: manifest "heap", "global_pool_bytes",
    // "object_pool_bytes", or PluginSource::limits).
    std::uint32_t heap_size = 64 * 1024;               // heap arena per plugin (ctx_malloc & co)
    std::uint64_t global_pool_limit = 16 * 1024 * 1024;  // bytes a plugin may add to the global pool
    std::uint64_t object_pool_limit = 64 * 1024;         // bytes a plugin may add to object pools per run
};

class Runtime {
public:
    explicit Runtime(RuntimeOptions options = {}) noexcept;
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    [[nodiscard]] const RuntimeOptions& options() const noexcept { return options_; }

    // Helpers: names must be unique; at most five arguments.
    PluginStatus register_helper(HelperSpec spec) noexcept;
    [[nodiscard]] const std::vector<HelperSpec>& helpers() const noexcept { return helpers_; }

    // The pool that get_state_u64 & co act on (nullptr: they fail).
    void set_global_pool(Pool* pool) noexcept { global_ = pool; }
    [[nodiscard]] Pool* global_pool() const noexcept { return global_; }

    // Declares a point (or finds it): a name the host runs plugins at.
    PointId point(std::string_view name) noexcept;
    [[nodiscard]] PointId find_point(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t point_count() const noexcept { return points_.size(); }
    [[nodiscard]] std::size_t attached_count(PointId p) const noexcept {
        if (p.index >= points_.size()) return 0;
        const Point& pt = points_[p.index];
        return pt.entries.size() + pt.replace.size() + pt.post.size();
    }
    // Whether anything is attached at `p`, at any anchor: one byte read, for
    // hosts that skip building a point's arguments when nothing would run.
    [[nodiscard]] bool has_plugins(PointId p) const noexcept {
        return p.index < busy_.size() && busy_[p.index] != 0;
    }

    // Loads one section of a plugin object: reads the file once, loads the
    // section from those bytes, verifies it against the helpers and the
    // plugin's heap, then JIT-compiles it (unless RuntimeOptions::jit is
    // false), all in this process. `name` defaults to the section name.
    LoadResult load(const std::string& object_path, const std::string& section,
                    std::string name = {}) noexcept;
    // The same with the plugin's own limits (source.limits).
    LoadResult load(const PluginSource& source) noexcept;

    // Loads several plugins as load() does, each with its own verdict and
    // reason. One result per source, in order (empty only when out of memory).
    std::vector<LoadResult> load_batch(std::span<const PluginSource> sources) noexcept;

    // Only reads, loads and verifies (what `mempool-plugin verify` does);
    // compiles and keeps nothing. The error lists every problem found.
    PluginStatus verify(const std::string& object_path, const std::string& section) noexcept;

    // Attaches a program at a point; lower `order` runs first, equal orders in
    // attach order. A program may be attached to several points.
    PluginStatus attach(PointId point, ProgramPtr program, std::int32_t order = 0) noexcept;
    // The same at an anchor; `seq` orders plugins of one anchor (lowest
    // first). At most max_replace_plugins replace plugins per point.
    PluginStatus attach(PointId point, ProgramPtr program, Anchor anchor, std::int32_t seq) noexcept;
    [[nodiscard]] std::size_t attached_count(PointId p, Anchor a) const noexcept;
    // The check of replace results at a point (fn null: every value is used).
    PluginStatus set_result_check(PointId point, ResultCheck check) noexcept;
    // Detaches every program called `name` from the point; returns how many.
    std::size_t detach(PointId point, std::string_view name) noexcept;
    void detach_all() noexcept;

    // Loads and attaches every plugin of a manifest (docs/plugins.md): our
    // JSON manifest ({"plugins": [...]}), libxbgp's *.plugin JSON manifest
    // (obj_code_list, insertion_points with pre/replace/post and sequence
    // numbers, extra_mem, shared_mem, permissions, job_plugins), or libxbgp's
    // meta-manifest (lines `include x.plugin`, relative to its folder).
    // All or nothing: every entry is checked and every problem reported; the
    // plugins are attached only when there is no problem at all. The
    // manifest's plugins are validated as one batch (see load_batch).
    ManifestReport load_manifest(const std::string& path) noexcept;

    // The job plugins of the xBGP manifests loaded so far.
    [[nodiscard]] const std::vector<JobPlugin>& jobs() const noexcept { return jobs_; }
    // Every plugin attached at a point, point by point (declaration order),
    // then pre, replace and post: for a host's report of each plugin's
    // figures (Program::failures, helper_failures, aborts).
    struct AttachedPlugin {
        std::string point;
        Anchor anchor = Anchor::pre;
        ProgramPtr program;
    };
    [[nodiscard]] std::vector<AttachedPlugin> attached_plugins() const;

    // Reads libxbgp's extra configuration file (what get_extra_info* read):
    // a JSON object of `"name": {"type_arg": T, "arg": V}` entries, T among
    // int, float, ipv4, ipv6, ipv4_prefix, ipv6_prefix, str, list (V an
    // array of such entries) and dict (V an object of them); `key` names a
    // top-level member holding that object ("conf" in the collection's
    // files), or "" for the whole file. Replaces the previous configuration;
    // on a problem (named, with where it is) the previous one stays.
    PluginStatus load_extra_config(const std::string& path, const std::string& key = {}) noexcept;

    // Where super_log/log_msg and ebpf_print write. A message of level L
    // (L_DEBUG 1 .. L_BUG 9, its first byte) is written if bit L of the mask
    // is set (default: all); ebpf_print output is written unless bit 0 is
    // clear. The stream is standard error unless a file was set (opened for
    // appending; its problem is returned) or another stream given (not
    // owned, nullptr: discard).
    void set_log_mask(std::uint32_t mask) noexcept;
    PluginStatus set_log_file(const std::string& path) noexcept;
    void set_log_stream(std::FILE* stream) noexcept;

    // The host's clock, what get_time() gives plugins (a replaying host gives
    // the time of its data). Default: CLOCK_MONOTONIC. get_realtime() always
    // reads CLOCK_REALTIME.
    struct HostTime {
        std::int64_t seconds = 0;
        std::int64_t nanoseconds = 0;
    };
    using Clock = bool (*)(HostTime& now, void* data) noexcept;
    void set_clock(Clock clock, void* data = nullptr) noexcept;

    // Runs the plugins attached at `point`, each on a fresh copy of `args`
    // (at most MEMPOOL_MAX_ARGS are passed; extra ones are ignored). Without
    // a scope the run has no object pools (and no typed arguments or user
    // pointer): the overloads without one copy no scope at all.
    RunResult run(PointId point, std::span<const Arg> args) const noexcept { return run_at(point, args, nullptr); }
    RunResult run(PointId point, std::span<const Arg> args, const CallScope& scope) const noexcept {
        return run_at(point, args, &scope);
    }
    RunResult run(PointId point, std::initializer_list<Arg> args) const noexcept {
        return run_at(point, std::span<const Arg>(args.begin(), args.size()), nullptr);
    }
    RunResult run(PointId point, std::initializer_list<Arg> args, const CallScope& scope) const noexcept {
        return run_at(point, std::span<const Arg>(args.begin(), args.size()), &scope);
    }

    // Runs a point with anchors: pre plugins, the replace chain ending in
    // `fallback` (the host's own code), post plugins (see Anchor). The result
    // is RunResult::value: the replace plugin's value that the point's
    // ResultCheck accepted, or the default code's (fell_back). A replace
    // plugin that fails (a run-time check stopped it, a helper called
    // fail_current_plugin, its value was refused) is passed over: the
    // default code decides (it runs at most once per run). A plugin that
    // called next() has handed over: the rest of the chain decides and its
    // own return value is ignored (as in libxbgp). With no replace plugin the
    // default code runs directly. Nested runs are bounded by max_chain_depth.
    RunResult run(PointId point, std::span<const Arg> args, const CallScope& scope,
                  DefaultCode fallback) const noexcept;

private:
    struct Attached {
        ProgramPtr program;
        std::int32_t order;
        // Copies of program->jit_ and ->bpf_: run() reads them here, in the
        // entry it already has in cache, not through the Program.
        std::uint64_t (*jit)(vm::RunContext*) = nullptr;
        const detail::ProgramImpl* impl = nullptr;
        const detail::PluginBudget* budget = nullptr;
        // Set at attach, for every anchor: run.cpp's fast path (pre plugins)
        // also reads heap_size and the writes flags here, not through impl.
        detail::AnchoredCode anchored;
    };
    struct Point {
        std::string name;
        std::vector<Attached> entries;  // the pre anchor (and plugins attached without one)
        std::vector<Attached> replace;  // the replace chain, by sequence number
        std::vector<Attached> post;
        ResultCheck check;
        bool xbgp = false;              // some plugin here has PluginAbi::xbgp
        bool replace_only = false;      // replace plugins alone (no pre, no post): run()'s usual case
    };

    // busy_[i]: 0 nothing attached, 1 pre plugins of the mempool ABI only
    // (run_attached, the fast path), 2 anchored (run_anchored).
    void update_busy(std::uint32_t index) noexcept;
    // Detaches `program` (this very one, whatever its name) from the point:
    // what a manifest load that failed part-way undoes.
    void detach_program(PointId point, const Program* program) noexcept;
    RunResult run_anchored(const Point& p, std::uint32_t index, std::span<const Arg> args, const CallScope& scope,
                           DefaultCode fallback) const noexcept;
    // Defined inline in anchors.cpp, its only caller.
    static inline std::uint64_t run_plugin(const Attached& plugin, const detail::ChainRun& run,
                                           std::span<const Arg> args, RunResult& result, bool& aborted) noexcept;
    friend std::uint64_t detail::run_c_anchored(const Runtime& rt, std::uint32_t point, const mempool_arg* args,
                                                std::size_t n, const CallScope& scope, unsigned* ran) noexcept;
    // run(): `scope` null when none was given.
    RunResult run_at(PointId point, std::span<const Arg> args, const CallScope* scope) const noexcept {
        if (point.index >= busy_.size()) return {};
        if (busy_[point.index] != 1) [[unlikely]] {  // nothing attached, or anchors
            if (busy_[point.index] == 0) return {};
            return run_anchored(points_[point.index], point.index, args, detail::scope_or_none(scope), {});
        }
        return run_attached(points_[point.index], args, scope);
    }
    RunResult run_attached(const Point& p, std::span<const Arg> args, const CallScope* scope) const noexcept;
    RunResult run_nested(const Point& p, std::span<const Arg> args, const CallScope& scope) const noexcept;
    // The C API's run (runtime.h): fills the argument struct straight from
    // its mempool_arg array, without building Args first.
    friend std::uint64_t detail::run_c(const Runtime& rt, std::uint32_t point, const mempool_arg* args,
                                       std::size_t n, const CallScope* scope, unsigned* ran) noexcept;
    friend std::uint64_t detail::run_c_nested(const Runtime& rt, std::uint32_t point, const mempool_arg* args,
                                              std::size_t n, const CallScope& scope, unsigned* ran) noexcept;
    // Which files load_impl reads as plugin objects: any (load, load_batch,
    // verify: a FIFO or standard input too), or only regular files (what a
    // JSON manifest names).
    std::vector<LoadResult> load_impl(std::span<const PluginSource> sources, bool keep,
                                      detail::AcceptedFiles objects = detail::AcceptedFiles::any) noexcept;

    RuntimeOptions options_;
    std::vector<HelperSpec> helpers_;
    std::vector<Point> points_;
    std::vector<std::uint8_t> busy_;  // busy_[i]: point i has plugins (the one test of an empty run)
    Pool* global_ = nullptr;
    std::vector<JobPlugin> jobs_;
    // The xBGP host state: extra configuration, log settings, clock, the
    // plugin groups' shared memories. Made on first use.
    std::shared_ptr<detail::XbgpHost> xbgp_;
    detail::XbgpHost* xbgp_host() noexcept;
    // libxbgp's manifests, from the top file load_manifest has read and parsed.
    ManifestReport load_xbgp_manifests(const std::string& path, const detail::ManifestFile& top) noexcept;
    friend const detail::XbgpHost* detail::xbgp_host_of(const Runtime& rt) noexcept;
};

// The built-in pool helpers (what RuntimeOptions::pool_helpers registers).
[[nodiscard]] std::span<const HelperSpec> pool_helpers() noexcept;
// The built-in heap helpers (what RuntimeOptions::heap_helpers registers).
[[nodiscard]] std::span<const HelperSpec> heap_helpers() noexcept;
// The generic helpers of the xBGP API (what RuntimeOptions::xbgp_helpers
// registers): next, get_arg, shared memory, extra configuration, logging,
// formatting, time, byte order, memory (docs/plugins.md, "xBGP helpers").
[[nodiscard]] std::span<const HelperSpec> xbgp_helpers() noexcept;

}  // namespace mempool
