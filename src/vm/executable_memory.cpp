// executable_memory.cpp: mmap, mprotect and munmap for JIT code (W^X).
#include "executable_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

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

}  // namespace

std::optional<ExecutableMemory> ExecutableMemory::allocate(std::size_t code_bytes, std::size_t rodata_bytes) noexcept {
    const std::size_t code_pages = round_to_pages(code_bytes == 0 ? 1 : code_bytes);
    const std::size_t data_pages = round_to_pages(rodata_bytes);
    if (code_pages < code_bytes || data_pages < rodata_bytes) return std::nullopt;  // overflow
    void* p = mmap(nullptr, code_pages + data_pages, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
    if (base_ != nullptr) munmap(base_, code_pages_ + data_pages_);
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
