// interpreter.cpp: one switch over the opcode byte, one case per encoding.
//
// Arithmetic goes through semantics.hpp with the operation as a constant, so
// each case compiles to the few instructions it needs. Memory is read and
// written with memcpy (unaligned accesses are legal eBPF and must not be
// undefined behaviour here); atomics use the compiler's __atomic builtins.
#include "interpreter.hpp"

#include "semantics.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mempool::vm {
namespace {

using namespace isa;
using detail::imm64;

template <typename T>
[[nodiscard]] inline T load(std::uint64_t addr) noexcept {
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(static_cast<std::uintptr_t>(addr)), sizeof v);
    return v;
}

template <typename T>
inline void store(std::uint64_t addr, T v) noexcept {
    std::memcpy(reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), &v, sizeof v);
}

// What a local call saves: the caller's callee-saved registers, frame and
// return point.
struct CallFrame {
    std::uint64_t saved[4];  // R6-R9
    std::uint64_t r10;
    std::uint32_t return_pc;
    std::uint32_t function;
};

template <typename T>
inline T atomic_op(T* p, std::int32_t imm, T src, T& r0) noexcept {
    // Returns the old value (for the fetch forms and xchg); cmpxchg writes R0 itself.
    switch (imm) {
    case atomic_add:
    case atomic_add | atomic_fetch: return __atomic_fetch_add(p, src, __ATOMIC_SEQ_CST);
    case atomic_or:
    case atomic_or | atomic_fetch: return __atomic_fetch_or(p, src, __ATOMIC_SEQ_CST);
    case atomic_and:
    case atomic_and | atomic_fetch: return __atomic_fetch_and(p, src, __ATOMIC_SEQ_CST);
    case atomic_xor:
    case atomic_xor | atomic_fetch: return __atomic_fetch_xor(p, src, __ATOMIC_SEQ_CST);
    case atomic_xchg: return __atomic_exchange_n(p, src, __ATOMIC_SEQ_CST);
    case atomic_cmpxchg: {
        T expected = r0;
        __atomic_compare_exchange_n(p, &expected, src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        r0 = expected;  // the old value, whether or not the exchange happened
        return 0;
    }
    default: return 0;
    }
}

// The same on a misaligned address, where the __atomic builtins would be
// undefined behaviour: a plain read-modify-write. (The checked interpreter
// reports misaligned atomics; a verifier should refuse them, as Linux does.)
template <typename T>
inline T unaligned_atomic_op(std::uint64_t addr, std::int32_t imm, T src, T& r0) noexcept {
    const T old = load<T>(addr);
    T next = old;
    switch (imm & ~atomic_fetch) {
    case atomic_add: next = static_cast<T>(old + src); break;
    case atomic_or: next = old | src; break;
    case atomic_and: next = old & src; break;
    case atomic_xor: next = old ^ src; break;
    case atomic_xchg & ~atomic_fetch: next = src; break;
    case atomic_cmpxchg & ~atomic_fetch:
        if (old == r0) next = src;
        r0 = old;
        break;
    default: break;
    }
    store<T>(addr, next);
    return old;
}

}  // namespace

