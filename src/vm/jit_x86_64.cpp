// jit_x86_64.cpp: eBPF -> x86-64, one instruction at a time.
//
// Frame layout. The entry function saves the callee-saved registers the
// program uses (rbx, r13-r15 for R6-R9, rbp for R10, r12 when there is run
// data), then reserves the run data (only with heap checks, heap addresses,
// helper checks or writable globals) and its eBPF frame, keeping rsp
// 16-byte aligned:
//
//   [r12 + 40]  the loop budget left (loops bounded at run time)
//   [r12 + 32]  rc->shared_size
//   [r12 + 24]  rc->shared
//   [r12 + 16]  RunContext*
//   [r12 +  8]  rc->heap_size
//   [r12 +  0]  rc->heap               <- R10 of the entry function
//   [R10 - frame_size[0], R10)          the entry function's eBPF frame
//
// A local function saves rbp, rbx, r13-r15 (the registers R6-R10 live in),
// sets rbp to its own frame top and reserves frame_size[f] bytes. The stack
// is 16-byte aligned at every call. A failed heap check jumps to a stub that
// stores the pc in rc->abort_pc and returns 0 through the entry epilogue
// after `lea rsp, [r12 + 48 + padding]`, whatever the depth of local calls.
//
// xBGP programs (docs/verifier.md): an access through a heap address
// (flag_heap_address) is translated into the arena inline; a helper call
// with HelperChecks calls jit_before_call() with R1-R5 spilled below rsp
// (the checks are copied after the read-only data); with zero_frames every
// function clears its frame in its prologue; a back edge of a loop bounded
// at run time (flag_loop_budget) subtracts its cost from [r12 + 40] first.
//
// Jumps: a first pass emits every jump near and records where each eBPF
// instruction starts; that is the code unless JitOptions::short_jumps, when a
// second pass makes a jump short where the first distance fits in a byte
// (distances only shrink in the second pass, so the choice is always safe).
// Displacements are patched at the end of a pass, the rodata address once
// the pages are mapped.
#include "jit_x86_64.hpp"

#include "x86_emitter.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace mempool::vm {

struct JitCodeAccess {
    static JitCode make(std::shared_ptr<const ExecutableMemory> memory, const std::uint8_t* code, std::size_t size) {
        return JitCode(std::move(memory), code, size);
    }
};

namespace {

using detail::x86::Alu;
using detail::x86::Cond;
using detail::x86::Emitter;
using detail::x86::Mem;
using detail::x86::Reg;
using detail::x86::Shift;
using detail::x86::Width;

constexpr Reg reg_map[isa::reg_count] = {Reg::rax, Reg::rdi, Reg::rsi, Reg::rdx, Reg::rcx, Reg::r8,
                                         Reg::rbx, Reg::r13, Reg::r14, Reg::r15, Reg::rbp};
constexpr Reg run_data = Reg::r12;
constexpr Reg scratch0 = Reg::r9, scratch1 = Reg::r10, scratch2 = Reg::r11;
constexpr std::int32_t run_heap = 0, run_heap_size = 8, run_context = 16, run_shared = 24, run_shared_size = 32,
                       run_budget = 40, run_data_bytes = 48;

// Before a flagged helper call: `count` HelperChecks of this call on the
// spilled registers (regs[k] = Rk). 0 stops the run.
std::uint64_t jit_before_call(RunContext* rc, std::uint64_t* regs, const HelperCheck* checks,
                              std::uint64_t count) noexcept {
    for (std::uint64_t k = 0; k < count; ++k) {
        if (!helper_check(*rc, checks[k], regs)) return 0;
    }
    return 1;
}

constexpr Cond jump_cond(std::uint8_t op) noexcept {
    switch (op) {
    case isa::jmp_jeq: return Cond::e;
    case isa::jmp_jgt: return Cond::a;
    case isa::jmp_jge: return Cond::ae;
    case isa::jmp_jset: return Cond::ne;
    case isa::jmp_jne: return Cond::ne;
    case isa::jmp_jsgt: return Cond::g;
    case isa::jmp_jsge: return Cond::ge;
    case isa::jmp_jlt: return Cond::b;
    case isa::jmp_jle: return Cond::be;
    case isa::jmp_jslt: return Cond::l;
    default: return Cond::le;  // jmp_jsle
    }
}

// Where the HelperCheck table starts after the read-only data.
std::size_t checks_offset(const VerifiedProgram& p) noexcept {
    return (p.program.rodata.size() + 7) & ~std::size_t{7};
}

constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

struct Fixup {
    std::size_t hole;
    std::size_t label;  // < code size: a pc; otherwise extra_labels[label - n]
    bool short_form;
};

struct Stub {
    std::size_t label;
    std::uint32_t pc;
};

// What the passes of one batch share: the code of every program, one after
// the other in one buffer, and a pass's working lists, which each pass
// starts afresh. Shared, they grow a few times per batch; a set per program
// was most of the JIT's allocations.
struct Workspace {
    Emitter e;
    std::vector<std::size_t> rodata_fixups;  // every program's, offsets in e: 8-byte immediates the rodata address is added to
    std::vector<std::uint32_t> offsets;      // the current pass's: pc -> offset in e
    std::vector<std::size_t> labels;         // pc -> offset in e, npos: an LDDW's second slot
    std::vector<std::size_t> extra_labels;   // function f's prologue at [f], then the stubs' and checks'
    std::vector<Fixup> fixups;
    std::vector<Stub> stubs;
};

// One pass over one program: its code appended to the workspace's buffer.
// Offsets and labels are positions in that buffer; the jumps between them
// are relative, so the bytes do not depend on where the program starts.
class Compiler {
public:
    Compiler(const VerifiedProgram& p, std::span<const HelperFn> helpers, Workspace& w)
        : p_(p), code_(p.program.code), helpers_(helpers), rodata_fixups_(w.rodata_fixups), e_(w.e),
          offsets_(w.offsets), labels_(w.labels), extra_labels_(w.extra_labels), fixups_(w.fixups), stubs_(w.stubs) {}

