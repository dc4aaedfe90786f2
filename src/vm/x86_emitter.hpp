// x86_emitter.hpp: the few x86-64 instructions the JIT needs, encoded by hand.
//
// One function per instruction form, each writing its exact bytes (REX
// prefix, opcode, ModRM, SIB, displacement, immediate) into a growing
// buffer. Nothing here knows about eBPF: jit_x86_64.cpp chooses the
// instructions. The encoder is written so that an operand can never spill
// into the next instruction: every immediate is taken with the width the
// opcode reads (a shift count is a uint8_t, an imm32 an int32_t), which is
// the class of bug librte_bpf's JIT had (a 4-byte immediate after an opcode
// that reads one).
//
//   Emitter e;
//   e.alu_rr(Alu::add, Width::w64, Reg::rax, Reg::rdi);  // add rax, rdi
//   e.shift_ri(Shift::shl, Width::w32, Reg::rcx, 5);     // shl ecx, 5
//   e.ret();
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace mempool::detail::x86 {

enum class Reg : std::uint8_t { rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 };
enum class Width : std::uint8_t { w32, w64 };
// Condition codes, the low nibble of Jcc.
enum class Cond : std::uint8_t { o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g };
// Two-operand ALU forms: the opcode of "op r/m, reg" and the /digit of "op r/m, imm".
enum class Alu : std::uint8_t { add, or_, and_, sub, xor_, cmp, mov, test };
enum class Shift : std::uint8_t { rol = 0, shl = 4, shr = 5, sar = 7 };

struct Mem {
    Reg base;
    std::int32_t disp = 0;
};

[[nodiscard]] constexpr unsigned code(Reg r) noexcept { return static_cast<unsigned>(r); }

class Emitter {
public:
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return buf_.data(); }
    void reserve(std::size_t n) {
        if (n > buf_.size()) buf_.resize(n);
    }
    // Drops the bytes from `n` on (n <= size()): a translation that failed
    // or is redone.
    void truncate(std::size_t n) noexcept { size_ = n; }

    // The hot path is one store and one compare; the buffer doubles when full.
    [[gnu::always_inline]] void byte(std::uint8_t b) {
        if (size_ == buf_.size()) [[unlikely]] grow(1);
        buf_[size_++] = b;
    }
    void u16(std::uint16_t v) { put(&v, 2); }
    void u32(std::uint32_t v) { put(&v, 4); }
    // Inline: out of line (-Os), it was the one emitter function a native
    // run calls and callgrind's runs do not (a host address needs 8 bytes
    // natively, 4 under valgrind), so tools/link_order.py never placed it.
    [[gnu::always_inline]] void u64(std::uint64_t v) { put(&v, 8); }

    // ---- register-register and register-immediate arithmetic --------------

    void alu_rr(Alu op, Width w, Reg dst, Reg src) {
        static constexpr std::uint8_t opcode[] = {0x01, 0x09, 0x21, 0x29, 0x31, 0x39, 0x89, 0x85};
        rex(w, src, dst);
        byte(opcode[static_cast<unsigned>(op)]);
        modrm_rr(code(src), dst);
    }
    void mov_rr(Width w, Reg dst, Reg src) { alu_rr(Alu::mov, w, dst, src); }

    // op dst, imm (imm sign-extended to 64 bits in w64). Not for mov/test.
    void alu_ri(Alu op, Width w, Reg dst, std::int32_t imm) {
        static constexpr std::uint8_t digit[] = {0, 1, 4, 5, 6, 7};
        rex(w, 0, dst);
        if (imm >= -128 && imm <= 127) {
            byte(0x83);
            modrm_rr(digit[static_cast<unsigned>(op)], dst);
            byte(static_cast<std::uint8_t>(imm));
        } else {
            byte(0x81);
            modrm_rr(digit[static_cast<unsigned>(op)], dst);
            u32(static_cast<std::uint32_t>(imm));
        }
    }
    // test dst, imm32 (sign-extended in w64): the full 32-bit immediate, always.
    void test_ri(Width w, Reg dst, std::int32_t imm) {
        rex(w, 0, dst);
        byte(0xf7);
        modrm_rr(0, dst);
        u32(static_cast<std::uint32_t>(imm));
    }
    // dst = imm, zero-extended (mov r32, imm32).
    void mov_ri32(Reg dst, std::uint32_t imm) {
        if (imm == 0) {
            alu_rr(Alu::xor_, Width::w32, dst, dst);
            return;
        }
        rex(Width::w32, 0, dst);
        byte(static_cast<std::uint8_t>(0xb8 + (code(dst) & 7)));
        u32(imm);
    }
    // dst = imm, the shortest form that gives exactly these 64 bits.
    void mov_ri64(Reg dst, std::uint64_t imm) {
        if (imm <= 0xffffffffu) {
            mov_ri32(dst, static_cast<std::uint32_t>(imm));
        } else if (static_cast<std::int64_t>(imm) >= INT32_MIN && static_cast<std::int64_t>(imm) < 0) {
            rex(Width::w64, 0, dst);  // mov r/m64, imm32 (sign-extended)
            byte(0xc7);
            modrm_rr(0, dst);
            u32(static_cast<std::uint32_t>(imm));
        } else {
            rex(Width::w64, 0, dst);  // movabs
            byte(static_cast<std::uint8_t>(0xb8 + (code(dst) & 7)));
            u64(imm);
        }
    }

    void imul_rr(Width w, Reg dst, Reg src) {
        rex(w, dst, src);
        byte(0x0f);
        byte(0xaf);
        modrm_rr(code(dst), src);
    }
    void imul_rri(Width w, Reg dst, Reg src, std::int32_t imm) {
        rex(w, dst, src);
        byte(0x69);
        modrm_rr(code(dst), src);
        u32(static_cast<std::uint32_t>(imm));
    }
    // F7 /digit: not 2, neg 3, div 6, idiv 7.
    void neg(Width w, Reg r) { group3(w, 3, r); }
    void div(Width w, Reg r) { group3(w, 6, r); }
    void idiv(Width w, Reg r) { group3(w, 7, r); }
    // Sign-extend rax (w64: cqo) or eax (w32: cdq) into rdx/edx.
    void sign_extend_rax(Width w) {
        if (w == Width::w64) byte(0x48);
        byte(0x99);
    }

    void shift_cl(Shift s, Width w, Reg r) {
        rex(w, 0, r);
        byte(0xd3);
        modrm_rr(static_cast<unsigned>(s), r);
    }
    // The count is one byte, as the opcode reads it; callers mask it first.
    void shift_ri(Shift s, Width w, Reg r, std::uint8_t count) {
        rex(w, 0, r);
        byte(0xc1);
        modrm_rr(static_cast<unsigned>(s), r);
        byte(count);
    }
    // rol r16, 8: swaps the two low bytes, leaves bits 16-63 alone.
    void rol16_8(Reg r) {
        byte(0x66);
        rex(Width::w32, 0, r);
        byte(0xc1);
        modrm_rr(0, r);
        byte(8);
    }
    void bswap(Width w, Reg r) {
        rex(w, 0, r);
        byte(0x0f);
        byte(static_cast<std::uint8_t>(0xc8 + (code(r) & 7)));
    }

    // Extensions register to register: bytes 1 or 2 into 32 bits (zero), or
    // 1, 2, 4 into 32 (w32) or 64 (w64) bits (sign).
    void movzx_rr(unsigned bytes, Reg dst, Reg src) {
        rex(Width::w32, dst, src, bytes == 1 && code(src) >= 4);
        byte(0x0f);
        byte(bytes == 1 ? 0xb6 : 0xb7);
        modrm_rr(code(dst), src);
    }
    void movsx_rr(Width w, unsigned bytes, Reg dst, Reg src) {
        rex(w, dst, src, bytes == 1 && code(src) >= 4);
        if (bytes == 4) {
            byte(0x63);
        } else {
            byte(0x0f);
            byte(bytes == 1 ? 0xbe : 0xbf);
        }
        modrm_rr(code(dst), src);
    }

    // ---- memory ------------------------------------------------------------

    // dst = zero-extended 1, 2, 4 or 8 bytes at m.
    void load(unsigned bytes, Reg dst, Mem m) {
        switch (bytes) {
        case 1: rex_m(Width::w32, dst, m); byte(0x0f); byte(0xb6); break;
        case 2: rex_m(Width::w32, dst, m); byte(0x0f); byte(0xb7); break;
        case 4: rex_m(Width::w32, dst, m); byte(0x8b); break;
        default: rex_m(Width::w64, dst, m); byte(0x8b); break;
        }
        modrm_m(code(dst), m);
    }
    // dst = sign-extended 1, 2 or 4 bytes at m (to 64 bits).
    void load_sx(unsigned bytes, Reg dst, Mem m) {
        rex_m(Width::w64, dst, m);
        if (bytes == 4) {
            byte(0x63);
        } else {
            byte(0x0f);
            byte(bytes == 1 ? 0xbe : 0xbf);
        }
        modrm_m(code(dst), m);
    }
    void store(unsigned bytes, Mem m, Reg src) {
        if (bytes == 2) byte(0x66);
        rex_m(bytes == 8 ? Width::w64 : Width::w32, src, m, bytes == 1 && code(src) >= 4);
        byte(bytes == 1 ? 0x88 : 0x89);
        modrm_m(code(src), m);
    }
    // Store an immediate of exactly `bytes` bytes (8: imm32 sign-extended).
    void store_imm(unsigned bytes, Mem m, std::int32_t imm) {
        if (bytes == 2) byte(0x66);
        rex_m(bytes == 8 ? Width::w64 : Width::w32, Reg::rax, m);
        byte(bytes == 1 ? 0xc6 : 0xc7);
        modrm_m(0, m);
        switch (bytes) {
        case 1: byte(static_cast<std::uint8_t>(imm)); break;
        case 2: u16(static_cast<std::uint16_t>(imm)); break;
        default: u32(static_cast<std::uint32_t>(imm)); break;
        }
    }
    void lea(Reg dst, Mem m) {
        rex_m(Width::w64, dst, m);
        byte(0x8d);
        modrm_m(code(dst), m);
    }
    // cmp reg, [m] (64 bits).
    void cmp_rm(Reg r, Mem m) {
        rex_m(Width::w64, r, m);
        byte(0x3b);
        modrm_m(code(r), m);
    }
    // sub reg, [m] (64 bits).
    void sub_rm(Reg r, Mem m) {
        rex_m(Width::w64, r, m);
        byte(0x2b);
        modrm_m(code(r), m);
    }

    // lock add/or/and/xor [m], src (4 or 8 bytes).
    void lock_alu(Alu op, Width w, Mem m, Reg src) {
        static constexpr std::uint8_t opcode[] = {0x01, 0x09, 0x21, 0x29, 0x31};
        byte(0xf0);
        rex_m(w, src, m);
        byte(opcode[static_cast<unsigned>(op)]);
        modrm_m(code(src), m);
    }
    void lock_xadd(Width w, Mem m, Reg src) {
        byte(0xf0);
        rex_m(w, src, m);
        byte(0x0f);
        byte(0xc1);
        modrm_m(code(src), m);
    }
    // xchg [m], src: locked by the processor whatever the prefix.
    void xchg(Width w, Mem m, Reg src) {
        rex_m(w, src, m);
        byte(0x87);
        modrm_m(code(src), m);
    }
    // lock cmpxchg [m], src: compares with rax/eax.
    void lock_cmpxchg(Width w, Mem m, Reg src) {
        byte(0xf0);
        rex_m(w, src, m);
        byte(0x0f);
        byte(0xb1);
        modrm_m(code(src), m);
    }

    // ---- control -----------------------------------------------------------

    void push(Reg r) {
        if (code(r) >= 8) byte(0x41);
        byte(static_cast<std::uint8_t>(0x50 + (code(r) & 7)));
    }
    void pop(Reg r) {
        if (code(r) >= 8) byte(0x41);
        byte(static_cast<std::uint8_t>(0x58 + (code(r) & 7)));
    }
    void ret() { byte(0xc3); }
    void call_r(Reg r) {
        if (code(r) >= 8) byte(0x41);
        byte(0xff);
        modrm_rr(2, r);
    }
    // Jumps and calls with a displacement filled in later: each returns the
    // offset of its displacement field; the displacement is relative to the
    // end of the instruction, which is that offset + 4 (or + 1).
    std::size_t jmp32() { byte(0xe9); return hole32(); }
    std::size_t jcc32(Cond c) { byte(0x0f); byte(static_cast<std::uint8_t>(0x80 + static_cast<unsigned>(c))); return hole32(); }
    std::size_t call32() { byte(0xe8); return hole32(); }
    std::size_t jmp8() { byte(0xeb); byte(0); return size() - 1; }
    std::size_t jcc8(Cond c) { byte(static_cast<std::uint8_t>(0x70 + static_cast<unsigned>(c))); byte(0); return size() - 1; }
    // Point the displacement at `hole` to byte offset `target`.
    void patch32(std::size_t hole, std::size_t target) {
        const auto rel = static_cast<std::int32_t>(static_cast<std::int64_t>(target) - static_cast<std::int64_t>(hole + 4));
        std::memcpy(&buf_[hole], &rel, 4);
    }
    // Returns false if the distance does not fit in a byte.
    [[nodiscard]] bool patch8(std::size_t hole, std::size_t target) {
        const std::int64_t rel = static_cast<std::int64_t>(target) - static_cast<std::int64_t>(hole + 1);
        if (rel < -128 || rel > 127) return false;
        buf_[hole] = static_cast<std::uint8_t>(static_cast<std::int8_t>(rel));
        return true;
    }
    // Ends a short forward jump here (the distances inside one eBPF
    // instruction's sequence are a few bytes; checked in debug builds).
    void bind8(std::size_t hole) {
        [[maybe_unused]] const bool ok = patch8(hole, size());
#ifndef NDEBUG
        if (!ok) __builtin_trap();
#endif
    }

private:
    [[gnu::noinline]] void grow(std::size_t n) { buf_.resize((size_ + n) * 2 + 64); }
    [[gnu::always_inline]] void put(const void* p, std::size_t n) {
        if (size_ + n > buf_.size()) [[unlikely]] grow(n);
        std::memcpy(&buf_[size_], p, n);
        size_ += n;
    }
    std::size_t hole32() {
        const std::size_t at = size();
        u32(0);
        return at;
    }
    // REX for a register-register form: `reg` in ModRM.reg, `rm` in ModRM.rm.
    // `force`: a byte register among spl, bpl, sil, dil needs a REX prefix.
    void rex(Width w, Reg reg, Reg rm, bool force = false) { rex(w, code(reg), rm, force); }
    void rex(Width w, unsigned reg, Reg rm, bool force = false) {
        const unsigned bits = (w == Width::w64 ? 8u : 0u) | ((reg & 8u) >> 1) | ((code(rm) & 8u) >> 3);
        if (bits != 0 || force) byte(static_cast<std::uint8_t>(0x40 | bits));
    }
    void rex_m(Width w, Reg reg, Mem m, bool force = false) { rex(w, code(reg), m.base, force); }
    void modrm_rr(unsigned reg, Reg rm) { byte(static_cast<std::uint8_t>(0xc0 | ((reg & 7) << 3) | (code(rm) & 7))); }
    // [base + disp]: rsp and r12 as a base need a SIB byte; rbp and r13 with
    // mod 00 would mean rip-relative, so they always carry a displacement.
    void modrm_m(unsigned reg, Mem m) {
        const unsigned base = code(m.base) & 7;
        unsigned mod;
        if (m.disp == 0 && base != 5) {
            mod = 0;
        } else if (m.disp >= -128 && m.disp <= 127) {
            mod = 1;
        } else {
            mod = 2;
        }
        byte(static_cast<std::uint8_t>((mod << 6) | ((reg & 7) << 3) | base));
        if (base == 4) byte(0x24);  // SIB: no index, base = rsp/r12
        if (mod == 1) byte(static_cast<std::uint8_t>(static_cast<std::int8_t>(m.disp)));
        if (mod == 2) u32(static_cast<std::uint32_t>(m.disp));
    }
    void group3(Width w, unsigned digit, Reg r) {
        rex(w, 0, r);
        byte(0xf7);
        modrm_rr(digit, r);
    }

    std::vector<std::uint8_t> buf_;  // bytes [0, size_) are the code
    std::size_t size_ = 0;
};

}  // namespace mempool::detail::x86
