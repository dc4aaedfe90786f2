// program_impl.hpp: what a loaded plugin is, inside the runtime.
//
// The bytes of the object were read once; the loader made a vm::Program of
// the section, the verifier accepted it against the runtime's helpers and
// the plugin's heap, and (unless RuntimeOptions::jit is false or the JIT
// refused) the JIT compiled it. A run calls the native code directly, or
// the interpreter with the same verified program and helper table.
//
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
//   std::uint64_t r0 = impl.jit ? (*impl.jit)(rc) : detail::interpret(impl, rc);
#pragma once

#include <mempool/runtime.hpp>

#include "exec.hpp"
#include "jit_x86_64.hpp"
#include "program.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct mempool_arg;

namespace mempool::detail {

// The C API's arguments as the C++ API's (at most MEMPOOL_MAX_ARGS of
// them: the count converted is returned).
std::size_t args_from_c(const mempool_arg* args, std::size_t n, Arg* converted) noexcept;

struct ProgramImpl {
    vm::VerifiedProgram verified;
    std::vector<vm::HelperFn> helpers;  // the runtime's helper table when it was loaded
    std::optional<vm::JitCode> jit;     // none: interpreted
    std::string jit_error;              // why the JIT gave no code (when it was asked)
    // What a run may write that the next plugin on the thread must not
    // find, set at load (run.cpp tests both at once: most plugins have
    // neither).
    struct Writes {
        // Its heap arena outside the blocks it allocated
        // (may_write_outside_blocks): the arena is zeroed whole after it.
        bool outside_blocks = false;
        // Its argument struct (may_write_context): the struct is zeroed
        // after it, so that what it wrote past the bytes the host fills
        // again never reaches the next plugin, of any group.
        bool context = false;
    } writes;
};

// The interpreter on a loaded plugin (out of line: the JIT is the fast path).
[[nodiscard]] std::uint64_t interpret(const ProgramImpl& p, vm::RunContext& rc) noexcept;

// Whether a run of `p` may write its heap arena outside the blocks it
// allocated: through a heap pointer or a heap address the verifier could not
// bound (flag_heap_check, flag_heap_address: checked against the arena at run
// time, anywhere in it), or a helper given one (HelperCheck heap modes).
// Such bytes lie above the arena's high mark, which only allocations move,
// and the next plugin on the thread must not find them.
inline bool may_write_outside_blocks(const vm::VerifiedProgram& p) noexcept {
    for (const std::uint8_t f : p.flags)
        if ((f & (vm::flag_heap_check | vm::flag_heap_address)) != 0) return true;
    for (const vm::HelperCheck& c : p.helper_checks)
        if (c.mode == vm::HelperCheck::Mode::heap || c.mode == vm::HelperCheck::Mode::heap_fixed) return true;
    return false;
}

// Whether a run of `p` may write its context (R1, the argument struct): a
// store, atomic or helper buffer the verifier saw reach it, or a helper that
// follows pointers (flag_frame_bounds), which may have been handed one into
// the context inside a structure.
inline bool may_write_context(const vm::VerifiedProgram& p) noexcept {
    if (p.writes_context) return true;
    for (const std::uint8_t f : p.flags)
        if ((f & vm::flag_frame_bounds) != 0) return true;
    return false;
}

// Whether a run of `p` may set RunContext's frame_lo/frame_hi, rodata/
// rodata_size or arg_room, which an anchored run must then clear after it
// (a helper of a later run must never find them): interpreted (the
// interpreter sets the read-only data at entry), or a helper call flagged
// for the executor (flag_helper_check, flag_frame_bounds: the JIT and the
// interpreter set them only there, and the JIT its read-only data at entry).
inline bool may_set_call_regions(const ProgramImpl& p) noexcept {
    if (!p.jit || !p.verified.helper_checks.empty()) return true;
    for (const std::uint8_t f : p.verified.flags)
        if ((f & (vm::flag_helper_check | vm::flag_frame_bounds)) != 0) return true;
    return false;
}

}  // namespace mempool::detail
