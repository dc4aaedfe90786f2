// analysis.hpp: the verifier's abstract interpreter (internal).
//
// One Analysis runs over one program. Its work is split by concern:
//   verifier.cpp       control: functions, blocks in topological order,
//                      joins, loops unrolled abstractly, local calls, the
//                      results (frame sizes, stack size, bound, flags);
//   transfer.cpp       one instruction's effect on a State: ALU, LDDW,
//                      loads, stores, atomics, conditional jumps;
//   memory_check.cpp   whether an access through a pointer stays in its
//                      region, and the stack's initialised bytes and spills;
//   helpers_check.cpp  helper calls against their HelperSignature.
// Every refusal goes through report(), which cites the broken rule in plain
// words (docs/verifier.md lists the rules and the invariant they serve).
#pragma once

#include "abstract_state.hpp"
#include "cfg.hpp"
#include "program.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mempool::vm::detail {

inline constexpr std::size_t max_diagnostics = 64;

// A helper's name in messages ("helper ctx_malloc", "helper #7" for one
// without a name), made only for a message: made for every call, it
// allocated (most names are longer than a short string holds).
struct HelperName {
    const HelperSignature& sig;
    std::int32_t imm;
    [[nodiscard]] std::string str() const;
};

// What an access does, in messages ("reads", "passes helper ctx_malloc a
// buffer of"): a literal, or a helper's name between two, put together only
// for a message (made for every helper argument checked, it allocated).
struct What {
    What(const char* text) noexcept : before(text) {}  // (implicit: a literal stands for itself)
    What(const char* b, const HelperName& h, const char* a) noexcept : before(b), helper(&h), after(a) {}
    [[nodiscard]] std::string str() const {
        std::string s = before;
        if (helper) s += helper->str(), s += after;
        return s;
    }
    const char* before;
    const HelperName* helper = nullptr;
    const char* after = "";
};

// How memory is touched.
enum class Access : std::uint8_t { read, write, read_write };

class Analysis {
public:
    Analysis(const Program& program, const VerifyOptions& options, const Cfg& cfg);

    // Analyses the entry function from the entry state.
    void run();

    std::vector<Diagnostic> diagnostics;
    std::vector<std::uint8_t> flags;           // per pc, InsnFlag bits
    std::vector<std::uint32_t> frame_bytes;    // per function: deepest stack byte touched
    std::set<std::pair<std::uint32_t, std::uint32_t>> calls;  // (caller, callee) functions
    std::uint64_t instruction_bound = 0;
    // Run-time checks of helper buffers, by (pc, register): one entry however
    // many times the call is analysed (the tightest limit found).
    // Key: (pc, register * 8 + mode).
    std::map<std::pair<std::uint32_t, std::uint8_t>, HelperCheck> helper_checks;
    bool zero_frames = false;  // VerifiedProgram::zero_frames
    bool writes_context = false;  // VerifiedProgram::writes_context
    bool budgeted = false;     // loop_budget was needed: every back edge pays at run time

    // Records a refusal (deduplicated by pc and message, at most max_diagnostics).
    void report(std::uint32_t pc, std::string message, std::string hint = {});

private:
    // One analysis of one function (a function called from several places,
    // or from a loop, gets one Run per call: context-sensitive).
    struct Run {
        std::uint32_t function = 0;
        std::vector<std::optional<State>> pending;  // per block of the function: joined incoming states
        std::vector<std::optional<State>> back;     // per block (empty until a loop is met): joined back-edge states at loop heads
        std::optional<State> exit;                  // joined states at exit
    };

    // ---- verifier.cpp ----
    std::optional<State> analyse_function(std::uint32_t f, State entry);
    void sequence(Run& run, const std::vector<std::uint32_t>& order, std::int32_t region);
    void unroll_loop(Run& run, std::int32_t loop);
    void block(Run& run, std::uint32_t b);
    // Block b's instructions from state s (block() takes its joined pending state).
    void run_block(Run& run, std::uint32_t b, State&& s);
    // Whether the code from block b runs straight to an exit: no conditional
    // jump on the way, at most kExitTail instructions. flow() analyses such a
    // tail once per incoming state instead of joining them.
    bool exit_tail(std::uint32_t b) {
        // (known after a block's first visit: the lookup inline, the walk out of line)
        if (b < exit_tail_.size() && exit_tail_[b] >= 0) return exit_tail_[b] != 0;
        return find_exit_tail(b);
    }
    bool find_exit_tail(std::uint32_t b);
    void flow(Run& run, std::uint32_t from, std::uint32_t to_pc, State&& s);
    void at_exit(Run& run, State&& s, std::uint32_t pc);
    // (The common case inline, the refusals out of line: their message
    // building made every call pay for saving six registers.)
    bool count_step(State& s, std::uint32_t pc, std::uint32_t b) {
        if (++work_ <= work_limit_ && ++s.steps <= options_.max_instructions) [[likely]]
            return true;
        return count_step_over(s, pc, b);
    }
    // count_step past a limit: the analysis's own (work_ already counted)
    // or the run's (s.steps already counted).
    bool count_step_over(State& s, std::uint32_t pc, std::uint32_t b);
    // b's index among the blocks of run's function, if it is one of them
    // (inline: one per edge followed).
    std::optional<std::uint32_t> local_index(const Run& run, std::uint32_t b) const {
        const Function& fn = cfg_.functions[run.function];
        if (b < fn.first_block || b >= fn.first_block + fn.block_count) return std::nullopt;
        return b - fn.first_block;
    }

