// read_file.hpp: a whole file read into memory, at most `limit` bytes, for
// what the runtime and its tools read before trusting: plugin objects,
// manifests, extra configuration. A path may name a FIFO or a device
// (/dev/zero never ends): past the limit the read stops with an error
// instead of growing until memory runs out.
//
//   std::vector<std::uint8_t> bytes;
//   std::string why;
//   if (!detail::read_file_bounded(path, bytes, detail::max_object_bytes, why)) fail(why);
//
// A regular file is read in one read() into a buffer of its size plus one
// byte (to see that it did not grow); anything else from 64 KiB up,
// doubling. read_fd_bounded does the same on a file already open (whose
// fstat the caller wanted too), OpenedFile on one whose fstat the caller
// looks at before it reads.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mempool::detail {

// The bounds: no plugin object is anywhere near 256 MiB, and no manifest,
// meta-manifest, extra configuration or export configuration near 16 MiB.
inline constexpr std::size_t max_object_bytes = std::size_t{256} << 20;
inline constexpr std::size_t max_text_file_bytes = std::size_t{16} << 20;

enum class ReadOutcome : std::uint8_t { ok, read_error, too_big };

// Opens `path` for reading without waiting for a FIFO's writer: open() of a
// FIFO nobody writes blocks for ever, and a manifest naming one (as an
// include or an "obj") hung the host at load (h-redteam4). `st` gets the
// file's fstat (st_mode 0 if that failed). Anything but a regular file is
// then in blocking mode again (read_fd_bounded waits for a FIFO's writer a
// little, fifo_writer_wait_ms, and reads one that never comes as empty); a
// regular file stays as opened, since O_NONBLOCK does not change how it
// reads (two fcntl calls per plugin object saved at start-up).
// -1 (errno set) if it cannot be opened.
[[nodiscard]] inline int open_for_reading(const std::string& path, struct stat& st) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    if (::fstat(fd, &st) != 0) st.st_mode = 0;
    if (S_ISREG(st.st_mode)) return fd;
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

inline constexpr int fifo_writer_wait_ms = 2000;

// Reads the open file `fd` (whose fstat is `st`, or null if unknown: st_mode 0) whole
// into `out` (a std::string or a vector of bytes); on too_big, out holds the
// first `limit` bytes. errno tells a read_error's cause.
template <class Buffer>
[[nodiscard]] ReadOutcome read_fd_bounded(int fd, const struct stat* st, Buffer& out, std::size_t limit) {
    if (st != nullptr && st->st_mode == 0) st = nullptr;
    const bool regular = st != nullptr && S_ISREG(st->st_mode);
    if (st != nullptr && S_ISFIFO(st->st_mode)) {
        // A FIFO with no writer yet (open_for_reading did not wait): its
        // writer may come a moment later; one that never does is no data.
        pollfd ready{fd, POLLIN, 0};
        int n;
        do n = ::poll(&ready, 1, fifo_writer_wait_ms);
        while (n < 0 && errno == EINTR);
        if (n == 0) {
            out.resize(0);
            return ReadOutcome::ok;
        }
    }
    const std::size_t expected = regular ? static_cast<std::size_t>(st->st_size) : 0;
    out.resize(regular ? std::min(expected, limit) + 1 : std::min(std::size_t{1} << 16, limit + 1));
    std::size_t have = 0;
    ReadOutcome outcome = ReadOutcome::ok;
    for (;;) {
        if (have == out.size()) {
            if (have > limit) {
                outcome = ReadOutcome::too_big;
                break;
            }
            out.resize(std::min(have * 2, limit + 1));
        }
        const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            outcome = ReadOutcome::read_error;
            break;
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
        // A short read of a regular file that holds what fstat saw: the end.
        if (regular && have >= expected && have < out.size()) break;
    }
    out.resize(std::min(have, limit));
    return outcome;
}

// A file opened for reading (open_for_reading) and closed when this goes:
// for a caller that looks at what it opened (its fstat) before reading it,
// such as the runtime refusing a manifest's object that is not a regular
// file. What could not be opened says why when read. `path` must outlive it.
class OpenedFile {
public:
    explicit OpenedFile(const std::string& path) noexcept : path_(path) {
        fd_ = open_for_reading(path_, st_);
        open_error_ = fd_ < 0 ? errno : 0;
    }
    ~OpenedFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    OpenedFile(const OpenedFile&) = delete;
    OpenedFile& operator=(const OpenedFile&) = delete;

    // -1 if it could not be opened.
    [[nodiscard]] int fd() const noexcept { return fd_; }
    // The opened file's fstat; null if it could not be opened or fstat failed.
    [[nodiscard]] const struct stat* status() const noexcept { return fd_ >= 0 && st_.st_mode != 0 ? &st_ : nullptr; }

    // What a manifest names must be a regular file: a FIFO nobody writes
    // would hold the load (fifo_writer_wait_ms), a device that never ends
    // would be read up to the limit. Judged on the file as opened, so that
    // no other file can be swapped in after the check; a path that could not
    // be opened is looked at only to say which (a socket, or a FIFO or device
    // not readable, is not a regular file rather than one that cannot be
    // opened).
    [[nodiscard]] bool not_a_regular_file() const noexcept {
        if (const struct stat* st = status()) return !S_ISREG(st->st_mode);
        struct stat named {};
        return ::stat(path_.c_str(), &named) == 0 && !S_ISREG(named.st_mode);
    }

    // The whole file into `out`: false, with `why` in words naming the path,
    // if it could not be opened or read or holds more than `limit` bytes.
    template <class Buffer>
    [[nodiscard]] bool read_bounded(Buffer& out, std::size_t limit, std::string& why) {
        if (fd_ < 0) {
            why = "cannot open '" + path_ + "': " + std::strerror(open_error_);
            return false;
        }
        const ReadOutcome r = read_fd_bounded(fd_, &st_, out, limit);
        if (r == ReadOutcome::read_error) why = "cannot read '" + path_ + "': " + std::strerror(errno);
        if (r == ReadOutcome::too_big) why = "cannot read '" + path_ + "': larger than " + std::to_string(limit) + " bytes";
        return r == ReadOutcome::ok;
    }

private:
    const std::string& path_;
    struct stat st_ {};
    int fd_ = -1;
    int open_error_ = 0;
};

// The same for `path`: false, with `why` in words naming the path, if it
// cannot be opened or read or holds more than `limit` bytes.
template <class Buffer>
[[nodiscard]] bool read_file_bounded(const std::string& path, Buffer& out, std::size_t limit, std::string& why) {
    OpenedFile file(path);
    return file.read_bounded(out, limit, why);
}

}  // namespace mempool::detail
