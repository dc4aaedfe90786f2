// bpf_backend.hpp: the runtime's only door to DPDK's librte_bpf.
//
// Everything that includes a DPDK header lives in dpdk_backend.cpp, the one
// translation unit compiled with `pkg-config --cflags libdpdk` (which adds
// -march=corei7 and -include rte_config.h). The rest of the runtime sees
// librte_bpf through these few functions and opaque pointers.
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <mutex>
#include <span>
#include <string>

namespace mempool::detail {

struct BpfLoad {
    void* bpf = nullptr;                       // struct rte_bpf*, or nullptr
    std::uint64_t (*jit)(void*) = nullptr;     // native code, or nullptr
    int error = 0;                             // rte_errno when bpf == nullptr
    std::string log;                           // librte_bpf's log lines for this load
};

// librte_bpf's log stream is process-wide: every load, and every fork of a
// validating child, happens with this mutex held (so the child never inherits
// it locked by another thread mid-load).
std::mutex& bpf_load_mutex() noexcept;

// How much of librte_bpf's log a load captures.
enum class BpfLog {
    errors,  // error lines only: cheap, for loads expected to succeed
    full,    // every line, the validator's state dumps included (tens of KB
             // per plugin, and most of a load's time): what diagnose() reads
};

// Loads `section` of `path` with the given helper table and the argument
// struct as the program argument; the caller holds bpf_load_mutex(). With
// `want_jit` false the JIT code is ignored.
BpfLoad bpf_load(const std::string& path, const std::string& section,
                 std::span<const HelperSpec> helpers, bool want_jit, BpfLog log) noexcept;

// bpf_load() with the error lines only, then, if the load fails, again with
// the full log for the diagnosis (the validator is deterministic: the second
// load fails the same way). The usual way to load.
BpfLoad bpf_load_explained(const std::string& path, const std::string& section,
                           std::span<const HelperSpec> helpers, bool want_jit) noexcept;

std::uint64_t bpf_interpret(const void* bpf, void* args) noexcept;
void bpf_destroy(void* bpf) noexcept;

}  // namespace mempool::detail