    // ---- transfer.cpp ----
    // Applies a non-jump instruction; false when the path ends there.
    bool step(State& s, std::uint32_t pc);
    void alu(State& s, std::uint32_t pc, const Insn& in);
    void lddw(State& s, std::uint32_t pc, const Insn& in);
    void load(State& s, std::uint32_t pc, const Insn& in);
    void store(State& s, std::uint32_t pc, const Insn& in);
    void atomic(State& s, std::uint32_t pc, const Insn& in);
    void branch(Run& run, std::uint32_t b, State&& s, std::uint32_t pc);
    bool local_call(State& s, std::uint32_t pc, const Insn& in);
    // Whether two heap pointers of different objects may be compared (xBGP).
    bool same_arena(const Value& a, const Value& b) const;
    // The register's value if it is set, else a report and nothing.
    const Value* use(const State& s, std::uint32_t pc, unsigned reg, const char* as) {
        const Value& v = s.regs[reg];
        if (v.kind != Kind::uninit) [[likely]]
            return &v;
        report_unset(v, pc, reg, as);
        return nullptr;
    }
    void report_unset(const Value& v, std::uint32_t pc, unsigned reg, const char* as);

    // ---- memory_check.cpp ----
    // Whether [base + off, base + off + size) (for every offset base may
    // have) lies in base's region with the given access; reports otherwise.
    // Sets flag_heap_check when a heap access can only be checked at run
    // time (heap_runtime_ok). `what` names the access in messages.
    bool check_region(State& s, std::uint32_t pc, const Value& base, std::int64_t off, std::uint64_t size,
                      Access how, const What& what, bool heap_runtime_ok);
    // Stack bytes [lo, hi) of frame f: all initialised, no spilled pointer
    // among them; reports otherwise. With `spill` given, an aligned 8-byte
    // read of a spilled slot instead returns the spilled value (a pointer
    // included) through it.
    bool read_stack(State& s, std::uint32_t pc, unsigned frame, std::int64_t lo, std::int64_t hi, const What& what,
                    const Value** spill);
    // Stack bytes [lo, hi) of frame f may have been written by something
    // other than an aligned spill; [init_lo, init_hi) certainly were.
    void write_stack_bytes(State& s, unsigned frame, std::int64_t lo, std::int64_t hi, std::int64_t init_lo,
                           std::int64_t init_hi);
    // An aligned 8-byte store of v at offset o of frame f.
    void spill(State& s, unsigned frame, std::int64_t o, const Value& v);
    // For helpers reading a zeroed frame (VerifiedProgram::zero_frames):
    // bytes [lo, hi) hold no part of a pointer (unwritten bytes are zero or
    // the plugin's own numbers); reports otherwise.
    bool zeroed_readable(State& s, std::uint32_t pc, unsigned frame, std::int64_t lo, std::int64_t hi,
                         const What& what);
    // The first offset at or after `from` that may hold part of a pointer (0: none).
    std::int64_t zeroed_run(const State& s, unsigned frame, std::int64_t from) const;

    // ---- helpers_check.cpp ----
    void helper_call(State& s, std::uint32_t pc, const Insn& in);
    // A mem_in_rt/mem_out_rt buffer in register r sized by register n:
    // proven, or a run-time check recorded. Stack effects go to `effects`.
    struct StackEffect {
        unsigned frame;
        std::int64_t lo, hi, init_lo, init_hi;
    };
    void runtime_buffer(State& s, std::uint32_t pc, unsigned r, unsigned n, bool write, const HelperName& name,
                        std::vector<StackEffect>& effects);
    void room_for(State& s, std::uint32_t pc, unsigned r, bool write, const HelperName& name,
                  std::vector<StackEffect>& effects);
    void add_helper_check(std::uint32_t pc, const HelperCheck& c, const HelperName& name);

    const Program& program_;
    const VerifyOptions& options_;
    const Cfg& cfg_;
    std::set<std::pair<std::uint32_t, std::string>> reported_;
    std::vector<std::int8_t> exit_tail_;  // per block: -1 not known yet, else exit_tail()
    // Functions being analysed (the call chain), active_[0, depth_): at most
    // 65, as local_call refuses calls made deeper than 64. Inline: a vector
    // allocated for every program.
    std::array<std::uint32_t, 65> active_{};
    std::uint32_t depth_ = 0;
    // Per pc, the bases a load or store was reached with (in some context):
    // 1 a pointer, 2 a pointer into a region other than the heap. A pc with
    // a pointer base is never flag_heap_address (every executor translates
    // the base as a number), one with a non-heap pointer base never
    // flag_heap_check (the arena check would stop it): check_region.
    std::vector<std::uint8_t> pointer_base_;
    std::uint32_t next_heap_id_ = 1;
    std::uint64_t work_ = 0, work_limit_ = 0;
    bool out_of_work_ = false;
};

}  // namespace mempool::vm::detail
