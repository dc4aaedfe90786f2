// transfer.cpp: one instruction's effect on the abstract state (ALU, LDDW,
// loads, stores, atomics, conditional jumps, local calls). Each refusal
// names the part of the invariant (docs/verifier.md) it protects: (M) no
// access outside the plugin's regions, (A) no address becomes a number the
// plugin sees, (I) no uninitialised data is read.
#include "analysis.hpp"
#include "isa_table.hpp"

#include <algorithm>
#include <optional>

namespace mempool::vm::detail {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;

std::string reg(unsigned r) {
    std::string s = "R";  // appended: GCC 12 warns wrongly on "R" + std::to_string(r)
    s += std::to_string(r);
    return s;
}

u64 sext_imm(std::int32_t imm) { return static_cast<u64>(static_cast<i64>(imm)); }

AluOp alu_op(std::uint8_t op, std::int16_t off) {
    switch (op) {
    case isa::alu_add: return AluOp::add;
    case isa::alu_sub: return AluOp::sub;
    case isa::alu_mul: return AluOp::mul;
    case isa::alu_div: return off == 1 ? AluOp::sdiv : AluOp::udiv;
    case isa::alu_mod: return off == 1 ? AluOp::smod : AluOp::umod;
    case isa::alu_or: return AluOp::bit_or;
    case isa::alu_and: return AluOp::bit_and;
    case isa::alu_lsh: return AluOp::lsh;
    case isa::alu_rsh: return AluOp::rsh;
    case isa::alu_xor: return AluOp::bit_xor;
    case isa::alu_arsh: return AluOp::arsh;
    case isa::alu_neg: return AluOp::neg;
    default: return AluOp::mov;
    }
}

const char* op_name(std::uint8_t op) {
    switch (op) {
    case isa::alu_mul: return "multiplication";
    case isa::alu_div: return "division";
    case isa::alu_mod: return "modulo";
    case isa::alu_or: return "bitwise or";
    case isa::alu_and: return "bitwise and";
    case isa::alu_xor: return "bitwise xor";
    case isa::alu_lsh: case isa::alu_rsh: case isa::alu_arsh: return "a shift";
    case isa::alu_neg: return "negation";
    case isa::alu_end: return "a byte swap";
    default: return "this operation";
    }
}

Cmp cmp_of(std::uint8_t op) {
    switch (op) {
    case isa::jmp_jeq: return Cmp::eq;
    case isa::jmp_jne: return Cmp::ne;
    case isa::jmp_jgt: return Cmp::gt;
    case isa::jmp_jge: return Cmp::ge;
    case isa::jmp_jlt: return Cmp::lt;
    case isa::jmp_jle: return Cmp::le;
    case isa::jmp_jsgt: return Cmp::sgt;
    case isa::jmp_jsge: return Cmp::sge;
    case isa::jmp_jslt: return Cmp::slt;
    case isa::jmp_jsle: return Cmp::sle;
    default: return Cmp::set;
    }
}

// A number that may be added to a pointer: |x| < 2^31, so offsets stay far
// from wrapping however many such additions a run makes.
bool bounded_step(const Scalar& x) { return x.smin > -(i64{1} << 31) && x.smax < (i64{1} << 31); }

// The value of a load of `size` bytes the verifier knows nothing about.
Value unknown_bytes(unsigned size) { return Value::number(Scalar::width(8 * size)); }

// Every copy of a checked heap pointer learns the check's outcome: on the
// NULL side it is the number it holds (its offset), otherwise non-null.
template <typename F>
void each_value(State& s, F f) {
    for (Value& v : s.regs) f(v);
    for (Frame& fr : s.frames)
        for (Slot& sl : fr.slots)
            if (sl.spilled) f(sl.spill);
}

void learn_null(State& s, const Value& p, unsigned r, bool is_null) {
    const auto apply = [&](Value& v) {
        if (is_null) v = Value::number(v.num);
        else v.nullable = false;
    };
    if (p.id == 0) {
        apply(s.regs[r]);
        return;
    }
    each_value(s, [&](Value& v) {
        if (v.kind == Kind::heap && v.nullable && v.id == p.id) apply(v);
    });
}

// What a comparison proved of register r, taught to every value linked to
// it (Value::link: each holds V >> its shift, for one number V); false when
// a linked value cannot satisfy it (the path cannot happen).
bool learn_linked(State& s, unsigned r) {
    // (tested before copying the register: most values are linked to nothing)
    if (s.regs[r].kind != Kind::scalar || s.regs[r].link == 0) return true;
    const Value known = s.regs[r];
    bool possible = true;
    each_value(s, [&](Value& v) {
        if (&v == &s.regs[r] || v.kind != Kind::scalar || v.link != known.link || !possible) return;
        const std::uint64_t lo = known.num.umin, hi = known.num.umax;
        Scalar range;
        if (v.shift == known.shift) {
            range = known.num;
        } else if (v.shift < known.shift) {  // known = v >> d: v is in [lo << d, (hi << d) | (2^d - 1)]
            const unsigned d = known.shift - v.shift;
            if ((hi >> (64 - d)) != 0) return;  // (a bound wider than a shifted number can be)
            range = Scalar::range(lo << d, (hi << d) | ((u64{1} << d) - 1));
        } else {  // v = known >> d
            const unsigned d = v.shift - known.shift;
            range = Scalar::range(lo >> d, hi >> d);
        }
        if (auto m = meet(v.num, range)) v.num = *m;
        else possible = false;
    });
    return possible;
}

// An 8-byte stack read at an offset that is not known but is a multiple of
// 8 (a table of spilled values indexed by a bounded number: clang lowers a
// switch over strings to one): the join of the whole slots it may read, each
// a spilled value or eight initialised bytes of numbers. False when some
// candidate is neither (the byte-wise check then reports it).
bool table_read(const State& s, const Value& base, std::int64_t off, Value& out) {
    if ((base.num.mask & 7) != 0 || ((base.num.value + static_cast<u64>(off)) & 7) != 0) return false;
    const i64 lo = base.num.smin + off, hi = base.num.smax + off;
    const std::vector<Slot>& slots = s.frames[base.frame].slots;
    std::optional<Value> r;
    for (i64 o = lo + ((8 - (lo % 8 + 8) % 8) % 8); o <= hi; o += 8) {
        const std::uint32_t k = slot_of(o);
        if (k >= slots.size()) return false;
        const Slot& sl = slots[k];
        Value v;
        if (sl.spilled) v = sl.spill;
        else if (sl.readable_bytes() == 0xff && sl.tainted == 0) v = Value::number(Scalar::top());
        else return false;
        r = r ? join(*r, v) : v;
    }
    if (!r) return false;
    out = *r;
    // One of several slots: a 0 in one says nothing of the object another
    // holds, so a NULL check of what was read teaches no copy (join_in).
    if (out.kind == Kind::heap && out.nullable) out.id = 0;
    return true;
}

}  // namespace