std::uint64_t interpret(const VerifiedProgram& p, std::span<const HelperFn> helpers, RunContext& rc) noexcept {
    rc.abort_pc = UINT32_MAX;
    if (!p.program.data.empty() && rc.data == nullptr) {
        rc.abort_pc = 0;  // globals but no copy of them from the host: nothing can run
        return 0;
    }
    const Insn* const code = p.program.code.data();
    const std::uint8_t* const flags = p.flags.data();
    const std::size_t flag_count = p.flags.size();
    const std::uint64_t rodata = reinterpret_cast<std::uintptr_t>(p.program.rodata.data());
    const std::uint64_t data = reinterpret_cast<std::uintptr_t>(rc.data);
    assert(flag_count == 0 || flag_count == p.program.code.size());

    // The stack: uninitialised on purpose (see interpreter.hpp). alloca keeps
    // it on the host stack at exactly the size the verifier proved.
    const std::size_t stack_size = std::max<std::size_t>(p.stack_size, 16);
    auto* stack = static_cast<std::uint8_t*>(__builtin_alloca(stack_size));
    // Helpers that follow stored pointers or read strings to their end must
    // find nothing of the host's in a frame (VerifiedProgram::zero_frames).
    if (p.zero_frames) std::memset(stack, 0, stack_size);
    rc.rodata = rodata;
    rc.rodata_size = p.program.rodata.size();
    // Without recursion (refused by the verifier) a chain of calls visits
    // each function once at most.
    const std::size_t max_depth =
        std::min<std::size_t>(p.options.max_call_depth, p.program.function_starts.size()) + 1u;
    auto* frames = static_cast<CallFrame*>(__builtin_alloca(sizeof(CallFrame) * max_depth));
    std::size_t depth = 0;
    std::uint32_t function = 0;

    std::uint64_t r[reg_count] = {};
    r[1] = rc.r1;
    r[2] = rc.r2;
    r[frame_pointer] = reinterpret_cast<std::uintptr_t>(stack) + p.stack_size;

    std::size_t pc = 0;
    std::uint64_t budget = p.options.max_instructions;  // loops bounded at run time (loop_costs)

// Flagged loads and stores check the heap arena; the flag is rare, so the
// branch is predicted away.
#define MEMPOOL_HEAP_CHECK(addr, n)                                                                 \
    do {                                                                                            \
        const std::size_t at = pc - 1;                                                              \
        if (at < flag_count && (flags[at] & (flag_heap_check | flag_heap_address))) [[unlikely]] {  \
            if (!vm::heap_access(rc, flags[at], addr, n)) {                                     \
                rc.abort_pc = static_cast<std::uint32_t>(at);                                       \
                return 0;                                                                           \
            }                                                                                       \
        }                                                                                           \
    } while (0)

#define MEMPOOL_ALU(OP)                                                                                        \
    case cls_alu64 | OP | src_k: r[i.dst()] = detail::alu64(OP, r[i.dst()], imm64(i.imm), i.off == 1); break; \
    case cls_alu64 | OP | src_x: r[i.dst()] = detail::alu64(OP, r[i.dst()], r[i.src()], i.off == 1); break;   \
    case cls_alu | OP | src_k:                                                                                 \
        r[i.dst()] = detail::alu32(OP, static_cast<std::uint32_t>(r[i.dst()]), static_cast<std::uint32_t>(i.imm), \
                                   i.off == 1);                                                                \
        break;                                                                                                 \
    case cls_alu | OP | src_x:                                                                                 \
        r[i.dst()] = detail::alu32(OP, static_cast<std::uint32_t>(r[i.dst()]),                                \
                                   static_cast<std::uint32_t>(r[i.src()]), i.off == 1);                        \
        break;

// A back edge of a loop bounded at run time pays its cost first.
#define MEMPOOL_LOOP_PAY()                                                                          \
    do {                                                                                            \
        const std::size_t at = pc - 1;                                                              \
        if (at < flag_count && (flags[at] & flag_loop_budget)) [[unlikely]] {                       \
            if (!vm::pay_loop(p, static_cast<std::uint32_t>(at), budget)) {                         \
                rc.abort_pc = static_cast<std::uint32_t>(at);                                       \
                return 0;                                                                           \
            }                                                                                       \
        }                                                                                           \
    } while (0)

#define MEMPOOL_JUMP(OP)                                                                                   \
    case cls_jmp | OP | src_k:                                                                             \
        MEMPOOL_LOOP_PAY();                                                                                \
        if (detail::jump64(OP, r[i.dst()], imm64(i.imm))) pc += i.off;                                     \
        break;                                                                                             \
    case cls_jmp | OP | src_x:                                                                             \
        MEMPOOL_LOOP_PAY();                                                                                \
        if (detail::jump64(OP, r[i.dst()], r[i.src()])) pc += i.off;                                       \
        break;                                                                                             \
    case cls_jmp32 | OP | src_k:                                                                           \
        MEMPOOL_LOOP_PAY();                                                                                \
        if (detail::jump32(OP, static_cast<std::uint32_t>(r[i.dst()]), static_cast<std::uint32_t>(i.imm))) \
            pc += i.off;                                                                                   \
        break;                                                                                             \
    case cls_jmp32 | OP | src_x:                                                                           \
        MEMPOOL_LOOP_PAY();                                                                                \
        if (detail::jump32(OP, static_cast<std::uint32_t>(r[i.dst()]), static_cast<std::uint32_t>(r[i.src()]))) \
            pc += i.off;                                                                                   \
        break;

#define MEMPOOL_MEMORY(SIZE, T)                                                       \
    case cls_ldx | mode_mem | SIZE: {                                                 \
        std::uint64_t a = r[i.src()] + imm64(i.off);                            \
        MEMPOOL_HEAP_CHECK(a, sizeof(T));                                             \
        r[i.dst()] = load<T>(a);                                                      \
        break;                                                                        \
    }                                                                                 \
    case cls_st | mode_mem | SIZE: {                                                  \
        std::uint64_t a = r[i.dst()] + imm64(i.off);                            \
        MEMPOOL_HEAP_CHECK(a, sizeof(T));                                             \
        store<T>(a, static_cast<T>(imm64(i.imm)));                                    \
        break;                                                                        \
    }                                                                                 \
    case cls_stx | mode_mem | SIZE: {                                                 \
        std::uint64_t a = r[i.dst()] + imm64(i.off);                            \
        MEMPOOL_HEAP_CHECK(a, sizeof(T));                                             \
        store<T>(a, static_cast<T>(r[i.src()]));                                      \
        break;                                                                        \
    }

#define MEMPOOL_LOAD_SX(SIZE, T)                                                      \
    case cls_ldx | mode_memsx | SIZE: {                                               \
        std::uint64_t a = r[i.src()] + imm64(i.off);                            \
        MEMPOOL_HEAP_CHECK(a, sizeof(T));                                             \
        r[i.dst()] = detail::sign_extend(load<T>(a), 8 * sizeof(T));                  \
        break;                                                                        \
    }

    for (;;) {
        const Insn i = code[pc++];
        switch (i.code) {
            MEMPOOL_ALU(alu_add)
            MEMPOOL_ALU(alu_sub)
            MEMPOOL_ALU(alu_mul)
            MEMPOOL_ALU(alu_div)
            MEMPOOL_ALU(alu_or)
            MEMPOOL_ALU(alu_and)
            MEMPOOL_ALU(alu_lsh)
            MEMPOOL_ALU(alu_rsh)
            MEMPOOL_ALU(alu_mod)
            MEMPOOL_ALU(alu_xor)
            MEMPOOL_ALU(alu_arsh)

        case cls_alu64 | alu_mov | src_k: r[i.dst()] = imm64(i.imm); break;
        case cls_alu64 | alu_mov | src_x:
            r[i.dst()] = i.off == 0 ? r[i.src()] : detail::sign_extend(r[i.src()], i.off);
            break;
        case cls_alu | alu_mov | src_k: r[i.dst()] = static_cast<std::uint32_t>(i.imm); break;
        case cls_alu | alu_mov | src_x:
            r[i.dst()] = static_cast<std::uint32_t>(i.off == 0 ? r[i.src()] : detail::sign_extend(r[i.src()], i.off));
            break;
        case cls_alu64 | alu_neg: r[i.dst()] = std::uint64_t{0} - r[i.dst()]; break;
        case cls_alu | alu_neg: r[i.dst()] = 0u - static_cast<std::uint32_t>(r[i.dst()]); break;
        case cls_alu | alu_end | src_k: r[i.dst()] = detail::endian(r[i.dst()], i.imm, false); break;  // le
        case cls_alu | alu_end | src_x: r[i.dst()] = detail::endian(r[i.dst()], i.imm, true); break;   // be
        case cls_alu64 | alu_end | src_k: r[i.dst()] = detail::endian(r[i.dst()], i.imm, true); break; // bswap

            MEMPOOL_JUMP(jmp_jeq)
            MEMPOOL_JUMP(jmp_jgt)
            MEMPOOL_JUMP(jmp_jge)
            MEMPOOL_JUMP(jmp_jset)
            MEMPOOL_JUMP(jmp_jne)
            MEMPOOL_JUMP(jmp_jsgt)
            MEMPOOL_JUMP(jmp_jsge)
            MEMPOOL_JUMP(jmp_jlt)
            MEMPOOL_JUMP(jmp_jle)
            MEMPOOL_JUMP(jmp_jslt)
            MEMPOOL_JUMP(jmp_jsle)

        case cls_jmp | jmp_ja:
            MEMPOOL_LOOP_PAY();
            pc += i.off;
            break;
        case cls_jmp32 | jmp_ja:  // gotol
            MEMPOOL_LOOP_PAY();
            pc += i.imm;
            break;

        case op_call:
            if (i.src() == pseudo_call) {
                assert(depth + 1 < max_depth);
                CallFrame& f = frames[depth++];
                f.saved[0] = r[6];
                f.saved[1] = r[7];
                f.saved[2] = r[8];
                f.saved[3] = r[9];
                f.r10 = r[frame_pointer];
                f.return_pc = static_cast<std::uint32_t>(pc);
                f.function = function;
                r[frame_pointer] -= p.frame_size[function];
                pc += i.imm;
                const auto& starts = p.program.function_starts;
                function = static_cast<std::uint32_t>(
                    std::upper_bound(starts.begin(), starts.end(), static_cast<std::uint32_t>(pc)) - starts.begin() - 1);
                if (p.zero_frames) {
                    // An earlier callee's bytes (spilled pointers too) must read as 0 here.
                    const std::uint32_t size = p.frame_size[function];
                    std::memset(reinterpret_cast<void*>(static_cast<std::uintptr_t>(r[frame_pointer] - size)), 0, size);
                }
            } else {
                assert(static_cast<std::size_t>(i.imm) < helpers.size());
                const std::size_t at = pc - 1;
                if (at < flag_count && (flags[at] & (flag_helper_check | flag_frame_bounds))) [[unlikely]] {
                    rc.frame_lo = r[frame_pointer] - p.frame_size[function];
                    rc.frame_hi = r[frame_pointer];
                    const auto& checks = p.helper_checks;
                    auto it = std::lower_bound(checks.begin(), checks.end(), static_cast<std::uint32_t>(at),
                                               [](const HelperCheck& c, std::uint32_t v) { return c.pc < v; });
                    for (; it != checks.end() && it->pc == at; ++it) {
                        if (!vm::helper_check(rc, *it, r)) {
                            rc.abort_pc = static_cast<std::uint32_t>(at);
                            return 0;
                        }
                    }
                }
                r[0] = helpers[static_cast<std::size_t>(i.imm)](r[1], r[2], r[3], r[4], r[5]);
            }
            break;

        case op_exit:
            if (depth == 0) return r[0];
            {
                const CallFrame& f = frames[--depth];
                r[6] = f.saved[0];
                r[7] = f.saved[1];
                r[8] = f.saved[2];
                r[9] = f.saved[3];
                r[frame_pointer] = f.r10;
                pc = f.return_pc;
                function = f.function;
            }
            break;

        case op_lddw: {
            const std::uint64_t value =
                static_cast<std::uint32_t>(i.imm) | (std::uint64_t{static_cast<std::uint32_t>(code[pc].imm)} << 32);
            r[i.dst()] = i.src() == pseudo_rodata ? rodata + value : i.src() == pseudo_data ? data + value : value;
            ++pc;
            break;
        }

            MEMPOOL_MEMORY(size_b, std::uint8_t)
            MEMPOOL_MEMORY(size_h, std::uint16_t)
            MEMPOOL_MEMORY(size_w, std::uint32_t)
            MEMPOOL_MEMORY(size_dw, std::uint64_t)
            MEMPOOL_LOAD_SX(size_b, std::uint8_t)
            MEMPOOL_LOAD_SX(size_h, std::uint16_t)
            MEMPOOL_LOAD_SX(size_w, std::uint32_t)

        case cls_stx | mode_atomic | size_w: {
            std::uint64_t a = r[i.dst()] + imm64(i.off);
            MEMPOOL_HEAP_CHECK(a, 4);
            std::uint32_t r0 = static_cast<std::uint32_t>(r[0]);
            const auto src = static_cast<std::uint32_t>(r[i.src()]);
            const std::uint32_t old =
                a % 4 == 0 ? atomic_op<std::uint32_t>(reinterpret_cast<std::uint32_t*>(static_cast<std::uintptr_t>(a)),
                                                      i.imm, src, r0)
                           : unaligned_atomic_op<std::uint32_t>(a, i.imm, src, r0);
            if (i.imm == atomic_cmpxchg) r[0] = r0;
            else if (i.imm & atomic_fetch) r[i.src()] = old;
            break;
        }
        case cls_stx | mode_atomic | size_dw: {
            std::uint64_t a = r[i.dst()] + imm64(i.off);
            MEMPOOL_HEAP_CHECK(a, 8);
            std::uint64_t r0 = r[0];
            const std::uint64_t old =
                a % 8 == 0 ? atomic_op<std::uint64_t>(reinterpret_cast<std::uint64_t*>(static_cast<std::uintptr_t>(a)),
                                                      i.imm, r[i.src()], r0)
                           : unaligned_atomic_op<std::uint64_t>(a, i.imm, r[i.src()], r0);
            if (i.imm == atomic_cmpxchg) r[0] = r0;
            else if (i.imm & atomic_fetch) r[i.src()] = old;
            break;
        }

        default:
            // Unreachable for a verified program; stop rather than guess.
            rc.abort_pc = static_cast<std::uint32_t>(pc - 1);
            return 0;
        }
    }
#undef MEMPOOL_HEAP_CHECK
#undef MEMPOOL_ALU
#undef MEMPOOL_JUMP
#undef MEMPOOL_LOOP_PAY
#undef MEMPOOL_MEMORY
#undef MEMPOOL_LOAD_SX
}

}  // namespace mempool::vm
