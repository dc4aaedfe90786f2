// jit_x86_64.hpp: native x86-64 code from a verified eBPF program.
//
// jit_compile() translates a VerifiedProgram into one function per program,
// with the semantics of the interpreter (RFC 9669): the same results for
// every instruction, including the edge cases x86 does differently
// (division by zero, INT_MIN / -1, shift counts, 32-bit zero extension).
// It trusts the verifier for everything it proved (bounds, initialisation,
// the instruction bound) and re-derives nothing: each function's frame is
// frame_size[f] bytes, and loads and stores flagged flag_heap_check get a
// run-time check against RunContext::heap/heap_size that stops the run
// (R0 = 0, abort_pc set) when it fails; abort_pc is reset at entry.
//
// The code and a copy of the program's read-only data live in pages the
// JitCode owns (with the other programs of its jit_compile_batch): code
// read+execute, data read-only, never writable and executable at once. A
// JitCode does not refer to the VerifiedProgram after compilation; helpers
// are called by their absolute address, so the helper functions must
// outlive it.
//
//   vm::JitResult jit = vm::jit_compile(verified, helpers);
//   if (!jit.code) return fail(jit.error);
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
//   std::uint64_t r0 = (*jit.code)(rc);
//
// Native register use: R0 rax, R1 rdi, R2 rsi, R3 rdx, R4 rcx, R5 r8 (the
// System V argument registers, so a helper call moves nothing), R6 rbx, R7
// r13, R8 r14, R9 r15 (callee-saved, so they survive helper calls), R10 rbp;
// r12 points at the entry frame's run data (heap bounds, RunContext*), and
// r9-r11 are scratch.
#pragma once

#include "exec.hpp"
#include "executable_memory.hpp"
#include "program.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mempool::vm {

class JitCode {
public:
    using Entry = std::uint64_t (*)(RunContext*);

    [[nodiscard]] Entry entry() const noexcept { return reinterpret_cast<Entry>(const_cast<std::uint8_t*>(code_)); }
    std::uint64_t operator()(RunContext& rc) const noexcept { return entry()(&rc); }
    // The machine code, for tests and for measuring (not counting the rodata pages).
    [[nodiscard]] std::span<const std::uint8_t> code() const noexcept { return {code_, code_size_}; }

    JitCode(JitCode&&) noexcept = default;
    JitCode& operator=(JitCode&&) noexcept = default;
    JitCode(const JitCode&) = delete;
    JitCode& operator=(const JitCode&) = delete;
    ~JitCode() = default;

private:
    friend struct JitCodeAccess;
    JitCode(std::shared_ptr<const ExecutableMemory> memory, const std::uint8_t* code, std::size_t code_size) noexcept
        : memory_(std::move(memory)), code_(code), code_size_(code_size) {}

    // The pages, shared by the programs compiled in one jit_compile_batch()
    // and unmapped (or kept for reuse) with the last of them.
    std::shared_ptr<const ExecutableMemory> memory_;
    const std::uint8_t* code_ = nullptr;  // this program's entry, inside memory_'s code pages
    std::size_t code_size_ = 0;
};

struct JitResult {
    std::optional<JitCode> code;
    std::string error;  // why there is no code: an instruction the JIT does not know, a bad helper index, no memory
};

// By default every jump is near (rel32) and the program is translated in
// one pass. With `short_jumps`, a second pass uses the 2-byte forms where the
// first pass's distances fit in a byte: 6-9% less code, twice the
// translation time, no call-cost difference we could measure (bench_vm,
// docs/vm.md), so compile time wins for plugins of a few hundred instructions.
struct JitOptions {
    bool short_jumps = false;
};

[[nodiscard]] JitResult jit_compile(const VerifiedProgram& p, std::span<const HelperFn> helpers,
                                    const JitOptions& options = {}) noexcept;

// One program of jit_compile_batch(): it and the helpers its calls name
// (both must outlive the call; the helpers also the code).
struct JitRequest {
    const VerifiedProgram* program = nullptr;
    std::span<const HelperFn> helpers;
};

// Compiles several programs into one mapping (one mmap and one or two
// mprotects for all of them, instead of per program: a runtime loading a
// manifest's plugins pays the system calls once). Each entry is 16-byte
// aligned on the shared code pages, each program's read-only data on the
// shared data pages; the pages stay mapped while any of the JitCodes lives.
// One result per request, in order: a program the JIT cannot translate gets
// its own error and takes no room; if the mapping fails, every translated
// program gets that error. Empty only when out of memory.
[[nodiscard]] std::vector<JitResult> jit_compile_batch(std::span<const JitRequest> requests,
                                                       const JitOptions& options = {}) noexcept;

}  // namespace mempool::vm
