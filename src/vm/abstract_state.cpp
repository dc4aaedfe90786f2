// abstract_state.cpp: join and subsumption of register values and states.
#include "abstract_state.hpp"

#include <algorithm>

namespace mempool::vm::detail {

std::string Value::describe_non_pointer() const {
    if (kind == Kind::scalar && num.is_constant() && num.value == 0)
        return "the number 0 (NULL: compare the pointer with NULL before using it)";
    return describe();
}

std::string Value::describe() const {
    switch (kind) {
    case Kind::uninit: return "not set";
    case Kind::scalar: return "the number " + num.to_string();
    case Kind::ctx: return "a pointer into the context";
    case Kind::stack: return "a pointer into the stack";
    case Kind::rodata: return nullable ? "a pointer into the read-only data or NULL" : "a pointer into the read-only data";
    case Kind::heap: return nullable ? "a heap pointer that may be NULL" : "a pointer into the heap";
    case Kind::data: return "a pointer into the writable globals";
    }
    return "?";
}

namespace {

// A heap pointer at its object's start, or NULL: after `if (p) {...}` the
// paths meet with p as the pointer on one side and the number 0 (what the
// NULL check made of it) on the other. Only at offset 0, where a nullable
// pointer's two values are exactly "the object" and 0.
bool is_null_of(const Value& zero, const Value& p) noexcept {
    return zero.kind == Kind::scalar && zero.num.is_constant() && zero.num.value == 0 && p.kind == Kind::heap &&
           p.num.is_constant() && p.num.value == 0;
}

// A pointer into the read-only data, or NULL (`const char *s = i < 3 ?
// names[i] : NULL`). A NULL-able pointer at offsets O stands for base + o
// or the number o, o in O (what `p + n` gives when p is NULL): joined
// with 0, O gains 0. It is never dereferenced, handed to a helper,
// compared with a pointer or subtracted: only spilled, moved, compared
// with 0, and stored in structures whose pointers helpers check.
bool is_null_or_rodata(const Value& zero, const Value& p) noexcept {
    return zero.kind == Kind::scalar && zero.num.is_constant() && zero.num.value == 0 && p.kind == Kind::rodata;
}

}  // namespace

Value join(const Value& a, const Value& b) noexcept {
    if (is_null_of(a, b) || is_null_of(b, a)) {
        Value v = a.kind == Kind::heap ? a : b;
        v.nullable = true;
        return v;
    }
    if (is_null_or_rodata(a, b) || is_null_or_rodata(b, a)) {
        Value v = a.kind == Kind::rodata ? a : b;
        v.nullable = true;
        v.num = join(v.num, Scalar::constant(0));
        v.link = 0, v.shift = 0;
        return v;
    }
    if (a.kind != b.kind || a.kind == Kind::uninit) {
        Value v;
        v.refused = a.refused || b.refused;
        return v;
    }
    if (a.kind == Kind::stack && a.frame != b.frame) return Value{};
    Value v = a;
    v.num = join(a.num, b.num);
    v.nullable = a.nullable || b.nullable;
    if (a.link != b.link || a.shift != b.shift) v.link = 0, v.shift = 0;  // the relation holds on both sides only
    if (a.kind == Kind::heap) {
        v.nullable = a.nullable || b.nullable;
        v.id = a.id == b.id ? a.id : 0;
        v.min_size = std::min(a.min_size, b.min_size);
        v.shared = a.shared || b.shared;
    }
    return v;
}

bool subsumes(const Value& b, const Value& a) noexcept {
    if (b.kind == Kind::uninit) return true;
    if (a.kind != b.kind) return false;
    if (a.kind == Kind::stack && a.frame != b.frame) return false;
    if (a.nullable && !b.nullable) return false;
    if (a.kind == Kind::heap &&
        ((a.nullable && !b.nullable) || (a.shared && !b.shared) || b.min_size > a.min_size ||
         (b.id != 0 && b.id != a.id)))
        return false;
    if (b.link != 0 && (b.link != a.link || b.shift != a.shift)) return false;
    return subsumes(b.num, a.num);
}

namespace {

// Whether s holds a pointer to heap object `id` (in a register or a spill).
bool holds_object(const State& s, std::uint32_t id) noexcept {
    const auto is = [id](const Value& v) { return v.kind == Kind::heap && v.id == id; };
    for (const Value& v : s.regs)
        if (is(v)) return true;
    for (const Frame& f : s.frames)
        for (const Slot& sl : f.slots)
            if (sl.spilled && is(sl.spill)) return true;
    return false;
}

// Whether joining a and b anywhere meets a 0 with a heap pointer (join_in's case).
bool meets_null(const State& a, const State& b) noexcept {
    for (std::size_t r = 0; r < a.regs.size(); ++r)
        if (is_null_of(a.regs[r], b.regs[r]) || is_null_of(b.regs[r], a.regs[r])) return true;
    for (std::size_t f = 0; f < a.frames.size() && f < b.frames.size(); ++f) {
        const auto& sa = a.frames[f].slots;
        const auto& sb = b.frames[f].slots;
        for (std::size_t k = 0; k < sa.size() && k < sb.size(); ++k)
            if (sa[k].spilled && sb[k].spilled &&
                (is_null_of(sa[k].spill, sb[k].spill) || is_null_of(sb[k].spill, sa[k].spill)))
                return true;
    }
    return false;
}

// The bytes of a slot that may hold part of a pointer.
std::uint8_t pointer_bytes(const Slot& s) {
    return static_cast<std::uint8_t>(s.tainted | (s.spilled && s.spill.is_pointer() ? 0xff : 0));
}

// The join of value x of state sa and value y of state sb at one place.
// When one is the number 0 and the other a heap pointer at its object's
// start, the result is "the object or NULL" with the object's identity only
// if that 0 is the object's NULL: a NULL check of the result then teaches
// every copy of the object (learn_null). That holds when the state with the
// 0 holds no pointer to the object (its own NULL check turned every copy
// into 0); when it still does (`q = p; if (c) q = 0;`), q == 0 says nothing
// of p, and the result is one of several objects (id 0).
Value join_in(const State& sa, const State& sb, const Value& x, const Value& y) {
    Value v = join(x, y);
    if (v.kind == Kind::heap && v.id != 0) {
        const bool x_null = is_null_of(x, y), y_null = is_null_of(y, x);
        if ((x_null && holds_object(sa, v.id)) || (y_null && holds_object(sb, v.id))) v.id = 0;
    }
    return v;
}

Slot join(const Slot& a, const Slot& b, const State& sa, const State& sb) {
    if (a.spilled && b.spilled) {
        Slot s;
        s.spill = join_in(sa, sb, a.spill, b.spill);
        if (s.spill.kind != Kind::uninit) {
            s.spilled = true;
            s.init = 0xff;
            return s;
        }
    }
    Slot s;
    s.init = a.readable_bytes() & b.readable_bytes();
    s.tainted = pointer_bytes(a) | pointer_bytes(b);
    return s;
}

bool subsumes(const Slot& b, const Slot& a) {
    if (b.spilled) return a.spilled && subsumes(b.spill, a.spill);
    return (b.init & ~a.readable_bytes()) == 0 && (pointer_bytes(a) & ~b.tainted) == 0;
}

}  // namespace

// Slots past the end of a frame's vector were never touched on that path:
// they join as Slot{} (unwritten, untainted), so the other path's spilled
// pointers stay tainted bytes (never handed to a helper that reads a zeroed
// frame) instead of being forgotten.
State join(const State& a, const State& b) {
    State s;
    for (std::size_t r = 0; r < s.regs.size(); ++r) s.regs[r] = join_in(a, b, a.regs[r], b.regs[r]);
    s.steps = std::max(a.steps, b.steps);
    s.frames.resize(std::min(a.frames.size(), b.frames.size()));
    const Slot none{};
    for (std::size_t f = 0; f < s.frames.size(); ++f) {
        const Frame& fa = a.frames[f];
        const Frame& fb = b.frames[f];
        Frame& out = s.frames[f];
        out.function = fa.function;
        out.slots.resize(std::max(fa.slots.size(), fb.slots.size()));
        for (std::size_t k = 0; k < out.slots.size(); ++k)
            out.slots[k] = join(k < fa.slots.size() ? fa.slots[k] : none, k < fb.slots.size() ? fb.slots[k] : none, a, b);
        while (!out.slots.empty() && out.slots.back() == Slot{}) out.slots.pop_back();
    }
    return s;
}

void join_into(State& a, const State& b) {
    if (meets_null(a, b)) {  // join_in needs both states as they were (rare: a NULL-checked pointer)
        a = join(a, b);
        return;
    }
    for (std::size_t r = 0; r < a.regs.size(); ++r)
        if (!(a.regs[r] == b.regs[r])) a.regs[r] = join(a.regs[r], b.regs[r]);
    a.steps = std::max(a.steps, b.steps);
    a.frames.resize(std::min(a.frames.size(), b.frames.size()));
    const Slot none{};
    for (std::size_t f = 0; f < a.frames.size(); ++f) {
        auto& sa = a.frames[f].slots;
        const auto& sb = b.frames[f].slots;
        if (sa.size() < sb.size()) sa.resize(sb.size());
        for (std::size_t k = 0; k < sa.size(); ++k) {
            const Slot& other = k < sb.size() ? sb[k] : none;
            if (!(sa[k] == other)) sa[k] = join(sa[k], other, a, b);
        }
        while (!sa.empty() && sa.back() == Slot{}) sa.pop_back();
    }
}

namespace {

Scalar widen(const Scalar& a, const Scalar& b) {
    Scalar r = b;
    if (b.umin < a.umin) r.umin = 0;
    if (b.umax > a.umax) r.umax = ~std::uint64_t{0};
    if (b.smin < a.smin) r.smin = INT64_MIN;
    if (b.smax > a.smax) r.smax = INT64_MAX;
    if (!reduce(r)) return b;  // cannot happen for a superset of b; keep b then
    return r;
}

Value widen(const Value& a, const Value& b) {
    if (a.kind != b.kind || b.kind == Kind::uninit) return b;
    Value v = b;
    v.num = widen(a.num, b.num);
    if (b.kind == Kind::heap && b.min_size < a.min_size) v.min_size = 0;
    return v;
}

}  // namespace

State widen(const State& before, const State& grown) {
    State s = grown;
    for (std::size_t r = 0; r < s.regs.size(); ++r) s.regs[r] = widen(before.regs[r], grown.regs[r]);
    for (std::size_t f = 0; f < s.frames.size() && f < before.frames.size(); ++f) {
        auto& slots = s.frames[f].slots;
        const auto& old = before.frames[f].slots;
        for (std::size_t k = 0; k < slots.size() && k < old.size(); ++k) {
            if (slots[k].spilled && old[k].spilled) slots[k].spill = widen(old[k].spill, slots[k].spill);
        }
    }
    return s;
}

bool subsumes(const State& b, const State& a) noexcept {
    for (std::size_t r = 0; r < a.regs.size(); ++r)
        if (!subsumes(b.regs[r], a.regs[r])) return false;
    if (a.frames.size() != b.frames.size()) return false;
    for (std::size_t f = 0; f < a.frames.size(); ++f) {
        const auto& sa = a.frames[f].slots;
        const auto& sb = b.frames[f].slots;
        const Slot none{};
        for (std::size_t k = 0; k < std::max(sa.size(), sb.size()); ++k)
            if (!subsumes(k < sb.size() ? sb[k] : none, k < sa.size() ? sa[k] : none)) return false;
    }
    return true;
}

}  // namespace mempool::vm::detail
