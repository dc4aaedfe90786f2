// checked_interpreter.cpp: the checks of checked_interpreter.hpp around the
// semantics of semantics.hpp.
//
// One class holds the run's state: registers with their initialised and
// pointer bits, the stack buffer with a state byte per byte, the call frames.
// Each step decodes the instruction completely (every reserved field), checks
// what it reads, then performs it on real memory only after the access was
// found inside a region. The first violation stops the run.
#include "checked_interpreter.hpp"

#include "assembler.hpp"
#include "semantics.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace mempool::vm {
namespace {

using namespace isa;
using detail::imm64;

constexpr std::uint8_t byte_init = 1;     // stack byte written
constexpr std::uint8_t byte_pointer = 2;  // stack byte holds (part of) a pointer

enum class Region { none, stack, ctx, rodata, heap, data };

const char* region_name(Region r) {
    switch (r) {
    case Region::stack: return "the stack";
    case Region::ctx: return "the context";
    case Region::rodata: return "read-only data";
    case Region::heap: return "the heap";
    case Region::data: return "the writable globals";
    default: return "no region";
    }
}

struct Frame {
    std::uint64_t saved[4];
    bool saved_init[4];
    bool saved_pointer[4];
    std::uint64_t frame_top;
    std::uint32_t return_pc;
    std::uint32_t function;
};

class CheckedRun {
public:
    CheckedRun(const VerifiedProgram& p, std::span<const HelperFn> helpers, RunContext& rc, std::size_t ctx_size)
        : p_(p), code_(p.program.code), helpers_(helpers), rc_(rc) {
        ctx_base_ = rc.r1;
        ctx_size_ = ctx_size;
        rodata_base_ = reinterpret_cast<std::uintptr_t>(p.program.rodata.data());
        rodata_size_ = p.program.rodata.size();
        heap_base_ = reinterpret_cast<std::uintptr_t>(rc.heap);
        heap_size_ = rc.heap == nullptr ? 0 : rc.heap_size;
        shared_base_ = reinterpret_cast<std::uintptr_t>(rc.shared);
        shared_size_ = rc.shared == nullptr ? 0 : rc.shared_size;
        data_base_ = reinterpret_cast<std::uintptr_t>(rc.data);
        data_size_ = rc.data == nullptr ? 0 : p.program.data.size();

        // function_starts should be sorted and begin with 0 (program.hpp);
        // a hand-made program may break that, so repair a copy.
        const auto& given = p.program.function_starts;
        const bool starts_ok = !given.empty() && given[0] == 0 && std::is_sorted(given.begin(), given.end()) &&
                               std::adjacent_find(given.begin(), given.end()) == given.end();
        starts_ = given;
        if (!starts_ok) {
            starts_.push_back(0);
            std::sort(starts_.begin(), starts_.end());
            starts_.erase(std::unique(starts_.begin(), starts_.end()), starts_.end());
        }
        const bool sized = starts_ok && p.frame_size.size() == given.size();
        if (sized) frame_size_ = p.frame_size;
        else frame_size_.assign(starts_.size(), p.options.max_frame);
        const std::size_t depth_frames = std::size_t{p.options.max_call_depth} + 1;
        stack_size_ = sized ? p.stack_size : std::size_t{p.options.max_frame} * depth_frames;
        stack_.assign(stack_size_ + 16, 0);  // +16: a valid address even for an empty stack
        stack_state_.assign(stack_size_, 0);
        stack_base_ = reinterpret_cast<std::uintptr_t>(stack_.data());

        second_slot_.assign(code_.size(), false);
        for (std::size_t pc = 0; pc + 1 < code_.size(); ++pc) {
            if (is_lddw(code_[pc])) second_slot_[++pc] = true;
        }
        flags_ = p.flags.size() == code_.size() ? p.flags.data() : nullptr;
        limit_ = p.instruction_bound != 0 ? p.instruction_bound : p.options.max_instructions;
        // Loops bounded at run time: the budget counts loop lengths; a run
        // also executes its straight code, at most the program per paid
        // iteration (a callee in a loop body is not in the loop's range).
        if (!p.loop_costs.empty()) limit_ = (p.options.max_instructions + 1) * (code_.size() + 1);
        budget_ = p.options.max_instructions;
    }

    CheckedResult run() {
        rc_.abort_pc = UINT32_MAX;
        if (!p_.program.data.empty() && rc_.data == nullptr) {
            rc_.abort_pc = 0;  // as the executors: globals but no copy of them
            return result();
        }
        std::fill(std::begin(init_), std::end(init_), false);
        std::fill(std::begin(pointer_), std::end(pointer_), false);
        set(1, rc_.r1, true);
        if (p_.options.r2_is_ctx_size) set(2, rc_.r2, false);
        for (unsigned r = 6; r <= 9; ++r) set(r, 0, false);  // every executor clears them at entry
        set(frame_pointer, stack_base_ + stack_size_, true);
        frame_top_ = stack_base_ + stack_size_;
        function_ = 0;
        if (frame_size_[0] > stack_size_) {
            fail(0, "the entry function's frame (" + std::to_string(frame_size_[0]) +
                        " bytes) does not fit stack_size (" + std::to_string(stack_size_) + ")");
            return result();
        }
        enter_frame(0);

        while (!done_) {
            if (pc_ >= code_.size()) {
                fail(code_.empty() ? 0 : static_cast<std::uint32_t>(code_.size() - 1),
                     "execution runs past the last instruction");
                break;
            }
            ++executed_;
            if (limit_ != 0 && executed_ > limit_) {
                fail(pc_, p_.instruction_bound != 0
                              ? "executed more than the proven bound of " + std::to_string(p_.instruction_bound) +
                                    " instructions"
                              : "executed more than max_instructions (" + std::to_string(limit_) +
                                    ") with no proven bound");
                break;
            }
            if (!step()) break;
        }
        return result();
    }

private:
    const VerifiedProgram& p_;
    const std::vector<Insn>& code_;
    std::span<const HelperFn> helpers_;
    RunContext& rc_;

