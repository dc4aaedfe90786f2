// bytecode_check.cpp: abstract interpretation of a loop-free eBPF program,
// one pass in program order (see bytecode_check.hpp for what is refused).
#include "bytecode_check.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <vector>

namespace mempool::detail {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
constexpr u64 u64_max = std::numeric_limits<u64>::max();
constexpr i64 i64_min = std::numeric_limits<i64>::min();
constexpr i64 i64_max = std::numeric_limits<i64>::max();
constexpr u64 u32_max = 0xffffffffu;

constexpr i64 stack_size = 512;
constexpr i64 arg_size = static_cast<i64>(sizeof(bpf_full_args_t));
// A number added to a pointer must lie in (-2^31, 2^31); offsets stay far from
// overflow (at most 4096 additions of 2^31).
constexpr i64 max_pointer_step = i64{1} << 31;

// ---- opcodes (the eBPF encoding) ------------------------------------------
constexpr std::uint8_t cls_ld = 0x00, cls_ldx = 0x01, cls_st = 0x02, cls_stx = 0x03, cls_alu = 0x04,
                       cls_jmp = 0x05, cls_jmp32 = 0x06, cls_alu64 = 0x07;
constexpr std::uint8_t mode_imm = 0x00, mode_abs = 0x20, mode_ind = 0x40, mode_mem = 0x60, mode_xadd = 0xc0;
constexpr std::uint8_t size_w = 0x00, size_h = 0x08, size_b = 0x10, size_dw = 0x18;
constexpr std::uint8_t src_x = 0x08;
enum : std::uint8_t {
    op_add = 0x00, op_sub = 0x10, op_mul = 0x20, op_div = 0x30, op_or = 0x40, op_and = 0x50, op_lsh = 0x60,
    op_rsh = 0x70, op_neg = 0x80, op_mod = 0x90, op_xor = 0xa0, op_mov = 0xb0, op_arsh = 0xc0, op_end = 0xd0,
};
enum : std::uint8_t {
    j_ja = 0x00, j_eq = 0x10, j_gt = 0x20, j_ge = 0x30, j_set = 0x40, j_ne = 0x50, j_sgt = 0x60, j_sge = 0x70,
    j_call = 0x80, j_exit = 0x90, j_lt = 0xa0, j_le = 0xb0, j_slt = 0xc0, j_sle = 0xd0,
};

constexpr std::uint8_t cls_of(std::uint8_t c) { return c & 0x07u; }
constexpr std::uint8_t op_of(std::uint8_t c) { return c & 0xf0u; }

unsigned size_bytes(std::uint8_t code) {
    switch (code & 0x18u) {
    case size_w: return 4;
    case size_h: return 2;
    case size_b: return 1;
    default: return 8;
    }
}

// ---- abstract values ------------------------------------------------------
enum class Kind : std::uint8_t { unknown, number, arg_ptr, stack_ptr };

struct Val {
    Kind kind = Kind::unknown;
    u64 umin = 0, umax = u64_max;  // numbers
    i64 smin = i64_min, smax = i64_max;  // numbers; offset range of pointers