void Analysis::report_unset(const Value& v, std::uint32_t pc, unsigned r, const char* as) {
    if (v.refused) return;  // its refusal is already reported
    report(pc, "(I) " + reg(r) + " is used as " + as + " but is not set on every path to here",
           "set it first (a helper call clobbers R1-R5; a register holding different kinds on two paths is unusable)");
}

bool Analysis::step(State& s, std::uint32_t pc) {
    const Insn& in = program_.code[pc];
    switch (shape_of(in.code)) {
    case Shape::alu:
    case Shape::divmod:
    case Shape::neg:
    case Shape::mov:
    case Shape::endian: alu(s, pc, in); return true;
    case Shape::lddw: lddw(s, pc, in); return true;
    case Shape::ldx:
    case Shape::ldsx: load(s, pc, in); return true;
    case Shape::st:
    case Shape::stx: store(s, pc, in); return true;
    case Shape::atomic: atomic(s, pc, in); return true;
    case Shape::call:
        if (in.src() == isa::pseudo_call) return local_call(s, pc, in);
        helper_call(s, pc, in);
        return true;
    default: return true;
    }
}

void Analysis::alu(State& s, std::uint32_t pc, const Insn& in) {
    const bool is64 = isa::cls(in.code) == isa::cls_alu64;
    const Shape shape = shape_of(in.code);
    const std::uint8_t op = isa::op(in.code);
    const unsigned d = in.dst();
    Value& dst = s.regs[d];

    if (shape == Shape::mov) {
        if (!isa::uses_src_reg(in.code)) {
            dst = Value::number(Scalar::constant(is64 ? sext_imm(in.imm) : static_cast<std::uint32_t>(in.imm)));
            return;
        }
        const Value src = s.regs[in.src()];
        // A 32-bit move of a number known to fit in 32 bits copies it whole
        // (clang clamps `min(n, 64)` on such a copy, then counts n down).
        const bool whole = !is64 && in.off == 0 && src.kind == Kind::scalar && src.num.umax <= UINT32_MAX;
        if ((is64 && in.off == 0) || whole) {  // a plain copy keeps whatever it copies, unusable values included
            if (src.kind == Kind::scalar && src.link == 0 && d != in.src()) {
                // The copies are linked: a bound later proven on one holds
                // for the other. The link is named after this instruction, so
                // a loop re-linking here reaches the same state again; what
                // an earlier pass linked under this name is unlinked first.
                const std::uint32_t link = pc + 1;
                each_value(s, [&](Value& v) {
                    if (v.link == link) v.link = 0, v.shift = 0;
                });
                s.regs[in.src()].link = link;
                s.regs[in.src()].shift = 0;
            }
            dst = s.regs[in.src()];
            return;
        }
        if (!use(s, pc, in.src(), "an operand")) {
            dst = Value::poisoned();
            return;
        }
        if (src.is_pointer()) {
            report(pc, "(A) a 32-bit or sign-extending move of " + src.describe() + " would expose address bits");
            dst = Value::poisoned();
            return;
        }
        Scalar r = in.off == 0 ? src.num : sign_extend(src.num, static_cast<unsigned>(in.off));
        dst = Value::number(is64 ? r : truncate(r, 32));
        return;
    }
    if (shape == Shape::neg || shape == Shape::endian) {
        const Value* v = use(s, pc, d, "an operand");
        if (!v) return;
        if (v->is_pointer()) {
            report(pc, std::string("(A) ") + op_name(op) + " of " + v->describe() + " would expose its address");
            dst = Value::poisoned();
            return;
        }
        const unsigned width = static_cast<unsigned>(in.imm);
        Scalar r;
        if (shape == Shape::neg) r = vm::alu(AluOp::neg, v->num, v->num, is64);
        else if (is64 || isa::uses_src_reg(in.code)) r = byte_swap(v->num, width);  // bswap, or be on little-endian
        else r = truncate(v->num, width);                                             // le on little-endian
        dst = Value::number(r);
        return;
    }

    const bool by_reg = isa::uses_src_reg(in.code);
    const Value src = by_reg ? s.regs[in.src()]
                             : Value::number(Scalar::constant(is64 ? sext_imm(in.imm) : static_cast<std::uint32_t>(in.imm)));
    const bool src_ok = !by_reg || use(s, pc, in.src(), "an operand");
    const bool dst_ok = use(s, pc, d, "an operand") != nullptr;
    if (!src_ok || !dst_ok) {
        dst = Value::poisoned();
        return;
    }
    const AluOp aop = alu_op(op, in.off);
    if (dst.kind == Kind::scalar && src.kind == Kind::scalar) {
        const std::uint32_t link = dst.link;
        const unsigned shift = dst.shift + static_cast<unsigned>(src.num.value & 63);
        dst = Value::number(vm::alu(aop, dst.num, src.num, is64));
        if (link != 0 && is64 && aop == AluOp::rsh && src.num.is_constant() && shift < 64) {
            dst.link = link;  // still V >> shift: a logical shift by a known amount keeps the link
            dst.shift = static_cast<std::uint8_t>(shift);
        }
        return;
    }
    // Pointer arithmetic: only what keeps a pointer a pointer (M) or gives a
    // distance between two pointers of one region (A: no address in it).
    if (is64 && (aop == AluOp::add || aop == AluOp::sub)) {
        if (dst.is_pointer() && src.kind == Kind::scalar) {
            if (bounded_step(src.num) || (options_.heap_addresses && dst.kind == Kind::heap)) {
                // xBGP: a heap pointer may move anywhere; every access through
                // it is then checked at run time, and it may no longer be
                // compared (the comparison could see the address wrap).
                dst.num = aop == AluOp::add ? add(dst.num, src.num) : sub(dst.num, src.num);
                return;
            }
            report(pc, "(M) moves " + dst.describe() + " by a number that may be " + src.num.to_string() +
                           ", beyond what a pointer can be moved by (|n| < 2^31)",
                   "bound the index first: if (i > 1023) return 0;");
            dst = Value::poisoned();
            return;
        }
        if (aop == AluOp::add && dst.kind == Kind::scalar && src.is_pointer()) {
            if (bounded_step(dst.num) || (options_.heap_addresses && src.kind == Kind::heap)) {
                Value r = src;
                r.num = add(src.num, dst.num);
                dst = r;
                return;
            }
            report(pc, "(M) moves " + src.describe() + " by a number that may be " + dst.num.to_string() +
                           ", beyond what a pointer can be moved by (|n| < 2^31)",
                   "bound the index first: if (i > 1023) return 0;");
            dst = Value::poisoned();
            return;
        }
        if (aop == AluOp::sub && dst.is_pointer() && src.is_pointer()) {
            const bool null_side = (dst.nullable || src.nullable) && dst.kind != Kind::heap;  // NULL - p shows p
            if (dst.same_region(src) && !null_side) {
                dst = Value::number(sub(dst.num, src.num));
                return;
            }
            report(pc, "(A) subtracts " + src.describe() + " from " + dst.describe() +
                           ": pointers of different regions or objects, the difference would reveal addresses");
            dst = Value::poisoned();
            return;
        }
    }
    const Value& p = dst.is_pointer() ? dst : src;
    report(pc, std::string("(A) ") + (is64 ? "" : "32-bit ") +
                   (aop == AluOp::add ? "addition" : aop == AluOp::sub ? "subtraction" : op_name(op)) + " on " +
                   p.describe() + " would expose its address",
           is64 ? "only add or subtract a bounded number to a pointer" : "use 64-bit arithmetic on pointers");
    dst = Value::poisoned();
}