    // Translates the whole program. `previous`: instruction offsets of an
    // earlier pass, used to choose short jumps; empty for all-near. On
    // failure the caller drops what was appended.
    [[nodiscard]] bool emit(const std::vector<std::uint32_t>& previous) {
        previous_ = &previous;
        const std::size_t n = code_.size();
        offsets_.assign(n + 1, 0);
        labels_.assign(n, npos);
        fixups_.clear();
        stubs_.clear();
        extra_labels_.clear();
        // The first labels are the functions' prologues: function f's is n + f.
        extra_labels_.reserve(starts().size() + 8);
        extra_labels_.assign(starts().size(), npos);
        e_.reserve(e_.size() + n * 8 + 128);
        // Which flags any instruction has: one OR over the bytes, which the
        // compiler vectorises (a test and a branch per flag per pc did not).
        std::uint8_t any_flags = 0;
        for (std::size_t pc = 0, end = std::min(n, p_.flags.size()); pc < end; ++pc) any_flags |= p_.flags[pc];
        heap_checks_ = (any_flags & (flag_heap_check | flag_heap_address | flag_helper_check | flag_frame_bounds |
                                     flag_loop_budget)) != 0;
        frame_bounds_ = (any_flags & flag_frame_bounds) != 0;
        // One pass for the jumps, globals and the registers named (any
        // mention counts: plan_entry), instead of one pass each.
        std::size_t jumps = 0;
        unsigned named = 0;  // bit r: some instruction names register r
        for (std::size_t pc = 0; pc < n; ++pc) {
            const Insn& i = code_[pc];
            if (isa::is_lddw(i) && i.src() == isa::pseudo_data) heap_checks_ = true;
            const std::uint8_t cls = isa::cls(i.code);
            jumps += cls == isa::cls_jmp || cls == isa::cls_jmp32;
            named |= (1u << i.dst()) | (1u << i.src());
        }
        fixups_.reserve(jumps + 8);  // one per jump, a few for the entry and the checks: grown rarely
        plan_entry(named);

        // f: the function holding pc; next_start: where the one after it
        // begins (the function is looked up only when pc reaches it).
        std::size_t f = 0, next_start = 0;
        for (std::size_t pc = 0; pc < n; ++pc) {
            if (pc >= next_start) {
                while (f + 1 < starts().size() && starts()[f + 1] <= pc) ++f;
                next_start = f + 1 < starts().size() ? starts()[f + 1] : n;
                if (starts()[f] == pc) {
                    extra_labels_[f] = e_.size();  // calls land on the prologue
                    prologue(f);
                }
            }
            offsets_[pc] = static_cast<std::uint32_t>(e_.size());
            labels_[pc] = e_.size();
            if (!instruction(pc, f)) return false;
            if (isa::is_lddw(code_[pc])) {
                ++pc;  // the second slot
                offsets_[pc] = static_cast<std::uint32_t>(e_.size());  // no label: nothing may jump here
            }
        }
        offsets_[n] = static_cast<std::uint32_t>(e_.size());
        abort_stubs();
        for (const Fixup& x : fixups_) {
            const std::size_t target = x.label < n ? labels_[x.label] : extra_labels_[x.label - n];
            if (target == npos) return fail(0, "jump to the middle of an instruction");
            if (x.short_form) {
                if (!e_.patch8(x.hole, target)) return fail(0, "internal: short jump out of range");
            } else {
                e_.patch32(x.hole, target);
            }
        }
        return true;
    }

    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    [[nodiscard]] const std::vector<std::uint32_t>& starts() const noexcept { return p_.program.function_starts; }
    [[nodiscard]] std::int32_t frame(std::size_t f) const noexcept {
        return static_cast<std::int32_t>((p_.frame_size[f] + 15u) & ~15u);
    }

    bool fail(std::size_t pc, const std::string& what) {
        error_ = "pc " + std::to_string(pc) + ": " + what;
        return false;
    }

    // What the entry function must save and set up, from the registers the
    // program names (a cheap scan, not an analysis: any mention counts).
    void plan_entry(unsigned named_mask) {
        const auto named = [named_mask](unsigned r) { return (named_mask >> r & 1u) != 0; };
        saved_count_ = 0;
        if (named(isa::frame_pointer)) saved_[saved_count_++] = Reg::rbp;
        for (unsigned r = 6; r <= 9; ++r) {
            if (named(r)) saved_[saved_count_++] = reg_map[r];
        }
        if (heap_checks_) saved_[saved_count_++] = run_data;
        load_r1_ = named(1);
        load_r2_ = named(2);
        // R6-R9 start at 0, as in the interpreters (the verifier relies on
        // it): never the host's values of these registers.
        zeroed_count_ = 0;
        for (unsigned r = 6; r <= 9; ++r)
            if (named(r)) zeroed_[zeroed_count_++] = reg_map[r];
        set_r10_ = named(isa::frame_pointer);
        // At entry rsp = 8 (mod 16); pushes, run data and padding bring it to 0.
        const std::int32_t run = heap_checks_ ? run_data_bytes : 0;
        const auto pushed = static_cast<std::int32_t>(8 * saved_count_);
        entry_below_pushes_ = run + ((8 + pushed + run) % 16 == 0 ? 0 : 8);
    }