    [[nodiscard]] bool pointer() const { return kind == Kind::arg_ptr || kind == Kind::stack_ptr; }
    [[nodiscard]] bool constant() const { return kind == Kind::number && umin == umax; }
    bool operator==(const Val&) const = default;
};

Val unknown() { return Val{}; }

// A number from an unsigned range; the signed range follows from it.
Val from_unsigned(u64 lo, u64 hi) {
    Val v;
    v.kind = Kind::number;
    v.umin = lo;
    v.umax = hi;
    if (hi <= static_cast<u64>(i64_max) || lo > static_cast<u64>(i64_max)) {
        v.smin = static_cast<i64>(lo);
        v.smax = static_cast<i64>(hi);
    }
    return v;
}
Val from_signed(i64 lo, i64 hi) {
    Val v;
    v.kind = Kind::number;
    v.smin = lo;
    v.smax = hi;
    if (lo >= 0 || hi < 0) {
        v.umin = static_cast<u64>(lo);
        v.umax = static_cast<u64>(hi);
    }
    return v;
}
Val any_number() { return from_unsigned(0, u64_max); }
Val constant(u64 c) { return from_unsigned(c, c); }
Val pointer(Kind k, i64 lo, i64 hi) {
    Val v;
    v.kind = k;
    v.smin = lo;
    v.smax = hi;
    return v;
}

// Both ranges of a number describe the same set: tighten each by the other.
// Returns false when the set is empty (a path that cannot happen).
bool normalise(Val& v) {
    if (v.kind != Kind::number) return true;
    if (v.umin > v.umax || v.smin > v.smax) return false;
    if (v.smin >= 0 || v.smax < 0) {  // the signed range does not cross the sign
        v.umin = std::max(v.umin, static_cast<u64>(v.smin));
        v.umax = std::min(v.umax, static_cast<u64>(v.smax));
    }
    if (v.umax <= static_cast<u64>(i64_max) || v.umin > static_cast<u64>(i64_max)) {
        v.smin = std::max(v.smin, static_cast<i64>(v.umin));
        v.smax = std::min(v.smax, static_cast<i64>(v.umax));
    }
    return v.umin <= v.umax && v.smin <= v.smax;
}

Val join(const Val& a, const Val& b) {
    if (a.kind != b.kind) return unknown();
    Val v = a;
    v.umin = std::min(a.umin, b.umin);
    v.umax = std::max(a.umax, b.umax);
    v.smin = std::min(a.smin, b.smin);
    v.smax = std::max(a.smax, b.smax);
    return v;
}

struct State {
    std::array<Val, 11> r;
};

State join(const State& a, const State& b) {
    State s;
    for (std::size_t i = 0; i < s.r.size(); ++i) s.r[i] = join(a.r[i], b.r[i]);
    return s;
}

// Highest value with the bits of x's bit length set (an upper bound for | and ^).
u64 fill_bits(u64 x) {
    for (unsigned s = 1; s < 64; s <<= 1) x |= x >> s;
    return x;
}

bool add_overflows(u64 a, u64 b) { return a > u64_max - b; }
bool mul_overflows(u64 a, u64 b) { return a != 0 && b > u64_max / a; }

// Number arithmetic on 64-bit ranges. Overflow gives the whole range.
Val number_op(std::uint8_t op, const Val& a, const Val& b) {
    switch (op) {
    case op_add:
        if (add_overflows(a.umax, b.umax)) {
            // may wrap: still exact as a signed range when that does not overflow
            i64 lo = 0, hi = 0;
            if (!__builtin_add_overflow(a.smin, b.smin, &lo) && !__builtin_add_overflow(a.smax, b.smax, &hi))
                return from_signed(lo, hi);
            return any_number();
        }
        return from_unsigned(a.umin + b.umin, a.umax + b.umax);
    case op_sub:
        if (a.umin >= b.umax) return from_unsigned(a.umin - b.umax, a.umax - b.umin);
        {
            i64 lo = 0, hi = 0;
            if (!__builtin_sub_overflow(a.smin, b.smax, &lo) && !__builtin_sub_overflow(a.smax, b.smin, &hi))
                return from_signed(lo, hi);
        }
        return any_number();
    case op_mul:
        if (mul_overflows(a.umax, b.umax)) return any_number();
        return from_unsigned(a.umin * b.umin, a.umax * b.umax);
    case op_div:  // the divisor is proven nonzero by the caller
        return from_unsigned(a.umin / b.umax, a.umax / b.umin);
    case op_mod: return from_unsigned(0, std::min(a.umax, b.umax - 1));
    case op_and: return from_unsigned(0, std::min(a.umax, b.umax));
    case op_or: return from_unsigned(std::max(a.umin, b.umin), fill_bits(std::max(a.umax, b.umax)));
    case op_xor: return from_unsigned(0, fill_bits(std::max(a.umax, b.umax)));
    case op_lsh:
        if (b.umax >= 64) return any_number();
        if (b.umax != 0 && (a.umax >> (64 - b.umax)) != 0) return any_number();
        return from_unsigned(a.umin << b.umin, a.umax << b.umax);
    case op_rsh:
        if (b.umax >= 64) return from_unsigned(0, a.umax);  // the shift is taken mod 64
        return from_unsigned(a.umin >> b.umax, a.umax >> b.umin);
    case op_arsh:
        if (b.umax >= 64) return any_number();
        return from_signed(std::min(a.smin >> b.umin, a.smin >> b.umax), std::max(a.smax >> b.umin, a.smax >> b.umax));
    case op_neg:
        if (a.constant()) return constant(0 - a.umin);
        return any_number();
    default: return any_number();
    }
}

// The low 32 bits of a number, zero-extended (what a 32-bit operation reads
// and writes).
Val low32(const Val& v) {
    if (v.umax <= u32_max) return v;
    if (v.constant()) return constant(v.umin & u32_max);
    return from_unsigned(0, u32_max);
}

const char* op_name(std::uint8_t op) {
    switch (op) {
    case op_add: return "+";
    case op_sub: return "-";
    case op_mul: return "*";
    case op_div: return "/";
    case op_or: return "|";
    case op_and: return "&";
    case op_lsh: return "<<";
    case op_rsh: return ">>";
    case op_neg: return "negation";
    case op_mod: return "%";
    case op_xor: return "^";
    case op_arsh: return "s>>";
    default: return "this operation";
    }
}

std::string at(std::size_t pc) { return " (instruction " + std::to_string(pc) + ")"; }
std::string reg(unsigned r) {
    static const char* const names[] = {"R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10"};
    return r < std::size(names) ? names[r] : "R?";
}

PluginError make(PluginErrc code, std::string message) {
    PluginError e;
    e.code = code;
    e.message = std::move(message);
    return e;
}

class Checker {
public:
    Checker(std::span<const Insn> insns, std::span<const CodeReloc> relocs, std::span<const HelperSpec> helpers)
        : insns_(insns), relocs_(relocs), helpers_(helpers) {}

