// child_validation.cpp: fork, load in the child, report through a pipe.
//
// Wire format from child to parent: a Header, then the log text until EOF.
#include "child_validation.hpp"

#include "bpf_backend.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mempool::detail {
namespace {

struct Header {
    std::int32_t loaded;
    std::int32_t error;
    std::int32_t jitted;
};

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

[[noreturn]] void child_main(int fd, const std::string& path, const std::string& section,
                             std::span<const HelperSpec> helpers, bool want_jit) noexcept {
    BpfLoad r = bpf_load(path, section, helpers, want_jit);
    Header h{r.bpf != nullptr ? 1 : 0, r.error, r.jit != nullptr ? 1 : 0};
    write_all(fd, &h, sizeof h);
    write_all(fd, r.log.data(), r.log.size());
    // No cleanup: the process ends here, and _exit skips atexit handlers and
    // the parent's stdio buffers.
    ::_exit(0);
}

}  // namespace

ChildOutcome validate_in_child(const std::string& path, const std::string& section,
                               std::span<const HelperSpec> helpers, bool want_jit,
                               std::chrono::milliseconds timeout) noexcept {
    ChildOutcome out;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        out.error = errno;
        return out;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        out.error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return out;
    }
    if (pid == 0) {
        ::close(fds[0]);
        // A validator that corrupts its heap makes glibc print to stderr
        // before aborting; the parent reports the crash in its own words.
        const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0) ::dup2(devnull, STDERR_FILENO);
        child_main(fds[1], path, section, helpers, want_jit);
    }
    ::close(fds[1]);

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received;
    bool eof = false, timed_out = false;
    char buf[4096];
    while (!eof) {
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
        if (n <= 0) {
            eof = true;
            break;
        }
        try {
            if (received.size() < (1u << 20)) received.append(buf, static_cast<std::size_t>(n));
        } catch (const std::bad_alloc&) {
        }
    }
    ::close(fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        out.kind = ChildOutcome::Kind::timeout;
        return out;
    }
    if (WIFSIGNALED(status)) {
        out.kind = ChildOutcome::Kind::crashed;
        out.error = WTERMSIG(status);
        return out;
    }
    Header h{};
    if (received.size() < sizeof h) {
        out.kind = ChildOutcome::Kind::crashed;
        out.error = 0;
        return out;
    }
    std::memcpy(&h, received.data(), sizeof h);
    out.kind = h.loaded != 0 ? ChildOutcome::Kind::loaded : ChildOutcome::Kind::rejected;
    out.error = h.error;
    out.jitted = h.jitted != 0;
    try {
        out.log = received.substr(sizeof h);
    } catch (const std::bad_alloc&) {
    }
    return out;
}

}  // namespace mempool::detail
