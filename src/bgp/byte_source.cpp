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

// Shared part of the two decompressors: an input buffer refilled from the file.
class CompressedInput {
public:
    CompressedInput(std::FILE* f, std::vector<std::uint8_t> head)
        : file_(f), in_(std::make_unique_for_overwrite<std::uint8_t[]>(kInputChunk)) {
        std::memcpy(in_.get(), head.data(), head.size());
        avail_ = head.size();
    }
    // Refills when empty; returns false on a read error.
    bool refill(std::string& err) {
        if (avail_ != 0 || eof_) return true;
        const std::size_t r = std::fread(in_.get(), 1, kInputChunk, file_.get());
        if (r == 0) {
            if (std::ferror(file_.get())) {
                err = std::strerror(errno);
                return false;
            }
            eof_ = true;
        }
        pos_ = 0;
        avail_ = r;
        return true;
    }
    File file_;
    std::unique_ptr<std::uint8_t[]> in_;
    std::size_t pos_ = 0;
    std::size_t avail_ = 0;
    bool eof_ = false;
    std::uint64_t consumed_ = 0;
};

class GzipSource final : public ByteSource {
public:
    GzipSource(std::FILE* f, std::uint64_t size, std::vector<std::uint8_t> head) : in_(f, std::move(head)), size_(size) {
        std::memset(&z_, 0, sizeof z_);
        ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
        if (!ok_) error_ = "zlib initialisation failed";
    }
    ~GzipSource() override {
        if (ok_) inflateEnd(&z_);
    }
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        if (!ok_) return -1;
        std::size_t out = 0;
        while (out < n && !done_) {
            if (!in_.refill(error_)) return -1;
            if (in_.avail_ == 0 && in_.eof_) {
                if (mid_member_) {
                    error_ = "gzip stream truncated";
                    done_ = true;
                    return out ? static_cast<std::ptrdiff_t>(out) : -1;
                }
                done_ = true;
                break;
            }
            z_.next_in = in_.in_.get() + in_.pos_;
            z_.avail_in = static_cast<uInt>(in_.avail_);
            z_.next_out = dst + out;
            z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - out, 1u << 30));
            const int rc = inflate(&z_, Z_NO_FLUSH);
            const std::size_t used = in_.avail_ - z_.avail_in;
            in_.pos_ += used;
            in_.avail_ -= used;
            in_.consumed_ += used;
            out = static_cast<std::size_t>(z_.next_out - dst);
            if (rc == Z_STREAM_END) {
                mid_member_ = false;
                inflateReset(&z_);  // another gzip member may follow
                continue;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                error_ = std::string("gzip: ") + (z_.msg ? z_.msg : "corrupt data");
                done_ = true;
                return out ? static_cast<std::ptrdiff_t>(out) : -1;
            }
            mid_member_ = true;
        }
        return static_cast<std::ptrdiff_t>(out);
    }
    std::uint64_t consumed() const override { return in_.consumed_; }
    std::uint64_t total() const override { return size_; }

private:
    CompressedInput in_;
    std::uint64_t size_;
    z_stream z_;
    bool ok_ = false;
    bool done_ = false;
    bool mid_member_ = false;
};

class Bzip2Source final : public ByteSource {
public:
    Bzip2Source(std::FILE* f, std::uint64_t size, std::vector<std::uint8_t> head) : in_(f, std::move(head)), size_(size) {
        std::memset(&z_, 0, sizeof z_);
        ok_ = BZ2_bzDecompressInit(&z_, 0, 0) == BZ_OK;
        if (!ok_) error_ = "bzip2 initialisation failed";
    }
    ~Bzip2Source() override {
        if (ok_) BZ2_bzDecompressEnd(&z_);
    }
    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        if (!ok_) return -1;
        std::size_t out = 0;
        while (out < n && !done_) {
            if (!in_.refill(error_)) return -1;
            if (in_.avail_ == 0 && in_.eof_) {
                if (mid_stream_) {
                    error_ = "bzip2 stream truncated";
                    done_ = true;
                    return out ? static_cast<std::ptrdiff_t>(out) : -1;
                }
                done_ = true;
                break;
            }
            z_.next_in = reinterpret_cast<char*>(in_.in_.get() + in_.pos_);
            z_.avail_in = static_cast<unsigned>(in_.avail_);
            z_.next_out = reinterpret_cast<char*>(dst + out);
            z_.avail_out = static_cast<unsigned>(std::min<std::size_t>(n - out, 1u << 30));
            const int rc = BZ2_bzDecompress(&z_);
            const std::size_t used = in_.avail_ - z_.avail_in;
            in_.pos_ += used;
            in_.avail_ -= used;
            in_.consumed_ += used;
            out = static_cast<std::size_t>(reinterpret_cast<std::uint8_t*>(z_.next_out) - dst);
            if (rc == BZ_STREAM_END) {
                mid_stream_ = false;
                BZ2_bzDecompressEnd(&z_);  // another stream may follow
                std::memset(&z_, 0, sizeof z_);
                ok_ = BZ2_bzDecompressInit(&z_, 0, 0) == BZ_OK;
                if (!ok_) return -1;
                continue;
            }
            if (rc != BZ_OK) {
                error_ = "bzip2: corrupt data (code " + std::to_string(rc) + ")";
                done_ = true;
                return out ? static_cast<std::ptrdiff_t>(out) : -1;
            }
            mid_stream_ = true;
        }
        return static_cast<std::ptrdiff_t>(out);
    }
    std::uint64_t consumed() const override { return in_.consumed_; }
    std::uint64_t total() const override { return size_; }

private:
    CompressedInput in_;
    std::uint64_t size_;
    bz_stream z_;
    bool ok_ = false;
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
    if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) return std::make_unique<GzipSource>(f, size, std::move(head));
    if (head.size() >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h')
        return std::make_unique<Bzip2Source>(f, size, std::move(head));
    return std::make_unique<PlainSource>(f, size, std::move(head));
}

std::unique_ptr<ByteSource> memory_byte_source(const std::uint8_t* data, std::size_t size) {
    return std::make_unique<MemorySource>(data, size);
}

}  // namespace mempool::bgp