    void prologue(std::size_t f) {
        if (f == 0) {
            for (std::size_t k = 0; k < saved_count_; ++k) e_.push(saved_[k]);
            if (entry_below_pushes_ != 0) e_.alu_ri(Alu::sub, Width::w64, Reg::rsp, entry_below_pushes_);
            if (heap_checks_) {
                e_.mov_rr(Width::w64, run_data, Reg::rsp);
                e_.load(8, scratch2, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, heap))});
                e_.store(8, {run_data, run_heap}, scratch2);
                e_.load(8, scratch2, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, heap_size))});
                e_.store(8, {run_data, run_heap_size}, scratch2);
                e_.store(8, {run_data, run_context}, Reg::rdi);
                e_.load(8, scratch2, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, shared))});
                e_.store(8, {run_data, run_shared}, scratch2);
                e_.load(8, scratch2, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, shared_size))});
                e_.store(8, {run_data, run_shared_size}, scratch2);
                e_.mov_ri64(scratch2, p_.options.max_instructions);
                e_.store(8, {run_data, run_budget}, scratch2);
                if (!p_.program.data.empty()) {
                    // Globals but no copy of them from the host: stop at once.
                    const std::size_t stub = new_label();
                    stubs_.push_back({stub, 0});
                    e_.load(8, scratch2, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, data))});
                    e_.alu_rr(Alu::test, Width::w64, scratch2, scratch2);
                    fixups_.push_back({e_.jcc32(Cond::e), stub, false});
                }
            }
            if (frame_bounds_) {
                // The read-only data as this code holds it, for helpers that
                // check pointers stored by the plugin.
                movabs_rodata(scratch2, 0);
                e_.store(8, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, rodata))}, scratch2);
                e_.mov_ri64(scratch2, p_.program.rodata.size());
                e_.store(8, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, rodata_size))}, scratch2);
            }
            // A run starts unaborted, as in the interpreter.
            e_.store_imm(4, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, abort_pc))}, -1);
            if (set_r10_) e_.mov_rr(Width::w64, Reg::rbp, Reg::rsp);
            if (frame(0) != 0) e_.alu_ri(Alu::sub, Width::w64, Reg::rsp, frame(0));
            zero_frame(0);
            if (load_r2_) e_.load(8, Reg::rsi, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, r2))});
            if (load_r1_) e_.load(8, Reg::rdi, {Reg::rdi, static_cast<std::int32_t>(offsetof(RunContext, r1))});
            for (std::size_t k = 0; k < zeroed_count_; ++k) e_.alu_rr(Alu::xor_, Width::w32, zeroed_[k], zeroed_[k]);
        } else {
            for (Reg r : {Reg::rbp, Reg::rbx, Reg::r13, Reg::r14, Reg::r15}) e_.push(r);
            e_.mov_rr(Width::w64, Reg::rbp, Reg::rsp);
            if (frame(f) != 0) e_.alu_ri(Alu::sub, Width::w64, Reg::rsp, frame(f));
            zero_frame(f);
        }
    }

    // VerifiedProgram::zero_frames: the frame [rsp, rsp + frame(f)) cleared
    // (the native stack below the caller holds whatever ran there before).
    void zero_frame(std::size_t f) {
        if (!p_.zero_frames) return;
        for (std::int32_t k = 0; k < frame(f); k += 8) e_.store_imm(8, {Reg::rsp, k}, 0);
    }

    // movabs r, rodata address + offset (patched once the pages are mapped).
    void movabs_rodata(Reg r, std::uint64_t offset) {
        e_.byte(static_cast<std::uint8_t>(0x48 | (detail::x86::code(r) >= 8 ? 1 : 0)));
        e_.byte(static_cast<std::uint8_t>(0xb8 + (detail::x86::code(r) & 7)));
        rodata_fixups_.push_back(e_.size());
        e_.u64(offset);
    }

    // `from_anywhere`: rsp is unknown (an abort inside local calls); it is
    // recomputed from r12, which only exists when there are heap checks.
    void entry_epilogue(bool from_anywhere = false) {
        if (from_anywhere) {
            e_.lea(Reg::rsp, {run_data, entry_below_pushes_});
        } else if (frame(0) + entry_below_pushes_ != 0) {
            e_.alu_ri(Alu::add, Width::w64, Reg::rsp, frame(0) + entry_below_pushes_);
        }
        for (std::size_t k = saved_count_; k-- > 0;) e_.pop(saved_[k]);
        e_.ret();
    }

    void epilogue(std::size_t f) {
        if (f == 0) {
            entry_epilogue();
            return;
        }
        e_.mov_rr(Width::w64, Reg::rsp, Reg::rbp);
        for (Reg r : {Reg::r15, Reg::r14, Reg::r13, Reg::rbx, Reg::rbp}) e_.pop(r);
        e_.ret();
    }

    // A jump to the eBPF instruction `target` from the end of the one at `pc`.
    void jump_to(std::size_t pc, std::size_t target, std::optional<Cond> c) {
        bool short_form = false;
        const auto& prev = *previous_;
        if (!prev.empty()) {
            const std::int64_t d = static_cast<std::int64_t>(prev[target]) - static_cast<std::int64_t>(prev[pc + 1]);
            short_form = d >= -128 && d <= 127;
        }
        std::size_t hole;
        if (short_form) {
            hole = c ? e_.jcc8(*c) : e_.jmp8();
        } else {
            hole = c ? e_.jcc32(*c) : e_.jmp32();
        }
        fixups_.push_back({hole, target, short_form});
    }

    std::size_t new_label() {
        extra_labels_.push_back(npos);
        return code_.size() + extra_labels_.size() - 1;
    }

    void bind(std::size_t label) { extra_labels_[label - code_.size()] = e_.size(); }

    // Run-time check of [base + off, + bytes) against the heap arena, then
    // the shared arena.
    void heap_check(std::size_t pc, Reg base, std::int16_t off, unsigned bytes) {
        const std::size_t stub = new_label(), shared = new_label(), ok = new_label();
        stubs_.push_back({stub, static_cast<std::uint32_t>(pc)});
        e_.lea(scratch2, {base, off});
        e_.sub_rm(scratch2, {run_data, run_heap});       // offset into the arena (wraps below it)
        e_.cmp_rm(scratch2, {run_data, run_heap_size});
        fixups_.push_back({e_.jcc32(Cond::ae), shared, false});
        e_.lea(scratch2, {scratch2, static_cast<std::int32_t>(bytes)});
        e_.cmp_rm(scratch2, {run_data, run_heap_size});
        fixups_.push_back({e_.jcc32(Cond::be), ok, false});
        bind(shared);
        e_.lea(scratch2, {base, off});
        e_.sub_rm(scratch2, {run_data, run_shared});
        e_.cmp_rm(scratch2, {run_data, run_shared_size});
        fixups_.push_back({e_.jcc32(Cond::ae), stub, false});
        e_.lea(scratch2, {scratch2, static_cast<std::int32_t>(bytes)});
        e_.cmp_rm(scratch2, {run_data, run_shared_size});
        fixups_.push_back({e_.jcc32(Cond::a), stub, false});
        bind(ok);
    }

    // An access through a heap address (a number): scratch2 = its host
    // address in the arena, or a jump to the abort stub.
    void heap_address(std::size_t pc, Reg base, std::int16_t off, unsigned bytes) {
        const std::size_t stub = new_label();
        stubs_.push_back({stub, static_cast<std::uint32_t>(pc)});
        e_.lea(scratch2, {base, off});
        e_.mov_ri64(scratch1, heap_address_base);
        e_.alu_rr(Alu::sub, Width::w64, scratch2, scratch1);  // offset into the arena
        e_.cmp_rm(scratch2, {run_data, run_heap_size});
        fixups_.push_back({e_.jcc32(Cond::ae), stub, false});
        e_.lea(scratch1, {scratch2, static_cast<std::int32_t>(bytes)});
        e_.cmp_rm(scratch1, {run_data, run_heap_size});
        fixups_.push_back({e_.jcc32(Cond::a), stub, false});
        e_.load(8, scratch1, {run_data, run_heap});
        e_.alu_rr(Alu::add, Width::w64, scratch2, scratch1);
    }

    void abort_stubs() {
        if (stubs_.empty()) return;
        const std::size_t common = new_label();
        for (const Stub& s : stubs_) {
            extra_labels_[s.label - code_.size()] = e_.size();
            e_.mov_ri32(scratch2, s.pc);
            fixups_.push_back({e_.jmp32(), common, false});
        }
        extra_labels_[common - code_.size()] = e_.size();
        e_.load(8, scratch1, {run_data, run_context});
        e_.store(4, {scratch1, static_cast<std::int32_t>(offsetof(RunContext, abort_pc))}, scratch2);
        e_.alu_rr(Alu::xor_, Width::w32, Reg::rax, Reg::rax);
        entry_epilogue(true);
    }

    bool instruction(std::size_t pc, std::size_t f) {
        const Insn& i = code_[pc];
        if (i.dst() >= isa::reg_count || i.src() >= isa::reg_count) return fail(pc, "no such register");
        const Reg d = reg_map[i.dst()];
        const Reg s = reg_map[i.src()];
        const bool checked = pc < p_.flags.size() && (p_.flags[pc] & flag_heap_check) != 0;
        const bool translated = pc < p_.flags.size() && (p_.flags[pc] & flag_heap_address) != 0;
        // R10 is read-only: rbp must stay the frame top for the epilogues.
        const std::uint8_t c = isa::cls(i.code);
        const bool writes_dst = isa::is_alu(i.code) || c == isa::cls_ldx || c == isa::cls_ld;
        const bool writes_src = c == isa::cls_stx && isa::mode(i.code) == isa::mode_atomic &&
                                (i.imm & isa::atomic_fetch) != 0;
        if ((writes_dst && i.dst() == isa::frame_pointer) || (writes_src && i.src() == isa::frame_pointer))
            return fail(pc, "R10 is read-only");
        switch (isa::cls(i.code)) {
        case isa::cls_alu:
        case isa::cls_alu64: return alu(pc, i, d, s);
        case isa::cls_jmp:
        case isa::cls_jmp32: return jump(pc, f, i, d);
        case isa::cls_ld: {
            if (!isa::is_lddw(i) || pc + 1 >= code_.size()) return fail(pc, "unsupported load (legacy packet access?)");
            const std::uint64_t imm = static_cast<std::uint32_t>(i.imm) |
                                      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(code_[pc + 1].imm)) << 32);
            if (i.src() == 0) {
                e_.mov_ri64(d, imm);
            } else if (i.src() == isa::pseudo_rodata) {
                // movabs with the offset; the rodata pages' address is added
                // once they are mapped (rodata_fixups_).
                movabs_rodata(d, imm);
            } else if (i.src() == isa::pseudo_data) {
                // rc->data + offset: the host's copy of the globals.
                e_.load(8, d, {run_data, run_context});
                e_.load(8, d, {d, static_cast<std::int32_t>(offsetof(RunContext, data))});
                e_.mov_ri64(scratch2, imm);
                e_.alu_rr(Alu::add, Width::w64, d, scratch2);
            } else {
                return fail(pc, "unsupported LDDW source " + std::to_string(i.src()));
            }
            return true;
        }
        case isa::cls_ldx: {
            const unsigned n = isa::size_bytes(i.code);
            if (checked) heap_check(pc, s, i.off, n);
            Mem m{s, i.off};
            if (translated) {
                heap_address(pc, s, i.off, n);
                m = {scratch2, 0};
            }
            if (isa::mode(i.code) == isa::mode_mem) {
                e_.load(n, d, m);
            } else if (isa::mode(i.code) == isa::mode_memsx && n != 8) {
                e_.load_sx(n, d, m);
            } else {
                return fail(pc, "unsupported load mode");
            }
            return true;
        }
        case isa::cls_st: {
            if (isa::mode(i.code) != isa::mode_mem) return fail(pc, "unsupported store mode");
            const unsigned n = isa::size_bytes(i.code);
            if (checked) heap_check(pc, d, i.off, n);
            Mem m{d, i.off};
            if (translated) {
                heap_address(pc, d, i.off, n);
                m = {scratch2, 0};
            }
            e_.store_imm(n, m, i.imm);
            return true;
        }
        default: {  // cls_stx
            const unsigned n = isa::size_bytes(i.code);
            if (checked) heap_check(pc, d, i.off, n);
            if (translated && isa::mode(i.code) == isa::mode_mem) {
                heap_address(pc, d, i.off, n);
                e_.store(n, {scratch2, 0}, s);
                return true;
            }
            if (translated) return fail(pc, "atomic access through a heap address");
            if (isa::mode(i.code) == isa::mode_mem) {
                e_.store(n, {d, i.off}, s);
                return true;
            }
            if (isa::mode(i.code) == isa::mode_atomic && (n == 4 || n == 8)) {
                return atomic(pc, i, d, s, n == 8 ? Width::w64 : Width::w32);
            }
            return fail(pc, "unsupported store mode");
        }
        }
    }

    bool alu(std::size_t pc, const Insn& i, Reg d, Reg s) {
        const Width w = isa::cls(i.code) == isa::cls_alu64 ? Width::w64 : Width::w32;
        const bool x = isa::uses_src_reg(i.code);
        const std::uint8_t op = isa::op(i.code);
        if (op != isa::alu_div && op != isa::alu_mod && op != isa::alu_mov && i.off != 0)
            return fail(pc, "nonzero offset on an arithmetic instruction");
        switch (op) {
        case isa::alu_add:
        case isa::alu_sub:
        case isa::alu_or:
        case isa::alu_and:
        case isa::alu_xor: {
            const Alu a = op == isa::alu_add   ? Alu::add
                          : op == isa::alu_sub ? Alu::sub
                          : op == isa::alu_or  ? Alu::or_
                          : op == isa::alu_and ? Alu::and_
                                               : Alu::xor_;
            if (x) {
                e_.alu_rr(a, w, d, s);
            } else {
                e_.alu_ri(a, w, d, i.imm);
            }
            return true;
        }
        case isa::alu_mov:
            if (!x) {
                if (i.off != 0) return fail(pc, "movsx needs a source register");
                if (w == Width::w64) {
                    e_.mov_ri64(d, static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm)));
                } else {
                    e_.mov_ri32(d, static_cast<std::uint32_t>(i.imm));
                }
            } else if (i.off == 0) {
                if (w == Width::w32 || d != s) e_.mov_rr(w, d, s);  // mov r32, r32 zero-extends
            } else if (i.off == 8 || i.off == 16 || (i.off == 32 && w == Width::w64)) {
                e_.movsx_rr(w, static_cast<unsigned>(i.off) / 8, d, s);
            } else {
                return fail(pc, "bad movsx width " + std::to_string(i.off));
            }
            return true;
        case isa::alu_mul:
            if (x) {
                e_.imul_rr(w, d, s);
            } else {
                e_.imul_rri(w, d, d, i.imm);
            }
            return true;
        case isa::alu_neg:
            if (x) return fail(pc, "neg takes no source register");
            e_.neg(w, d);
            return true;
        case isa::alu_lsh:
        case isa::alu_rsh:
        case isa::alu_arsh: {
            const Shift sh = op == isa::alu_lsh ? Shift::shl : op == isa::alu_rsh ? Shift::shr : Shift::sar;
            if (x) {
                shift_by_register(sh, w, d, s);
            } else {
                // The count is masked to the width, as the ISA says, and
                // encoded as the byte the opcode reads, whatever the imm.
                const auto count = static_cast<std::uint8_t>(static_cast<std::uint32_t>(i.imm) & (w == Width::w64 ? 63u : 31u));
                if (count != 0) {
                    e_.shift_ri(sh, w, d, count);
                } else if (w == Width::w32) {
                    e_.mov_rr(Width::w32, d, d);
                }
            }
            return true;
        }
        case isa::alu_div:
        case isa::alu_mod:
            if (i.off != 0 && i.off != 1) return fail(pc, "bad division offset " + std::to_string(i.off));
            divide(w, op == isa::alu_mod, i.off == 1, d, x ? std::optional<Reg>(s) : std::nullopt, i.imm);
            return true;
        case isa::alu_end:
            return byte_swap(pc, i, d);
        default:
            return fail(pc, "unknown arithmetic operation");
        }
    }

    // x86 shifts by cl only, and cl is R4's register.
    void shift_by_register(Shift sh, Width w, Reg d, Reg s) {
        if (s == Reg::rcx) {
            e_.shift_cl(sh, w, d);  // also right when d is rcx: the count is read first
            return;
        }
        e_.mov_rr(Width::w64, scratch2, Reg::rcx);
        e_.mov_rr(Width::w64, Reg::rcx, s);
        if (d == Reg::rcx) {
            e_.shift_cl(sh, w, scratch2);  // shift R4's saved value, keep it as the result
            e_.mov_rr(Width::w64, Reg::rcx, scratch2);
        } else {
            e_.shift_cl(sh, w, d);
            e_.mov_rr(Width::w64, Reg::rcx, scratch2);
        }
    }

    // dst = dst / src or dst % src, unsigned or signed (off 1), with the ISA's
    // answers where x86 would fault or differ: x / 0 = 0, x % 0 = x,
    // signed x / -1 = -x (INT_MIN stays INT_MIN), signed x % -1 = 0.
    // div/idiv use rax and rdx, which hold R0 and R3: both are saved in
    // scratch registers and restored unless they are the destination.
    void divide(Width w, bool mod, bool is_signed, Reg d, std::optional<Reg> src, std::int32_t imm) {
        const bool w64 = w == Width::w64;
        if (!src) {
            const std::uint64_t divisor = w64 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(imm))
                                              : static_cast<std::uint32_t>(imm);
            if (divisor == 0) {
                if (!mod) {
                    e_.mov_ri32(d, 0);
                } else if (!w64) {
                    e_.mov_rr(Width::w32, d, d);
                }
                return;
            }
            if (is_signed && imm == -1) {
                if (mod) {
                    e_.mov_ri32(d, 0);
                } else {
                    e_.neg(w, d);
                }
                return;
            }
            e_.mov_ri64(scratch2, divisor);
        } else {
            e_.mov_rr(w, scratch2, *src);  // w32: the low 32 bits only
        }
        if (d != Reg::rax) e_.mov_rr(Width::w64, scratch0, Reg::rax);
        if (d != Reg::rdx) e_.mov_rr(Width::w64, scratch1, Reg::rdx);
        if (d != Reg::rax || !w64) e_.mov_rr(w, Reg::rax, d);  // w32: zero-extends the dividend
        const Reg result = mod ? Reg::rdx : Reg::rax;
        std::size_t to_end1 = 0, to_end2 = 0;
        bool checked = false;
        if (src) {
            checked = true;
            e_.alu_rr(Alu::test, w, scratch2, scratch2);
            const std::size_t nonzero = e_.jcc8(Cond::ne);
            if (mod) {
                e_.mov_rr(Width::w64, Reg::rdx, Reg::rax);
            } else {
                e_.alu_rr(Alu::xor_, Width::w32, Reg::rax, Reg::rax);
            }
            to_end1 = e_.jmp8();
            e_.bind8(nonzero);
            if (is_signed) {
                e_.alu_ri(Alu::cmp, w, scratch2, -1);
                const std::size_t not_minus_one = e_.jcc8(Cond::ne);
                if (mod) {
                    e_.alu_rr(Alu::xor_, Width::w32, Reg::rdx, Reg::rdx);
                } else {
                    e_.neg(w, Reg::rax);
                }
                to_end2 = e_.jmp8();
                e_.bind8(not_minus_one);
            }
        }
        if (is_signed) {
            e_.sign_extend_rax(w);
            e_.idiv(w, scratch2);
        } else {
            e_.alu_rr(Alu::xor_, Width::w32, Reg::rdx, Reg::rdx);
            e_.div(w, scratch2);
        }
        if (checked) {
            e_.bind8(to_end1);
            if (is_signed) e_.bind8(to_end2);
        }
        if (d != result) e_.mov_rr(Width::w64, d, result);
        if (d != Reg::rax) e_.mov_rr(Width::w64, Reg::rax, scratch0);
        if (d != Reg::rdx) e_.mov_rr(Width::w64, Reg::rdx, scratch1);
    }

    bool byte_swap(std::size_t pc, const Insn& i, Reg d) {
        const bool swap = isa::cls(i.code) == isa::cls_alu64 || isa::uses_src_reg(i.code);  // bswap or to-be
        switch (i.imm) {
        case 16:
            if (swap) e_.rol16_8(d);
            e_.movzx_rr(2, d, d);
            return true;
        case 32:
            if (swap) {
                e_.bswap(Width::w32, d);
            } else {
                e_.mov_rr(Width::w32, d, d);
            }
            return true;
        case 64:
            if (swap) e_.bswap(Width::w64, d);
            return true;
        default:
            return fail(pc, "bad byte swap width " + std::to_string(i.imm));
        }
    }

    bool jump(std::size_t pc, std::size_t f, const Insn& i, Reg d) {
        const bool j32 = isa::cls(i.code) == isa::cls_jmp32;
        const std::uint8_t op = isa::op(i.code);
        const std::int64_t n = static_cast<std::int64_t>(code_.size());
        if (op != isa::jmp_exit && op != isa::jmp_call && pc < p_.flags.size() &&
            (p_.flags[pc] & flag_loop_budget) != 0) {
            // A back edge of a loop bounded at run time: pay its cost, or stop.
            const auto& costs = p_.loop_costs;
            auto it = std::lower_bound(costs.begin(), costs.end(), static_cast<std::uint32_t>(pc),
                                       [](const LoopCost& c, std::uint32_t v) { return c.pc < v; });
            const std::uint32_t cost = it != costs.end() && it->pc == pc ? it->cost : 1;
            const std::size_t stub = new_label();
            stubs_.push_back({stub, static_cast<std::uint32_t>(pc)});
            e_.load(8, scratch2, {run_data, run_budget});
            e_.alu_ri(Alu::sub, Width::w64, scratch2, static_cast<std::int32_t>(std::min<std::uint32_t>(cost, INT32_MAX)));
            fixups_.push_back({e_.jcc32(Cond::b), stub, false});
            e_.store(8, {run_data, run_budget}, scratch2);
        }
        if (op == isa::jmp_exit) {
            if (j32) return fail(pc, "exit in class jmp32");
            epilogue(f);
            return true;
        }
        if (op == isa::jmp_call) {
            if (j32) return fail(pc, "call in class jmp32");
            if (i.src() == isa::pseudo_call) {
                const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + i.imm;
                std::size_t callee = 0;
                for (std::size_t g = 1; g < starts().size(); ++g) {
                    if (static_cast<std::int64_t>(starts()[g]) == target) callee = g;
                }
                if (callee == 0) return fail(pc, "local call to no function");
                fixups_.push_back({e_.call32(), code_.size() + callee, false});  // its prologue's label
                return true;
            }
            if (i.src() != 0) return fail(pc, "unsupported call kind");
            if (i.imm < 0 || static_cast<std::size_t>(i.imm) >= helpers_.size() || helpers_[i.imm] == nullptr)
                return fail(pc, "no helper " + std::to_string(i.imm));
            if (pc < p_.flags.size() && (p_.flags[pc] & (flag_helper_check | flag_frame_bounds)) != 0)
                before_call(pc, f);
            e_.mov_ri64(scratch2, reinterpret_cast<std::uintptr_t>(helpers_[i.imm]));
            e_.call_r(scratch2);
            return true;
        }
        const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + (op == isa::jmp_ja && j32 ? i.imm : i.off);
        if (target < 0 || target >= n) return fail(pc, "jump out of the program");
        if (op == isa::jmp_ja) {
            jump_to(pc, static_cast<std::size_t>(target), std::nullopt);
            return true;
        }
        if (op == isa::jmp_call || op > isa::jmp_jsle) return fail(pc, "unknown jump");
        const Width w = j32 ? Width::w32 : Width::w64;
        if (isa::uses_src_reg(i.code)) {
            const Reg s = reg_map[i.src()];
            e_.alu_rr(op == isa::jmp_jset ? Alu::test : Alu::cmp, w, d, s);
        } else if (op == isa::jmp_jset) {
            e_.test_ri(w, d, i.imm);  // the full imm32, sign-extended in jmp
        } else if (i.imm == 0) {
            e_.alu_rr(Alu::test, w, d, d);  // the same flags as cmp d, 0, one byte shorter
        } else {
            e_.alu_ri(Alu::cmp, w, d, i.imm);
        }
        jump_to(pc, static_cast<std::size_t>(target), jump_cond(op));
        return true;
    }

    // A flagged helper call: the calling frame's bounds into rc, then the
    // call's HelperChecks (after the read-only data) on R1-R5 spilled to 48
    // bytes below rsp (rsp stays 16-byte aligned), which are reloaded: a
    // heap address may have been translated.
    void before_call(std::size_t pc, std::size_t f) {
        const auto& checks = p_.helper_checks;
        auto first = std::lower_bound(checks.begin(), checks.end(), static_cast<std::uint32_t>(pc),
                                      [](const HelperCheck& c, std::uint32_t v) { return c.pc < v; });
        auto last = first;
        while (last != checks.end() && last->pc == pc) ++last;
        constexpr Reg args[5] = {Reg::rdi, Reg::rsi, Reg::rdx, Reg::rcx, Reg::r8};
        e_.alu_ri(Alu::sub, Width::w64, Reg::rsp, 48);
        for (unsigned k = 0; k < 5; ++k) e_.store(8, {Reg::rsp, static_cast<std::int32_t>(8 * (k + 1))}, args[k]);
        e_.load(8, scratch1, {run_data, run_context});
        e_.lea(scratch2, {Reg::rsp, 48});
        e_.store(8, {scratch1, static_cast<std::int32_t>(offsetof(RunContext, frame_lo))}, scratch2);
        if (f != 0 || set_r10_) e_.lea(scratch2, {Reg::rbp, 0});
        e_.store(8, {scratch1, static_cast<std::int32_t>(offsetof(RunContext, frame_hi))}, scratch2);
        if (first != last) {
            const std::size_t stub = new_label();
            stubs_.push_back({stub, static_cast<std::uint32_t>(pc)});
            e_.mov_rr(Width::w64, Reg::rdi, scratch1);
            e_.mov_rr(Width::w64, Reg::rsi, Reg::rsp);
            movabs_rodata(Reg::rdx, checks_offset(p_) + sizeof(HelperCheck) * static_cast<std::size_t>(first - checks.begin()));
            e_.mov_ri64(Reg::rcx, static_cast<std::uint64_t>(last - first));
            e_.mov_ri64(scratch2, reinterpret_cast<std::uintptr_t>(&jit_before_call));
            e_.call_r(scratch2);
            e_.alu_rr(Alu::test, Width::w64, Reg::rax, Reg::rax);
            fixups_.push_back({e_.jcc32(Cond::e), stub, false});
        }
        for (unsigned k = 0; k < 5; ++k) e_.load(8, args[k], {Reg::rsp, static_cast<std::int32_t>(8 * (k + 1))});
        e_.alu_ri(Alu::add, Width::w64, Reg::rsp, 48);
    }

    bool atomic(std::size_t pc, const Insn& i, Reg d, Reg s, Width w) {
        const Mem m{d, i.off};
        switch (i.imm) {
        case isa::atomic_add: e_.lock_alu(Alu::add, w, m, s); return true;
        case isa::atomic_or: e_.lock_alu(Alu::or_, w, m, s); return true;
        case isa::atomic_and: e_.lock_alu(Alu::and_, w, m, s); return true;
        case isa::atomic_xor: e_.lock_alu(Alu::xor_, w, m, s); return true;
        case isa::atomic_add | isa::atomic_fetch: e_.lock_xadd(w, m, s); return true;  // s = old
        case isa::atomic_xchg: e_.xchg(w, m, s); return true;
        case isa::atomic_cmpxchg:
            e_.lock_cmpxchg(w, m, s);  // R0 = old, whether or not it stored
            if (w == Width::w32) e_.mov_rr(Width::w32, Reg::rax, Reg::rax);
            return true;
        case isa::atomic_or | isa::atomic_fetch:
        case isa::atomic_and | isa::atomic_fetch:
        case isa::atomic_xor | isa::atomic_fetch: {
            const Alu a = i.imm == (isa::atomic_or | isa::atomic_fetch)    ? Alu::or_
                          : i.imm == (isa::atomic_and | isa::atomic_fetch) ? Alu::and_
                                                                           : Alu::xor_;
            // A cmpxchg loop; cmpxchg needs rax, which holds R0.
            e_.mov_rr(Width::w64, scratch0, Reg::rax);
            e_.lea(scratch1, m);
            const Reg operand = s == Reg::rax ? scratch0 : s;
            e_.load(w == Width::w64 ? 8 : 4, Reg::rax, {scratch1, 0});
            const std::size_t loop = e_.size();
            e_.mov_rr(w, scratch2, Reg::rax);
            e_.alu_rr(a, w, scratch2, operand);
            e_.lock_cmpxchg(w, {scratch1, 0}, scratch2);
            if (!e_.patch8(e_.jcc8(Cond::ne), loop)) return fail(pc, "internal: atomic loop");
            if (s != Reg::rax) {
                e_.mov_rr(w, s, Reg::rax);
                e_.mov_rr(Width::w64, Reg::rax, scratch0);
            }
            return true;
        }
        default:
            return fail(pc, "unknown atomic operation " + std::to_string(i.imm));
        }
    }

    const VerifiedProgram& p_;
    const std::vector<Insn>& code_;
    std::span<const HelperFn> helpers_;
    std::vector<std::size_t>& rodata_fixups_;
    const std::vector<std::uint32_t>* previous_ = nullptr;
    // The workspace's (see there).
    Emitter& e_;
    std::vector<std::uint32_t>& offsets_;
    std::vector<std::size_t>& labels_;
    std::vector<std::size_t>& extra_labels_;
    std::vector<Fixup>& fixups_;
    std::vector<Stub>& stubs_;
    std::string error_;
    bool heap_checks_ = false;  // run data needed (heap checks, heap addresses, helper checks, globals)
    bool frame_bounds_ = false;
    // Fixed arrays: a vector each was two allocations per program.
    std::array<Reg, 6> saved_{};           // callee-saved registers the entry function pushes (rbp, R6-R9, r12)
    std::size_t saved_count_ = 0;
    std::array<Reg, 4> zeroed_{};          // R6-R9 the program names: cleared at entry
    std::size_t zeroed_count_ = 0;
    std::int32_t entry_below_pushes_ = 0;  // run data + alignment padding under them
    bool load_r1_ = true, load_r2_ = true, set_r10_ = true;
};