    PluginError run();

private:
    std::optional<PluginError> structure();
    std::optional<PluginError> step(std::size_t pc, State& s, bool& falls_through);
    std::optional<PluginError> alu(std::size_t pc, const Insn& in, State& s);
    std::optional<PluginError> memory(std::size_t pc, const Insn& in, State& s);
    std::optional<PluginError> jump(std::size_t pc, const Insn& in, State& s, bool& falls_through);
    std::optional<PluginError> call(std::size_t pc, const Insn& in, State& s);
    std::optional<PluginError> access(std::size_t pc, const Val& base, i64 off, unsigned size, bool write);
    std::optional<PluginError> use(std::size_t pc, const State& s, unsigned r, const char* as);
    void flow_to(std::size_t target, const State& s);
    const CodeReloc* reloc_at(std::size_t pc) const {
        return pc < reloc_of_.size() && reloc_of_[pc] != SIZE_MAX ? &relocs_[reloc_of_[pc]] : nullptr;
    }

    std::span<const Insn> insns_;
    std::span<const CodeReloc> relocs_;
    std::span<const HelperSpec> helpers_;
    std::vector<std::size_t> reloc_of_;          // pc -> relocation index
    std::vector<std::uint8_t> second_half_;      // pc is the second slot of a 64-bit load
    std::vector<std::optional<State>> incoming_;  // joined states of jumps to pc
};

PluginError refuse(PluginErrc code, std::string message) { return make(code, std::move(message)); }

// Global checks before the pass: length, ending, jump targets, relocations.
std::optional<PluginError> Checker::structure() {
    const std::size_t n = insns_.size();
    if (n == 0) return refuse(PluginErrc::rejected,
                              "no instructions: the code section is empty or its size is not a multiple of 8 bytes");
    if (n > max_bytecode_instructions)
        return refuse(PluginErrc::rejected, "program too long: " + std::to_string(n) + " instructions (the limit is " +
                                                std::to_string(max_bytecode_instructions) + ")");
    second_half_.assign(n, 0);
    for (std::size_t pc = 0; pc < n; ++pc) {
        const Insn& in = insns_[pc];
        if (in.code == (cls_ld | mode_imm | size_dw)) {
            if (pc + 1 >= n)
                return refuse(PluginErrc::rejected,
                              "truncated instruction: a 64-bit load is the last instruction" + at(pc));
            second_half_[pc + 1] = 1;
            ++pc;
        }
    }
    reloc_of_.assign(n, SIZE_MAX);
    for (std::size_t i = 0; i < relocs_.size(); ++i) {
        const CodeReloc& r = relocs_[i];
        if (r.pc >= n || second_half_[r.pc] != 0)
            return refuse(PluginErrc::rejected, "relocation outside the program's instructions" + at(r.pc));
        reloc_of_[r.pc] = i;
    }
    // Backward jumps first: a loop is the most likely mistake, and its
    // message is the most useful.
    for (std::size_t pc = 0; pc < n; ++pc) {
        const Insn& in = insns_[pc];
        const std::uint8_t c = cls_of(in.code);
        if (c != cls_jmp || second_half_[pc] != 0) continue;
        const std::uint8_t op = op_of(in.code);
        if (op == j_call || op == j_exit) continue;
        const i64 target = static_cast<i64>(pc) + 1 + in.off;
        if (target <= static_cast<i64>(pc))
            return refuse(PluginErrc::loop, "loop: jumps back from instruction " + std::to_string(pc) +
                                                " to instruction " + std::to_string(std::max<i64>(target, 0)) +
                                                " (no backward jump is accepted; use a small constant trip "
                                                "count that clang unrolls)");
        if (target >= static_cast<i64>(n))
            return refuse(PluginErrc::rejected, "jump past the end of the program, to instruction " +
                                                    std::to_string(target) + " of " + std::to_string(n) + at(pc));
        if (second_half_[static_cast<std::size_t>(target)] != 0)
            return refuse(PluginErrc::rejected,
                          "jump into the middle of a 64-bit load, to instruction " + std::to_string(target) + at(pc));
    }
    const Insn& last = insns_[n - 1];
    const bool ends = second_half_[n - 1] == 0 && cls_of(last.code) == cls_jmp &&
                      (last.code == (cls_jmp | j_exit) || last.code == (cls_jmp | j_ja));
    if (!ends)
        return refuse(PluginErrc::rejected,
                      "no exit at the end: the last instruction is neither exit nor an unconditional jump, so "
                      "control may run past the end of the program" + at(n - 1));
    return std::nullopt;
}

std::optional<PluginError> Checker::use(std::size_t pc, const State& s, unsigned r, const char* as) {
    if (s.r[r].kind != Kind::unknown) return std::nullopt;
    return refuse(PluginErrc::rejected, "uses " + reg(r) + " as " + as +
                                            ", but its value is unknown there (never set, clobbered by a helper "
                                            "call, or a pointer on one path and not on another)" + at(pc));
}

void Checker::flow_to(std::size_t target, const State& s) {
    std::optional<State>& in = incoming_[target];
    in = in ? join(*in, s) : s;
}

std::optional<PluginError> Checker::access(std::size_t pc, const Val& base, i64 off, unsigned size, bool write) {
    const char* what = write ? "writes" : "reads";
    const i64 lo = base.smin + off, hi = base.smax + off + static_cast<i64>(size);
    const std::string span = std::to_string(size) + " byte" + (size == 1 ? "" : "s") + " at offset [" +
                             std::to_string(lo) + ", " + std::to_string(base.smax + off) + "]";
    if (base.kind == Kind::arg_ptr) {
        if (lo >= 0 && hi <= arg_size) return std::nullopt;
        return refuse(PluginErrc::out_of_bounds,
                      std::string("out-of-bounds access: ") + what + " outside the argument struct (" +
                          std::to_string(arg_size) + " bytes), or not provably inside it: " + span + at(pc));
    }
    if (base.kind == Kind::stack_ptr) {
        if (lo >= -stack_size && hi <= 0) return std::nullopt;
        if (base.smin == base.smax && lo < -stack_size)
            return refuse(PluginErrc::stack_too_large,
                          "stack too large: accesses " + std::to_string(-lo) +
                              " bytes below the frame, beyond the 512-byte stack" + at(pc));
        return refuse(PluginErrc::out_of_bounds,
                      std::string("out-of-bounds access of the stack: ") + what + " outside the 512-byte frame, "
                          "or not provably inside it: " + span + " from R10" + at(pc));
    }
    return refuse(PluginErrc::out_of_bounds,
                  std::string("out-of-bounds access: ") + what + " memory through a register that is not a pointer "
                      "to the argument struct or the stack" + at(pc));
}

std::optional<PluginError> Checker::memory(std::size_t pc, const Insn& in, State& s) {
    const std::uint8_t c = cls_of(in.code);
    const std::uint8_t mode = in.code & 0xe0u;
    const unsigned size = size_bytes(in.code);
    if (c == cls_ldx) {
        if (mode != mode_mem) return refuse(PluginErrc::rejected, "unsupported instruction (compile with -mcpu=v2): "
                                                                  "load mode " + std::to_string(mode) + at(pc));
        if (in.dst() == 10) return refuse(PluginErrc::rejected, "writes R10, the frame pointer" + at(pc));
        if (auto e = use(pc, s, in.src(), "an address")) return e;
        if (auto e = access(pc, s.r[in.src()], in.off, size, false)) return e;
        // Nothing stored in memory is a pointer (storing one is refused), so
        // a load gives a number of the access's width.
        s.r[in.dst()] = size == 8 ? any_number() : from_unsigned(0, (u64{1} << (8 * size)) - 1);
        return std::nullopt;
    }
    // st / stx
    if (!(mode == mode_mem || (c == cls_stx && mode == mode_xadd && (size == 4 || size == 8) && in.imm == 0)))
        return refuse(PluginErrc::rejected,
                      "unsupported instruction (compile with -mcpu=v2): store mode " + std::to_string(mode) +
                          (mode == mode_xadd ? " (only atomic add without fetch is known)" : "") + at(pc));
    if (auto e = use(pc, s, in.dst(), "an address")) return e;
    if (c == cls_stx) {
        if (auto e = use(pc, s, in.src(), "a value to store")) return e;
        if (s.r[in.src()].pointer())
            return refuse(PluginErrc::rejected, "stores a pointer (" + reg(in.src()) +
                                                    ") to memory; pointers may only live in registers" + at(pc));
    }
    return access(pc, s.r[in.dst()], in.off, size, true);
}

std::optional<PluginError> Checker::alu(std::size_t pc, const Insn& in, State& s) {
    const bool is64 = cls_of(in.code) == cls_alu64;
    const std::uint8_t op = op_of(in.code);
    const unsigned d = in.dst();
    if (d == 10) return refuse(PluginErrc::rejected, "writes R10, the frame pointer" + at(pc));
    const bool by_reg = (in.code & src_x) != 0;
    // librte_bpf 22.11 has no 32-bit arsh, and no 64-bit byte swap.
    if (op > op_end || (op == op_end && (is64 || (in.imm != 16 && in.imm != 32 && in.imm != 64))) ||
        (op == op_arsh && !is64) ||
        (by_reg && (op == op_neg || op == op_end)))
        return refuse(PluginErrc::rejected, "unsupported instruction (compile with -mcpu=v2): opcode " +
                                                std::to_string(in.code) + at(pc));
    if (by_reg && op != op_end && in.src() > 10)
        return refuse(PluginErrc::rejected, "invalid register " + std::to_string(in.src()) + at(pc));
    Val src;
    if (op == op_end || op == op_neg) {
        src = constant(0);
    } else if (by_reg) {
        // A 64-bit move copies an unknown value as it is (still unusable).
        if (!(op == op_mov && is64))
            if (auto e = use(pc, s, in.src(), "an operand")) return e;
        src = s.r[in.src()];
    } else {
        src = is64 ? constant(static_cast<u64>(static_cast<i64>(in.imm))) : constant(static_cast<std::uint32_t>(in.imm));
    }
    Val& dst = s.r[d];

    if (op == op_mov) {
        if (is64) {
            dst = src;  // copies pointers and unknowns as they are
            return std::nullopt;
        }
        if (src.pointer())
            return refuse(PluginErrc::rejected, "pointer arithmetic: truncates a pointer (" + reg(in.src()) +
                                                    ") to 32 bits" + at(pc));
        dst = low32(src);
        return std::nullopt;
    }
    if (auto e = use(pc, s, d, "an operand")) return e;

    // Pointers: only pointer +/- bounded number (and number + pointer), 64-bit.
    if (dst.pointer() || src.pointer()) {
        const std::string what = std::string("pointer arithmetic: ");
        if (!is64 || !(op == op_add || op == op_sub))
            return refuse(PluginErrc::rejected, what + "only adding or subtracting a number is allowed on a pointer, "
                                                       "not " + (is64 ? "" : "a 32-bit ") + op_name(op) + " (" +
                                                       reg(dst.pointer() ? d : in.src()) + ")" + at(pc));
        if (dst.pointer() && src.pointer())
            return refuse(PluginErrc::rejected, what + (op == op_add ? "adds" : "subtracts") +
                                                    " two pointers (" + reg(d) + ", " + reg(in.src()) + ")" + at(pc));
        if (src.pointer() && op == op_sub)
            return refuse(PluginErrc::rejected, what + "subtracts a pointer from a number" + at(pc));
        const Val& p = dst.pointer() ? dst : src;
        const Val& n = dst.pointer() ? src : dst;
        if (n.smin <= -max_pointer_step || n.smax >= max_pointer_step)
            return refuse(PluginErrc::rejected,
                          what + "adds a number of unbounded range [" + std::to_string(n.smin) + ", " +
                              std::to_string(n.smax) + "] to a pointer (bound it first, e.g. with a mask)" + at(pc));
        Val r = p;
        if (op == op_add) {
            r.smin = p.smin + n.smin;
            r.smax = p.smax + n.smax;
        } else {
            r.smin = p.smin - n.smax;
            r.smax = p.smax - n.smin;
        }
        dst = r;
        return std::nullopt;
    }

    Val a = is64 ? dst : low32(dst);
    Val b = is64 ? src : low32(src);
    if (op == op_div || op == op_mod) {
        if (b.umin == 0) {
            if (!by_reg) return refuse(PluginErrc::rejected, "division by the constant 0" + at(pc));
            return refuse(PluginErrc::rejected,
                          std::string(op == op_div ? "division" : "modulo") + " by " + reg(in.src()) +
                              ", which may be 0 (range [" + std::to_string(b.umin) + ", " + std::to_string(b.umax) +
                              "]); test it against 0 first" + at(pc));
        }
    }
    if ((op == op_lsh || op == op_rsh || op == op_arsh) && !is64) {
        // 32-bit shifts take the count mod 32: be coarse.
        dst = from_unsigned(0, u32_max);
        if (a.constant() && b.constant()) {
            const std::uint32_t x = static_cast<std::uint32_t>(a.umin), k = static_cast<std::uint32_t>(b.umin) & 31u;
            const std::uint32_t v = op == op_lsh ? x << k
                                    : op == op_rsh ? x >> k
                                                   : static_cast<std::uint32_t>(static_cast<std::int32_t>(x) >> k);
            dst = constant(v);
        }
        return std::nullopt;
    }
    if (op == op_end) {
        const unsigned bits = static_cast<unsigned>(in.imm);
        const bool to_le = (in.code & src_x) == 0;
        if (bits == 64) {
            if (!to_le) dst = any_number();  // a byte swap
        } else {
            const u64 mask = (u64{1} << bits) - 1;
            dst = to_le && dst.umax <= mask ? dst : from_unsigned(0, mask);
        }
        return std::nullopt;
    }
    Val r = number_op(op, a, b);
    if (a.constant() && b.constant() && op != op_neg) {
        // exact for constants (wrapping as the machine does)
        const u64 x = a.umin, y = b.umin;
        u64 v = 0;
        bool exact = true;
        switch (op) {
        case op_add: v = x + y; break;
        case op_sub: v = x - y; break;
        case op_mul: v = x * y; break;
        case op_div: v = x / y; break;
        case op_mod: v = x % y; break;
        case op_and: v = x & y; break;
        case op_or: v = x | y; break;
        case op_xor: v = x ^ y; break;
        case op_lsh: v = y < 64 ? x << y : 0; exact = y < 64; break;
        case op_rsh: v = y < 64 ? x >> y : 0; exact = y < 64; break;
        case op_arsh: v = y < 64 ? static_cast<u64>(static_cast<i64>(x) >> y) : 0; exact = y < 64; break;
        default: exact = false; break;
        }
        if (exact) r = constant(v);
    }
    dst = is64 ? r : low32(r);
    return std::nullopt;
}

// Narrows (dst, src) for `dst op src` being true. Returns false if impossible.
bool narrow(std::uint8_t op, Val& d, Val& s) {
    switch (op) {
    case j_eq: {
        Val both = d;
        both.umin = std::max(d.umin, s.umin);
        both.umax = std::min(d.umax, s.umax);
        both.smin = std::max(d.smin, s.smin);
        both.smax = std::min(d.smax, s.smax);
        if (!normalise(both)) return false;
        d = s = both;
        return true;
    }
    case j_ne:
        if (d.constant() && s.constant() && d.umin == s.umin) return false;
        if (s.constant()) {  // trim an end of d
            if (d.umin == s.umin && d.umin != u64_max) d.umin++;
            else if (d.umax == s.umin && d.umax != 0) d.umax--;
        }
        return normalise(d);
    case j_gt:  // d > s
        if (d.umax == 0 || s.umin == u64_max) return false;
        d.umin = std::max(d.umin, s.umin + 1);
        s.umax = std::min(s.umax, d.umax - 1);
        return normalise(d) && normalise(s);
    case j_ge:
        d.umin = std::max(d.umin, s.umin);
        s.umax = std::min(s.umax, d.umax);
        return normalise(d) && normalise(s);
    case j_lt: return narrow(j_gt, s, d);
    case j_le: return narrow(j_ge, s, d);
    case j_sgt:
        if (d.smax == i64_min || s.smin == i64_max) return false;
        d.smin = std::max(d.smin, s.smin + 1);
        s.smax = std::min(s.smax, d.smax - 1);
        return normalise(d) && normalise(s);
    case j_sge:
        d.smin = std::max(d.smin, s.smin);
        s.smax = std::min(s.smax, d.smax);
        return normalise(d) && normalise(s);
    case j_slt: return narrow(j_sgt, s, d);
    case j_sle: return narrow(j_sge, s, d);
    default: return true;  // jset: no narrowing
    }
}

std::uint8_t negation(std::uint8_t op) {
    switch (op) {
    case j_eq: return j_ne;
    case j_ne: return j_eq;
    case j_gt: return j_le;
    case j_ge: return j_lt;
    case j_lt: return j_ge;
    case j_le: return j_gt;
    case j_sgt: return j_sle;
    case j_sge: return j_slt;
    case j_slt: return j_sge;
    case j_sle: return j_sgt;
    default: return j_set;  // no narrowing on the false side of jset
    }
}

std::optional<PluginError> Checker::jump(std::size_t pc, const Insn& in, State& s, bool& falls_through) {
    const std::uint8_t op = op_of(in.code);
    const std::size_t target = pc + 1 + static_cast<std::size_t>(static_cast<i64>(in.off));  // checked forward
    if (op == j_ja) {
        if ((in.code & src_x) != 0) return refuse(PluginErrc::rejected, "unsupported instruction: jump" + at(pc));
        flow_to(target, s);
        falls_through = false;
        return std::nullopt;
    }
    if (op > j_sle) return refuse(PluginErrc::rejected, "unsupported instruction (compile with -mcpu=v2): jump opcode " +
                                                            std::to_string(in.code) + at(pc));
    const bool by_reg = (in.code & src_x) != 0;
    if (by_reg && in.src() > 10) return refuse(PluginErrc::rejected, "invalid register " + std::to_string(in.src()) + at(pc));
    if (auto e = use(pc, s, in.dst(), "a comparison operand")) return e;
    if (by_reg)
        if (auto e = use(pc, s, in.src(), "a comparison operand")) return e;
    if (s.r[in.dst()].pointer() || (by_reg && s.r[in.src()].pointer()))
        return refuse(PluginErrc::rejected,
                      "compares a pointer (" + reg(s.r[in.dst()].pointer() ? in.dst() : in.src()) +
                          "); only numbers may be compared" + at(pc));

    State taken = s;
    State fall = s;
    auto side = [&](State& st, std::uint8_t cond) {
        Val d = st.r[in.dst()];
        Val v = by_reg ? st.r[in.src()] : constant(static_cast<u64>(static_cast<i64>(in.imm)));
        if (!narrow(cond, d, v)) return false;
        st.r[in.dst()] = d;
        if (by_reg) st.r[in.src()] = v;
        return true;
    };
    if (side(taken, op)) flow_to(target, taken);
    falls_through = side(fall, negation(op));
    if (falls_through) s = fall;
    return std::nullopt;
}

std::optional<PluginError> Checker::call(std::size_t pc, const Insn& in, State& s) {
    const CodeReloc* r = reloc_at(pc);
    const HelperSpec* h = nullptr;
    // clang marks calls of external functions with src 1 and a relocation
    // naming the function; src 1 without a relocation is a BPF-to-BPF call.
    if ((r == nullptr && in.src() != 0) || (r != nullptr && r->target == CodeReloc::Target::code))
        return refuse(PluginErrc::non_inlined_call,
                      "non-inlined function: calls " +
                          (r != nullptr && !r->symbol.empty() ? "its own function '" + r->symbol + "'"
                                                              : std::string("code of the plugin")) +
                          ", which clang did not inline (librte_bpf has no BPF-to-BPF calls; use static inline "
                          "__attribute__((always_inline)))" + at(pc));
    if (r != nullptr) {
        if (r->target == CodeReloc::Target::data)
            return refuse(PluginErrc::rejected, "calls data ('" + r->symbol + "' in section '" + r->target_section +
                                                    "')" + at(pc));
        for (const HelperSpec& spec : helpers_)
            if (spec.name == r->symbol) h = &spec;
        if (h == nullptr)
            return refuse(PluginErrc::unknown_helper,
                          "unknown helper: calls '" + r->symbol + "', which this host does not provide" + at(pc));
    } else {
        // No relocation: librte_bpf reads the immediate as an index into the
        // helper table.
        if (in.imm < 0 || static_cast<std::size_t>(in.imm) >= helpers_.size())
            return refuse(PluginErrc::unknown_helper,
                          "unknown helper: calls helper number " + std::to_string(in.imm) + ", and this host has " +
                              std::to_string(helpers_.size()) + at(pc));
        h = &helpers_[static_cast<std::size_t>(in.imm)];
    }
    for (unsigned a = 0; a < h->arg_count && a < 5; ++a) {
        const unsigned rr = a + 1;
        const Val& v = s.r[rr];
        if (h->args[a] == HelperArg::buffer || h->args[a] == HelperArg::in_bytes ||
            h->args[a] == HelperArg::out_bytes) {
            const bool ok = (v.kind == Kind::stack_ptr && v.smin >= -stack_size && v.smax + MEMPOOL_BUF_SIZE <= 0) ||
                            (v.kind == Kind::arg_ptr && v.smin >= 0 && v.smax + MEMPOOL_BUF_SIZE <= arg_size);
            if (!ok)
                return refuse(PluginErrc::out_of_bounds,
                              "out-of-bounds access: passes helper '" + h->name + "' a buffer smaller than "
                              "MEMPOOL_BUF_SIZE (" + std::to_string(MEMPOOL_BUF_SIZE) + " bytes) or a non-buffer in " +
                                  reg(rr) + at(pc));
        } else {
            if (v.kind == Kind::unknown)
                return refuse(PluginErrc::rejected, "passes helper '" + h->name + "' " + reg(rr) +
                                                        ", whose value is unknown there" + at(pc));
            if (v.pointer())
                return refuse(PluginErrc::rejected, "passes helper '" + h->name + "' a pointer (" + reg(rr) +
                                                        ") where it takes a number" + at(pc));
        }
    }
    s.r[0] = any_number();
    for (unsigned rr = 1; rr <= 5; ++rr) s.r[rr] = unknown();
    return std::nullopt;
}

std::optional<PluginError> Checker::step(std::size_t pc, State& s, bool& falls_through) {
    const Insn& in = insns_[pc];
    const std::uint8_t c = cls_of(in.code);
    falls_through = true;
    if (in.dst() > 10 || in.src() > 10) {
        // allowed only where the field is unused (LD_IMM64's src holds a kind)
        if (!(c == cls_ld && in.dst() <= 10))
            return refuse(PluginErrc::rejected, "invalid register number" + at(pc));
    }
    if (reloc_at(pc) != nullptr && !(c == cls_jmp && op_of(in.code) == j_call) &&
        in.code != (cls_ld | mode_imm | size_dw))
        return refuse(PluginErrc::rejected, "relocation on an instruction that is neither a call nor a 64-bit load" +
                                                at(pc));
    switch (c) {
    case cls_ld: {
        if (in.code != (cls_ld | mode_imm | size_dw)) {
            const std::uint8_t mode = in.code & 0xe0u;
            return refuse(PluginErrc::rejected,
                          (mode == mode_abs || mode == mode_ind)
                              ? "packet load (BPF_ABS/BPF_IND): the argument is not a packet" + at(pc)
                              : "unsupported instruction (compile with -mcpu=v2): opcode " + std::to_string(in.code) +
                                    at(pc));
        }
        const CodeReloc* r = reloc_at(pc);
        if (r != nullptr || in.src() != 0) {
            if (r != nullptr && r->target == CodeReloc::Target::code)
                return refuse(PluginErrc::non_inlined_call,
                              "non-inlined function: takes the address of code in section '" + r->target_section +
                                  "' (librte_bpf has no BPF-to-BPF calls)" + at(pc));
            const std::string what = r == nullptr ? std::string("a map or global (64-bit load of kind ") +
                                                        std::to_string(in.src()) + ")"
                                     : r->symbol.empty() ? std::string("data")
                                                         : "'" + r->symbol + "'";
            return refuse(PluginErrc::global_variable,
                          "global variable: uses " + what +
                              (r != nullptr && !r->target_section.empty() ? " in section '" + r->target_section + "'"
                                                                           : std::string()) +
                              " (global or static variables, string literals and constant tables are not "
                              "supported; keep state in the pool)" + at(pc));
        }
        if (in.dst() == 10) return refuse(PluginErrc::rejected, "writes R10, the frame pointer" + at(pc));
        const Insn& hi = insns_[pc + 1];
        if (hi.code != 0 || hi.regs != 0 || hi.off != 0)
            return refuse(PluginErrc::rejected, "malformed 64-bit load: its second half is not empty" + at(pc + 1));
        s.r[in.dst()] = constant(static_cast<std::uint32_t>(in.imm) | (u64{static_cast<std::uint32_t>(hi.imm)} << 32));
        return std::nullopt;
    }
    case cls_ldx:
    case cls_st:
    case cls_stx: return memory(pc, in, s);
    case cls_alu:
    case cls_alu64: return alu(pc, in, s);
    case cls_jmp: {
        const std::uint8_t op = op_of(in.code);
        if (op == j_call) {
            if (in.code != (cls_jmp | j_call))
                return refuse(PluginErrc::rejected, "unsupported instruction: call opcode " +
                                                        std::to_string(in.code) + at(pc));
            return call(pc, in, s);
        }
        if (op == j_exit) {
            if (in.code != (cls_jmp | j_exit))
                return refuse(PluginErrc::rejected, "unsupported instruction: exit opcode " +
                                                        std::to_string(in.code) + at(pc));
            if (auto e = use(pc, s, 0, "the return value")) return e;
            if (s.r[0].pointer()) return refuse(PluginErrc::rejected, "returns a pointer (R0)" + at(pc));
            falls_through = false;
            return std::nullopt;
        }
        return jump(pc, in, s, falls_through);
    }
    case cls_jmp32:
        return refuse(PluginErrc::rejected,
                      "unsupported instruction (compile with -mcpu=v2): 32-bit jump, opcode " + std::to_string(in.code) +
                          at(pc));
    default: break;
    }
    return refuse(PluginErrc::rejected, "unsupported instruction: opcode " + std::to_string(in.code) + at(pc));
}

PluginError Checker::run() {
    if (auto e = structure()) return *e;
    const std::size_t n = insns_.size();
    incoming_.assign(n, std::nullopt);
    State entry;
    entry.r[1] = pointer(Kind::arg_ptr, 0, 0);
    entry.r[10] = pointer(Kind::stack_ptr, 0, 0);
    incoming_[0] = entry;
    for (std::size_t pc = 0; pc < n; ++pc) {
        if (second_half_[pc] != 0) continue;
        if (!incoming_[pc]) continue;  // no path reaches it: never runs
        State s = *incoming_[pc];
        incoming_[pc].reset();  // the program is a DAG: never needed again
        bool falls_through = true;
        if (auto e = step(pc, s, falls_through)) return *e;
        if (!falls_through) continue;
        std::size_t next = pc + 1 + (insns_[pc].code == (cls_ld | mode_imm | size_dw) ? 1 : 0);
        if (next >= n)  // structure() makes the last instruction exit or ja
            return refuse(PluginErrc::rejected, "control runs past the end of the program" + at(pc));
        flow_to(next, s);
    }
    return PluginError{};
}

}  // namespace

PluginError check_bytecode(std::span<const Insn> insns, std::span<const CodeReloc> relocs,
                           std::span<const HelperSpec> helpers) {
    try {
        return Checker(insns, relocs, helpers).run();
    } catch (const std::bad_alloc&) {
        return make(PluginErrc::internal, "out of memory checking the bytecode");
    }
}

}  // namespace mempool::detail
