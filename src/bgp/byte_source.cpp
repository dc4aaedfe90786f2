// byte_source.cpp: plain, gzip (libdeflate, zlib) and bzip2 (libbz2) readers.
#include "byte_source.hpp"

#include <bzlib.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <new>

#include "mapped_array.hpp"
#include "read_ahead.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace mempool::bgp {
namespace {

constexpr std::size_t kInputChunk = 64 * 1024;

class File {
public:
    explicit File(std::FILE* f) : f_(f) {}
    ~File() {
        if (f_) std::fclose(f_);
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    std::FILE* get() const { return f_; }

private:
    std::FILE* f_;
};

class PlainSource final : public ByteSource {
public:
    PlainSource(std::FILE* f, std::uint64_t size, std::vector<std::uint8_t> head)
        : file_(f), size_(size), head_(std::move(head)) {}
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        std::size_t got = 0;
        if (head_pos_ < head_.size()) {
            got = std::min(n, head_.size() - head_pos_);
            std::memcpy(dst, head_.data() + head_pos_, got);
            head_pos_ += got;
            consumed_ += got;
            if (got == n) return static_cast<std::ptrdiff_t>(got);
        }
        const std::size_t r = std::fread(dst + got, 1, n - got, file_.get());
        if (r == 0 && std::ferror(file_.get())) {
            error_ = std::strerror(errno);
            return -1;
        }
        consumed_ += r;
        return static_cast<std::ptrdiff_t>(got + r);
    }
    std::uint64_t consumed() const override { return consumed_; }
    std::uint64_t total() const override { return size_; }

private:
    File file_;
    std::uint64_t size_;
    std::vector<std::uint8_t> head_;
    std::size_t head_pos_ = 0;
    std::uint64_t consumed_ = 0;
};

// One decompression step of a codec: how much input it used and output it
// produced, and whether a stream (a gzip member, a bzip2 stream) ended.
struct Step {
    enum Status { more, stream_end, corrupt } status;
    std::size_t used;
    std::size_t produced;
};

// zlib, for gzip files (members may be concatenated).
class Gzip {
public:
    static constexpr const char* kName = "gzip";
    Gzip() { ok_ = inflateInit2(&z_, 15 + 16) == Z_OK; }
    ~Gzip() {
        if (ok_) inflateEnd(&z_);
    }
    Gzip(const Gzip&) = delete;
    Gzip& operator=(const Gzip&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    Step step(std::uint8_t* in, std::size_t in_len, std::uint8_t* out, std::size_t out_len) {
        z_.next_in = in;
        z_.avail_in = static_cast<uInt>(in_len);
        z_.next_out = out;
        z_.avail_out = static_cast<uInt>(out_len);
        const int rc = inflate(&z_, Z_NO_FLUSH);
        const Step::Status status = rc == Z_STREAM_END                 ? Step::stream_end
                                    : (rc == Z_OK || rc == Z_BUF_ERROR) ? Step::more
                                                                        : Step::corrupt;
        return {status, in_len - z_.avail_in, out_len - z_.avail_out};
    }
    bool next_stream() { return inflateReset(&z_) == Z_OK; }
    [[nodiscard]] std::string why() const { return z_.msg ? z_.msg : "corrupt data"; }

private:
    z_stream z_{};
    bool ok_ = false;
};

// libbz2, for bzip2 files (streams may be concatenated).
class Bzip2 {
public:
    static constexpr const char* kName = "bzip2";
    Bzip2() { ok_ = BZ2_bzDecompressInit(&z_, 0, 0) == BZ_OK; }
    ~Bzip2() {
        if (ok_) BZ2_bzDecompressEnd(&z_);
    }
    Bzip2(const Bzip2&) = delete;
    Bzip2& operator=(const Bzip2&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    Step step(std::uint8_t* in, std::size_t in_len, std::uint8_t* out, std::size_t out_len) {
        z_.next_in = reinterpret_cast<char*>(in);
        z_.avail_in = static_cast<unsigned>(in_len);
        z_.next_out = reinterpret_cast<char*>(out);
        z_.avail_out = static_cast<unsigned>(out_len);
        rc_ = BZ2_bzDecompress(&z_);
        const Step::Status status = rc_ == BZ_STREAM_END ? Step::stream_end
                                    : rc_ == BZ_OK       ? Step::more
                                                         : Step::corrupt;
        return {status, in_len - z_.avail_in, out_len - z_.avail_out};
    }
    bool next_stream() {  // libbz2 has no reset: end and start again
        BZ2_bzDecompressEnd(&z_);
        z_ = bz_stream{};
        ok_ = BZ2_bzDecompressInit(&z_, 0, 0) == BZ_OK;
        return ok_;
    }
    [[nodiscard]] std::string why() const { return "corrupt data (code " + std::to_string(rc_) + ")"; }

private:
    bz_stream z_{};
    int rc_ = BZ_OK;
    bool ok_ = false;
};

// A compressed file read through a codec, from an input buffer refilled
// from the file; concatenated streams read as one.
template <class Codec>
class DecompressingSource final : public ByteSource {
public:
    DecompressingSource(std::FILE* f, std::uint64_t size, std::vector<std::uint8_t> head)
        : file_(f), size_(size), in_(std::make_unique_for_overwrite<std::uint8_t[]>(kInputChunk)) {
        std::memcpy(in_.get(), head.data(), head.size());
        avail_ = head.size();
        if (!codec_.ok()) error_ = std::string(Codec::kName) + " initialisation failed";
    }
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        if (!codec_.ok() || failed_) return -1;
        std::size_t out = 0;
        while (out < n && !done_) {
            if (!refill()) return fail(std::move(error_), out);
            if (avail_ == 0 && eof_ && !mid_stream_) {
                done_ = true;
                break;
            }
            // At the end of the input a stream may still hold output (a
            // match longer than the last read wanted): one more step says.
            const Step s = codec_.step(in_.get() + pos_, avail_, dst + out,
                                       std::min<std::size_t>(n - out, std::size_t{1} << 30));
            pos_ += s.used;
            avail_ -= s.used;
            consumed_ += s.used;
            out += s.produced;
            if (s.status == Step::corrupt) {
                done_ = true;
                return fail(std::string(Codec::kName) + ": " + codec_.why(), out);
            }
            if (s.status == Step::more && s.produced == 0 && avail_ == 0 && eof_) {
                done_ = true;
                return fail(std::string(Codec::kName) + " stream truncated", out);
            }
            mid_stream_ = s.status == Step::more;
            if (s.status == Step::stream_end && !codec_.next_stream())  // another may follow
                return fail(std::string(Codec::kName) + " initialisation failed", out);
        }
        return static_cast<std::ptrdiff_t>(out);
    }
    std::uint64_t consumed() const override { return consumed_; }
    std::uint64_t total() const override { return size_; }

private:
    // Refills the input when empty; false on a read error.
    bool refill() {
        if (avail_ != 0 || eof_) return true;
        const std::size_t r = std::fread(in_.get(), 1, kInputChunk, file_.get());
        if (r == 0) {
            if (std::ferror(file_.get())) {
                error_ = std::strerror(errno);
                return false;
            }
            eof_ = true;
        }
        pos_ = 0;
        avail_ = r;
        return true;
    }
    // Reports `why`; what was decoded before it is still returned, and the
    // next call returns -1.
    std::ptrdiff_t fail(std::string why, std::size_t out) {
        error_ = std::move(why);
        failed_ = true;
        return out ? static_cast<std::ptrdiff_t>(out) : -1;
    }