void Analysis::lddw(State& s, std::uint32_t pc, const Insn& in) {
    const Insn& next = program_.code[pc + 1];
    const u64 imm = static_cast<std::uint32_t>(in.imm) | (u64{static_cast<std::uint32_t>(next.imm)} << 32);
    if (in.src() == isa::pseudo_rodata) s.regs[in.dst()] = Value::pointer(Kind::rodata, Scalar::constant(imm));
    else if (in.src() == isa::pseudo_data) s.regs[in.dst()] = Value::pointer(Kind::data, Scalar::constant(imm));
    else s.regs[in.dst()] = Value::number(Scalar::constant(imm));
}

void Analysis::load(State& s, std::uint32_t pc, const Insn& in) {
    const unsigned size = isa::size_bytes(in.code);
    const bool sign = shape_of(in.code) == Shape::ldsx;
    Value result = unknown_bytes(size);  // also what a refused load leaves, to avoid cascades
    if (const Value* pb = use(s, pc, in.src(), "an address")) {
        const Value base = *pb;
        if (check_region(s, pc, base, in.off, size, Access::read, "reads", true)) {
            // Offsets only for the stack and read-only data: a number's
            // range (a heap address, xBGP) may reach INT64_MAX.
            if (base.kind == Kind::stack) {
                const i64 lo = base.num.smin + in.off, hi = base.num.smax + in.off + size;
                const bool exact = base.num.is_constant() && size == 8 && lo % 8 == 0;
                const Value* spilled = nullptr;
                if (!exact && size == 8 && table_read(s, base, in.off, result)) {
                    // an aligned slot chosen by a bounded index: one of their values
                } else if (read_stack(s, pc, base.frame, lo, hi, "reads", exact ? &spilled : nullptr) && spilled) {
                    result = *spilled;
                }
            } else if (base.kind == Kind::rodata && base.num.is_constant()) {
                const i64 lo = base.num.smin + in.off;
                u64 v = 0;
                for (unsigned i = 0; i < size; ++i) v |= u64{program_.rodata[static_cast<std::size_t>(lo) + i]} << (8 * i);
                result = Value::number(Scalar::constant(v));
            }
        }
    }
    if (sign && result.kind == Kind::scalar) result.num = sign_extend(result.num, 8 * size);
    s.regs[in.dst()] = result;
}

