// byte_source.cpp: plain, gzip (zlib) and bzip2 (libbz2) readers.
#include "byte_source.hpp"

#include <bzlib.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

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
        if (!codec_.ok()) return -1;
        std::size_t out = 0;
        while (out < n && !done_) {
            if (!refill()) return -1;
            if (avail_ == 0 && eof_) {
                done_ = true;
                if (mid_stream_) return fail(std::string(Codec::kName) + " stream truncated", out);
                break;
            }
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
            mid_stream_ = s.status == Step::more;
            if (s.status == Step::stream_end && !codec_.next_stream()) return -1;  // another may follow
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
    // Reports `why`; what was decoded before it is still returned.
    std::ptrdiff_t fail(std::string why, std::size_t out) {
        error_ = std::move(why);
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
    bool mid_stream_ = false;
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

}  // namespace

std::unique_ptr<ByteSource> open_byte_source(const std::string& path, std::string& why) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        why = std::strerror(errno);
        return nullptr;
    }
    struct stat st {};
    std::uint64_t size = 0;
    if (fstat(fileno(f), &st) == 0) size = static_cast<std::uint64_t>(st.st_size);
    std::vector<std::uint8_t> head(4);
    head.resize(std::fread(head.data(), 1, head.size(), f));
    if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) return std::make_unique<DecompressingSource<Gzip>>(f, size, std::move(head));
    if (head.size() >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h')
        return std::make_unique<DecompressingSource<Bzip2>>(f, size, std::move(head));
    return std::make_unique<PlainSource>(f, size, std::move(head));
}

std::unique_ptr<ByteSource> memory_byte_source(const std::uint8_t* data, std::size_t size) {
    return std::make_unique<MemorySource>(data, size);
}

}  // namespace mempool::bgp