    std::uint64_t ctx_base_ = 0, ctx_size_ = 0, rodata_base_ = 0, rodata_size_ = 0, heap_base_ = 0, heap_size_ = 0;
    std::uint64_t shared_base_ = 0, shared_size_ = 0, data_base_ = 0, data_size_ = 0;
    std::vector<std::uint32_t> starts_;
    std::vector<std::uint32_t> frame_size_;
    std::size_t stack_size_ = 0;
    std::vector<std::uint8_t> stack_;
    std::vector<std::uint8_t> stack_state_;
    std::uint64_t stack_base_ = 0;
    std::vector<bool> second_slot_;
    const std::uint8_t* flags_ = nullptr;
    std::uint64_t limit_ = 0;
    std::uint64_t budget_ = 0;

    std::uint64_t r_[reg_count] = {};
    bool init_[reg_count] = {};
    bool pointer_[reg_count] = {};
    std::vector<Frame> frames_;
    std::uint64_t frame_top_ = 0;
    std::uint32_t function_ = 0;

    std::size_t pc_ = 0;
    std::uint64_t executed_ = 0;
    bool done_ = false;
    std::uint64_t value_ = 0;
    std::optional<Diagnostic> violation_;

    CheckedResult result() const {
        CheckedResult r;
        r.value = violation_ || rc_.aborted() ? 0 : value_;
        r.executed = executed_;
        r.violation = violation_;
        return r;
    }

    bool fail(std::size_t pc, std::string message, std::string hint = {}) {
        Diagnostic d;
        d.pc = static_cast<std::uint32_t>(pc);
        d.message = std::move(message);
        if (pc < code_.size()) d.message += " [" + disassemble(code_, pc) + "]";
        d.hint = std::move(hint);
        if (pc < p_.program.line_of.size()) {
            const std::uint32_t idx = p_.program.line_of[pc];
            if (idx != 0 && idx <= p_.program.lines.size()) d.where = p_.program.lines[idx - 1];
        }
        violation_ = std::move(d);
        done_ = true;
        return false;
    }

    void set(unsigned r, std::uint64_t v, bool is_pointer) {
        r_[r] = v;
        init_[r] = true;
        pointer_[r] = is_pointer;
    }

    bool read_reg(unsigned r) {
        if (init_[r]) return true;
        std::string message = "R";
        message += std::to_string(r);
        message += " is read before it is written";
        return fail(pc_, std::move(message));
    }

    // ---- regions ----

    static bool inside(std::uint64_t addr, std::uint64_t n, std::uint64_t base, std::uint64_t size) {
        return addr >= base && addr - base <= size && size - (addr - base) >= n;
    }

    std::uint64_t live_bottom() const { return frame_top_ - frame_size_[function_]; }

    Region region_of(std::uint64_t addr, std::uint64_t n) const {
        const std::uint64_t bottom = live_bottom();
        if (inside(addr, n, bottom, stack_base_ + stack_size_ - bottom)) return Region::stack;
        if (ctx_size_ != 0 && inside(addr, n, ctx_base_, ctx_size_)) return Region::ctx;
        if (rodata_size_ != 0 && inside(addr, n, rodata_base_, rodata_size_)) return Region::rodata;
        if (heap_size_ != 0 && inside(addr, n, heap_base_, heap_size_)) return Region::heap;
        if (shared_size_ != 0 && inside(addr, n, shared_base_, shared_size_)) return Region::heap;
        if (data_size_ != 0 && inside(addr, n, data_base_, data_size_)) return Region::data;
        return Region::none;
    }

    // Which region an address belongs to for pointer arithmetic (n = 0, any frame).
    Region owner(std::uint64_t addr) const {
        if (inside(addr, 0, stack_base_, stack_size_)) return Region::stack;
        if (inside(addr, 0, ctx_base_, ctx_size_)) return Region::ctx;
        if (inside(addr, 0, rodata_base_, rodata_size_)) return Region::rodata;
        if (heap_size_ != 0 && inside(addr, 0, heap_base_, heap_size_)) return Region::heap;
        if (shared_size_ != 0 && inside(addr, 0, shared_base_, shared_size_)) return Region::heap;
        if (data_size_ != 0 && inside(addr, 0, data_base_, data_size_)) return Region::data;
        return Region::none;
    }

