// helpers_check.cpp: a helper call against its HelperSignature. The host
// trusts what a helper receives, so every argument is proven here: numbers
// are numbers (A), buffers lie in the plugin's regions for their whole
// size (M), and what a helper reads has been written (I). Buffers whose size
// is known only at run time (mem_in_rt, mem_out_rt) are proven as far as
// the state allows; the rest becomes a HelperCheck the executors make
// before the call.
#include "analysis.hpp"

#include <algorithm>

namespace mempool::vm::detail {
namespace {

std::string reg(unsigned r) {
    std::string s = "R";  // appended: GCC 12 warns wrongly on "R" + std::to_string(r)
    s += std::to_string(r);
    return s;
}

}  // namespace

std::string HelperName::str() const {
    std::string name = "helper ";  // appended: GCC 12 warns wrongly on "#" + std::to_string(x)
    if (sig.name.empty()) name += '#', name += std::to_string(imm);
    else name += sig.name;
    return name;
}

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
    const HelperName name{sig, in.imm};
    const unsigned count = std::min<unsigned>(sig.arg_count, 5);
    std::vector<StackEffect> effects;
    for (unsigned i = 0; i < count; ++i) {
        const unsigned r = i + 1;
        const ArgKind kind = sig.args[i];
        if (const Value& v = s.regs[r]; v.nullable && v.kind != Kind::heap) {
            // (a NULL-able heap pointer is handled by each kind below)
            report(pc, "(M) passes " + reg(r) + ", " + v.describe() + ", to " + name.str(),
                   "check it against NULL first");
            continue;
        }
        if (kind == ArgKind::number || kind == ArgKind::size) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (!v) continue;
            if (v->is_pointer()) {
                report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", as a number to " + name.str() +
                               ": the host would see an address",
                       "pass a number");
                continue;
            }
            if (kind == ArgKind::size && v->num.umax > max_helper_size)
                report(pc, "(M) " + reg(r) + ", the size of the buffer passed to " + name.str() + ", may be " +
                               v->num.to_string() + " (at most " + std::to_string(max_helper_size) + ")",
                       "bound it first: if (n > 64) n = 64;");
            continue;
        }
        if (kind == ArgKind::heap_or_null) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (v && v->is_pointer() && v->kind != Kind::heap) {
                report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", where " + name.str() +
                               " expects a heap pointer: the host would see an address",
                       "pass what a heap helper returned, or NULL");
                continue;
            }
            // The helper answers whether what it gets is a block of the
            // arena (ctx_realloc's NULL, ctx_free's effect): given a number
            // the plugin chose (a number, or NULL moved by one), that answer
            // would tell whether a guessed host address is the arena's.
            // Accepted: a heap pointer, NULL, or NULL moved by less than the
            // 64 KiB the kernel never maps. In xBGP mode a number is a heap
            // address: translated and checked against the arena before the
            // call (NULL passes), like any other heap address.
            const auto near_null = [](const Scalar& o) {
                return o.smin > -(std::int64_t{1} << 16) && o.smax < (std::int64_t{1} << 16);
            };
            if (!v || (v->kind == Kind::scalar && v->num.is_constant() && v->num.value == 0) ||
                (v->kind == Kind::heap && (!v->nullable || near_null(v->num))))
                continue;
            if (options_.heap_addresses) {
                HelperCheck c;
                c.pc = pc;
                c.ptr_reg = static_cast<std::uint8_t>(r);
                c.mode = HelperCheck::Mode::heap_fixed;
                c.limit = 0;  // NULL, or in an arena
                add_helper_check(pc, c, name);
                continue;
            }
            report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", where " + name.str() +
                           " expects a heap pointer or NULL: its answer would tell whether a number is the heap's address",
                   "pass what a heap helper returned, or NULL");
            continue;
        }
        if (kind == ArgKind::size_rt) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (v && v->is_pointer())
                report(pc, "(A) passes " + reg(r) + ", " + v->describe() + ", as a length to " + name.str() +
                               ": the host would see an address",
                       "pass a number");
            continue;
        }
        if (kind == ArgKind::mem_in_rt || kind == ArgKind::mem_out_rt) {
            const int k = sig.size_arg[i] < 0 ? static_cast<int>(i) + 1 : sig.size_arg[i];
            if (k >= static_cast<int>(count) || sig.args[static_cast<unsigned>(k)] != ArgKind::size_rt) {
                report(pc, name.str() + " has a run-time sized buffer without a size_rt argument (a host bug)");
                continue;
            }
            runtime_buffer(s, pc, r, static_cast<unsigned>(k) + 1, kind == ArgKind::mem_out_rt, name, effects);
            continue;
        }
        if (kind == ArgKind::str_in || kind == ArgKind::obj_in || kind == ArgKind::obj_out ||
            kind == ArgKind::ptr_struct_in) {
            flags[pc] |= flag_frame_bounds;
            if (kind != ArgKind::obj_out) zero_frames = true;
            if (kind != ArgKind::ptr_struct_in) room_for(s, pc, r, kind == ArgKind::obj_out, name, effects);
        }
        if (kind == ArgKind::in_fixed_or_null) {
            const Value* v = use(s, pc, r, "a helper argument");
            if (!v) continue;
            if (v->kind == Kind::scalar) {
                if (!(v->num.is_constant() && v->num.value == 0))
                    report(pc, "(M) passes " + reg(r) + ", " + v->describe() + ", where " + name.str() +
                                   " expects a buffer or NULL");
                continue;
            }
        }
        if (kind == ArgKind::str_in) {
            const Value* p = use(s, pc, r, "a string");
            if (!p) continue;
            // The string's first byte checked in the heap arena at run time
            // (a heap address is translated there before the call).
            const auto first_byte_checked_at_run_time = [&] {
                HelperCheck c;
                c.pc = pc;
                c.ptr_reg = static_cast<std::uint8_t>(r);
                c.mode = HelperCheck::Mode::heap_fixed;
                c.limit = 1;
                add_helper_check(pc, c, name);
            };
            if (p->kind == Kind::scalar && options_.heap_addresses) {
                first_byte_checked_at_run_time();  // a heap address
                continue;
            }
            if (!p->is_pointer()) {
                report(pc, "(M) passes " + reg(r) + ", " + p->describe() + ", where " + name.str() + " expects a string");
                continue;
            }
            if (p->kind == Kind::heap && p->nullable) {
                report(pc, "(M) passes " + name.str() + " a string that may be NULL", "check it against NULL first");
                continue;
            }
            if (p->kind == Kind::heap) {
                // The helper reads to the NUL or the arena's end, from a
                // first byte that must lie in the object (p - 7 is before
                // the arena when the object is its first block).
                if (p->num.smin >= 0 && p->num.smax < static_cast<std::int64_t>(p->min_size)) continue;
                if (options_.heap_addresses) {
                    first_byte_checked_at_run_time();
                    continue;
                }
                report(pc, "(M) passes " + name.str() + " a string at offsets " + p->num.to_string() +
                               " of a heap object known to have " + std::to_string(p->min_size) + " bytes",
                       "check the offset first");
                continue;
            }
            if (!check_region(s, pc, *p, 0, 1, Access::read, What("passes ", name, " a string of"), false))
                continue;
            if (p->kind == Kind::rodata) {
                // A NUL at or after the highest offset: reading from any
                // possible offset stops inside the read-only data.
                const auto& ro = program_.rodata;
                bool nul = false;
                for (std::size_t o = static_cast<std::size_t>(p->num.smax); o < ro.size() && !nul; ++o) nul = ro[o] == 0;
                if (!nul) report(pc, "(M) passes " + name.str() + " read-only text with no NUL after it");
                continue;
            }
            if (p->kind == Kind::stack)
                zeroed_readable(s, pc, p->frame, p->num.smin, p->num.smax + 1, What("passes ", name, " a string:"));
            continue;
        }
        if (kind == ArgKind::ptr_struct_in) {
            const Value* p = use(s, pc, r, "a helper argument");
            if (!p) continue;
            const std::uint64_t n = sig.arg_size[i];
            if (!p->is_pointer()) {
                report(pc, "(M) passes " + reg(r) + ", " + p->describe() + ", where " + name.str() + " expects a structure");
                continue;
            }
            if (!check_region(s, pc, *p, 0, n, Access::read, What("passes ", name, " a structure of"), false))
                continue;
            if (p->kind != Kind::stack) continue;
            // In a zeroed frame (zero_frames): bytes never written are 0;
            // spilled pointers are where the helper expects them (it checks
            // each); a partly overwritten pointer must not be read as data.
            const std::vector<Slot>& slots = s.frames[p->frame].slots;
            for (std::int64_t o = p->num.smin; o < p->num.smax + static_cast<std::int64_t>(n); ++o) {
                const std::uint32_t k = slot_of(o);
                if (k < slots.size() && ((slots[k].tainted >> byte_of(o)) & 1u) != 0) {
                    report(pc, "(A) passes " + name.str() + " a structure whose byte at stack offset " + std::to_string(o) +
                                   " may hold part of an overwritten pointer",
                           "build the structure in fresh variables");
                    break;
                }
            }
            continue;
        }
        // A buffer: its size is fixed, or the next argument's proven maximum.
        const bool fixed_kind = kind == ArgKind::in_fixed || kind == ArgKind::in_fixed_or_null ||
                                kind == ArgKind::out_fixed || kind == ArgKind::obj_in || kind == ArgKind::obj_out;
        std::uint64_t max_size = fixed_kind ? sig.arg_size[i] : sig.fixed_size;
        std::uint64_t min_size = max_size;
        if (kind != ArgKind::mem_fixed && !fixed_kind) {
            if (i + 1 >= count || sig.args[i + 1] != ArgKind::size) {
                report(pc, name.str() + " has a buffer argument without a size argument after it (a host bug)");
                continue;
            }
            const Value& n = s.regs[r + 1];
            if (n.kind != Kind::scalar || n.num.umax > max_helper_size) continue;  // reported with that argument
            max_size = n.num.umax;
            min_size = n.num.umin;
        }
        const Value* p = use(s, pc, r, "a helper buffer");
        if (!p) continue;
        if (fixed_kind && options_.heap_addresses && max_size != 0 &&
            (p->kind == Kind::scalar ||
             (p->kind == Kind::heap &&
              (p->nullable || p->num.smin < 0 ||
               p->num.smax + static_cast<std::int64_t>(max_size) > static_cast<std::int64_t>(p->min_size))))) {
            // xBGP: a heap address (a number read from memory) or a heap
            // object not proven large enough: checked against the arena
            // before the call (a heap address is translated).
            HelperCheck c;
            c.pc = pc;
            c.ptr_reg = static_cast<std::uint8_t>(r);
            c.mode = HelperCheck::Mode::heap_fixed;
            c.limit = static_cast<std::uint32_t>(max_size);
            add_helper_check(pc, c, name);
            continue;
        }
        if (!p->is_pointer()) {
            report(pc, "(M) passes " + reg(r) + ", " + p->describe_non_pointer() + ", where " + name.str() + " expects a buffer");
            continue;
        }
        if (max_size == 0) continue;
        const bool reads = kind == ArgKind::mem_in || kind == ArgKind::in_fixed || kind == ArgKind::in_fixed_or_null ||
                           kind == ArgKind::obj_in;
        const bool writes = kind == ArgKind::mem_out || kind == ArgKind::out_fixed || kind == ArgKind::obj_out;
        const Access how = reads ? Access::read : writes ? Access::write : Access::read_write;
        if (!check_region(s, pc, *p, 0, max_size, how, What("passes ", name, " a buffer of"), false)) continue;
        if (p->kind != Kind::stack) continue;
        const std::int64_t lo = p->num.smin, hi = p->num.smax + static_cast<std::int64_t>(max_size);
        if (kind == ArgKind::obj_in) {
            // The frame is zeroed (zero_frames): padding never written reads as 0.
            if (!zeroed_readable(s, pc, p->frame, lo, hi, What("passes ", name, ""))) continue;
        } else if (how != Access::write && !read_stack(s, pc, p->frame, lo, hi, What("passes ", name, ""), nullptr)) {
            continue;
        }
        StackEffect e{p->frame, lo, hi, 0, 0};
        if (how == Access::read_write) e.init_lo = lo, e.init_hi = hi;  // every byte was proven written already
        else if (how == Access::write && p->num.is_constant())
            e.init_lo = lo, e.init_hi = lo + static_cast<std::int64_t>(min_size);  // the helper writes at least this much
        if (how != Access::read) effects.push_back(e);
    }
    Value r0 = Value::number(Scalar::top());
    if (sig.ret == RetKind::first_arg && count >= 1 && s.regs[1].kind != Kind::uninit) {
        r0 = s.regs[1];
        const ArgKind first = sig.args[0];
        if (r0.kind == Kind::scalar && options_.heap_addresses && first != ArgKind::number && first != ArgKind::size &&
            first != ArgKind::size_rt) {
            // xBGP: a number passed as memory is a heap address, which the
            // executor translated into the arena's host address for the
            // call (HelperCheck): the helper returns that address (or the
            // 0 it was given), a heap pointer the plugin must never see as a
            // number (A). Accesses through it are checked at run time.
            r0 = Value::pointer(Kind::heap, Scalar::top());
            r0.nullable = true;
            r0.shared = true;
        }
    }
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
        // xBGP's shared memory (ctx_shmnew, ctx_shmget) lives in its own
        // arena (RunContext::shared): its pointers are never compared with
        // the heap arena's, whose distance would be host layout.
        // HelperSignature has no field for it; the API names them.
        r0.shared = sig.name.rfind("ctx_shm", 0) == 0;
    }
    for (const StackEffect& e : effects) write_stack_bytes(s, e.frame, e.lo, e.hi, e.init_lo, e.init_hi);
    clobber(r0);
}