    File file_;
    std::uint64_t size_;
    Codec codec_;
    std::unique_ptr<std::uint8_t[]> in_;
    std::size_t pos_ = 0;
    std::size_t avail_ = 0;
    std::uint64_t consumed_ = 0;
    bool eof_ = false;
    bool done_ = false;
    bool failed_ = false;
    bool mid_stream_ = false;
};

// gzip, a member at a time. libdeflate has no streaming interface: it
// inflates a whole member from memory into memory, about twice as fast as
// zlib (docs/benchmarks.md). The compressed file is read into a window, a
// member is inflated whole into an output buffer of at most `max_member`
// bytes and handed out from there. Which members go to libdeflate depends on
// who waits for them:
//   - read on the caller's thread (a small file): every member, the window
//     holding the whole file when it fits `max_window`;
//   - read on a reader thread (pipelined): only members known to be small
//     (after the first, when the largest so far is at most
//     kPipelinedMember). The decoder waits for the first bytes of a member
//     until it is inflated whole, so a large member inflated by libdeflate
//     would undo the overlap that the thread is for; zlib streams it
//     instead, in blocks the decoder takes as they come.
// A member that does not fit the limits (its compressed bytes outgrow the
// window, or its output the buffer), or that libdeflate finds corrupt, is
// streamed through zlib from where it starts: zlib needs no limits, so a file
// larger than memory still replays, and it names the corruption in the words
// the reader used before libdeflate.
class GzipSource final : public ByteSource {
public:
    GzipSource(std::FILE* f, std::uint64_t size, const std::vector<std::uint8_t>& head, std::size_t max_window,
               std::size_t max_member, bool pipelined)
        : file_(f), size_(size), max_window_(max_window), max_member_(max_member), pipelined_(pipelined) {
        if (max_window_ != 0 && max_member_ != 0) inflater_ = libdeflate_alloc_decompressor();
        // On the caller's thread, the whole file when it fits (one read, the
        // end seen at once); else a start that grows to the members seen.
        // Without libdeflate, zlib's usual chunk.
        std::size_t cap = kInputChunk;
        if (inflater_)
            cap = !pipelined_ && size_ != 0 && size_ < max_window_ ? static_cast<std::size_t>(size_) + 1
                                                                     : std::min(max_window_, kStartWindow);
        cap = std::max(cap, head.size());
        in_.reset(new (std::nothrow) std::uint8_t[cap]);
        if (!in_) {  // a smaller window still works, through zlib
            libdeflate_free_decompressor(inflater_);
            inflater_ = nullptr;
            cap = kInputChunk;
            in_ = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
        }
        populate_window(in_.get(), cap);
        in_cap_ = cap;
        std::memcpy(in_.get(), head.data(), head.size());
        in_end_ = head.size();
        if (!zlib_.ok()) {
            error_ = "gzip initialisation failed";
            failed_ = true;
        }
    }
    ~GzipSource() override { libdeflate_free_decompressor(inflater_); }
    GzipSource(const GzipSource&) = delete;
    GzipSource& operator=(const GzipSource&) = delete;

    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        if (failed_) return -1;
        std::size_t out = 0;
        while (out < n) {
            if (pending_ < pending_end_) {
                const std::size_t k = std::min(n - out, pending_end_ - pending_);
                std::memcpy(dst + out, out_.get() + pending_, k);
                pending_ += k;
                out += k;
                continue;
            }
            if (done_ || failed_) break;
            if (streaming_) stream(dst, n, out);
            else if (!inflate_into(dst + out, n - out, out)) next_member();
        }
        if (out == 0 && failed_) return -1;
        return static_cast<std::ptrdiff_t>(out);
    }
    std::uint64_t consumed() const override { return consumed_; }
    std::uint64_t total() const override { return size_; }