void Analysis::store(State& s, std::uint32_t pc, const Insn& in) {
    const unsigned size = isa::size_bytes(in.code);
    Value v;
    if (shape_of(in.code) == Shape::st) {
        v = Value::number(Scalar::constant(sext_imm(in.imm)));
    } else {
        const Value* pv = use(s, pc, in.src(), "a value to store");
        if (!pv) return;
        v = *pv;
    }
    const Value* pb = use(s, pc, in.dst(), "an address");
    if (!pb) return;
    const Value base = *pb;
    if (base.kind != Kind::stack && v.is_pointer() && base.kind != Kind::uninit) {
        report(pc, "(A) stores " + v.describe() + " outside the stack: its address would become data",
               "keep pointers in registers or on the stack");
        return;
    }
    if (!check_region(s, pc, base, in.off, size, Access::write, "writes", true)) return;
    if (base.kind != Kind::stack) return;
    const i64 lo = base.num.smin + in.off, hi = base.num.smax + in.off + size;
    if (base.num.is_constant() && size == 8 && lo % 8 == 0) {
        spill(s, base.frame, lo, v);
        return;
    }
    if (v.is_pointer()) {
        report(pc, "(A) stores part of " + v.describe() + " (a narrow or unaligned store): its bytes would become data",
               "spill pointers with aligned 8-byte stores");
        return;
    }
    const bool known = base.num.is_constant();
    write_stack_bytes(s, base.frame, lo, hi, known ? lo : 0, known ? hi : 0);
}

