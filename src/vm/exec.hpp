// exec.hpp: what the interpreter and the JIT share to run a verified program.
//
// A run gets R1 (and R2) from a RunContext, a frame of the size the verifier
// proved, and the helper functions by index. Nothing in a run can fail
// except a run-time heap check (flag_heap_check): then the run stops, R0 is
// 0 and `abort_pc` names the instruction.
//
//   vm::RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
//   std::uint64_t r0 = vm::interpret(verified, helpers, rc);
//   if (rc.aborted()) ...
#pragma once

#include "program.hpp"

#include <cstdint>
#include <span>

namespace mempool::vm {

// A host function callable from a program: five 64-bit arguments (R1-R5),
// the result in R0. Called with the System V ABI and a 16-byte aligned stack.
using HelperFn = std::uint64_t (*)(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t);

struct RunContext {
    std::uint64_t r1 = 0;             // R1 at entry: the context pointer
    std::uint64_t r2 = 0;             // R2 at entry (raw mode: the context size)
    std::uint8_t* heap = nullptr;     // the plugin's heap arena, for run-time heap checks
    std::uint64_t heap_size = 0;
    std::uint8_t* shared = nullptr;   // the plugin's shared arena (ctx_shmnew), checked like the heap
    std::uint64_t shared_size = 0;
    std::uint8_t* data = nullptr;     // the plugin's writable globals: program.data.size() bytes,
                                      // initialised from program.data at load, kept across runs
                                      // (a program with globals and no data stops at entry, pc 0)
    // The run's regions as a helper that follows pointers or reads to a
    // terminator (obj_in, obj_out, str_in, ptr_struct_in) must check them.
    // Set by the executor at calls flagged flag_frame_bounds: the calling
    // function's own frame (the one stack range such a helper may touch) and
    // the read-only data as this executor holds it.
    std::uint64_t frame_lo = 0, frame_hi = 0;
    std::uint64_t rodata = 0, rodata_size = 0;
    // Set at calls with HelperCheck::Mode::room records: for argument i
    // (R(i+1)), the bytes a helper may touch from the pointer, UINT32_MAX for
    // a heap pointer (the arena bounds it), 0 when not set.
    std::uint32_t arg_room[5] = {};
    std::uint32_t abort_pc = UINT32_MAX;  // set when a run-time check stopped the run

    [[nodiscard]] bool aborted() const noexcept { return abort_pc != UINT32_MAX; }
};

// ---- the run-time checks every executor makes the same way -----------------

// Whether [addr, addr + n) lies in [base, base + size).
[[nodiscard]] inline bool inside_range(std::uint64_t addr, std::uint64_t n, const std::uint8_t* base,
                                 std::uint64_t size) noexcept {
    const auto b = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(base));
    return base != nullptr && addr >= b && addr - b <= size && size - (addr - b) >= n;
}

// A flagged access of n bytes at addr (flag_heap_check: a heap pointer, in
// the arena or the shared arena; flag_heap_address: a heap address, turned
// into the arena's host address). False: stop the run.
[[nodiscard]] inline bool heap_access(const RunContext& rc, std::uint8_t flag, std::uint64_t& addr,
                                      std::uint64_t n) noexcept {
    if ((flag & flag_heap_address) != 0) {
        const std::uint64_t rel = addr - heap_address_base;
        if (rc.heap == nullptr || rel > rc.heap_size || rc.heap_size - rel < n) return false;
        addr = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(rc.heap)) + rel;
        return true;
    }
    return inside_range(addr, n, rc.heap, rc.heap_size) || inside_range(addr, n, rc.shared, rc.shared_size);
}

// A flagged back edge at `pc`: pays its cost from `budget`. False: the
// budget is spent, stop the run.
[[nodiscard]] inline bool pay_loop(const VerifiedProgram& p, std::uint32_t pc, std::uint64_t& budget) noexcept {
    const auto& costs = p.loop_costs;
    std::size_t lo = 0, hi = costs.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (costs[mid].pc < pc) lo = mid + 1;
        else hi = mid;
    }
    const std::uint64_t cost = lo < costs.size() && costs[lo].pc == pc ? costs[lo].cost : 1;
    if (budget < cost) return false;
    budget -= cost;
    return true;
}

// One HelperCheck before a call; regs[k] is Rk (R1-R5 are read, a heap
// address is replaced by its host address). False: stop the run.
[[nodiscard]] inline bool helper_check(RunContext& rc, const HelperCheck& c, std::uint64_t* regs) noexcept {
    switch (c.mode) {
    case HelperCheck::Mode::room: rc.arg_room[c.ptr_reg - 1] = c.limit; return true;
    case HelperCheck::Mode::bounded: return regs[c.size_reg] <= c.limit;
    case HelperCheck::Mode::heap:
    case HelperCheck::Mode::heap_fixed: {
        std::uint64_t& p = regs[c.ptr_reg];
        const std::uint64_t n = c.mode == HelperCheck::Mode::heap ? regs[c.size_reg] : c.limit;
        if (c.mode == HelperCheck::Mode::heap_fixed && n == 0 && p == 0) return true;  // heap_or_null's NULL
        if (inside_range(p, n, rc.heap, rc.heap_size) || inside_range(p, n, rc.shared, rc.shared_size)) return true;
        return heap_access(rc, flag_heap_address, p, n);
    }
    }
    return false;
}

}  // namespace mempool::vm