    // The last member's size from the trailer, once the whole file is in the
    // window (a file read on the caller's thread that fits it).
    std::uint64_t expected_size() override {
        if (!whole_file_in_window()) return 0;
        return in_end_ - in_pos_ >= kSmallestMember ? load_le32(in_.get() + in_end_ - 4) : 0;
    }

private:
    static constexpr std::size_t kStartWindow = std::size_t{4} << 20;
    static constexpr std::size_t kMinOutput = std::size_t{1} << 20;
    // Compressed bytes: about 5 MB of MRT, inflated by libdeflate in a few
    // ms, while the decoder works through the blocks already queued.
    static constexpr std::size_t kPipelinedMember = std::size_t{1} << 20;
    // A gzip member: a 10-byte header, an empty deflate block, the 8-byte trailer.
    static constexpr std::size_t kSmallestMember = 18;

    // Whether the window holds the rest of the file: read into it at the
    // first call on the caller's thread. False after a read error (reported).
    bool whole_file_in_window() {
        if (!inflater_ || pipelined_ || failed_) return false;
        if (!eof_ && (in_pos_ != 0 || !fill_window(in_cap_))) return false;
        return eof_;
    }

    // Inflates the next member straight into dst when the whole file is in
    // the window and dst has room for the member (its size from the trailer:
    // exact for a file of one member): no output buffer to fault in, no copy
    // out of it. True if it did (or if reading the file failed, reported);
    // false leaves everything as it was, for next_member(), which also names
    // a corruption. After one miss (a member larger than the trailer said:
    // a file of several) it is not tried again.
    bool inflate_into(std::uint8_t* dst, std::size_t room, std::size_t& out) {
        if (direct_missed_ || (in_pos_ == in_end_ && eof_)) return false;
        if (!whole_file_in_window()) return failed_;
        const std::size_t avail = in_end_ - in_pos_;
        if (avail < kSmallestMember || load_le32(in_.get() + in_end_ - 4) > room) return false;
        std::size_t used_in = 0, used_out = 0;
        if (libdeflate_gzip_decompress_ex(inflater_, in_.get() + in_pos_, avail, dst, room, &used_in, &used_out) !=
            LIBDEFLATE_SUCCESS) {
            direct_missed_ = true;
            return false;
        }
        in_pos_ += used_in;
        consumed_ += used_in;
        largest_member_ = std::max(largest_member_, used_in);
        out += used_out;
        return true;
    }

