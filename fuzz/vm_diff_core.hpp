// vm_diff_core.hpp: the differential check of the eBPF machine, shared by the
// libFuzzer target (fuzz/vm_diff.cpp) and the plain driver
// (fuzz/vm_diff_driver.cpp, no libFuzzer needed, for throughput runs).
//
// From a string of bytes it builds a program that is valid by construction
// (every register and stack byte initialised before use, jumps forward or
// counted loops, aligned stack accesses), has the verifier accept it, runs
// it under the interpreter, the checked interpreter and the JIT with the same initial
// registers, and compares what each run leaves behind: R0, R0-R9 and the
// stack slots the program used, which the program itself copies into its
// context buffer before it exits. Any difference is a JIT (or interpreter)
// bug; a refusal by the verifier is a verifier (or generator) bug.
//
// Layout of the generated entry function (frame 160 bytes):
//
//   [r10 -   8]          the context pointer (R1 at entry), for the epilogue
//   [r10 -  72, r10 - 8) 8 body slots: every load, store and atomic lands here
//   [r10 - 152, r10-72)  R0..R9 at exit, copied out with the body slots
//   context buffer       R0..R9 (80 bytes) then the 8 body slots (64 bytes)
//
//   prologue  save R1; R0-R9 = 64-bit immediates; body slots = immediates
//   body      units: ALU/ALU32 (every op, width, imm and register form),
//             movsx, neg, byte swaps, LDDW, forward jumps (jmp/jmp32, imm
//             and register, every condition, ja), stack stores and loads
//             (1/2/4/8 bytes, sign-extending), atomics (every op, 32/64),
//             loops to a constant, a local call, a helper call, accesses
//             to a heap object at offsets only known at run time (flagged
//             by the verifier, checked at run time, sometimes aborting),
//             accesses through heap addresses (xBGP: numbers translated into
//             the arena, often past it)
//   epilogue  R0-R9 and the body slots -> context buffer; R0 reloaded; exit
//
//   mempool::fuzz::DiffChecker checker;
//   if (auto bad = checker.check(data, size)) { puts(bad->c_str()); abort(); }
#pragma once

#include "assembler.hpp"
#include "checked_interpreter.hpp"
#include "exec.hpp"
#include "interpreter.hpp"
#include "isa.hpp"
#include "jit_x86_64.hpp"
#include "program.hpp"
#include "verifier.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace mempool::fuzz {

using vm::Insn;
namespace isa = vm::isa;

class ByteReader {
public:
    ByteReader(const std::uint8_t* data, std::size_t size) noexcept : p_(data), n_(size) {}
    [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
    std::uint8_t u8() noexcept {
        if (n_ == 0) return 0;
        --n_;
        return *p_++;
    }
    std::uint32_t u32() noexcept {
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(u8()) << (8 * k);
        return v;
    }
    std::uint64_t u64() noexcept { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }

private:
    const std::uint8_t* p_;
    std::size_t n_;
};

inline constexpr unsigned body_slots = 8;
inline constexpr std::int16_t body_low = -8 - 8 * static_cast<std::int16_t>(body_slots);  // -72
inline constexpr std::int16_t dump_low = body_low - 80;                                     // -152
inline constexpr std::uint32_t main_frame = 160;
inline constexpr std::uint32_t callee_frame = 16;
inline constexpr std::size_t ctx_bytes = 80 + 8 * body_slots;

// The one helper: a pure function of its five arguments.
inline std::uint64_t mix_helper(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                                std::uint64_t e) {
    return (a * 0x9e3779b97f4a7c15ull) ^ (b + (c << 7)) ^ (d >> 3) ^ (e * 31);
}

// The heap arena of the run in progress, and a helper that hands it out as
// a 64-byte object (or NULL for an even argument), as a runtime's allocator
// helper would: accesses through it at unproven offsets get run-time checks.
inline constexpr std::uint32_t heap_bytes = 64;
inline std::uint8_t* current_heap = nullptr;
inline std::uint64_t heap_helper(std::uint64_t a, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    return (a & 1) != 0 ? reinterpret_cast<std::uintptr_t>(current_heap) : 0;
}

inline Insn make(std::uint8_t code, unsigned dst = 0, unsigned src = 0, std::int16_t off = 0, std::int32_t imm = 0) {
    Insn i;
    i.code = code;
    i.set_dst(dst);
    i.set_src(src);
    i.off = off;
    i.imm = imm;
    return i;
}

// Builds one program from the bytes (see the file comment).
class Generator {
public:
    explicit Generator(ByteReader& in) noexcept : in_(in) {}

