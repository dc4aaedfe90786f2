// child_validation.hpp: validate plugins where a crash or a hang is harmless.
//
// librte_bpf's validator is not hardened: a hostile program can corrupt its
// heap, and some honest ones take exponential time (each data-dependent `if`
// doubles the paths explored). So the runtime first loads the plugins in a
// forked child that reports each outcome through a pipe and is killed when
// a plugin's time limit passes. Only when the child says "loaded" does the
// host load the same bytes itself.
//
// One child validates a whole batch (a manifest), plugin after plugin, and
// writes one record per plugin as soon as it is judged. When the child dies
// or hangs, the plugin it was working on is the first one without a record:
//   - a hang is that plugin's (the time limit restarts with each plugin);
//   - a crash is that plugin's if it was the first one the child handled;
//     otherwise the plugin is validated again, first, in a new child (an
//     earlier plugin may have corrupted the validator's heap), so the crash
//     is only ever reported against a plugin that crashes a fresh validator.
// The plugins after it are then validated in a new child.
#pragma once

#include <mempool/runtime.hpp>

#include <chrono>
#include <span>
#include <string>
#include <vector>

namespace mempool::detail {

struct ChildOutcome {
    enum class Kind { loaded, rejected, timeout, crashed, failed };
    Kind kind = Kind::failed;
    int error = 0;        // rte_errno (rejected), signal (crashed), errno (failed)
    bool jitted = false;  // the child got native code
    std::string log;      // librte_bpf's lines from the child's load
};

struct ChildJob {
    const std::string* path = nullptr;
    const std::string* section = nullptr;
};

// Called in the host as each verdict arrives, while the child goes on with
// the next plugins: the host can load a plugin the child has passed without
// waiting for the whole batch. Verdicts are final (a plugin with a record is
// never validated again). The time the callback takes does not count
// against the next plugin's time limit.
struct VerdictSink {
    void (*fn)(void* context, std::size_t job, const ChildOutcome& outcome) noexcept = nullptr;
    void* context = nullptr;
};

// Validates every job, in as few children as possible (one when nothing
// crashes or hangs); returns one outcome per job, in order (empty only when
// out of memory). `timeout` applies to each plugin. The caller holds
// bpf_load_mutex().
std::vector<ChildOutcome> validate_in_children(std::span<const ChildJob> jobs, std::span<const HelperSpec> helpers,
                                               bool want_jit, std::chrono::milliseconds timeout,
                                               VerdictSink sink = {}) noexcept;

// One plugin: validate_in_children() with a single job.
ChildOutcome validate_in_child(const std::string& path, const std::string& section,
                               std::span<const HelperSpec> helpers, bool want_jit,
                               std::chrono::milliseconds timeout) noexcept;

// For tests only: when set, the validating child calls it with each plugin's
// section just before validating it (never in the host process). Lets a test
// crash or stall a child on a chosen plugin deterministically.
using ChildProbe = void (*)(const std::string& section);
void set_child_probe(ChildProbe probe) noexcept;

}  // namespace mempool::detail