void Analysis::atomic(State& s, std::uint32_t pc, const Insn& in) {
    const unsigned size = isa::size_bytes(in.code);
    const bool cmpxchg = in.imm == isa::atomic_cmpxchg;
    const bool fetch = (in.imm & isa::atomic_fetch) != 0;
    const Value* pv = use(s, pc, in.src(), "an atomic operand");
    if (pv && pv->is_pointer()) {
        report(pc, "(A) atomic operation with " + pv->describe() + " as operand: its address would become data");
        pv = nullptr;
    }
    if (cmpxchg) {
        const Value* r0 = use(s, pc, 0, "the expected value of cmpxchg");
        if (r0 && r0->is_pointer()) report(pc, "(A) cmpxchg compares memory with " + r0->describe());
    }
    const Value* pb = use(s, pc, in.dst(), "an address");
    if (pb && pb->kind == Kind::scalar) {
        report(pc, "(M) atomic operation through " + pb->describe() + ", which is not a pointer",
               "update heap objects through the pointer a helper returned");
        pb = nullptr;
    }
    if (pb && pb->is_pointer()) {
        // A locked access split over two cache lines is slow or traps (split
        // lock detection): the offset must be a known multiple of the size
        // (region bases are 8-byte aligned, frames 16).
        const std::uint64_t low = size - 1;
        if ((pb->num.mask & low) != 0 || ((pb->num.value + static_cast<u64>(static_cast<i64>(in.off))) & low) != 0) {
            report(pc, "(M) atomic access of " + std::to_string(size) + " bytes at an offset that is not a multiple of " +
                           std::to_string(size), "align the variable");
            pb = nullptr;
        }
    }
    if (pb && pv) {
        const Value base = *pb;
        if (check_region(s, pc, base, in.off, size, Access::read_write, "atomically updates", true) &&
            base.kind == Kind::stack) {
            const i64 lo = base.num.smin + in.off, hi = base.num.smax + in.off + size;
            if (read_stack(s, pc, base.frame, lo, hi, "atomically updates", nullptr))
                write_stack_bytes(s, base.frame, lo, hi, lo, hi);
        }
    }
    const Value old = unknown_bytes(size);
    if (cmpxchg) s.regs[0] = old;
    else if (fetch) s.regs[in.src()] = old;
}