    [[nodiscard]] vm::Program generate() {
        units_.clear();
        has_call_ = false;
        // Prologue.
        Unit pro;
        pro.code.push_back(make(isa::cls_stx | isa::mode_mem | isa::size_dw, 10, 1, -8));
        for (unsigned r = 0; r < 10; ++r) lddw(pro.code, r, value64());
        for (unsigned s = 0; s < body_slots; ++s)
            pro.code.push_back(make(isa::cls_st | isa::mode_mem | isa::size_dw, 10, 0,
                                    static_cast<std::int16_t>(body_low + 8 * s), imm32()));
        units_.push_back(std::move(pro));
        // Body.
        const unsigned count = 1 + in_.u8() % 40;
        for (unsigned k = 0; k < count && !in_.empty(); ++k) body_unit();
        // Epilogue (the target of jumps that run to the end).
        Unit epi;
        for (unsigned r = 0; r < 10; ++r)
            epi.code.push_back(make(isa::cls_stx | isa::mode_mem | isa::size_dw, 10, r, static_cast<std::int16_t>(dump_low + 8 * r)));
        epi.code.push_back(make(isa::cls_ldx | isa::mode_mem | isa::size_dw, 1, 10, -8));
        for (unsigned r = 0; r < 10; ++r) {
            epi.code.push_back(make(isa::cls_ldx | isa::mode_mem | isa::size_dw, 2, 10, static_cast<std::int16_t>(dump_low + 8 * r)));
            epi.code.push_back(make(isa::cls_stx | isa::mode_mem | isa::size_dw, 1, 2, static_cast<std::int16_t>(8 * r)));
        }
        for (unsigned s = 0; s < body_slots; ++s) {
            epi.code.push_back(make(isa::cls_ldx | isa::mode_mem | isa::size_dw, 2, 10, static_cast<std::int16_t>(body_low + 8 * s)));
            epi.code.push_back(make(isa::cls_stx | isa::mode_mem | isa::size_dw, 1, 2, static_cast<std::int16_t>(80 + 8 * s)));
        }
        epi.code.push_back(make(isa::cls_ldx | isa::mode_mem | isa::size_dw, 0, 10, dump_low));
        epi.code.push_back(make(isa::op_exit));
        units_.push_back(std::move(epi));
        return link();
    }

private:
    struct Unit {
        std::vector<Insn> code;
        std::vector<std::pair<std::size_t, std::size_t>> jumps;  // (index in code, target unit)
        std::vector<std::size_t> calls;                           // indices of local calls
    };

