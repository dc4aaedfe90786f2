// child_validation.cpp: fork, load the batch in the child, report through a pipe.
//
// Wire format from child to parent, per plugin in job order: a Record, then
// `log_size` bytes of log text. The parent counts complete records; the
// first job without one is the one the child was validating when it died
// or hung.
#include "child_validation.hpp"

#include "bpf_backend.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mempool::detail {
namespace {

struct Record {
    std::int32_t loaded;
    std::int32_t error;
    std::int32_t jitted;
    std::uint32_t log_size;
};

constexpr std::size_t max_log = 1u << 20;  // per plugin (LogCapture keeps 64 KiB anyway)

std::atomic<ChildProbe> child_probe{nullptr};

void write_all(int fd, const void* data, std::size_t size) noexcept {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

[[noreturn]] void child_main(int fd, std::span<const ChildJob> jobs, std::span<const HelperSpec> helpers,
                             bool want_jit) noexcept {
    const ChildProbe probe = child_probe.load(std::memory_order_relaxed);
    for (const ChildJob& job : jobs) {
        if (probe != nullptr) probe(*job.section);
        // The program is not destroyed: the process ends soon, and freeing
        // a program the validator mishandled could itself crash.
        BpfLoad r = bpf_load_explained(*job.path, *job.section, helpers, want_jit);
        const std::size_t log_size = r.log.size() < max_log ? r.log.size() : max_log;
        Record h{r.bpf != nullptr ? 1 : 0, r.error, r.jit != nullptr ? 1 : 0, static_cast<std::uint32_t>(log_size)};
        write_all(fd, &h, sizeof h);
        write_all(fd, r.log.data(), log_size);
    }
    // No cleanup: the process ends here, and _exit skips atexit handlers and
    // the parent's stdio buffers.
    ::_exit(0);
}

enum class End { complete, timeout, crashed, failed };

struct ChildRun {
    End end = End::failed;
    int error = 0;  // signal (crashed, 0 if the child exited early), errno (failed)
};

// Runs one child over jobs[0..n), filling out[0..] as records arrive;
// `done` gets how many records arrived (out[done] is the culprit when the
// child did not complete).
ChildRun run_child(std::span<const ChildJob> jobs, std::span<const HelperSpec> helpers, bool want_jit,
                   std::chrono::milliseconds timeout, ChildOutcome* out, std::size_t& done, VerdictSink sink,
                   std::size_t first_job) noexcept {
    ChildRun run;
    done = 0;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        run.error = errno;
        return run;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        run.error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return run;
    }
    if (pid == 0) {
        ::close(fds[0]);
        // A validator that corrupts its heap makes glibc print to stderr
        // before aborting; the parent reports the crash in its own words.
        const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0) ::dup2(devnull, STDERR_FILENO);
        child_main(fds[1], jobs, helpers, want_jit);
    }
    ::close(fds[1]);

    // The time limit restarts each time a plugin's record arrives.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received;  // bytes not yet parsed into a record
    bool timed_out = false, garbled = false;
    char buf[4096];
    while (done < jobs.size()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;  // timeout is re-checked at the top
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: the child ended (or died) before the last record
        try {
            received.append(buf, static_cast<std::size_t>(n));
        } catch (const std::bad_alloc&) {
            break;  // treated as a child that ended early
        }
        std::size_t used = 0;
        const std::size_t before = done;
        while (done < jobs.size() && received.size() - used >= sizeof(Record)) {
            Record h;
            std::memcpy(&h, received.data() + used, sizeof h);
            if (h.log_size > max_log) {  // not what child_main writes: the child is not itself
                garbled = true;
                break;
            }
            if (received.size() - used - sizeof h < h.log_size) break;
            ChildOutcome& o = out[done];
            o.kind = h.loaded != 0 ? ChildOutcome::Kind::loaded : ChildOutcome::Kind::rejected;
            o.error = h.error;
            o.jitted = h.jitted != 0;
            try {
                o.log.assign(received.data() + used + sizeof h, h.log_size);
            } catch (const std::bad_alloc&) {
            }
            used += sizeof h + h.log_size;
            ++done;
        }
        received.erase(0, used);
        if (sink.fn != nullptr)
            for (std::size_t i = before; i < done; ++i) sink.fn(sink.context, first_job + i, out[i]);
        if (done != before) deadline = std::chrono::steady_clock::now() + timeout;
        if (garbled) break;
    }
    ::close(fds[0]);
    if (timed_out || garbled) ::kill(pid, SIGKILL);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        run.end = End::timeout;
    } else if (done == jobs.size()) {
        // Every plugin was judged; a crash afterwards (at exit) changes nothing.
        run.end = End::complete;
    } else {
        run.end = End::crashed;
        run.error = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    return run;
}

}  // namespace

void set_child_probe(ChildProbe probe) noexcept { child_probe.store(probe, std::memory_order_relaxed); }

std::vector<ChildOutcome> validate_in_children(std::span<const ChildJob> jobs, std::span<const HelperSpec> helpers,
                                               bool want_jit, std::chrono::milliseconds timeout,
                                               VerdictSink sink) noexcept {
    std::vector<ChildOutcome> out;
    try {
        out.resize(jobs.size());
    } catch (const std::bad_alloc&) {
        return {};
    }
    std::size_t next = 0;
    while (next < jobs.size()) {
        const std::size_t start = next;
        std::size_t done = 0;
        const ChildRun run =
            run_child(jobs.subspan(start), helpers, want_jit, timeout, out.data() + start, done, sink, start);
        const std::size_t culprit = start + done;
        switch (run.end) {
        case End::complete: return out;
        case End::failed:
            // No child at all: every job left gets the reason.
            for (std::size_t i = culprit; i < jobs.size(); ++i) {
                out[i].kind = ChildOutcome::Kind::failed;
                out[i].error = run.error;
            }
            return out;
        case End::timeout:
            out[culprit].kind = ChildOutcome::Kind::timeout;
            next = culprit + 1;
            break;
        case End::crashed:
            if (culprit == start) {
                out[culprit].kind = ChildOutcome::Kind::crashed;
                out[culprit].error = run.error;
                next = culprit + 1;
            } else {
                next = culprit;  // again, as the first plugin of a fresh child
            }
            break;
        }
    }
    return out;
}

ChildOutcome validate_in_child(const std::string& path, const std::string& section,
                               std::span<const HelperSpec> helpers, bool want_jit,
                               std::chrono::milliseconds timeout) noexcept {
    const ChildJob job{&path, &section};
    std::vector<ChildOutcome> out = validate_in_children({&job, 1}, helpers, want_jit, timeout);
    if (out.empty()) {
        ChildOutcome o;
        o.error = ENOMEM;
        return o;
    }
    return std::move(out.front());
}

}  // namespace mempool::detail
