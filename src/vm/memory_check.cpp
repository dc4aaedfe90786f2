// memory_check.cpp: where a pointer may reach (M), and what the stack holds
// (I: initialised bytes; A: spilled pointers never read back as bytes).
#include "analysis.hpp"

#include <algorithm>

namespace mempool::vm::detail {
namespace {

using i64 = std::int64_t;

// Offsets beyond this are refused outright, so sums of offsets, access
// sizes and instruction offsets never overflow.
constexpr i64 offset_limit = i64{1} << 40;

std::string span(i64 lo, i64 hi) {
    std::string s = "[";  // appended piece by piece: GCC 12 warns wrongly on "[" + std::to_string(x)
    s += std::to_string(lo);
    s += ", ";
    s += std::to_string(hi);
    s += ")";
    return s;
}

}  // namespace

bool Analysis::check_region(State& s, std::uint32_t pc, const Value& base, std::int64_t off, std::uint64_t size,
                            Access how, const What& what, bool heap_runtime_ok) {
    if (base.kind == Kind::uninit) return false;  // reported by use()
    if (base.nullable && base.kind != Kind::heap) {
        report(pc, std::string("(M) ") + what.str() + " memory through " + base.describe(), "check it against NULL first");
        return false;
    }
    // The executors make an instruction's run-time check whatever its base
    // holds: they translate the base of a flag_heap_address access as a
    // heap address, and check that of a flag_heap_check access against the
    // arenas. So one access cannot take a pointer in one context (a
    // function called with both) and a heap address in another, nor a
    // pointer the arena check would stop (stack, context, read-only data,
    // globals) in one and an unproven heap pointer in another.
    const auto mixed = [&] {
        report(pc, std::string("(M) ") + what.str() +
                       " memory through a heap pointer on one path and a heap address or a pointer into another "
                       "region on another: the access cannot be checked one way at run time",
               "use a separate function (or access) for each kind of buffer");
        return false;
    };
    const auto heap_checked = [&] {
        if ((pointer_base_[pc] & 2) != 0) return mixed();
        flags[pc] |= flag_heap_check;
        return true;
    };
    if (base.kind == Kind::scalar) {
        if (options_.heap_addresses && heap_runtime_ok) {
            // A heap address read from memory (heap_address()): the
            // executors translate it into the arena and check the access
            // there, so whatever the number is, only the arena is reached.
            if (pointer_base_[pc] != 0) return mixed();
            flags[pc] |= flag_heap_address;
            return true;
        }
        report(pc, std::string("(M) ") + what.str() + " memory through " + base.describe_non_pointer() + ", which is not a pointer");
        return false;
    }
    if (heap_runtime_ok) {
        const bool other = base.kind != Kind::heap;
        if ((flags[pc] & flag_heap_address) != 0 || (other && (flags[pc] & flag_heap_check) != 0)) return mixed();
        pointer_base_[pc] |= other ? 3 : 1;
    }
    if (base.kind == Kind::heap && base.nullable && options_.heap_addresses && heap_runtime_ok) {
        // xBGP (uBPF's memory checks): a pointer a helper may have returned as
        // NULL is checked at run time instead; NULL is never in the arena, so
        // such an access stops the run and the host falls back.
        return heap_checked();
    }
    if (base.kind == Kind::heap && base.nullable) {
        report(pc, std::string("(M) ") + what.str() + " memory through a heap pointer that may be NULL",
               "check it against NULL first: if (!p) return 0;");
        return false;
    }
    const bool wild = base.num.smin < -offset_limit || base.num.smax > offset_limit;
    // Only meaningful (and only free of signed overflow) when not wild.
    const i64 lo = wild ? 0 : base.num.smin + off;
    const i64 hi = wild ? 0 : base.num.smax + off + static_cast<i64>(size);
    // Built only when refusing: the common case must stay cheap.
    const auto bytes_where = [&] {
        return std::to_string(size) + (size == 1 ? " byte" : " bytes") +
               (wild ? std::string(" at an unbounded offset") : " at offsets " + span(lo, hi));
    };
    switch (base.kind) {
    case Kind::ctx:
        if (!wild && lo >= 0 && hi <= static_cast<i64>(options_.ctx_size)) {
            if (how != Access::read) writes_context = true;
            return true;
        }
        report(pc, std::string("(M) ") + what.str() + " " + bytes_where() + " of the context, which has " +
                       std::to_string(options_.ctx_size) + " bytes",
               base.num.is_constant() ? "" : "bound the index so that the access stays inside");
        return false;
    case Kind::rodata:
        if (how != Access::read) {
            report(pc, std::string("(M) ") + what.str() + " read-only data");
            return false;
        }
        if (!wild && lo >= 0 && hi <= static_cast<i64>(program_.rodata.size())) return true;
        report(pc, std::string("(M) ") + what.str() + " " + bytes_where() + " of the read-only data, which has " +
                       std::to_string(program_.rodata.size()) + " bytes",
               base.num.is_constant() ? "" : "bound the index so that the access stays inside");
        return false;
    case Kind::data:
        if (!wild && lo >= 0 && hi <= static_cast<i64>(program_.data.size())) return true;
        report(pc, std::string("(M) ") + what.str() + " " + bytes_where() + " of the writable globals, which have " +
                       std::to_string(program_.data.size()) + " bytes",
               base.num.is_constant() ? "" : "bound the index so that the access stays inside");
        return false;
    case Kind::heap:
        if (!wild && lo >= 0 && hi <= static_cast<i64>(base.min_size)) return true;
        if (heap_runtime_ok) {
            // Known to be a heap pointer, bounds not proven: the executors
            // check this access against the arena at run time.
            return heap_checked();
        }
        report(pc, std::string("(M) ") + what.str() + " " + bytes_where() + " of a heap object known to have " +
                       std::to_string(base.min_size) + " bytes",
               "check the size first, or ask for a larger object");
        return false;
    case Kind::stack: {
        const i64 frame = options_.max_frame;
        if (!wild && lo >= -frame && hi <= 0) {
            std::uint32_t& deepest = frame_bytes[s.frames[base.frame].function];
            deepest = std::max(deepest, static_cast<std::uint32_t>(-lo));
            return true;
        }
        report(pc, std::string("(M) ") + what.str() + " " + bytes_where() + " from the top of a frame of " +
                       std::to_string(frame) + " bytes",
               base.num.is_constant() ? "use less stack" : "bound the index so that the access stays in the array");
        return false;
    }
    default: return false;
    }
}

bool Analysis::read_stack(State& s, std::uint32_t pc, unsigned frame, std::int64_t lo, std::int64_t hi,
                          const What& what, const Value** spill_out) {
    const std::vector<Slot>& slots = s.frames[frame].slots;
    if (spill_out && hi - lo == 8 && lo % 8 == 0) {
        const std::uint32_t k = slot_of(lo);
        if (k < slots.size() && slots[k].spilled) {
            *spill_out = &slots[k].spill;
            return true;
        }
    }
    for (i64 o = lo; o < hi; ++o) {
        const std::uint32_t k = slot_of(o);
        const Slot none{};
        const Slot& sl = k < slots.size() ? slots[k] : none;
        if (sl.spilled && sl.spill.is_pointer()) {
            report(pc, std::string("(A) ") + what.str() + " part of a spilled pointer (stack offset " + std::to_string(o) +
                           "): its bytes would expose an address");
            return false;
        }
        if (((sl.readable_bytes() >> byte_of(o)) & 1u) == 0) {
            report(pc, std::string("(I) ") + what.str() + " the stack byte at offset " + std::to_string(o) +
                           ", which is not written on every path to here",
                   "initialise the variable or buffer first (= {0}, or memset)");
            return false;
        }
    }
    return true;
}

void Analysis::write_stack_bytes(State& s, unsigned frame, std::int64_t lo, std::int64_t hi, std::int64_t init_lo,
                                 std::int64_t init_hi) {
    std::vector<Slot>& slots = s.frames[frame].slots;
    if (hi <= lo) return;
    const std::uint32_t deepest = slot_of(lo);
    if (slots.size() <= deepest) slots.resize(deepest + 1);
    for (std::uint32_t k = slot_of(hi - 1); k <= deepest; ++k) {
        Slot& sl = slots[k];
        if (!sl.spilled) continue;
        // Partly overwritten: a spilled number stays initialised bytes, a
        // spilled pointer's remaining bytes must never be read (A).
        if (sl.spill.is_pointer()) sl.tainted = 0xff;
        sl.init = sl.readable_bytes();
        sl.spilled = false;
        sl.spill = Value{};
    }
    for (i64 o = init_lo; o < init_hi; ++o) {
        const auto bit = static_cast<std::uint8_t>(1u << byte_of(o));
        slots[slot_of(o)].init |= bit;
        slots[slot_of(o)].tainted &= static_cast<std::uint8_t>(~bit);
    }
}

void Analysis::spill(State& s, unsigned frame, std::int64_t o, const Value& v) {
    std::vector<Slot>& slots = s.frames[frame].slots;
    const std::uint32_t k = slot_of(o);
    if (slots.size() <= k) slots.resize(k + 1);
    Slot& sl = slots[k];
    sl.init = 0xff;
    sl.tainted = 0;
    sl.spilled = true;
    sl.spill = v;
}

bool Analysis::zeroed_readable(State& s, std::uint32_t pc, unsigned frame, std::int64_t lo, std::int64_t hi,
                               const What& what) {
    const std::vector<Slot>& slots = s.frames[frame].slots;
    for (i64 o = lo; o < hi; ++o) {
        const std::uint32_t k = slot_of(o);
        if (k >= slots.size()) continue;  // never written: zero
        const Slot& sl = slots[k];
        const bool pointer = (sl.spilled && sl.spill.is_pointer()) || ((sl.tainted >> byte_of(o)) & 1u) != 0;
        if (pointer) {
            report(pc, std::string("(A) ") + what.str() + " the stack byte at offset " + std::to_string(o) +
                           ", which may hold part of a pointer: its bytes would expose an address",
                   "keep pointers out of buffers handed to helpers");
            return false;
        }
    }
    return true;
}

std::int64_t Analysis::zeroed_run(const State& s, unsigned frame, std::int64_t from) const {
    const std::vector<Slot>& slots = s.frames[frame].slots;
    // Below the slots the frame has, nothing was written: start where they
    // begin (a pointer whose offset may be far below would else cost a step
    // per byte, tens of thousands per call).
    i64 o = std::max<i64>(from, -8 * static_cast<i64>(slots.size()));
    for (; o < 0; ++o) {
        const std::uint32_t k = slot_of(o);
        if (k >= slots.size()) continue;
        const Slot& sl = slots[k];
        if ((sl.spilled && sl.spill.is_pointer()) || ((sl.tainted >> byte_of(o)) & 1u) != 0) break;
    }
    return o;
}

}  // namespace mempool::vm::detail
