// dpdk_backend.cpp: the one translation unit that includes DPDK headers.
//
// librte_bpf 22.11 works without rte_eal_init(): rte_bpf_elf_load() reads,
// relocates against our helper table, validates and (on x86-64) JIT-compiles
// one ELF section. Its reasons for refusing a program go to rte_log, so each
// load points the log stream at a LogCapture and sets lib.bpf's level for the
// duration: ERR for a load expected to succeed, DEBUG (the validator's state
// dumps, which cost more than the validation itself) to explain a refusal.
// Callers serialise loads with bpf_load_mutex().
#include "bpf_backend.hpp"
#include "log_capture.hpp"

#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <mutex>
#include <new>
#include <vector>

namespace mempool::detail {
namespace {

rte_bpf_arg raw_arg() noexcept {
    rte_bpf_arg a{};
    a.type = RTE_BPF_ARG_RAW;
    a.size = sizeof(std::uint64_t);
    return a;
}

}  // namespace

std::mutex& bpf_load_mutex() noexcept {
    static std::mutex m;
    return m;
}

BpfLoad bpf_load(const std::string& path, const std::string& section,
                 std::span<const HelperSpec> helpers, bool want_jit, BpfLog log) noexcept {
    BpfLoad out;
    std::vector<rte_bpf_xsym> xsym;
    try {
        xsym.resize(helpers.size());
    } catch (const std::bad_alloc&) {
        out.error = ENOMEM;
        return out;
    }
    for (std::size_t i = 0; i < helpers.size(); ++i) {
        const HelperSpec& h = helpers[i];
        rte_bpf_xsym& x = xsym[i];
        x.name = h.name.c_str();
        x.type = RTE_BPF_XTYPE_FUNC;
        x.func.val = h.fn;
        x.func.nb_args = h.arg_count;
        for (std::uint32_t a = 0; a < h.arg_count && a < EBPF_FUNC_MAX_ARGS; ++a) {
            // librte_bpf knows fixed-size buffers only: in/out bytes are
            // checked as MEMPOOL_BUF_SIZE buffers (the helpers clamp to it).
            if (h.args[a] == HelperArg::buffer || h.args[a] == HelperArg::in_bytes ||
                h.args[a] == HelperArg::out_bytes) {
                x.func.args[a].type = RTE_BPF_ARG_PTR;
                x.func.args[a].size = MEMPOOL_BUF_SIZE;
            } else {
                x.func.args[a] = raw_arg();
            }
        }
        x.func.ret = raw_arg();
    }

    rte_bpf_prm prm{};
    prm.xsym = xsym.data();
    prm.nb_xsym = static_cast<std::uint32_t>(xsym.size());
    prm.prog_arg.type = RTE_BPF_ARG_PTR;
    prm.prog_arg.size = sizeof(bpf_full_args_t);

    LogCapture capture;
    const int logtype = rte_log_register("lib.bpf");
    const int old_level = logtype >= 0 ? rte_log_get_level(static_cast<std::uint32_t>(logtype)) : -1;
    std::FILE* old_stream = rte_log_get_stream();
    if (capture.stream() != nullptr) rte_openlog_stream(capture.stream());
    if (logtype >= 0)
        rte_log_set_level(static_cast<std::uint32_t>(logtype), log == BpfLog::full ? RTE_LOG_DEBUG : RTE_LOG_ERR);

    rte_bpf* bpf = rte_bpf_elf_load(&prm, path.c_str(), section.c_str());
    out.error = bpf == nullptr ? rte_errno : 0;

    if (logtype >= 0 && old_level >= 0)
        rte_log_set_level(static_cast<std::uint32_t>(logtype), static_cast<std::uint32_t>(old_level));
    rte_openlog_stream(old_stream == stderr ? nullptr : old_stream);
    out.log = capture.text();

    if (bpf != nullptr) {
        out.bpf = bpf;
        rte_bpf_jit jit{};
        if (want_jit && rte_bpf_get_jit(bpf, &jit) == 0) out.jit = jit.func;
    }
    return out;
}

BpfLoad bpf_load_explained(const std::string& path, const std::string& section,
                           std::span<const HelperSpec> helpers, bool want_jit) noexcept {
    BpfLoad r = bpf_load(path, section, helpers, want_jit, BpfLog::errors);
    if (r.bpf != nullptr) return r;
    return bpf_load(path, section, helpers, want_jit, BpfLog::full);
}

std::uint64_t bpf_interpret(const void* bpf, void* args) noexcept {
    return rte_bpf_exec(static_cast<const rte_bpf*>(bpf), args);
}

void bpf_destroy(void* bpf) noexcept {
    if (bpf != nullptr) rte_bpf_destroy(static_cast<rte_bpf*>(bpf));
}

}  // namespace mempool::detail