    std::int32_t imm32() {
        static constexpr std::int32_t table[] = {0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, -63, -64, 127, 128,
                                                 -128, 255, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
                                                 static_cast<std::int32_t>(0x80000000u), -2, 0x050f0f05};
        const std::uint8_t c = in_.u8();
        if (c < 160) return table[c % std::size(table)];
        return static_cast<std::int32_t>(in_.u32());
    }
    std::uint64_t value64() {
        static constexpr std::uint64_t table[] = {0, 1, 2, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff,
                                                  0xffffffff, 0x80000000, 0x7fffffff, 0xffffffff80000000,
                                                  0x100000000, 63, 64, 32, 0x123456789abcdef0};
        const std::uint8_t c = in_.u8();
        if (c < 96) return table[c % std::size(table)];
        if (c < 160) return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int8_t>(in_.u8())));
        return in_.u64();
    }
    // A register in [0, limit) other than `avoid`.
    unsigned reg(unsigned limit = 10, int avoid = -1) {
        unsigned r = in_.u8() % limit;
        if (static_cast<int>(r) == avoid) r = (r + 1) % limit;
        return r;
    }
    static void lddw(std::vector<Insn>& code, unsigned dst, std::uint64_t v) {
        code.push_back(make(isa::op_lddw, dst, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v))));
        code.push_back(make(0, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(v >> 32))));
    }

    // One arithmetic instruction on registers [0, limit), never writing `avoid`.
    void alu(std::vector<Insn>& code, unsigned limit, int avoid) {
        struct Op {
            std::uint8_t op;
            std::int16_t off;
        };
        static constexpr Op ops[] = {{isa::alu_add, 0}, {isa::alu_sub, 0}, {isa::alu_mul, 0}, {isa::alu_div, 0},
                                     {isa::alu_or, 0},  {isa::alu_and, 0}, {isa::alu_lsh, 0}, {isa::alu_rsh, 0},
                                     {isa::alu_neg, 0}, {isa::alu_mod, 0}, {isa::alu_xor, 0}, {isa::alu_mov, 0},
                                     {isa::alu_arsh, 0}, {isa::alu_div, 1}, {isa::alu_mod, 1}, {isa::alu_mov, 8},
                                     {isa::alu_mov, 16}, {isa::alu_mov, 32}, {isa::alu_end, 0}, {isa::alu_end, 1}};
        const std::uint8_t sel = in_.u8();
        const Op o = ops[sel % std::size(ops)];
        const bool w64 = (sel & 0x80) != 0;
        const std::uint8_t cls = w64 ? isa::cls_alu64 : isa::cls_alu;
        const unsigned dst = reg(limit, avoid);
        const unsigned src = reg(limit);
        if (o.op == isa::alu_neg) {
            code.push_back(make(cls | isa::alu_neg, dst));
        } else if (o.op == isa::alu_end) {
            static constexpr std::int32_t widths[] = {16, 32, 64};
            const std::int32_t width = widths[in_.u8() % 3];
            if (w64) {
                code.push_back(make(isa::cls_alu64 | isa::alu_end, dst, 0, 0, width));  // bswap
            } else {
                code.push_back(make(isa::cls_alu | isa::alu_end | (o.off != 0 ? isa::src_x : isa::src_k), dst, 0, 0, width));
            }
        } else if (o.op == isa::alu_mov && o.off != 0) {
            const bool wide = w64 || o.off == 32;
            code.push_back(make((wide ? isa::cls_alu64 : isa::cls_alu) | isa::src_x | isa::alu_mov, dst, src, o.off));
        } else if ((in_.u8() & 1) != 0) {
            code.push_back(make(cls | isa::src_x | o.op, dst, src, o.off));
        } else {
            code.push_back(make(cls | isa::src_k | o.op, dst, 0, o.off, imm32()));
        }
    }

    // A load, store or atomic on the body slots.
    void memory(std::vector<Insn>& code, int avoid) {
        static constexpr std::uint8_t sizes[] = {isa::size_b, isa::size_h, isa::size_w, isa::size_dw};
        const std::uint8_t kind = in_.u8() % 6;
        const std::uint8_t size = sizes[in_.u8() % 4];
        const unsigned bytes = isa::size_bytes(size);
        const auto off = static_cast<std::int16_t>(body_low + (in_.u8() % (8 * body_slots / bytes)) * bytes);
        switch (kind) {
        case 0: code.push_back(make(isa::cls_stx | isa::mode_mem | size, 10, reg(), off)); break;
        case 1: code.push_back(make(isa::cls_st | isa::mode_mem | size, 10, 0, off, imm32())); break;
        case 2:
        case 3: {
            const bool sx = kind == 3 && bytes != 8;
            code.push_back(make(isa::cls_ldx | (sx ? isa::mode_memsx : isa::mode_mem) | size, reg(10, avoid), 10, off));
            break;
        }
        default: {
            static constexpr std::int32_t ops[] = {isa::atomic_add, isa::atomic_or, isa::atomic_and, isa::atomic_xor,
                                                   isa::atomic_add | isa::atomic_fetch, isa::atomic_or | isa::atomic_fetch,
                                                   isa::atomic_and | isa::atomic_fetch, isa::atomic_xor | isa::atomic_fetch,
                                                   isa::atomic_xchg, isa::atomic_cmpxchg};
            std::int32_t op = ops[in_.u8() % std::size(ops)];
            if (op == isa::atomic_cmpxchg && avoid == 0) op = isa::atomic_add;
            const bool wide = (in_.u8() & 1) != 0;
            const auto aoff = static_cast<std::int16_t>(body_low + (in_.u8() % (wide ? body_slots : 2 * body_slots)) * (wide ? 8 : 4));
            const unsigned src = (op & isa::atomic_fetch) != 0 ? reg(10, avoid) : reg();
            code.push_back(make(isa::cls_stx | isa::mode_atomic | (wide ? isa::size_dw : isa::size_w), 10, src, aoff, op));
            break;
        }
        }
    }

    void reset_arguments(std::vector<Insn>& code) {
        for (unsigned r = 1; r <= 5; ++r) code.push_back(make(isa::cls_alu64 | isa::alu_mov, r, 0, 0, imm32()));
    }

    void body_unit() {
        Unit u;
        const std::uint8_t kind = in_.u8() % 17;
        const std::size_t here = units_.size();
        switch (kind) {
        case 0: case 1: case 2: case 3: case 4: alu(u.code, 10, -1); break;
        case 5: lddw(u.code, reg(), value64()); break;
        case 6: case 7: case 8: {  // conditional jump forward (to a later unit or the epilogue)
            static constexpr std::uint8_t conds[] = {isa::jmp_jeq, isa::jmp_jgt, isa::jmp_jge, isa::jmp_jset,
                                                     isa::jmp_jne, isa::jmp_jsgt, isa::jmp_jsge, isa::jmp_jlt,
                                                     isa::jmp_jle, isa::jmp_jslt, isa::jmp_jsle};
            const std::uint8_t sel = in_.u8();
            const std::uint8_t cls = (sel & 0x80) != 0 ? isa::cls_jmp32 : isa::cls_jmp;
            const std::uint8_t op = conds[sel % std::size(conds)];
            if ((sel & 0x40) != 0) {
                u.code.push_back(make(cls | isa::src_x | op, reg(), reg()));
            } else {
                u.code.push_back(make(cls | isa::src_k | op, reg(), 0, 0, imm32()));
            }
            u.jumps.emplace_back(0, here + 1 + in_.u8() % 6);
            break;
        }
        case 9: {  // ja or gotol
            const bool gotol = (in_.u8() & 1) != 0;
            u.code.push_back(make(gotol ? isa::cls_jmp32 : isa::cls_jmp));
            u.jumps.emplace_back(0, here + 1 + in_.u8() % 4);
            break;
        }
        case 10: case 11: case 12: memory(u.code, -1); break;
        case 13: {  // a loop to a constant around a few straight-line instructions
            const unsigned counter = reg();
            const std::int32_t trips = 1 + in_.u8() % 8;
            u.code.push_back(make(isa::cls_alu64 | isa::alu_mov, counter, 0, 0, 0));
            const std::size_t head = u.code.size();
            const unsigned inner = 1 + in_.u8() % 4;
            for (unsigned k = 0; k < inner; ++k) {
                if ((in_.u8() & 1) != 0) {
                    alu(u.code, 10, static_cast<int>(counter));
                } else {
                    memory(u.code, static_cast<int>(counter));
                }
            }
            u.code.push_back(make(isa::cls_alu64 | isa::alu_add, counter, 0, 0, 1));
            const auto back = static_cast<std::int16_t>(static_cast<std::int64_t>(head) - static_cast<std::int64_t>(u.code.size()) - 1);
            u.code.push_back(make(isa::cls_jmp | isa::jmp_jlt, counter, 0, back, trips));
            break;
        }
        case 14:  // local call
            u.calls.push_back(u.code.size());
            u.code.push_back(make(isa::op_call, 0, isa::pseudo_call, 0, 0));
            reset_arguments(u.code);
            has_call_ = true;
            break;
        case 15:  // helper call
            u.code.push_back(make(isa::op_call, 0, 0, 0, 0));
            reset_arguments(u.code);
            break;
        default: {  // heap object at an offset only known at run time: flagged, checked accesses
            static constexpr std::uint8_t sizes[] = {isa::size_b, isa::size_h, isa::size_w, isa::size_dw};
            const unsigned offset_reg = 6 + in_.u8() % 4;
            const unsigned value_reg = 6 + in_.u8() % 4;
            if ((in_.u8() & 3) == 0) {
                // A heap address (xBGP: a number read from memory): translated
                // into the arena and checked; often past it, so aborting.
                const std::uint64_t address = vm::heap_address(std::uint64_t{in_.u8()} * 2);
                u.code.push_back(make(isa::op_lddw, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(address))));
                u.code.push_back(make(0, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(address >> 32))));
                u.code.push_back(make(isa::cls_alu64 | isa::alu_and, offset_reg, 0, 0, 63));
                u.code.push_back(make(isa::cls_alu64 | isa::src_x | isa::alu_add, 0, offset_reg));
                const unsigned accesses = 1 + in_.u8() % 3;
                for (unsigned k = 0; k < accesses; ++k) {
                    const std::uint8_t size = sizes[in_.u8() % 4];
                    const auto off = static_cast<std::int16_t>(in_.u8() % 8);
                    switch (in_.u8() % 3) {
                    case 0: u.code.push_back(make(isa::cls_stx | isa::mode_mem | size, 0, value_reg, off)); break;
                    case 1: u.code.push_back(make(isa::cls_st | isa::mode_mem | size, 0, 0, off, imm32())); break;
                    default: u.code.push_back(make(isa::cls_ldx | isa::mode_mem | size, value_reg, 0, off)); break;
                    }
                }
                u.code.push_back(make(isa::cls_alu64 | isa::alu_mov, 0, 0, 0, 0));
                break;
            }
            u.code.push_back(make(isa::cls_alu64 | isa::alu_mov, 1, 0, 0, imm32()));
            u.code.push_back(make(isa::op_call, 0, 0, 0, 1));
            const std::size_t null_check = u.code.size();
            u.code.push_back(make(isa::cls_jmp | isa::jmp_jeq, 0, 0, 0, 0));
            // Atomics need 8-byte alignment, which the verifier does not prove
            // for a heap offset known only at run time (it accepts the access;
            // interpret_checked calls a misaligned one a violation): they only
            // come with an offset that is a multiple of 8.
            const bool aligned = (in_.u8() & 1) != 0;
            u.code.push_back(make(isa::cls_alu64 | isa::alu_and, offset_reg, 0, 0, aligned ? 120 : 127));
            u.code.push_back(make(isa::cls_alu64 | isa::src_x | isa::alu_add, 0, offset_reg));
            const unsigned accesses = 1 + in_.u8() % 3;
            for (unsigned k = 0; k < accesses; ++k) {
                const std::uint8_t size = sizes[in_.u8() % 4];
                const auto off = static_cast<std::int16_t>(in_.u8() % 8);
                switch (in_.u8() % (aligned ? 4 : 3)) {
                case 0: u.code.push_back(make(isa::cls_stx | isa::mode_mem | size, 0, value_reg, off)); break;
                case 1: u.code.push_back(make(isa::cls_st | isa::mode_mem | size, 0, 0, off, imm32())); break;
                case 2: u.code.push_back(make(isa::cls_ldx | isa::mode_mem | size, value_reg, 0, off)); break;
                default:
                    u.code.push_back(make(isa::cls_stx | isa::mode_atomic | isa::size_dw, 0, value_reg, static_cast<std::int16_t>(off & ~7),
                                          isa::atomic_add | isa::atomic_fetch));
                    break;
                }
            }
            u.code.push_back(make(isa::cls_alu64 | isa::alu_mov, 0, 0, 0, 0));  // R0 a number again on both paths
            u.code[null_check].off = static_cast<std::int16_t>(u.code.size() - null_check - 1);
            reset_arguments(u.code);
            break;
        }
        }
        units_.push_back(std::move(u));
    }

    // The callee: R0 from R1, arithmetic on R0-R5, a slot of its own frame.
    std::vector<Insn> callee() {
        std::vector<Insn> code;
        code.push_back(make(isa::cls_alu64 | isa::src_x | isa::alu_mov, 0, 1));
        const unsigned n = 1 + in_.u8() % 6;
        for (unsigned k = 0; k < n; ++k) alu(code, 6, -1);
        code.push_back(make(isa::cls_stx | isa::mode_mem | isa::size_dw, 10, 0, -8));
        code.push_back(make(isa::cls_alu64 | isa::alu_add, 0, 0, 0, 1));
        code.push_back(make(isa::cls_ldx | isa::mode_mem | isa::size_dw, 2, 10, -8));
        code.push_back(make(isa::cls_alu64 | isa::src_x | isa::alu_xor, 0, 2));
        code.push_back(make(isa::op_exit));
        return code;
    }

    vm::Program link() {
        vm::Program p;
        p.name = "vm_diff";
        std::vector<std::size_t> start(units_.size() + 1, 0);
        for (std::size_t u = 0; u < units_.size(); ++u) start[u + 1] = start[u] + units_[u].code.size();
        const std::size_t main_size = start.back();
        for (std::size_t u = 0; u < units_.size(); ++u) {
            for (std::size_t k = 0; k < units_[u].code.size(); ++k) p.code.push_back(units_[u].code[k]);
        }
        for (std::size_t u = 0; u < units_.size(); ++u) {
            for (auto [at, target] : units_[u].jumps) {
                const std::size_t t = std::min(target, units_.size() - 1);  // past the end: the epilogue
                Insn& j = p.code[start[u] + at];
                const auto off = static_cast<std::int64_t>(start[t]) - static_cast<std::int64_t>(start[u] + at + 1);
                if (isa::cls(j.code) == isa::cls_jmp32 && isa::op(j.code) == isa::jmp_ja) {
                    j.imm = static_cast<std::int32_t>(off);
                } else {
                    j.off = static_cast<std::int16_t>(off);
                }
            }
            for (std::size_t at : units_[u].calls)
                p.code[start[u] + at].imm = static_cast<std::int32_t>(static_cast<std::int64_t>(main_size) - static_cast<std::int64_t>(start[u] + at + 1));
        }
        p.function_starts = {0};
        if (has_call_) {
            p.function_starts.push_back(static_cast<std::uint32_t>(main_size));
            for (const Insn& i : callee()) p.code.push_back(i);
        }
        return p;
    }

    ByteReader& in_;
    std::vector<Unit> units_;
    bool has_call_ = false;
};

