// abstract_state.hpp: what the verifier knows at one program point.
//
// A State holds, for each register R0-R10, one Value, and for each active
// call level one Frame describing that function's stack. Every field exists
// to serve the invariant of docs/verifier.md: a Value says whether a
// register may be used as a number (scalar), as an address (a pointer: the
// region it points into and its offset there, never its address), or not at
// all (uninit); a Slot says which stack bytes have been written and which
// 8-byte slots hold a spilled register (so a pointer can be spilled and
// reloaded, but never read back as bytes).
//
//   State s = State::entry(options);   // R1 = ctx pointer, R10 = frame top
//   s.regs[2] = Value::number(Scalar::range(0, 255));
//   State j = join(s, other);          // at a join point
//
// `steps` bounds the instructions executed to reach the point (joined by
// max); it is what proves loops end.
#pragma once

#include "value_domain.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mempool::vm::detail {

// What a register (or a spilled slot) holds.
enum class Kind : std::uint8_t {
    uninit,  // nothing usable: never written, clobbered, or different kinds joined
    scalar,  // a number (num)
    ctx,     // the context struct R1 points to at entry; num = offset
    stack,   // a frame (frame = call level); num = offset from that frame's top (negative)
    rodata,  // the program's read-only data; num = offset
    heap,    // an object in the plugin's heap; num = offset from the object's start
    data,    // the program's writable globals (Program::data); num = offset
};

struct Value {
    Kind kind = Kind::uninit;
    bool nullable = false;       // heap: may be 0 (not yet checked against NULL)
    std::uint8_t frame = 0;      // stack: the call level whose frame it points into
    std::uint32_t id = 0;        // heap: which object (same id: same object); 0: one of several
    std::uint32_t min_size = 0;  // heap: bytes the object is known to have
    bool shared = false;         // heap: may be in the shared arena (ctx_shmnew), not the heap arena
    bool refused = false;        // uninit: made so by a refusal already reported (no cascade of reports)
    // scalar: registers and spills of one State with the same nonzero link
    // hold copies of one number V, each shifted right (logical, 64-bit) by
    // its own `shift`: what a comparison learns of one it teaches the others
    // (clang bounds a copy, `r3 = r2; r3 >>= 32; if r3 > 9`, then uses r2).
    std::uint32_t link = 0;
    std::uint8_t shift = 0;
    Scalar num;                  // scalar: the value; pointer: the offset

    [[nodiscard]] static Value number(const Scalar& s) noexcept {
        Value v;
        v.kind = Kind::scalar;
        v.num = s;
        return v;
    }
    [[nodiscard]] static Value pointer(Kind k, const Scalar& offset) noexcept {
        Value v;
        v.kind = k;
        v.num = offset;
        return v;
    }
    // What a refused instruction leaves in its destination.
    [[nodiscard]] static Value poisoned() noexcept {
        Value v;
        v.refused = true;
        return v;
    }
    [[nodiscard]] bool is_pointer() const noexcept { return kind != Kind::uninit && kind != Kind::scalar; }
    // Same region and the same frame or object (pointers comparable and subtractable).
    [[nodiscard]] bool same_region(const Value& o) const noexcept {
        return kind == o.kind && is_pointer() && (kind != Kind::stack || frame == o.frame) &&
               (kind != Kind::heap || (id != 0 && id == o.id));
    }
    // "a number in [0, 9]", "a pointer into the stack", ... for messages.
    [[nodiscard]] std::string describe() const;
    // describe(), saying so when the number is 0: a pointer on the path
    // where it was NULL (checks are analysed path by path in exit tails).
    [[nodiscard]] std::string describe_non_pointer() const;

    friend bool operator==(const Value&, const Value&) = default;
};

[[nodiscard]] Value join(const Value& a, const Value& b) noexcept;
// Whether every concrete value a describes is one b describes (a <= b).
[[nodiscard]] bool subsumes(const Value& b, const Value& a) noexcept;

// One 8-byte stack slot: bytes [top - 8(k+1), top - 8k) of a frame.
struct Slot {
    std::uint8_t init = 0;  // bit i: byte i (from the slot's lowest address) has been written
    // bit i: byte i may still hold part of a pointer (a spilled pointer was
    // partly overwritten, or one path spilled a pointer here): never handed
    // to a helper, even one that reads unwritten bytes of a zeroed frame
    std::uint8_t tainted = 0;
    bool spilled = false;   // the 8 bytes hold `spill`, stored by one aligned 8-byte store
    Value spill;

