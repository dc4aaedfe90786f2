// executable_memory.hpp: pages that hold JIT code, writable or executable,
// never both at once.
//
// The JIT writes its code into a fresh anonymous mapping (read-write), then
// seals it: the code pages become read+execute and the read-only data pages
// that follow them become read-only. From then on nothing in the process can
// write to either without another mprotect, so a bug elsewhere cannot patch
// compiled plugin code. The destructor unmaps the pages, or keeps a few
// sealed mappings for the next allocation of the same size (system calls
// are most of what compiling a small program costs).
//
//   auto mem = ExecutableMemory::allocate(code.size(), rodata.size());
//   if (!mem) return error;
//   std::memcpy(mem->code(), code.data(), code.size());
//   std::memcpy(mem->rodata(), rodata.data(), rodata.size());
//   if (!mem->seal()) return error;
//   auto fn = reinterpret_cast<Entry>(mem->code());
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mempool::vm {

class ExecutableMemory {
public:
    // A read-write mapping with room for `code_bytes` of code followed, on
    // pages of their own, by `rodata_bytes` of read-only data. Empty on failure.
    [[nodiscard]] static std::optional<ExecutableMemory> allocate(std::size_t code_bytes,
                                                                  std::size_t rodata_bytes) noexcept;

    ExecutableMemory(ExecutableMemory&& other) noexcept;
    ExecutableMemory& operator=(ExecutableMemory&& other) noexcept;
    ExecutableMemory(const ExecutableMemory&) = delete;
    ExecutableMemory& operator=(const ExecutableMemory&) = delete;
    ~ExecutableMemory();

    // Writable until seal(); afterwards read-only (and code executable).
    [[nodiscard]] std::uint8_t* code() const noexcept { return base_; }
    [[nodiscard]] std::uint8_t* rodata() const noexcept { return base_ + code_pages_; }
    // Code pages -> read+execute, data pages -> read-only. False if the
    // kernel refused (the pages then stay non-executable).
    [[nodiscard]] bool seal() noexcept;
    [[nodiscard]] bool sealed() const noexcept { return sealed_; }
    [[nodiscard]] std::size_t mapped_bytes() const noexcept { return code_pages_ + data_pages_; }

private:
    ExecutableMemory(std::uint8_t* base, std::size_t code_pages, std::size_t data_pages) noexcept
        : base_(base), code_pages_(code_pages), data_pages_(data_pages) {}
    void release() noexcept;

    std::uint8_t* base_ = nullptr;
    std::size_t code_pages_ = 0;  // bytes, a whole number of pages
    std::size_t data_pages_ = 0;  // bytes, a whole number of pages (may be 0)
    bool sealed_ = false;
};

}  // namespace mempool::vm