std::optional<std::string> check_shape(const VerifiedProgram& p) {
    const auto& starts = p.program.function_starts;
    if (p.program.code.empty()) return "empty program";
    if (starts.empty() || starts[0] != 0) return "function_starts must begin with 0";
    if (p.frame_size.size() != starts.size()) return "one frame size per function expected";
    for (std::size_t f = 1; f < starts.size(); ++f) {
        if (starts[f] <= starts[f - 1] || starts[f] >= p.program.code.size()) return "function_starts out of order";
    }
    for (std::uint32_t size : p.frame_size) {
        if (size > (1u << 24)) return "frame too large";
    }
    return std::nullopt;
}

// One program translated and not yet placed: its bytes are the workspace
// buffer's [start, start + size), its rodata fixups the workspace's
// [rodata_first, rodata_last); `code`, `data` and `data_bytes` say where
// place() puts its code (on the code pages) and its read-only data and
// HelperChecks (on the data pages).
struct Translation {
    const VerifiedProgram* program = nullptr;
    std::size_t request = 0;  // its index in the batch
    std::size_t start = 0, size = 0;
    std::size_t rodata_first = 0, rodata_last = 0;
    std::size_t code = 0, data = 0, data_bytes = 0;
};

// Translates `p` into `t`, appending to `w`; the reason if it cannot (and
// then nothing was appended).
std::optional<std::string> translate(const VerifiedProgram& p, std::span<const HelperFn> helpers,
                                     const JitOptions& options, Workspace& w, Translation& t) {
    if (auto bad = check_shape(p)) return bad;
    const std::size_t start = w.e.size(), rodata_first = w.rodata_fixups.size();
    const auto drop = [&] {
        w.e.truncate(start);
        w.rodata_fixups.resize(rodata_first);
    };
    // Pass 1: every jump near. With short jumps, pass 2 uses its offsets
    // and replaces its code.
    const std::vector<std::uint32_t> none;
    Compiler first(p, helpers, w);
    if (!first.emit(none)) {
        drop();
        return first.error();
    }
    if (options.short_jumps) {
        const std::vector<std::uint32_t> previous = w.offsets;  // pass 2 rewrites the workspace's
        drop();
        Compiler second(p, helpers, w);
        if (!second.emit(previous)) {
            drop();
            return second.error();
        }
    }
    t.program = &p;
    t.start = start;
    t.size = w.e.size() - start;
    t.rodata_first = rodata_first;
    t.rodata_last = w.rodata_fixups.size();
    return std::nullopt;
}