inline vm::VerifyOptions verify_options() {
    vm::VerifyOptions o;
    o.ctx_size = ctx_bytes;
    vm::HelperSignature mix;
    mix.name = "mix";
    mix.arg_count = 5;
    mix.args = {vm::ArgKind::number, vm::ArgKind::number, vm::ArgKind::number, vm::ArgKind::number, vm::ArgKind::number};
    o.helpers.push_back(mix);
    vm::HelperSignature heap;
    heap.name = "heap_object";
    heap.arg_count = 1;
    heap.args[0] = vm::ArgKind::number;
    heap.ret = vm::RetKind::heap_or_null;
    heap.ret_size = heap_bytes;
    o.helpers.push_back(heap);
    o.heap_size = heap_bytes;
    o.heap_addresses = true;  // xBGP: numbers used as addresses are heap addresses
    o.loop_budget = true;     // (generated loops are counted: proven, never budgeted)
    return o;
}

struct DiffStats {
    std::uint64_t programs = 0;
    std::uint64_t instructions = 0;  // static, summed
    std::uint64_t aborted = 0;       // runs stopped by a run-time heap check
};

class DiffChecker {
public:
    // Empty when interpreter and JIT agree; otherwise what differs, with the
    // program's disassembly.
    std::optional<std::string> check(const std::uint8_t* data, std::size_t size, DiffStats* stats = nullptr) {
        ByteReader in(data, size);
        Generator g(in);
        vm::Program program = g.generate();
        if (stats != nullptr) {
            ++stats->programs;
            stats->instructions += program.code.size();
        }
        code_ = program.code;  // for the report; disassembled only when something is wrong
        vm::VerifyResult v = vm::verify(std::move(program), options_);
        if (!v.ok()) {
            std::string why = "verifier refused a valid program:\n";
            for (const auto& d : v.diagnostics) why += "  " + d.to_string() + "\n";
            return why + vm::disassemble_program(code_);
        }
        const vm::VerifiedProgram& p = v.program;

        alignas(8) std::array<std::uint8_t, ctx_bytes> ctx_i{}, ctx_j{};
        alignas(8) std::array<std::uint8_t, heap_bytes> heap_i{}, heap_j{}, heap_c{};
        vm::RunContext rc_i{.r1 = reinterpret_cast<std::uintptr_t>(ctx_i.data()), .r2 = ctx_bytes,
                            .heap = heap_i.data(), .heap_size = heap_bytes};
        vm::RunContext rc_j = rc_i;
        rc_j.r1 = reinterpret_cast<std::uintptr_t>(ctx_j.data());
        rc_j.heap = heap_j.data();
        current_heap = heap_i.data();
        const std::uint64_t r0_i = vm::interpret(p, helpers_, rc_i);

        // The checked interpreter: a violation on an accepted program is a
        // verifier bug; its result and memory must be the interpreter's.
        alignas(8) std::array<std::uint8_t, ctx_bytes> ctx_c{};
        vm::RunContext rc_c = rc_i;
        rc_c.r1 = reinterpret_cast<std::uintptr_t>(ctx_c.data());
        rc_c.heap = heap_c.data();
        current_heap = heap_c.data();
        const vm::CheckedResult checked = vm::interpret_checked(p, helpers_, rc_c, ctx_bytes);
        if (checked.violation)
            return "checked interpreter: " + checked.violation->to_string() + "\n" + vm::disassemble_program(code_);
        if (checked.value != r0_i || ctx_c != ctx_i || heap_c != heap_i || rc_c.abort_pc != rc_i.abort_pc)
            return "checked interpreter and interpreter disagree\n" + vm::disassemble_program(code_);

        // Both jump encodings, alternately.
        vm::JitResult jit = vm::jit_compile(p, helpers_, {.short_jumps = (size & 1) != 0});
        if (!jit.code) return "the JIT refused a verified program: " + jit.error + "\n" + vm::disassemble_program(code_);
        current_heap = heap_j.data();
        const std::uint64_t r0_j = (*jit.code)(rc_j);
        if (stats != nullptr && rc_i.aborted()) ++stats->aborted;

        if (r0_i == r0_j && ctx_i == ctx_j && heap_i == heap_j && rc_i.abort_pc == rc_j.abort_pc) return std::nullopt;
        std::string why = "interpreter and JIT disagree\n";
        char line[160];
        std::snprintf(line, sizeof line, "  R0: interpreter 0x%llx, JIT 0x%llx\n", static_cast<unsigned long long>(r0_i),
                      static_cast<unsigned long long>(r0_j));
        why += line;
        for (std::size_t k = 0; k < ctx_bytes / 8; ++k) {
            std::uint64_t a, b;
            std::memcpy(&a, &ctx_i[8 * k], 8);
            std::memcpy(&b, &ctx_j[8 * k], 8);
            if (a == b) continue;
            std::snprintf(line, sizeof line, "  %s%zu: interpreter 0x%llx, JIT 0x%llx\n", k < 10 ? "R" : "slot ",
                          k < 10 ? k : k - 10, static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
            why += line;
        }
        if (heap_i != heap_j) why += "  heap bytes differ\n";
        std::snprintf(line, sizeof line, "  abort_pc: interpreter %u, JIT %u\n", rc_i.abort_pc, rc_j.abort_pc);
        why += line;
        return why + vm::disassemble_program(code_);
    }

private:
    std::vector<Insn> code_;
    vm::VerifyOptions options_ = verify_options();
    std::array<vm::HelperFn, 2> helpers_{mix_helper, heap_helper};
};

}  // namespace mempool::fuzz