void Analysis::add_helper_check(std::uint32_t pc, const HelperCheck& c, const HelperName& name) {
    flags[pc] |= flag_helper_check;
    const auto key_of = [&](HelperCheck::Mode m) {
        return std::make_pair(pc, static_cast<std::uint8_t>(c.ptr_reg * 8 + static_cast<unsigned>(m)));
    };
    // A buffer checked against the heap on one path and against a bound on
    // another cannot be checked either way.
    const auto has = [&](HelperCheck::Mode m) { return helper_checks.count(key_of(m)) != 0; };
    const bool conflict = (c.mode == HelperCheck::Mode::heap && has(HelperCheck::Mode::bounded)) ||
                          (c.mode == HelperCheck::Mode::bounded && has(HelperCheck::Mode::heap));
    auto [it, fresh] = helper_checks.try_emplace(key_of(c.mode), c);
    HelperCheck& old = it->second;
    if (conflict || old.size_reg != c.size_reg) {
        report(pc, "(M) the buffer in " + reg(c.ptr_reg) + " passed to " + name.str() +
                       " points into the heap on one path and elsewhere on another: it cannot be checked at run time",
               "call the helper separately for each buffer");
        return;
    }
    old.limit = std::min(old.limit, c.limit);
}

// The bytes a helper may touch from the pointer in register r (obj_in,
// obj_out, str_in), recorded for the executor to hand over in
// RunContext::arg_room: on the stack the initialised run without spilled
// pointers (reads) or the rest of the frame (writes: the spilled pointers
// there are forgotten), elsewhere the rest of the region.
void Analysis::room_for(State& s, std::uint32_t pc, unsigned r, bool write, const HelperName& name,
                        std::vector<StackEffect>& effects) {
    const Value& p = s.regs[r];
    if (p.kind == Kind::scalar && options_.heap_addresses && !(p.num.is_constant() && p.num.value == 0)) {
        // A heap address: translated into the arena before the call.
        HelperCheck c;
        c.pc = pc;
        c.ptr_reg = static_cast<std::uint8_t>(r);
        c.mode = HelperCheck::Mode::room;
        c.limit = UINT32_MAX;
        add_helper_check(pc, c, name);
        return;
    }
    if (!p.is_pointer()) return;  // NULL, or refused with the argument
    HelperCheck c;
    c.pc = pc;
    c.ptr_reg = static_cast<std::uint8_t>(r);
    c.mode = HelperCheck::Mode::room;
    std::int64_t room = 0;
    switch (p.kind) {
    case Kind::heap: room = UINT32_MAX; break;
    case Kind::ctx: room = static_cast<std::int64_t>(options_.ctx_size) - p.num.smax; break;
    case Kind::rodata: room = write ? 0 : static_cast<std::int64_t>(program_.rodata.size()) - p.num.smax; break;
    case Kind::data: room = static_cast<std::int64_t>(program_.data.size()) - p.num.smax; break;
    case Kind::stack: {
        if (write) {
            room = -p.num.smax;
            effects.push_back({p.frame, p.num.smin, 0, 0, 0});
            break;
        }
        room = zeroed_run(s, p.frame, p.num.smin) - p.num.smax;
        break;
    }
    default: return;
    }
    c.limit = static_cast<std::uint32_t>(std::clamp<std::int64_t>(room, 0, UINT32_MAX));
    add_helper_check(pc, c, name);
}