// xBGP: two heap pointers into different objects that are both certainly
// in the heap arena (not NULL, not shared memory) at offsets in [0, 2^32]:
// with the arena at X, they are X + a and X + b for a and b below the
// arena's size plus 2^32, so neither wraps (X is a user-space address,
// below 2^47) and any comparison but jset gives what comparing a and b
// gives. a and b are offsets in the arena, numbers an xBGP plugin already
// reads (heap_address(): the addresses of the objects the host links), never
// the arena's address: clang compares such pointers to check that two
// buffers do not overlap before a vectorised copy.
bool Analysis::same_arena(const Value& a, const Value& b) const {
    const auto in_arena = [](const Value& v) {
        return v.kind == Kind::heap && !v.nullable && !v.shared && v.num.smin >= 0 &&
               v.num.smax <= (i64{1} << 32);
    };
    return options_.heap_addresses && in_arena(a) && in_arena(b);
}

void Analysis::branch(Run& run, std::uint32_t b, State&& s, std::uint32_t pc) {
    const Insn& in = program_.code[pc];
    const bool is64 = isa::cls(in.code) == isa::cls_jmp;
    const bool by_reg = isa::uses_src_reg(in.code);
    const Cmp c = cmp_of(isa::op(in.code));
    const std::uint32_t target = static_cast<std::uint32_t>(*jump_target(program_, pc));
    const std::uint32_t next = pc + 1;
    const unsigned d = in.dst(), sr = in.src();
    const Value a = s.regs[d];
    const Value bv = by_reg ? s.regs[sr]
                            : Value::number(Scalar::constant(is64 ? sext_imm(in.imm) : static_cast<std::uint32_t>(in.imm)));
    const auto both = [&] {
        State t = s;
        flow(run, b, target, std::move(t));
        flow(run, b, next, std::move(s));
    };
    const bool a_ok = use(s, pc, d, "an operand of a comparison") != nullptr;
    const bool b_ok = !by_reg || use(s, pc, sr, "an operand of a comparison");
    if (!a_ok || !b_ok) return both();

    // What the comparison teaches each side of the numbers it compares
    // (the values themselves, or offsets from one base).
    const auto narrow_both_sides = [&](Cmp as) {
        const Narrowed n = narrow(as, is64, a.num, bv.num);
        const auto apply = [&](State& t, const Scalar& na, const Scalar& nb) {
            if (by_reg && sr == d) {
                auto m = meet(na, nb);
                if (!m) return false;
                t.regs[d].num = *m;
                return learn_linked(t, d);
            }
            t.regs[d].num = na;
            if (by_reg) t.regs[sr].num = nb;
            return learn_linked(t, d) && (!by_reg || learn_linked(t, sr));
        };
        if (n.taken_possible() && !n.fall_possible()) {  // one side only: no copy of s needed
            if (apply(s, *n.taken_a, *n.taken_b)) flow(run, b, target, std::move(s));
            return;
        }
        if (n.taken_possible()) {
            State t = s;
            if (apply(t, *n.taken_a, *n.taken_b)) flow(run, b, target, std::move(t));
        }
        if (n.fall_possible() && apply(s, *n.fall_a, *n.fall_b)) flow(run, b, next, std::move(s));
    };
    if (a.kind == Kind::scalar && bv.kind == Kind::scalar) return narrow_both_sides(c);
    // A pointer is compared: allowed with another pointer of its region
    // (the result reveals nothing but their distance) or with 0 (A).
    if (!is64) {
        report(pc, "(A) 32-bit comparison involving " + (a.is_pointer() ? a : bv).describe() +
                       " would reveal address bits");
        return both();
    }
    // A pointer compared is base + offset for an unknown base: the answer
    // must not depend on the base. Every region lies above the first 64 KiB
    // of the address space (the kernel never maps there: mmap_min_addr) and
    // below 2^57 (user space, 5-level paging included), so at offsets in
    // [-2^16, 2^56] base + offset neither wraps nor changes sign, and a
    // comparison with 0, or with a pointer of the same base, answers as the
    // offsets do. Further off, p - 2^46 < 0 or p - 2^46 < p tells whether
    // the base lies above 2^46: a binary search for the address.
    const auto far = [](const Value& v) {
        return v.is_pointer() && (v.num.smin < -(i64{1} << 16) || v.num.smax > (i64{1} << 56));
    };
    if (far(a) || far(bv)) {
        report(pc, "(A) compares " + (far(a) ? a : bv).describe() + " moved by an unbounded number or too far (its offset may be " +
                       (far(a) ? a : bv).num.to_string() + "): where its address wraps or changes sign would show",
               "compare indices, not pointers");
        return both();
    }
    if (a.is_pointer() && bv.is_pointer()) {
        const bool null_side = (a.nullable || bv.nullable) && a.kind != Kind::heap;  // NULL vs p shows p
        if ((!a.same_region(bv) || null_side) && !same_arena(a, bv))
            report(pc, "(A) compares " + a.describe() + " with " + bv.describe() +
                           " (different regions or objects): the result would reveal their addresses");
        else if (c == Cmp::set)
            // p & (p + k) depends on the address's low bits, not only on the
            // distance: the one comparison of two pointers that leaks.
            report(pc, "(A) tests the common bits of two pointers (jset): the result would reveal address bits",
                   "compare pointers with ==, !=, <, <=, > or >=");
        else if (a.same_region(bv) && !null_side) {
            // One base, neither wrapping nor changing sign (above): any
            // comparison of the addresses orders the offsets as signed
            // numbers, so it bounds them as it would bound numbers (`while
            // (pos < end)` over an AS path); an unsigned one is read as its
            // signed twin (r10 - 8 < r10 though -8 is above 0 unsigned). A
            // heap pointer that may be NULL may have base 0, where an
            // unsigned comparison orders the offsets unsigned: it teaches
            // something only when both orders agree (offsets of one sign).
            const Cmp as_signed = c == Cmp::lt ? Cmp::slt : c == Cmp::le ? Cmp::sle
                                : c == Cmp::gt ? Cmp::sgt : c == Cmp::ge ? Cmp::sge : c;
            const bool one_sign = (a.num.smin >= 0 && bv.num.smin >= 0) || (a.num.smax < 0 && bv.num.smax < 0);
            if (as_signed == c || !(a.nullable || bv.nullable) || one_sign) return narrow_both_sides(as_signed);
        }
        return both();
    }
    const bool a_ptr = a.is_pointer();
    const Value& p = a_ptr ? a : bv;
    const Value& z = a_ptr ? bv : a;
    if (!(z.num.is_constant() && z.num.value == 0)) {
        report(pc, "(A) compares " + p.describe() + " with " + z.describe() + ": the result would reveal its address",
               "compare pointers only with NULL or with pointers into the same region");
        return both();
    }
    if ((c != Cmp::eq && c != Cmp::ne) || !p.num.is_constant() || p.num.value != 0) return both();
    const unsigned pr = a_ptr ? d : sr;
    const bool can_be_null = p.nullable;
    std::optional<State> null_side, other_side;
    if (can_be_null) {
        State t = s;
        learn_null(t, p, pr, true);
        null_side = std::move(t);
    }
    learn_null(s, p, pr, false);
    other_side = std::move(s);
    const bool eq = c == Cmp::eq;
    if (null_side) flow(run, b, eq ? target : next, std::move(*null_side));
    flow(run, b, eq ? next : target, std::move(*other_side));
}