    // An address described relative to the nearest region (inside it, or
    // the closest one within 4 KiB), else as a number.
    std::string where(std::uint64_t addr) const {
        struct Candidate {
            std::uint64_t base, size;
            int kind;
        };
        const Candidate candidates[] = {
            {stack_base_, stack_size_, 0}, {ctx_base_, ctx_size_, 1}, {heap_base_, heap_size_, 2},
            {rodata_base_, rodata_size_, 3}};
        const Candidate* best = nullptr;
        std::uint64_t best_distance = 4096;
        for (const Candidate& c : candidates) {
            if (c.size == 0 && c.kind != 0) continue;
            const std::uint64_t distance =
                addr < c.base ? c.base - addr : addr - c.base > c.size ? addr - c.base - c.size : 0;
            if (distance <= best_distance && (best == nullptr || distance < best_distance)) {
                best = &c;
                best_distance = distance;
            }
        }
        char buf[96];
        if (best == nullptr) {
            std::snprintf(buf, sizeof buf, "address 0x%llx", static_cast<unsigned long long>(addr));
            return buf;
        }
        const std::uint64_t base = best->kind == 0 ? frame_top_ : best->base;
        const auto rel = static_cast<long long>(addr - base);
        switch (best->kind) {
        case 0:
            std::snprintf(buf, sizeof buf, "R10%+lld (the current frame is %u bytes)", rel, frame_size_[function_]);
            break;
        case 1:
            std::snprintf(buf, sizeof buf, "ctx%+lld (the context is %llu bytes)", rel,
                          static_cast<unsigned long long>(ctx_size_));
            break;
        case 2:
            std::snprintf(buf, sizeof buf, "heap%+lld (the heap is %llu bytes)", rel,
                          static_cast<unsigned long long>(heap_size_));
            break;
        default:
            std::snprintf(buf, sizeof buf, "rodata%+lld (read-only data is %llu bytes)", rel,
                          static_cast<unsigned long long>(rodata_size_));
            break;
        }
        return buf;
    }

    // Checks an access of n bytes through register `base`; for a flagged
    // instruction outside the heap, aborts the run like interpret() does.
    // Returns the region, or none after a failure or an abort.
    Region check_access(unsigned base, std::uint64_t& addr, std::uint64_t n, bool write, bool atomic) {
        const bool heap_address = flags_ != nullptr && (flags_[pc_] & flag_heap_address) != 0;
        if (heap_address) {
            // A number used as an address: only a heap address, translated
            // into the arena, may be reached (exec.hpp heap_access).
            if (pointer_[base]) {
                fail(pc_, "an access flagged as through a heap address uses R" + std::to_string(base) +
                              ", which holds a pointer");
                return Region::none;
            }
            if (atomic) {
                fail(pc_, "atomic access through a heap address");
                return Region::none;
            }
            if (!vm::heap_access(rc_, flag_heap_address, addr, n)) {
                rc_.abort_pc = static_cast<std::uint32_t>(pc_);
                done_ = true;
                return Region::none;
            }
            if (!(heap_size_ != 0 && inside(addr, n, heap_base_, heap_size_))) {
                fail(pc_, "a heap address was translated outside the heap");
                return Region::none;
            }
            return Region::heap;
        }
        if (flags_ != nullptr && (flags_[pc_] & flag_heap_check)) {
            // Checked at run time: a heap pointer (NULL included, in xBGP
            // mode) reaches the arenas or stops the run.
            if (!(heap_size_ != 0 && inside(addr, n, heap_base_, heap_size_)) &&
                !(shared_size_ != 0 && inside(addr, n, shared_base_, shared_size_))) {
                rc_.abort_pc = static_cast<std::uint32_t>(pc_);
                done_ = true;
                return Region::none;
            }
            if (atomic && addr % n != 0) {
                fail(pc_, "atomic access at " + where(addr) + " is not aligned to " + std::to_string(n) + " bytes");
                return Region::none;
            }
            return Region::heap;
        }
        if (!pointer_[base]) {
            fail(pc_, "memory access through R" + std::to_string(base) + ", which holds a number, not a pointer");
            return Region::none;
        }
        const Region r = region_of(addr, n);
        if (r == Region::none) {
            fail(pc_, std::string(write ? "write" : "read") + " of " + std::to_string(n) + " bytes at " + where(addr) +
                          " is outside every region");
            return Region::none;
        }
        if (write && r == Region::rodata) {
            fail(pc_, "write to read-only data at " + where(addr));
            return Region::none;
        }
        if (atomic && addr % n != 0) {
            fail(pc_, "atomic access at " + where(addr) + " is not aligned to " + std::to_string(n) + " bytes");
            return Region::none;
        }
        return r;
    }

    // Stack bytes [addr, addr+n) all initialised? Sets `is_pointer` if any holds a pointer.
    bool stack_readable(std::uint64_t addr, std::uint64_t n, bool& is_pointer) {
        is_pointer = false;
        const std::size_t off = addr - stack_base_;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t s = stack_state_[off + k];
            if (!(s & byte_init)) {
                return fail(pc_, "read of uninitialised stack byte at " + where(addr + k));
            }
            if (s & byte_pointer) is_pointer = true;
        }
        return true;
    }

    void stack_written(std::uint64_t addr, std::uint64_t n, bool is_pointer) {
        const std::size_t off = addr - stack_base_;
        const std::uint8_t s = is_pointer ? (byte_init | byte_pointer) : byte_init;
        std::fill_n(stack_state_.begin() + static_cast<std::ptrdiff_t>(off), n, s);
    }

    void enter_frame(std::uint32_t function) {
        // The frame's bytes are stale from earlier calls: uninitialised again.
        const std::uint64_t bottom = frame_top_ - frame_size_[function];
        std::fill_n(stack_state_.begin() + static_cast<std::ptrdiff_t>(bottom - stack_base_), frame_size_[function], 0);
        if (p_.zero_frames)
            std::fill_n(stack_.begin() + static_cast<std::ptrdiff_t>(bottom - stack_base_), frame_size_[function], 0);
    }