void Analysis::runtime_buffer(State& s, std::uint32_t pc, unsigned r, unsigned n, bool write, const HelperName& name,
                              std::vector<StackEffect>& effects) {
    const Value* p = use(s, pc, r, "a helper buffer");
    const Value* size = use(s, pc, n, "a helper buffer's length");
    if (!p || !size || size->kind != Kind::scalar) return;  // a pointer length is reported with that argument
    const std::uint64_t umax = size->num.umax, umin = size->num.umin;
    HelperCheck c;
    c.pc = pc;
    c.ptr_reg = static_cast<std::uint8_t>(r);
    c.size_reg = static_cast<std::uint8_t>(n);
    if (p->kind == Kind::scalar) {
        if (!options_.heap_addresses) {
            report(pc, "(M) passes " + reg(r) + ", " + p->describe_non_pointer() + ", where " + name.str() + " expects a buffer");
            return;
        }
        c.mode = HelperCheck::Mode::heap;  // a heap address: translated and checked before the call
        add_helper_check(pc, c, name);
        return;
    }
    if (p->kind == Kind::heap) {
        if (p->nullable && !options_.heap_addresses) {
            report(pc, "(M) passes " + name.str() + " a heap buffer that may be NULL", "check it against NULL first");
            return;
        }
        if (p->nullable) {  // xBGP: NULL is never in the arena; the check stops the run
            c.mode = HelperCheck::Mode::heap;
            add_helper_check(pc, c, name);
            return;
        }
        const std::int64_t room = static_cast<std::int64_t>(p->min_size) - p->num.smax;
        if (p->num.smin >= 0 && room >= 0 && umax <= static_cast<std::uint64_t>(room)) return;  // proven
        c.mode = HelperCheck::Mode::heap;
        add_helper_check(pc, c, name);
        return;
    }
    if (write && p->kind == Kind::rodata) {
        report(pc, "(M) passes " + name.str() + " a buffer of read-only data to write");
        return;
    }
    // The pointer itself must lie in its region; then the room after its
    // highest offset is the limit.
    if (!check_region(s, pc, *p, 0, 0, write ? Access::write : Access::read,
                      What("passes ", name, " a buffer of"), false))
        return;
    std::int64_t room = 0;
    switch (p->kind) {
    case Kind::ctx: room = static_cast<std::int64_t>(options_.ctx_size) - p->num.smax; break;
    case Kind::rodata: room = static_cast<std::int64_t>(program_.rodata.size()) - p->num.smax; break;
    case Kind::data: room = static_cast<std::int64_t>(program_.data.size()) - p->num.smax; break;
    case Kind::stack: {
        room = -p->num.smax;
        if (!write) {
            // Readable bytes only: initialised, no spilled pointer, from the
            // lowest possible offset on.
            const std::vector<Slot>& slots = s.frames[p->frame].slots;
            std::int64_t o = p->num.smin;
            for (; o < 0; ++o) {
                const std::uint32_t k = slot_of(o);
                if (k >= slots.size() || ((slots[k].readable_bytes() >> byte_of(o)) & 1u) == 0) break;
            }
            room = std::max<std::int64_t>(0, o - p->num.smax);
        }
        break;
    }
    default: return;
    }
    room = std::max<std::int64_t>(room, 0);
    if (p->kind == Kind::stack && room > 0) {
        // The frame is as deep as the lowest byte the helper may touch.
        std::uint32_t& deepest = frame_bytes[s.frames[p->frame].function];
        deepest = std::max(deepest, static_cast<std::uint32_t>(-p->num.smin));
    }
    if (umax > static_cast<std::uint64_t>(room)) {
        c.limit = static_cast<std::uint32_t>(std::min<std::int64_t>(room, UINT32_MAX));
        add_helper_check(pc, c, name);
    }
    if (write && p->kind == Kind::stack) {
        const std::int64_t lo = p->num.smin, hi = p->num.smax + room;
        const std::int64_t init = static_cast<std::int64_t>(std::min<std::uint64_t>(umin, static_cast<std::uint64_t>(room)));
        StackEffect e{p->frame, lo, hi, 0, 0};
        if (p->num.is_constant()) e.init_lo = lo, e.init_hi = lo + init;
        effects.push_back(e);
    }
}

}  // namespace mempool::vm::detail