bool Analysis::local_call(State& s, std::uint32_t pc, const Insn& in) {
    const std::uint32_t target = static_cast<std::uint32_t>(std::int64_t{pc} + 1 + in.imm);
    const std::uint32_t f = cfg_.function_at(target);
    const auto clobber = [&] {
        s.regs[0] = Value::number(Scalar::top());
        for (unsigned r = 1; r <= 5; ++r) s.regs[r] = Value{};
    };
    if (std::find(active_.begin(), active_.begin() + depth_, f) != active_.begin() + depth_) {
        report(pc, "(M) recursive call of the function at pc " + std::to_string(target) +
                       ": the stack it needs cannot be bounded",
               "use a loop instead of recursion");
        clobber();
        return true;
    }
    // (frame indices are 8 bits: never more than 64 levels, whatever the host asks)
    if (depth_ > std::min<std::uint32_t>(options_.max_call_depth, 64)) {
        report(pc, "(M) calls nest deeper than " + std::to_string(options_.max_call_depth) + " levels");
        clobber();
        return true;
    }
    calls.insert({active_[depth_ - 1], f});
    const auto callee_frame = static_cast<std::uint8_t>(s.frames.size());
    State entry = s;
    entry.regs[0] = Value{};
    for (unsigned r = 6; r <= 9; ++r) entry.regs[r] = Value{};
    entry.regs[isa::frame_pointer] = Value::pointer(Kind::stack, Scalar::constant(0));
    entry.regs[isa::frame_pointer].frame = callee_frame;
    entry.frames.push_back(Frame{f, {}});
    std::optional<State> exit = analyse_function(f, std::move(entry));
    if (!exit) return false;
    State r = std::move(*exit);
    r.frames.pop_back();
    // The callee's frame ends here: nothing may keep pointing into it (M).
    Value r0 = r.regs[0];
    if (r0.kind == Kind::stack && r0.frame >= callee_frame) {
        report(pc, "(M) the function at pc " + std::to_string(target) +
                       " returns a pointer into its own frame, which ends with the call");
        r0 = Value{};
    }
    for (Frame& fr : r.frames)
        for (Slot& sl : fr.slots)
            if (sl.spilled && sl.spill.kind == Kind::stack && sl.spill.frame >= callee_frame) {
                // Unreadable, and still the address's bytes: never handed
                // to a helper that reads a zeroed frame (Slot::tainted).
                sl = Slot{};
                sl.tainted = 0xff;
            }
    r.regs[0] = r0;
    for (unsigned i = 1; i <= 5; ++i) r.regs[i] = Value{};
    // The caller's R6-R9 were not in the callee's states: a join there of
    // an object with a 0 (join_in) could not see that they still hold the
    // object, so "the object or NULL" it made may be "the object or an
    // unrelated 0". Such a value names no object once R6-R9 come back:
    // a NULL check of it must teach no copy, and it is not the same region
    // as the object (a comparison or subtraction would see the address).
    for (unsigned i = 6; i <= 9; ++i) {
        const Value& kept = s.regs[i];
        if (kept.kind != Kind::heap || kept.id == 0) continue;
        each_value(r, [&](Value& v) {
            if (v.kind == Kind::heap && v.nullable && v.id == kept.id) v.id = 0;
        });
    }
    for (unsigned i = 6; i <= 10; ++i) r.regs[i] = s.regs[i];
    // R6-R9 come from before the call, the rest from the callee, which may
    // have renamed a link they hold (a link is named after an instruction):
    // no link survives a call.
    each_value(r, [](Value& v) { v.link = 0, v.shift = 0; });
    s = std::move(r);
    return true;
}

}  // namespace mempool::vm::detail