    // Inflates the next member whole into out_, or starts streaming it.
    void next_member() {
        if (in_pos_ == in_end_ && !fill_window(in_cap_)) return;
        if (in_pos_ == in_end_) {  // the end, between members
            done_ = true;
            return;
        }
        if (!inflater_ || (pipelined_ && (largest_member_ == 0 || largest_member_ > kPipelinedMember)))
            return start_streaming();
        // A window not yet full, or that ends before a member of the size
        // seen so far would: fill and slide it first rather than fail once
        // on the member.
        if (!eof_ && (in_end_ < in_cap_ || in_end_ - in_pos_ < 2 * largest_member_) && !fill_window(window_for_next()))
            return;
        for (;;) {
            const std::size_t avail = in_end_ - in_pos_;
            std::size_t want = std::max(kMinOutput, avail * 4);
            // The last 4 bytes of a gzip file give the last member's size
            // (mod 2^32): exact for a file of one member.
            if (eof_ && avail >= 18) want = std::max<std::size_t>(want, load_le32(in_.get() + in_end_ - 4));
            if (!reserve_output(std::min(want, max_member_))) return start_streaming();
            std::size_t used_in = 0, used_out = 0;
            const libdeflate_result r = libdeflate_gzip_decompress_ex(inflater_, in_.get() + in_pos_, avail, out_.get(),
                                                                      out_cap_, &used_in, &used_out);
            if (r == LIBDEFLATE_SUCCESS) {
                pending_ = 0;
                pending_end_ = used_out;
                in_pos_ += used_in;
                consumed_ += used_in;
                largest_member_ = std::max(largest_member_, used_in);
                return;
            }
            if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
                if (out_cap_ >= max_member_ || !reserve_output(std::min(max_member_, out_cap_ * 2)))
                    return start_streaming();
                continue;
            }
            // Corrupt, or (more likely) cut by the end of the window: slide the
            // window to the member's start, or grow it to twice the largest
            // member seen, once each; past that, zlib.
            if (eof_) return start_streaming();
            const std::size_t cap = window_for_next();
            if (in_pos_ == 0 && cap <= in_cap_) return start_streaming();
            if (!fill_window(cap)) return;
            if (in_end_ - in_pos_ == avail) return start_streaming();  // nothing more to read, or no memory to grow
        }
    }

    // The window for the next member: twice the largest seen, within the limit.
    std::size_t window_for_next() const {
        return std::max(in_cap_, std::min(max_window_, 2 * largest_member_));
    }