    // ---- one instruction ----

    bool bad(const char* what) { return fail(pc_, std::string("invalid instruction: ") + what); }

    bool step() {
        if (second_slot_[pc_]) return fail(pc_, "execution reaches the second half of an lddw");
        const Insn i = code_[pc_];
        const unsigned dst = i.dst(), src = i.src();
        if (dst >= reg_count || src >= reg_count) return bad("register number above 10");
        switch (cls(i.code)) {
        case cls_alu:
        case cls_alu64: return alu(i);
        case cls_jmp:
        case cls_jmp32: return jump(i);
        case cls_ld: return lddw(i);
        case cls_ldx: return load(i);
        case cls_st:
        case cls_stx: return store(i);
        default: return bad("unknown class");
        }
    }

    bool write_target(unsigned dst) {
        if (dst == frame_pointer) return fail(pc_, "R10 is read-only");
        return true;
    }

    bool alu(const Insn& i) {
        const bool is64 = cls(i.code) == cls_alu64;
        const std::uint8_t o = op(i.code);
        const bool x = uses_src_reg(i.code);
        const unsigned d = i.dst(), s = i.src();
        // Field rules of RFC 9669 4.1/4.2.
        if (o == alu_neg) {
            if (x || s != 0 || i.off != 0 || i.imm != 0) return bad("neg uses no source, offset or immediate");
        } else if (o == alu_end) {
            if ((is64 && x) || s != 0 || i.off != 0 || (i.imm != 16 && i.imm != 32 && i.imm != 64)) {
                return bad("byte swap needs width 16, 32 or 64 and no source or offset");
            }
        } else if (o > alu_end) {
            return bad("unknown ALU operation");
        } else {
            if (x && i.imm != 0) return bad("register-source ALU with a non-zero immediate");
            if (!x && s != 0) return bad("immediate ALU with a non-zero source register");
            if (o == alu_div || o == alu_mod) {
                if (i.off != 0 && i.off != 1) return bad("div/mod offset other than 0 or 1");
            } else if (o == alu_mov && x) {
                if (i.off != 0 && i.off != 8 && i.off != 16 && !(is64 && i.off == 32)) return bad("movsx width");
            } else if (i.off != 0) {
                return bad("ALU with a non-zero offset");
            }
        }
        if (!write_target(d)) return false;

        std::uint64_t a = 0;
        bool a_ptr = false;
        if (o != alu_mov) {
            if (!read_reg(d)) return false;
            a = r_[d];
            a_ptr = pointer_[d];
        }
        std::uint64_t b = 0;
        bool b_ptr = false;
        if (o != alu_neg && o != alu_end) {
            if (x) {
                if (!read_reg(s)) return false;
                b = r_[s];
                b_ptr = pointer_[s];
            } else {
                b = is64 ? imm64(i.imm) : static_cast<std::uint32_t>(i.imm);
            }
        }

        std::uint64_t v = 0;
        if (o == alu_neg) {
            v = is64 ? std::uint64_t{0} - a : std::uint64_t{0u - static_cast<std::uint32_t>(a)};
        } else if (o == alu_end) {
            v = detail::endian(a, i.imm, is64 || x);
        } else if (o == alu_mov) {
            v = x && i.off != 0 ? detail::sign_extend(b, i.off) : b;
            if (!is64) v = static_cast<std::uint32_t>(v);
        } else if (is64) {
            v = detail::alu64(o, a, b, i.off == 1);
        } else {
            v = detail::alu32(o, static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), i.off == 1);
        }

