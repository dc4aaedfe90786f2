// helpers_check.cpp: a helper call against its HelperSignature. The host
// trusts what a helper receives, so every argument is proven here: numbers
// are numbers (A), buffers lie in the plugin's regions for their whole
// size (M), and what a helper reads has been written (I).
#include "analysis.hpp"

#include <algorithm>

namespace mempool::vm::detail {
namespace {

std::string reg(unsigned r) {
    std::string s = "R";  // appended: GCC 12 warns wrongly on "R" + std::to_string(r)
    s += std::to_string(r);
    return s;
}

struct StackEffect {
    unsigned frame;
    std::int64_t lo, hi, init_lo, init_hi;
};

}  // namespace

void Analysis::helper_call(State& s, std::uint32_t pc, const Insn& in) {
    const auto clobber = [&](Value r0) {
        s.regs[0] = r0;
        for (unsigned r = 1; r <= 5; ++r) s.regs[r] = Value{};
    };
    if (in.imm < 0 || static_cast<std::size_t>(in.imm) >= options_.helpers.size()) {
        report(pc, "calls helper #" + std::to_string(in.imm) + ", which the host does not provide");
        clobber(Value::number(Scalar::top()));
        return;
    }
    const HelperSignature& sig = options_.helpers[static_cast<std::size_t>(in.imm)];
    std::string name = "helper ";  // appended: GCC 12 warns wrongly on "#" + std::to_string(x)
    if (sig.name.empty()) name += '#', name += std::to_string(in.imm);
    else name += sig.name;
    const unsigned count = std::min<unsigned>(sig.arg_count, 5);
    std::vector<StackEffect> effects;
    for (unsigned i = 0; i < count; ++i) {
        const unsigned r = i + 1;
        const ArgKind kind = sig.args[i];
        if (kind == ArgKind::number || kind == ArgKind::size) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (!v) continue;
            if (v->is_pointer()) {
                report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", as a number to " + name +
                               ": the host would see an address",
                       "pass a number");
                continue;
            }
            if (kind == ArgKind::size && v->num.umax > max_helper_size)
                report(pc, "(M) " + reg(r) + ", the size of the buffer passed to " + name + ", may be " +
                               v->num.to_string() + " (at most " + std::to_string(max_helper_size) + ")",
                       "bound it first: if (n > 64) n = 64;");
            continue;
        }
        if (kind == ArgKind::heap_or_null) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (v && v->is_pointer() && v->kind != Kind::heap)
                report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", where " + name +
                               " expects a heap pointer: the host would see an address",
                       "pass what a heap helper returned, or NULL");
            continue;
        }
        // A buffer: its size is fixed, or the next argument's proven maximum.
        std::uint64_t max_size = sig.fixed_size, min_size = sig.fixed_size;
        if (kind != ArgKind::mem_fixed) {
            if (i + 1 >= count || sig.args[i + 1] != ArgKind::size) {
                report(pc, name + " has a buffer argument without a size argument after it (a host bug)");
                continue;
            }
            const Value& n = s.regs[r + 1];
            if (n.kind != Kind::scalar || n.num.umax > max_helper_size) continue;  // reported with that argument
            max_size = n.num.umax;
            min_size = n.num.umin;
        }
        const Value* p = use(s, pc, r, "a helper buffer");
        if (!p) continue;
        if (!p->is_pointer()) {
            report(pc, "(M) passes " + reg(r) + ", " + p->describe() + ", where " + name + " expects a buffer");
            continue;
        }
        if (max_size == 0) continue;
        const Access how = kind == ArgKind::mem_in ? Access::read
                           : kind == ArgKind::mem_out ? Access::write
                                                      : Access::read_write;
        const std::string what = "passes " + name + " a buffer of";
        if (!check_region(s, pc, *p, 0, max_size, how, what.c_str(), false)) continue;
        if (p->kind != Kind::stack) continue;
        const std::int64_t lo = p->num.smin, hi = p->num.smax + static_cast<std::int64_t>(max_size);
        if (how != Access::write && !read_stack(s, pc, p->frame, lo, hi, ("passes " + name).c_str(), nullptr)) continue;
        StackEffect e{p->frame, lo, hi, 0, 0};
        if (how == Access::read_write) e.init_lo = lo, e.init_hi = hi;  // every byte was proven written already
        else if (how == Access::write && p->num.is_constant())
            e.init_lo = lo, e.init_hi = lo + static_cast<std::int64_t>(min_size);  // the helper writes at least this much
        if (how != Access::read) effects.push_back(e);
    }
    Value r0 = Value::number(Scalar::top());
    if (sig.ret == RetKind::heap_or_null) {
        std::uint64_t size = sig.ret_size;
        if (sig.ret_size_arg >= 0 && sig.ret_size_arg < 5) {
            const Value& a = s.regs[static_cast<unsigned>(sig.ret_size_arg) + 1];
            size = a.kind == Kind::scalar ? a.num.umin : 0;
        }
        r0 = Value::pointer(Kind::heap, Scalar::constant(0));
        r0.nullable = true;
        r0.id = next_heap_id_++;
        r0.min_size = static_cast<std::uint32_t>(std::min<std::uint64_t>(size, UINT32_MAX));
    }
    for (const StackEffect& e : effects) write_stack_bytes(s, e.frame, e.lo, e.hi, e.init_lo, e.init_hi);
    clobber(r0);
}

}  // namespace mempool::vm::detail