    // Moves the unread input to the front, grows the window to `cap` (if
    // memory allows) and reads the file until the window is full or the file
    // ends. False on a read error (reported).
    bool fill_window(std::size_t cap) {
        const std::size_t left = in_end_ - in_pos_;
        if (cap > in_cap_) {
            std::unique_ptr<std::uint8_t[]> bigger(new (std::nothrow) std::uint8_t[cap]);
            if (bigger) {
                populate_window(bigger.get(), cap);
                if (left) std::memcpy(bigger.get(), in_.get() + in_pos_, left);
                in_ = std::move(bigger);
                in_cap_ = cap;
                in_pos_ = 0;
                in_end_ = left;
            }
        }
        if (in_pos_ != 0) {
            if (left) std::memmove(in_.get(), in_.get() + in_pos_, left);
            in_pos_ = 0;
            in_end_ = left;
        }
        while (in_end_ < in_cap_ && !eof_) {
            const std::size_t r = std::fread(in_.get() + in_end_, 1, in_cap_ - in_end_, file_.get());
            if (r == 0) {
                if (std::ferror(file_.get())) {
                    error_ = std::strerror(errno);
                    failed_ = true;
                    return false;
                }
                eof_ = true;
            }
            in_end_ += r;
        }
        return true;
    }

    // Makes out_ at least `cap` bytes (its content is not kept); false if
    // memory is short. The pages of a large buffer cost nothing until
    // written: `cap` is a guess (or a trailer's figure, which may lie), so
    // they are not populated ahead.
    bool reserve_output(std::size_t cap) {
        if (cap <= out_cap_) return true;
        out_.reset(new (std::nothrow) std::uint8_t[cap]);
        out_cap_ = out_ ? cap : 0;
        return out_ != nullptr;
    }

    // Populates the part of a new input window of `cap` bytes that reading
    // the file will fill: no more than the file holds (one system call
    // instead of a fault per page), nothing for a stream of unknown size.
    void populate_window(std::uint8_t* window, std::size_t cap) const noexcept {
        if (size_ != 0)
            mapped_storage::populate_for_write(window, static_cast<std::size_t>(std::min<std::uint64_t>(cap, size_)));
    }

    void start_streaming() {
        streaming_ = true;
        streamed_ = 0;
        if (!zlib_.next_stream()) {
            error_ = "gzip initialisation failed";
            failed_ = true;
        }
    }

    // Streams the current member through zlib into dst[out, n).
    // At the end of the input zlib may still hold output (a match longer
    // than the last read wanted): the member is truncated only when a step
    // without input gives nothing.
    void stream(std::uint8_t* dst, std::size_t n, std::size_t& out) {
        if (in_pos_ == in_end_ && !eof_ && !fill_window(in_cap_)) return;
        const Step s = zlib_.step(in_.get() + in_pos_, in_end_ - in_pos_, dst + out,
                                  std::min<std::size_t>(n - out, std::size_t{1} << 30));
        in_pos_ += s.used;
        consumed_ += s.used;
        streamed_ += s.used;
        out += s.produced;
        if (s.status == Step::corrupt) {
            error_ = "gzip: " + zlib_.why();
            failed_ = true;
        } else if (s.status == Step::more && s.produced == 0 && in_pos_ == in_end_ && eof_) {
            error_ = "gzip stream truncated";
            failed_ = true;
        } else if (s.status == Step::stream_end) {
            streaming_ = false;
            largest_member_ = std::max(largest_member_, streamed_);
        }
    }

    static std::uint32_t load_le32(const std::uint8_t* p) {
        return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
               (std::uint32_t{p[3]} << 24);
    }

    File file_;
    std::uint64_t size_;
    std::size_t max_window_;
    std::size_t max_member_;
    bool pipelined_;
    libdeflate_decompressor* inflater_ = nullptr;  // null: zlib only
    Gzip zlib_;

    std::unique_ptr<std::uint8_t[]> in_;  // the window: [in_pos_, in_end_) unread
    std::size_t in_cap_ = 0;
    std::size_t in_pos_ = 0;
    std::size_t in_end_ = 0;
    bool eof_ = false;

    std::unique_ptr<std::uint8_t[]> out_;  // a member inflated whole: [pending_, pending_end_) not handed out
    std::size_t out_cap_ = 0;
    std::size_t pending_ = 0;
    std::size_t pending_end_ = 0;