        // The pointer tag: kept through any operation on a pointer, except a
        // whole 64-bit copy (the same pointer) and the difference of two
        // pointers into one region (a number).
        bool tagged = a_ptr || b_ptr;
        if (o == alu_sub && is64 && a_ptr && b_ptr && owner(a) == owner(b) && owner(a) != Region::none) tagged = false;
        set(d, v, tagged);
        ++pc_;
        return true;
    }

    bool jump_to(std::int64_t offset) {
        const std::int64_t target = static_cast<std::int64_t>(pc_) + 1 + offset;
        if (target < 0 || target >= static_cast<std::int64_t>(code_.size())) {
            return fail(pc_, "jump to " + std::to_string(target) + ", outside the program (0.." +
                                 std::to_string(code_.size() - 1) + ")");
        }
        if (second_slot_[static_cast<std::size_t>(target)]) {
            return fail(pc_, "jump into the second half of the lddw at " + std::to_string(target - 1));
        }
        pc_ = static_cast<std::size_t>(target);
        return true;
    }

    bool jump(const Insn& i) {
        const bool is32 = cls(i.code) == cls_jmp32;
        const std::uint8_t o = op(i.code);
        const bool x = uses_src_reg(i.code);
        if (flags_ != nullptr && (flags_[pc_] & flag_loop_budget) && o != jmp_call && o != jmp_exit) {
            // A loop bounded at run time: as the executors do.
            if (!vm::pay_loop(p_, static_cast<std::uint32_t>(pc_), budget_)) {
                rc_.abort_pc = static_cast<std::uint32_t>(pc_);
                done_ = true;
                return false;
            }
        }
        if (o == jmp_ja) {
            if (x || i.dst() != 0 || i.src() != 0) return bad("ja with registers");
            if (is32) {
                if (i.off != 0) return bad("ja32 keeps its offset in imm; off must be 0");
                return jump_to(i.imm);
            }
            if (i.imm != 0) return bad("ja with a non-zero immediate");
            return jump_to(i.off);
        }
        if (o == jmp_call) {
            if (is32 || x || i.dst() != 0 || i.off != 0) return bad("call fields");
            if (i.src() == pseudo_call) return local_call(i);
            if (i.src() != 0) return bad("call with an unknown source (only helpers and local functions)");
            return helper_call(i);
        }
        if (o == jmp_exit) {
            if (is32 || x || i.dst() != 0 || i.src() != 0 || i.off != 0 || i.imm != 0) return bad("exit fields");
            return exit_function();
        }
        if (o == 0xe0 || o == 0xf0) return bad("unknown jump operation");
        if (x ? i.imm != 0 : i.src() != 0) return bad("jump with both a register and an immediate");
        if (!read_reg(i.dst())) return false;
        std::uint64_t b = 0;
        if (x) {
            if (!read_reg(i.src())) return false;
            b = r_[i.src()];
        } else {
            b = is32 ? static_cast<std::uint32_t>(i.imm) : imm64(i.imm);
        }
        const std::uint64_t a = r_[i.dst()];
        const bool taken = is32 ? detail::jump32(o, static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b))
                                : detail::jump64(o, a, b);
        if (taken) return jump_to(i.off);
        ++pc_;
        return true;
    }

    bool local_call(const Insn& i) {
        const std::int64_t target = static_cast<std::int64_t>(pc_) + 1 + i.imm;
        if (target < 0 || target >= static_cast<std::int64_t>(code_.size())) {
            return fail(pc_, "local call to " + std::to_string(target) + ", outside the program");
        }
        const auto it = std::lower_bound(starts_.begin(), starts_.end(), static_cast<std::uint32_t>(target));
        if (it == starts_.end() || *it != target) {
            return fail(pc_, "local call to " + std::to_string(target) + ", which is not the start of a function");
        }
        if (frames_.size() + 1 > p_.options.max_call_depth) {
            return fail(pc_, "call depth beyond " + std::to_string(p_.options.max_call_depth));
        }
        const auto callee = static_cast<std::uint32_t>(it - starts_.begin());
        const std::uint64_t new_top = frame_top_ - frame_size_[function_];
        if (new_top - stack_base_ < frame_size_[callee]) {
            return fail(pc_, "the chain of frames exceeds stack_size (" + std::to_string(stack_size_) + " bytes)");
        }
        Frame f{};
        for (unsigned k = 0; k < 4; ++k) {
            f.saved[k] = r_[6 + k];
            f.saved_init[k] = init_[6 + k];
            f.saved_pointer[k] = pointer_[6 + k];
            init_[6 + k] = false;
            pointer_[6 + k] = false;
        }
        init_[0] = false;
        f.frame_top = frame_top_;
        f.return_pc = static_cast<std::uint32_t>(pc_ + 1);
        f.function = function_;
        frames_.push_back(f);
        frame_top_ = new_top;
        function_ = callee;
        set(frame_pointer, new_top, true);
        enter_frame(callee);
        pc_ = static_cast<std::size_t>(target);
        return true;
    }

    bool exit_function() {
        if (!init_[0]) return fail(pc_, "R0 is not set at exit");
        if (frames_.empty()) {
            if (pointer_[0]) return fail(pc_, "R0 holds a pointer at exit: an address would leak to the host's caller");
            value_ = r_[0];
            done_ = true;
            return true;
        }
        const Frame f = frames_.back();
        frames_.pop_back();
        for (unsigned k = 0; k < 4; ++k) {
            r_[6 + k] = f.saved[k];
            init_[6 + k] = f.saved_init[k];
            pointer_[6 + k] = f.saved_pointer[k];
        }
        for (unsigned k = 1; k <= 5; ++k) init_[k] = false;
        frame_top_ = f.frame_top;
        function_ = f.function;
        set(frame_pointer, frame_top_, true);
        pc_ = f.return_pc;
        return true;
    }

    // Helper memory argument [addr, addr+n): inside a region, initialised if
    // it is read, writable if it is written.
    bool helper_memory(unsigned reg, std::uint64_t n, bool reads, bool writes) {
        if (!pointer_[reg]) {
            return fail(pc_, "helper memory argument R" + std::to_string(reg) + " holds a number, not a pointer");
        }
        if (n == 0) return true;
        const std::uint64_t addr = r_[reg];
        const Region r = region_of(addr, n);
        if (r == Region::none) {
            return fail(pc_, "helper memory argument R" + std::to_string(reg) + " (" + std::to_string(n) +
                                 " bytes at " + where(addr) + ") is outside every region");
        }
        if (writes && r == Region::rodata) return fail(pc_, "helper writes read-only data through R" + std::to_string(reg));
        if (reads && r == Region::stack) {
            bool ptr = false;
            if (!stack_readable(addr, n, ptr)) return false;
            if (ptr) return fail(pc_, "helper reads a pointer stored on the stack through R" + std::to_string(reg));
        }
        return true;
    }

    // A helper argument read in a zeroed frame (obj_in, str_in,
    // ptr_struct_in): inside a region; on the stack, bytes never written are
    // 0 (zero_frames), and pointer bytes only where pointers are expected.
    bool zeroed_memory(unsigned reg, std::uint64_t n, bool pointers_expected) {
        if (!pointer_[reg]) return fail(pc_, "helper argument R" + std::to_string(reg) + " holds a number, not a pointer");
        const std::uint64_t addr = r_[reg];
        const Region r = region_of(addr, n);
        if (r == Region::none)
            return fail(pc_, "helper argument R" + std::to_string(reg) + " (" + std::to_string(n) + " bytes at " +
                                 where(addr) + ") is outside every region");
        if (r != Region::stack) return true;
        if (!p_.zero_frames) return fail(pc_, "a helper reads unwritten stack bytes but frames are not zeroed");
        const std::size_t off = addr - stack_base_;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t st = stack_state_[off + k];
            if ((st & byte_pointer) && !pointers_expected)
                return fail(pc_, "helper reads a pointer stored on the stack through R" + std::to_string(reg));
            if (!(st & byte_init) && stack_[off + k] != 0)
                return fail(pc_, "helper reads an unwritten stack byte that is not 0 at " + where(addr + k));
        }
        return true;
    }

    bool helper_call(const Insn& i) {
        if (i.imm < 0 || static_cast<std::size_t>(i.imm) >= helpers_.size() || helpers_[static_cast<std::size_t>(i.imm)] == nullptr) {
            return fail(pc_, "call to helper " + std::to_string(i.imm) + ", which is not registered");
        }
        const auto index = static_cast<std::size_t>(i.imm);
        const HelperSignature* sig = index < p_.options.helpers.size() ? &p_.options.helpers[index] : nullptr;
        struct Out {
            std::uint64_t addr, n;
        };
        std::vector<Out> outputs;
        if (flags_ != nullptr && (flags_[pc_] & (flag_helper_check | flag_frame_bounds))) {
            // What the executors do before such a call (exec.hpp helper_check).
            rc_.frame_lo = live_bottom();
            rc_.frame_hi = frame_top_;
            rc_.rodata = rodata_base_;
            rc_.rodata_size = rodata_size_;
            for (const HelperCheck& c : p_.helper_checks) {
                if (c.pc != pc_) continue;
                if (c.ptr_reg < 1 || c.ptr_reg > 5 || c.size_reg > 5)
                    return fail(pc_, "a helper check names a register other than R1-R5");
                const bool translate =
                    (c.mode == HelperCheck::Mode::heap || c.mode == HelperCheck::Mode::heap_fixed) && !pointer_[c.ptr_reg];
                if (!vm::helper_check(rc_, c, r_)) {
                    rc_.abort_pc = static_cast<std::uint32_t>(pc_);
                    done_ = true;
                    return false;
                }
                // now the host address in the arena (or NULL, which heap_or_null's check lets through)
                if (translate && r_[c.ptr_reg] != 0) pointer_[c.ptr_reg] = true;
            }
        }
        if (sig != nullptr) {
            if (sig->arg_count > 5) return fail(pc_, "helper signature with more than 5 arguments");
            for (unsigned k = 0; k < sig->arg_count; ++k) {
                const unsigned reg = k + 1;
                if (!read_reg(reg)) return false;
                const ArgKind kind = sig->args[k];
                const bool sized = kind == ArgKind::mem_in || kind == ArgKind::mem_out;
                if (kind == ArgKind::number || kind == ArgKind::size) {
                    if (pointer_[reg]) {
                        return fail(pc_, "R" + std::to_string(reg) + " holds a pointer and is passed to " + sig->name +
                                             " as a number: an address would leak");
                    }
                    if (kind == ArgKind::size && r_[reg] > max_helper_size) {
                        return fail(pc_, "size argument R" + std::to_string(reg) + " = " + std::to_string(r_[reg]) +
                                             " exceeds " + std::to_string(max_helper_size));
                    }
                } else if (sized) {
                    if (k + 1 >= sig->arg_count || sig->args[k + 1] != ArgKind::size) {
                        return fail(pc_, "helper signature: a memory argument is not followed by its size");
                    }
                    if (!read_reg(reg + 1)) return false;
                    const std::uint64_t n = r_[reg + 1];
                    if (pointer_[reg + 1]) return fail(pc_, "size argument R" + std::to_string(reg + 1) + " holds a pointer");
                    if (n > max_helper_size) {
                        return fail(pc_, "size argument R" + std::to_string(reg + 1) + " = " + std::to_string(n) +
                                             " exceeds " + std::to_string(max_helper_size));
                    }
                    if (!helper_memory(reg, n, kind == ArgKind::mem_in, kind == ArgKind::mem_out)) return false;
                    if (kind == ArgKind::mem_out) outputs.push_back({r_[reg], n});
                } else if (kind == ArgKind::heap_or_null) {
                    if (pointer_[reg] && region_of(r_[reg], 1) != Region::heap) {
                        return fail(pc_, "R" + std::to_string(reg) + " points outside the heap and is passed to " +
                                             sig->name + " as a heap pointer: an address would leak");
                    }
                } else if (kind == ArgKind::mem_fixed) {
                    if (!helper_memory(reg, sig->fixed_size, true, true)) return false;
                    outputs.push_back({r_[reg], sig->fixed_size});
                } else if (kind == ArgKind::size_rt) {
                    if (pointer_[reg]) return fail(pc_, "length argument R" + std::to_string(reg) + " holds a pointer");
                } else if (kind == ArgKind::mem_in_rt || kind == ArgKind::mem_out_rt) {
                    const int sk = sig->size_arg[k] < 0 ? static_cast<int>(k) + 1 : sig->size_arg[k];
                    if (sk >= sig->arg_count) return fail(pc_, "helper signature: a buffer without its length");
                    const unsigned sr = static_cast<unsigned>(sk) + 1;
                    if (!read_reg(sr)) return false;
                    if (pointer_[sr]) return fail(pc_, "length argument R" + std::to_string(sr) + " holds a pointer");
                    const bool out = kind == ArgKind::mem_out_rt;
                    if (!helper_memory(reg, r_[sr], !out, out)) return false;
                    if (out) outputs.push_back({r_[reg], r_[sr]});
                } else if (kind == ArgKind::obj_in) {
                    if (!zeroed_memory(reg, sig->arg_size[k], false)) return false;
                } else if (kind == ArgKind::in_fixed || kind == ArgKind::in_fixed_or_null ||
                           kind == ArgKind::out_fixed || kind == ArgKind::obj_out) {
                    if (kind == ArgKind::in_fixed_or_null && !pointer_[reg] && r_[reg] == 0) continue;
                    const bool out = kind == ArgKind::out_fixed || kind == ArgKind::obj_out;
                    if (!helper_memory(reg, sig->arg_size[k], !out, out)) return false;
                    if (out) outputs.push_back({r_[reg], sig->arg_size[k]});
                } else if (kind == ArgKind::str_in) {
                    if (!zeroed_memory(reg, 1, false)) return false;
                } else if (kind == ArgKind::ptr_struct_in) {
                    if (!zeroed_memory(reg, sig->arg_size[k], true)) return false;
                }
            }
        }
        std::uint64_t ret_size = sig != nullptr ? sig->ret_size : 0;
        if (sig != nullptr && sig->ret_size_arg >= 0 && sig->ret_size_arg < 5) ret_size = r_[sig->ret_size_arg + 1];

        const std::uint64_t first = r_[1];
        const bool first_pointer = pointer_[1] && init_[1];
        const std::uint64_t v = helpers_[index](r_[1], r_[2], r_[3], r_[4], r_[5]);

        for (const Out& o : outputs) {
            if (region_of(o.addr, o.n) == Region::stack) stack_written(o.addr, o.n, false);
        }
        for (unsigned k = 1; k <= 5; ++k) {
            init_[k] = false;
            pointer_[k] = false;
        }
        if (sig != nullptr && sig->ret == RetKind::first_arg) {
            if (v != first) return fail(pc_, "helper " + sig->name + " did not return its first argument");
            set(0, v, first_pointer);
            ++pc_;
            return true;
        }
        const bool returns_pointer = sig != nullptr && sig->ret == RetKind::heap_or_null && v != 0;
        if (returns_pointer && !(heap_size_ != 0 && inside(v, ret_size, heap_base_, heap_size_)) &&
            !(shared_size_ != 0 && inside(v, ret_size, shared_base_, shared_size_))) {
            return fail(pc_, "helper " + sig->name + " returned " + std::to_string(ret_size) + " bytes at " + where(v) +
                                 ", not inside the heap");
        }
        set(0, v, returns_pointer);
        ++pc_;
        return true;
    }

    bool lddw(const Insn& i) {
        if (i.code != op_lddw) return bad("legacy packet loads and other LD forms are not supported");
        if (pc_ + 1 >= code_.size()) return fail(pc_, "lddw in the last slot has no second half");
        const Insn& hi = code_[pc_ + 1];
        if (hi.code != 0 || hi.regs != 0 || hi.off != 0) return bad("lddw second half with non-zero fields");
        if (i.off != 0) return bad("lddw with an offset");
        if (i.src() != 0 && i.src() != pseudo_rodata && i.src() != pseudo_data)
            return bad("lddw source other than an immediate, rodata or data");
        if (!write_target(i.dst())) return false;
        const std::uint64_t value = static_cast<std::uint32_t>(i.imm) | (std::uint64_t{static_cast<std::uint32_t>(hi.imm)} << 32);
        if (i.src() == pseudo_rodata) set(i.dst(), rodata_base_ + value, true);
        else if (i.src() == pseudo_data) set(i.dst(), data_base_ + value, true);
        else set(i.dst(), value, false);
        pc_ += 2;
        return true;
    }

    template <typename T>
    static T read_memory(std::uint64_t addr) {
        T v;
        std::memcpy(&v, reinterpret_cast<const void*>(static_cast<std::uintptr_t>(addr)), sizeof v);
        return v;
    }

    bool load(const Insn& i) {
        const bool sx = mode(i.code) == mode_memsx;
        if ((mode(i.code) != mode_mem && !sx) || (sx && size(i.code) == size_dw)) return bad("unknown load mode");
        if (i.imm != 0) return bad("load with a non-zero immediate");
        if (!write_target(i.dst()) || !read_reg(i.src())) return false;
        const std::uint64_t n = size_bytes(i.code);
        std::uint64_t addr = r_[i.src()] + imm64(i.off);
        const Region r = check_access(i.src(), addr, n, false, false);
        if (r == Region::none) return false;
        bool ptr = false;
        if (r == Region::stack && !stack_readable(addr, n, ptr)) return false;
        std::uint64_t v = 0;
        switch (n) {
        case 1: v = read_memory<std::uint8_t>(addr); break;
        case 2: v = read_memory<std::uint16_t>(addr); break;
        case 4: v = read_memory<std::uint32_t>(addr); break;
        default: v = read_memory<std::uint64_t>(addr); break;
        }
        if (sx) v = detail::sign_extend(v, static_cast<int>(8 * n));
        set(i.dst(), v, ptr);
        ++pc_;
        return true;
    }

    static void write_memory(std::uint64_t addr, std::uint64_t v, std::uint64_t n) {
        void* p = reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr));
        switch (n) {
        case 1: { const auto x = static_cast<std::uint8_t>(v); std::memcpy(p, &x, 1); break; }
        case 2: { const auto x = static_cast<std::uint16_t>(v); std::memcpy(p, &x, 2); break; }
        case 4: { const auto x = static_cast<std::uint32_t>(v); std::memcpy(p, &x, 4); break; }
        default: std::memcpy(p, &v, 8); break;
        }
    }

    bool store(const Insn& i) {
        const bool is_stx = cls(i.code) == cls_stx;
        if (is_stx && mode(i.code) == mode_atomic) return atomic(i);
        if (mode(i.code) != mode_mem) return bad("unknown store mode");
        if (is_stx ? i.imm != 0 : i.src() != 0) return bad("store with both a register and an immediate");
        if (!read_reg(i.dst())) return false;
        std::uint64_t v = imm64(i.imm);
        bool ptr = false;
        if (is_stx) {
            if (!read_reg(i.src())) return false;
            v = r_[i.src()];
            ptr = pointer_[i.src()];
        }
        const std::uint64_t n = size_bytes(i.code);
        std::uint64_t addr = r_[i.dst()] + imm64(i.off);
        const Region r = check_access(i.dst(), addr, n, true, false);
        if (r == Region::none) return false;
        if (ptr && r != Region::stack) {
            return fail(pc_, "a pointer is stored into " + std::string(region_of_name(r)) + ": an address would leak");
        }
        write_memory(addr, v, n);
        if (r == Region::stack) stack_written(addr, n, ptr);
        ++pc_;
        return true;
    }

    static const char* region_of_name(Region r) { return region_name(r); }

    bool atomic(const Insn& i) {
        const std::uint64_t n = size_bytes(i.code);
        if (n != 4 && n != 8) return bad("atomic of 1 or 2 bytes");
        const std::int32_t a = i.imm;
        const bool known = a == atomic_add || a == atomic_or || a == atomic_and || a == atomic_xor ||
                           a == (atomic_add | atomic_fetch) || a == (atomic_or | atomic_fetch) ||
                           a == (atomic_and | atomic_fetch) || a == (atomic_xor | atomic_fetch) || a == atomic_xchg ||
                           a == atomic_cmpxchg;
        if (!known) return bad("unknown atomic operation");
        if (!read_reg(i.dst()) || !read_reg(i.src())) return false;
        const bool cmpxchg = a == atomic_cmpxchg;
        if (cmpxchg && !read_reg(0)) return false;
        const bool fetch = (a & atomic_fetch) != 0 && !cmpxchg;
        if (fetch && !write_target(i.src())) return false;
        std::uint64_t addr = r_[i.dst()] + imm64(i.off);
        const Region r = check_access(i.dst(), addr, n, true, true);
        if (r == Region::none) return false;
        bool old_ptr = false;
        if (r == Region::stack && !stack_readable(addr, n, old_ptr)) return false;
        const bool src_ptr = pointer_[i.src()];
        if (src_ptr && r != Region::stack) {
            return fail(pc_, "a pointer is stored into " + std::string(region_name(r)) + ": an address would leak");
        }
        const std::uint64_t mask = n == 8 ? ~std::uint64_t{0} : 0xffffffffu;
        const std::uint64_t old = n == 8 ? read_memory<std::uint64_t>(addr) : read_memory<std::uint32_t>(addr);
        const std::uint64_t s = r_[i.src()] & mask;
        std::uint64_t next = old;
        bool next_ptr = old_ptr || src_ptr;
        switch (a & ~atomic_fetch) {
        case atomic_add: next = (old + s) & mask; break;
        case atomic_or: next = old | s; break;
        case atomic_and: next = old & s; break;
        case atomic_xor: next = old ^ s; break;
        case atomic_xchg & ~atomic_fetch: next = s; next_ptr = src_ptr; break;
        case atomic_cmpxchg & ~atomic_fetch:
            if ((r_[0] & mask) == old) {
                next = s;
                next_ptr = src_ptr;
            } else {
                next_ptr = old_ptr;
            }
            break;
        default: break;
        }
        write_memory(addr, next, n);
        if (r == Region::stack) stack_written(addr, n, next_ptr);
        if (cmpxchg) set(0, old, old_ptr);
        else if (fetch) set(i.src(), old, old_ptr);
        ++pc_;
        return true;
    }
};

}  // namespace

CheckedResult interpret_checked(const VerifiedProgram& p, std::span<const HelperFn> helpers, RunContext& rc,
                                std::size_t ctx_size) noexcept {
    try {
        CheckedRun run(p, helpers, rc, ctx_size);
        return run.run();
    } catch (const std::bad_alloc&) {
        CheckedResult r;
        r.violation = Diagnostic{0, "out of memory in the checked interpreter", {}, {}};
        return r;
    }
}

}  // namespace mempool::vm