constexpr std::size_t code_alignment = 16;  // each entry starts a fetch block
constexpr std::size_t data_alignment = 64;  // at least what a program's data assumes (8)

constexpr std::size_t align_up(std::size_t n, std::size_t a) noexcept { return (n + a - 1) / a * a; }

// The translated programs in one mapping: code one after the other, each
// entry 16-byte aligned, the gaps and the rest of the last code page int3
// (a stray jump traps); each program's read-only data and HelperChecks on
// the data pages after them. Rodata addresses are patched in, then the
// mapping is sealed. Error text, or each program's code in
// results[t.request].
std::optional<std::string> place(std::span<Translation> kept, const Workspace& w, std::span<JitResult> results) {
    std::size_t code_bytes = 0, data_bytes = 0;
    for (Translation& t : kept) {
        const VerifiedProgram& p = *t.program;
        const std::size_t checks_bytes = sizeof(HelperCheck) * p.helper_checks.size();
        t.code = align_up(code_bytes, code_alignment);
        code_bytes = t.code + t.size;
        t.data_bytes = checks_bytes == 0 ? p.program.rodata.size() : checks_offset(p) + checks_bytes;
        t.data = t.data_bytes == 0 ? data_bytes : align_up(data_bytes, data_alignment);
        data_bytes = t.data + t.data_bytes;
    }
    auto memory = ExecutableMemory::allocate(code_bytes, data_bytes);
    if (!memory) return std::string("cannot map memory for the code");
    std::uint8_t* const code = memory->code();
    std::uint8_t* const data = memory->rodata();
    // int3 in the gaps and after the last program only: the programs' own
    // bytes are copied over it (filling the whole page first cost a byte each).
    std::size_t filled = 0;
    for (const Translation& t : kept) {
        const VerifiedProgram& p = *t.program;
        std::uint8_t* out_code = code + t.code;
        std::uint8_t* out_data = data + t.data;
        std::memset(code + filled, 0xcc, t.code - filled);
        std::memcpy(out_code, w.e.data() + t.start, t.size);
        filled = t.code + t.size;
        const auto rodata = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(out_data));
        for (std::size_t k = t.rodata_first; k < t.rodata_last; ++k) {
            const std::size_t fix = w.rodata_fixups[k] - t.start;
            std::uint64_t v;
            std::memcpy(&v, out_code + fix, 8);
            v += rodata;
            std::memcpy(out_code + fix, &v, 8);
        }
        if (!p.program.rodata.empty()) std::memcpy(out_data, p.program.rodata.data(), p.program.rodata.size());
        if (!p.helper_checks.empty())
            std::memcpy(out_data + checks_offset(p), p.helper_checks.data(), sizeof(HelperCheck) * p.helper_checks.size());
    }
    std::memset(code + filled, 0xcc, static_cast<std::size_t>(data - code) - filled);
    if (!memory->seal()) return std::string("cannot make the code executable");
    const auto shared = std::make_shared<const ExecutableMemory>(std::move(*memory));
    for (const Translation& t : kept) results[t.request].code.emplace(JitCodeAccess::make(shared, code + t.code, t.size));
    return std::nullopt;
}