    std::size_t largest_member_ = 0;  // compressed bytes
    std::size_t streamed_ = 0;        // compressed bytes of the member zlib is streaming
    std::uint64_t consumed_ = 0;
    bool streaming_ = false;
    bool done_ = false;
    bool failed_ = false;
    bool direct_missed_ = false;  // inflate_into() is not tried again
};

class MemorySource final : public ByteSource {
public:
    MemorySource(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        const std::size_t k = std::min(n, n_ - pos_);
        if (k) std::memcpy(dst, d_ + pos_, k);
        pos_ += k;
        return static_cast<std::ptrdiff_t>(k);
    }
    std::uint64_t consumed() const override { return pos_; }
    std::uint64_t total() const override { return n_; }

private:
    const std::uint8_t* d_;
    std::size_t n_;
    std::size_t pos_ = 0;
};

// A compression this reader does not inflate, recognised by its magic
// bytes so that the user is told what the file is rather than that its
// first "MRT record" is absurdly long. A plain MRT file could start with one
// of these magics (they are four bytes of its timestamp), but its fifth byte
// is then the high byte of an MRT type, 0 for every type there is; the
// formats' fifth byte is not 0 (xz: 'Z', lz4: its version bits; zstd: its
// frame header, 0 only when it declares nothing, which stays unrecognised).
const char* unread_compression(const std::vector<std::uint8_t>& head) noexcept {
    struct Magic {
        const char* name;
        std::uint8_t bytes[4];
    };
    static constexpr Magic magics[] = {
        {"xz", {0xfd, '7', 'z', 'X'}}, {"zstd", {0x28, 0xb5, 0x2f, 0xfd}}, {"lz4", {0x04, 0x22, 0x4d, 0x18}}};
    if (head.size() < 5 || head[4] == 0) return nullptr;
    for (const Magic& m : magics)
        if (std::memcmp(head.data(), m.bytes, 4) == 0) return m.name;
    return nullptr;
}

}  // namespace

std::unique_ptr<ByteSource> open_byte_source(const std::string& path, std::string& why,
                                             const ByteSourceOptions& options) {
    // "-": standard input (a pipe from zcat or a collector's feed), through
    // a descriptor of its own, which the source closes like any file's.
    std::FILE* f = nullptr;
    if (path == "-") {
        const int fd = dup(STDIN_FILENO);
        f = fd < 0 ? nullptr : fdopen(fd, "rb");
        if (fd >= 0 && f == nullptr) close(fd);
    } else {
        f = std::fopen(path.c_str(), "rb");
    }
    if (f == nullptr) {
        why = std::strerror(errno);
        return nullptr;
    }
    struct stat st {};
    std::uint64_t size = 0;
    if (fstat(fileno(f), &st) == 0) size = static_cast<std::uint64_t>(st.st_size);
    std::vector<std::uint8_t> head(5);
    head.resize(std::fread(head.data(), 1, head.size(), f));
    if (const char* name = unread_compression(head)) {
        std::fclose(f);
        why = std::string(name) + "-compressed, which is not read (gzip, bzip2 and plain MRT are): decompress it first, e.g. " +
              name + " -dc FILE | mempool-bgp replay -";
        return nullptr;
    }
    // A small file is over before a thread would pay for its start and
    // hand-offs (more so on a loaded machine, where each wake-up waits for a
    // core); nothing to overlap in a plain one.
    const bool thread = options.read_ahead_block != 0 && options.read_ahead_depth != 0 &&
                        (size == 0 || size >= options.read_ahead_min_file);
    std::unique_ptr<ByteSource> src;
    if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        src = std::make_unique<GzipSource>(f, size, head, options.gzip_max_window, options.gzip_max_member, thread);
    else if (head.size() >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h')
        src = std::make_unique<DecompressingSource<Bzip2>>(f, size, std::move(head));
    else
        return std::make_unique<PlainSource>(f, size, std::move(head));
    if (!thread) return src;
    return read_ahead(std::move(src), options.read_ahead_block, options.read_ahead_depth);
}

std::unique_ptr<ByteSource> memory_byte_source(const std::uint8_t* data, std::size_t size) {
    return std::make_unique<MemorySource>(data, size);
}

}  // namespace mempool::bgp