    // Which bytes may be read as plain bytes: a spilled pointer's bytes may not.
    [[nodiscard]] std::uint8_t readable_bytes() const noexcept {
        if (!spilled) return init;
        return spill.kind == Kind::scalar ? 0xff : 0;
    }
    friend bool operator==(const Slot&, const Slot&) = default;
};

struct Frame {
    std::uint32_t function = 0;  // whose frame it is (index into function_starts)
    std::vector<Slot> slots;     // slot k as above; slots past the end are unwritten
    friend bool operator==(const Frame&, const Frame&) = default;
};

// A State's call frames, [0] the entry function's, the last the current
// function's. The first is held inline: nearly every plugin makes no
// bpf-to-bpf call, so its States have one frame, and a std::vector of them
// made every copy of a State (one per conditional jump) allocate.
class FrameList {
public:
    FrameList() = default;
    FrameList(const FrameList&) = default;
    FrameList& operator=(const FrameList&) = default;
    FrameList(FrameList&& o) noexcept
        : first_(std::move(o.first_)), rest_(std::move(o.rest_)), size_(std::exchange(o.size_, 0)) {}
    FrameList& operator=(FrameList&& o) noexcept {
        first_ = std::move(o.first_);
        rest_ = std::move(o.rest_);
        size_ = std::exchange(o.size_, 0);
        return *this;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] Frame& operator[](std::size_t i) noexcept { return i == 0 ? first_ : rest_[i - 1]; }
    [[nodiscard]] const Frame& operator[](std::size_t i) const noexcept { return i == 0 ? first_ : rest_[i - 1]; }
    void push_back(Frame f) {
        if (size_ == 0) first_ = std::move(f);
        else rest_.push_back(std::move(f));
        ++size_;
    }
    void pop_back() noexcept {
        --size_;
        if (size_ == 0) first_ = Frame{};
        else rest_.pop_back();
    }
    // n frames: the first min(n, size()) kept, any added empty.
    void resize(std::size_t n) {
        while (size_ > n) pop_back();
        while (size_ < n) push_back(Frame{});
    }

    template <typename List, typename F>
    struct Iterator {
        List* list;
        std::size_t i;
        F& operator*() const noexcept { return (*list)[i]; }
        Iterator& operator++() noexcept {
            ++i;
            return *this;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept { return a.i == b.i; }
    };
    [[nodiscard]] Iterator<FrameList, Frame> begin() noexcept { return {this, 0}; }
    [[nodiscard]] Iterator<FrameList, Frame> end() noexcept { return {this, size_}; }
    [[nodiscard]] Iterator<const FrameList, const Frame> begin() const noexcept { return {this, 0}; }
    [[nodiscard]] Iterator<const FrameList, const Frame> end() const noexcept { return {this, size_}; }

private:
    Frame first_;              // [0], when size_ > 0
    std::vector<Frame> rest_;  // [1, size_)
    std::uint32_t size_ = 0;
};

struct State {
    std::array<Value, 11> regs{};
    FrameList frames;
    std::uint64_t steps = 0;    // at most this many instructions executed to get here
};

// The smallest State containing both (same call depth).
[[nodiscard]] State join(const State& a, const State& b);
// a = join(a, b), without allocating.
void join_into(State& a, const State& b);
// Whether b describes every run a describes, ignoring steps.
[[nodiscard]] bool subsumes(const State& b, const State& a) noexcept;
// Widening for loops bounded at run time: `grown` (a join containing
// `before`) with every bound that moved since `before` pushed to its extreme,
// so that a chain of widenings reaches a fixpoint in a few steps.
[[nodiscard]] State widen(const State& before, const State& grown);

// Slot index and byte for a (negative) offset from a frame's top.
[[nodiscard]] inline std::uint32_t slot_of(std::int64_t offset) noexcept {
    return static_cast<std::uint32_t>((-offset - 1) / 8);
}
[[nodiscard]] inline unsigned byte_of(std::int64_t offset) noexcept {
    return static_cast<unsigned>(offset + 8 * (std::int64_t{slot_of(offset)} + 1));
}

}  // namespace mempool::vm::detail