std::vector<JitResult> compile(std::span<const JitRequest> requests, const JitOptions& options) {
    std::vector<JitResult> results(requests.size());
    Workspace w;
    std::vector<Translation> kept;
    kept.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        Translation t;
        if (auto bad = translate(*requests[i].program, requests[i].helpers, options, w, t)) {
            results[i].error = std::move(*bad);
            continue;
        }
        t.request = i;
        kept.push_back(t);
    }
    if (kept.empty()) return results;
    if (auto bad = place(kept, w, results)) {
        for (const Translation& t : kept) results[t.request].error = *bad;
    }
    return results;
}

}  // namespace

JitResult jit_compile(const VerifiedProgram& p, std::span<const HelperFn> helpers, const JitOptions& options) noexcept {
    const JitRequest one{&p, helpers};
    std::vector<JitResult> r = jit_compile_batch({&one, 1}, options);
    if (r.size() == 1) return std::move(r.front());
    JitResult failed;
    failed.error = "out of memory";  // the batch could not even hold its result
    return failed;
}

std::vector<JitResult> jit_compile_batch(std::span<const JitRequest> requests, const JitOptions& options) noexcept {
    try {
        return compile(requests, options);
    } catch (const std::exception& e) {
        try {
            std::vector<JitResult> r(requests.size());
            for (JitResult& one : r) one.error = std::string("out of memory: ") + e.what();
            return r;
        } catch (...) {
        }
        return {};
    }
}

}  // namespace mempool::vm
