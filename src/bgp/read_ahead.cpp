// read_ahead.cpp: the reader thread and its ring of blocks.
//
// The ring holds `depth` blocks. The reader thread fills the block at tail_
// while fewer than `depth` are filled; the consumer reads the block at head_
// in place and gives it back when it has handed out all its bytes. A block
// is touched by one side at a time: the thread only writes blocks outside
// the filled range, the consumer only reads inside it, and the range moves
// under the mutex. Nothing is allocated once the blocks exist.
#include "read_ahead.hpp"

#include "mapped_array.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace mempool::bgp {
namespace {

struct Block {
    std::unique_ptr<std::uint8_t[]> data;  // allocated by the thread on first use
    std::size_t size = 0;
    std::uint64_t consumed = 0;  // the inner source's consumed() after these bytes
    bool last = false;           // the inner source ended or failed after these bytes
    bool failed = false;
    bool out_of_memory = false;  // the thread could not allocate (or the inner read threw)
};

class ReadAheadSource final : public ByteSource {
public:
    ReadAheadSource(std::size_t block_size, std::size_t depth) : block_size_(block_size), slots_(depth) {}

    void adopt(std::unique_ptr<ByteSource> inner) noexcept {
        inner_ = std::move(inner);
        total_ = inner_->total();
    }

    ReadAheadSource(const ReadAheadSource&) = delete;
    ReadAheadSource& operator=(const ReadAheadSource&) = delete;

    ~ReadAheadSource() override {
        if (!thread_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        space_cv_.notify_all();
        thread_.join();
    }

    // Starts the reader thread; false if the system refuses one.
    [[nodiscard]] bool start() noexcept {
        try {
            thread_ = std::thread([this] { produce(); });
            return true;
        } catch (const std::system_error&) {
            return false;
        }
    }

    // Gives the inner source back (if start() failed).
    [[nodiscard]] std::unique_ptr<ByteSource> release_inner() noexcept { return std::move(inner_); }

    std::ptrdiff_t read(std::uint8_t* dst, std::size_t n) override {
        std::size_t out = 0;
        while (out < n && !finished_) {
            if (!holding_) {
                std::unique_lock lock(mutex_);
                data_cv_.wait(lock, [this] { return filled_ > 0; });
                holding_ = true;
                pos_ = 0;
                consumed_ = slots_[head_].consumed;
            }
            const Block& b = slots_[head_];
            const std::size_t k = std::min(n - out, b.size - pos_);
            if (k) std::memcpy(dst + out, b.data.get() + pos_, k);
            pos_ += k;
            out += k;
            if (pos_ < b.size) break;  // dst is full
            if (b.last) {
                // The thread has returned (or is about to, without touching
                // inner_ again): its error message can be read here.
                finished_ = true;
                if (b.failed) {
                    failed_ = true;
                    error_ = b.out_of_memory ? std::string("out of memory while reading ahead") : inner_->error();
                }
                break;
            }
            {
                std::lock_guard lock(mutex_);
                head_ = (head_ + 1) % slots_.size();
                --filled_;
            }
            holding_ = false;
            space_cv_.notify_one();
        }
        if (out == 0 && failed_) return -1;
        return static_cast<std::ptrdiff_t>(out);
    }

    std::uint64_t consumed() const override { return consumed_; }
    std::uint64_t total() const override { return total_; }

private:
    // The reader thread: fills blocks until the inner source ends or fails,
    // or the consumer goes away.
    void produce() noexcept {
        for (;;) {
            std::size_t slot = 0;
            {
                std::unique_lock lock(mutex_);
                space_cv_.wait(lock, [this] { return stop_ || filled_ < slots_.size(); });
                if (stop_) return;
                slot = tail_;
            }
            Block& b = slots_[slot];
            fill(b);
            const bool last = b.last;
            {
                std::lock_guard lock(mutex_);
                tail_ = (tail_ + 1) % slots_.size();
                ++filled_;
            }
            data_cv_.notify_one();
            if (last) return;
        }
    }

    void fill(Block& b) noexcept {
        b.size = 0;
        if (!b.data) {
            b.data.reset(new (std::nothrow) std::uint8_t[block_size_]);
            if (b.data) mapped_storage::populate_for_write(b.data.get(), block_size_);  // about to be filled
        }
        std::ptrdiff_t r = -1;
        if (b.data) {
            try {
                r = inner_->read(b.data.get(), block_size_);
            } catch (...) {  // the inner sources only throw std::bad_alloc (error strings)
                b.out_of_memory = true;
            }
        } else {
            b.out_of_memory = true;
        }
        if (r > 0) b.size = static_cast<std::size_t>(r);
        b.consumed = inner_->consumed();
        b.last = r <= 0;
        b.failed = r < 0;
    }

    // Read by the thread only, once started (and by the consumer after the
    // last block).
    std::unique_ptr<ByteSource> inner_;
    const std::size_t block_size_;
    std::uint64_t total_ = 0;

    // The ring; head_, tail_, filled_ and stop_ under mutex_.
    std::vector<Block> slots_;
    std::mutex mutex_;
    std::condition_variable data_cv_;   // a block was filled
    std::condition_variable space_cv_;  // a block was given back, or stop_
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
    std::size_t filled_ = 0;
    bool stop_ = false;

    // The consumer's own state.
    std::size_t pos_ = 0;  // in the block at head_
    std::uint64_t consumed_ = 0;
    bool holding_ = false;
    bool finished_ = false;
    bool failed_ = false;

    std::thread thread_;  // last: started after everything above exists
};

}  // namespace

std::unique_ptr<ByteSource> read_ahead(std::unique_ptr<ByteSource> inner, std::size_t block_size, std::size_t depth) {
    if (!inner || block_size == 0 || depth == 0) return inner;
    std::unique_ptr<ReadAheadSource> ahead;
    try {
        ahead = std::make_unique<ReadAheadSource>(block_size, depth);
    } catch (const std::bad_alloc&) {
        return inner;  // read without the thread
    }
    ahead->adopt(std::move(inner));
    if (!ahead->start()) return ahead->release_inner();
    return ahead;
}

}  // namespace mempool::bgp
