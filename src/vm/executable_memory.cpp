// executable_memory.cpp: mmap, mprotect and munmap for JIT code (W^X).
//
// System calls dominate the cost of compiling a small program (on the
// loaded test machine each mmap, mprotect, munmap or first-touch page fault
// costs 8-20 us, the whole translation of a 100-instruction program a few
// us). So released mappings are kept in a small cache, sealed, and handed
// out again for the same size: a compile then costs two mprotects (back to
// read-write, then sealed) instead of mmap + page faults + mprotect +
// munmap. A cached mapping keeps its last code until reused, executable but
// unreferenced; nothing jumps to it (eBPF has no indirect jumps) and it is
// overwritten with int3 before its next use.
#include "executable_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <utility>

namespace mempool::vm {
namespace {

std::size_t page_size() noexcept {
    static const std::size_t size = [] {
        const long s = sysconf(_SC_PAGESIZE);
        return s > 0 ? static_cast<std::size_t>(s) : std::size_t{4096};
    }();
    return size;
}

std::size_t round_to_pages(std::size_t bytes) noexcept {
    const std::size_t p = page_size();
    return (bytes + p - 1) / p * p;
}

// Released mappings by (code bytes, data bytes), sealed.
class MappingCache {
public:
    std::uint8_t* take(std::size_t code_pages, std::size_t data_pages) noexcept {
        std::lock_guard lock(mutex_);
        for (std::size_t k = 0; k < count_; ++k) {
            if (slots_[k].code == code_pages && slots_[k].data == data_pages) {
                std::uint8_t* p = slots_[k].base;
                slots_[k] = slots_[--count_];
                return p;
            }
        }
        return nullptr;
    }
    bool put(std::uint8_t* base, std::size_t code_pages, std::size_t data_pages) noexcept {
        std::lock_guard lock(mutex_);
        if (count_ == slots_.size()) return false;
        slots_[count_++] = {base, code_pages, data_pages};
        return true;
    }

private:
    struct Slot {
        std::uint8_t* base = nullptr;
        std::size_t code = 0, data = 0;
    };
    std::mutex mutex_;
    std::array<Slot, 32> slots_{};
    std::size_t count_ = 0;
};

MappingCache& cache() noexcept {
    static MappingCache* c = new MappingCache;  // never destroyed: JitCode may outlive static destructors
    return *c;
}

}  // namespace

std::optional<ExecutableMemory> ExecutableMemory::allocate(std::size_t code_bytes, std::size_t rodata_bytes) noexcept {
    const std::size_t code_pages = round_to_pages(code_bytes == 0 ? 1 : code_bytes);
    const std::size_t data_pages = round_to_pages(rodata_bytes);
    if (code_pages < code_bytes || data_pages < rodata_bytes) return std::nullopt;  // overflow
    const std::size_t total = code_pages + data_pages;
    if (std::uint8_t* reused = cache().take(code_pages, data_pages)) {
        if (mprotect(reused, total, PROT_READ | PROT_WRITE) == 0) return ExecutableMemory(reused, code_pages, data_pages);
        munmap(reused, total);
    }
    // MAP_POPULATE: one system call instead of a page fault per page.
    void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) return std::nullopt;
    return ExecutableMemory(static_cast<std::uint8_t*>(p), code_pages, data_pages);
}

ExecutableMemory::ExecutableMemory(ExecutableMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      code_pages_(std::exchange(other.code_pages_, 0)),
      data_pages_(std::exchange(other.data_pages_, 0)),
      sealed_(std::exchange(other.sealed_, false)) {}

ExecutableMemory& ExecutableMemory::operator=(ExecutableMemory&& other) noexcept {
    if (this != &other) {
        release();
        base_ = std::exchange(other.base_, nullptr);
        code_pages_ = std::exchange(other.code_pages_, 0);
        data_pages_ = std::exchange(other.data_pages_, 0);
        sealed_ = std::exchange(other.sealed_, false);
    }
    return *this;
}

ExecutableMemory::~ExecutableMemory() { release(); }

void ExecutableMemory::release() noexcept {
    if (base_ == nullptr) return;
    // Only sealed mappings are cached: a cached mapping is never writable.
    if (!sealed_ || !cache().put(base_, code_pages_, data_pages_)) munmap(base_, code_pages_ + data_pages_);
    base_ = nullptr;
}

bool ExecutableMemory::seal() noexcept {
    if (base_ == nullptr || sealed_) return sealed_;
    // Data first: if the code cannot become executable, nothing ever runs.
    if (data_pages_ != 0 && mprotect(base_ + code_pages_, data_pages_, PROT_READ) != 0) return false;
    if (mprotect(base_, code_pages_, PROT_READ | PROT_EXEC) != 0) return false;
    sealed_ = true;
    return true;
}

}  // namespace mempool::vm
