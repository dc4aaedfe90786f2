// verifier.cpp: the verifier's entry point and its control: functions,
// blocks in topological order, joins, loops unrolled abstractly, local
// calls, and the results handed to the executors (docs/verifier.md).
#include "verifier.hpp"

#include "analysis.hpp"
#include "isa_table.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <new>

namespace mempool::vm {
namespace detail {

Analysis::Analysis(const Program& program, const VerifyOptions& options, const Cfg& cfg)
    : program_(program), options_(options), cfg_(cfg) {
    flags.assign(program.code.size(), 0);
    pointer_base_.assign(program.code.size(), 0);
    frame_bytes.assign(cfg.functions.size(), 0);
    // Hostile input must not make verification slow: at most four abstract
    // visits per instruction a run may execute, plus a few per instruction.
    const std::uint64_t per_run = options.max_instructions > (UINT64_MAX >> 4) ? (UINT64_MAX >> 2) : 4 * options.max_instructions;
    work_limit_ = per_run + 64 * program.code.size();
}

void Analysis::report(std::uint32_t pc, std::string message, std::string hint) {
    if (diagnostics.size() >= max_diagnostics) return;
    if (!reported_.insert({pc, message}).second) return;
    Diagnostic d;
    d.pc = pc;
    d.message = std::move(message);
    d.hint = std::move(hint);
    diagnostics.push_back(std::move(d));
}

void Analysis::run() {
    State s;
    // Invariant: R1 points to the context, R10 to the top of the entry frame;
    // R6-R9 are 0 (every executor clears them at entry: never a host
    // value), so a variable clang leaves unset on a path that, by relations
    // the analysis does not track, never reaches its use reads as a number;
    // R2 is the context size in raw mode; R0 and R3-R5 are not set.
    for (unsigned r = 6; r <= 9; ++r) s.regs[r] = Value::number(Scalar::constant(0));
    s.regs[1] = Value::pointer(Kind::ctx, Scalar::constant(0));
    if (options_.r2_is_ctx_size) s.regs[2] = Value::number(Scalar::constant(options_.ctx_size));
    s.regs[isa::frame_pointer] = Value::pointer(Kind::stack, Scalar::constant(0));
    s.frames.push_back(Frame{0, {}});
    auto exit = analyse_function(0, std::move(s));
    if (!exit && diagnostics.empty())
        report(0, "no path reaches exit: every run would end in an infinite loop or a refused instruction");
    // In program order: exit tails are analysed when a path reaches them,
    // ahead of blocks that come before them.
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.pc < b.pc; });
}

std::optional<State> Analysis::analyse_function(std::uint32_t f, State entry) {
    const Function& fn = cfg_.functions[f];
    Run run;
    run.function = f;
    run.pending.resize(fn.block_count);
    assert(depth_ < active_.size());  // local_call refuses a call made deeper than 64
    active_[depth_++] = f;
    run.pending[fn.entry - fn.first_block] = std::move(entry);
    sequence(run, fn.order, -1);
    --depth_;
    return std::move(run.exit);
}

// Visits `order` (a region's blocks in topological order): blocks of the
// region itself one by one, each loop nested directly in it as a whole, at
// its head (every other block of such a loop is skipped here).
void Analysis::sequence(Run& run, const std::vector<std::uint32_t>& order, std::int32_t region) {
    for (std::uint32_t b : order) {
        if (out_of_work_) return;
        std::int32_t l = cfg_.blocks[b].loop;
        if (l == region) {
            block(run, b);
            continue;
        }
        // the outermost loop strictly inside the region that holds b
        while (cfg_.loops[static_cast<std::size_t>(l)].parent != region) l = cfg_.loops[static_cast<std::size_t>(l)].parent;
        if (cfg_.loops[static_cast<std::size_t>(l)].head == b) unroll_loop(run, l);
    }
}

// Abstract unrolling: iteration k starts from the join of iteration k-1's
// back-edge states; exits accumulate at their targets. The loop is proven
// to end when no back edge is reachable any more; steps bound how long that
// may take. An iteration that starts from a state no larger than the one
// before can never end: refused. (Checked at iterations 1-16 and every 16th
// after: once an iteration is subsumed by the one before, so is every later
// one, since the transfer functions are monotone.)
void Analysis::unroll_loop(Run& run, std::int32_t l) {
    const Loop& loop = cfg_.loops[static_cast<std::size_t>(l)];
    const std::uint32_t head = *local_index(run, loop.head);
    // Sized at the function's first loop: most functions have none, and a
    // State per block is several pages for a long one. Back edges are only
    // followed from inside a loop, so nothing reads it before.
    if (run.back.empty()) run.back.resize(cfg_.functions[run.function].block_count);
    std::optional<State> state = std::move(run.pending[head]);
    run.pending[head].reset();
    std::optional<State> previous;
    const auto check_at = [](std::uint64_t k) { return k <= 16 || k % 16 == 0; };
    // loop_budget: a loop is unrolled as without it while it can still be
    // proven to end (steps within max_instructions, fewer than 4096
    // iterations); after that each iteration starts from the widened join
    // of the last start and the back edges, until a start covers the next
    // (a fixpoint: every later iteration is covered).
    constexpr std::uint64_t widen_after = 4096;
    std::optional<State> start;
    for (std::uint64_t k = 0; state && !out_of_work_; ++k) {
        if (options_.loop_budget && (k >= widen_after || state->steps >= options_.max_instructions) && start) {
            if (subsumes(*start, *state)) {
                budgeted = true;
                return;
            }
            *state = widen(*start, join(*start, *state));
        }
        if (options_.loop_budget) start = *state;
        if (!options_.loop_budget && previous && subsumes(*previous, *state)) {
            report(cfg_.blocks[loop.head].first,
                   "(T) loop at pc " + std::to_string(loop.first_pc) + "-" + std::to_string(loop.last_pc) +
                       " cannot be proven to end: an iteration starts where an earlier one did",
                   "bound the loop: if (n > 255) n = 255;");
            return;
        }
        if (check_at(k + 1)) previous = *state;
        else previous.reset();
        run.pending[head] = std::move(state);
        run.back[head].reset();
        sequence(run, loop.blocks, l);
        state = std::move(run.back[head]);
        run.back[head].reset();
    }
}

bool Analysis::count_step_over(State& s, std::uint32_t pc, std::uint32_t b) {
    if (work_ > work_limit_) {
        if (!out_of_work_)
            report(pc, "(T) verification gave up: the program needs more analysis than " + std::to_string(work_limit_) +
                           " instruction visits", "simplify the loops, or bound them more tightly");
        out_of_work_ = true;
        return false;
    }
    if (options_.loop_budget) {
        // Bounded at run time instead (loop_costs): the count stops here.
        s.steps = options_.max_instructions;
        budgeted = true;
        return true;
    }
    const std::int32_t l = cfg_.blocks[b].loop;
    if (l >= 0) {
        std::int32_t outer = l;
        while (cfg_.loops[static_cast<std::size_t>(outer)].parent >= 0)
            outer = cfg_.loops[static_cast<std::size_t>(outer)].parent;
        const Loop& loop = cfg_.loops[static_cast<std::size_t>(l)];
        report(cfg_.blocks[cfg_.loops[static_cast<std::size_t>(outer)].head].first,
               "(T) loop at pc " + std::to_string(loop.first_pc) + "-" + std::to_string(loop.last_pc) +
                   " may run more than the " + std::to_string(options_.max_instructions) +
                   " instructions a run is allowed",
               "bound the loop: if (n > 255) n = 255;");
    } else {
        report(pc, "(T) a run may execute more than " + std::to_string(options_.max_instructions) + " instructions");
    }
    return false;
}

void Analysis::block(Run& run, std::uint32_t b) {
    const std::uint32_t i = *local_index(run, b);
    if (!run.pending[i]) return;  // no state reaches it (yet): dead in this context
    // Run from the slot itself (moving a State out first copied its
    // registers once more): no edge leads back into b's slot while b runs,
    // since an edge to b from below it is a back edge (run.back) and exit
    // tails run without a slot.
    run_block(run, b, std::move(*run.pending[i]));
    run.pending[i].reset();
}

// Clang merges the tails of branches that end alike (`ebpf_print(...);
// return 2;`): one helper call reached with its arguments in different
// stack slots. Joined, the slots of every path would be one range of
// offsets holding one path's pointers and another's numbers, and an honest
// call would be refused. A tail that only runs to an exit changes nothing
// but the exit state, so each path runs it with its own state, at the cost
// of its length per path.
bool Analysis::find_exit_tail(std::uint32_t b) {
    constexpr std::uint32_t kExitTail = 32;
    if (exit_tail_.empty()) exit_tail_.assign(cfg_.blocks.size(), -1);
    bool tail = false;
    std::uint32_t length = 0;
    for (std::uint32_t at = b;;) {
        const BasicBlock& bb = cfg_.blocks[at];
        length += bb.last - bb.first + 1;
        if (length > kExitTail) break;  // also ends a cycle of jumps
        const Insn& last = program_.code[bb.last];
        const Shape shape = shape_of(last.code);
        if (shape == Shape::exit) {
            tail = true;
            break;
        }
        if (shape == Shape::jcond) break;
        const std::uint32_t next = shape == Shape::ja || shape == Shape::gotol
                                       ? static_cast<std::uint32_t>(*jump_target(program_, bb.last))
                                       : bb.last + (isa::is_lddw(last) ? 2 : 1);
        if (next >= cfg_.block_at.size() || cfg_.block_at[next] >= cfg_.blocks.size()) break;
        at = cfg_.block_at[next];
    }
    exit_tail_[b] = tail ? 1 : 0;
    return tail;
}

void Analysis::run_block(Run& run, std::uint32_t b, State&& s) {
    const BasicBlock& bb = cfg_.blocks[b];
    for (std::uint32_t pc = bb.first; pc <= bb.last; ++pc) {
        if (!count_step(s, pc, b)) return;
        const Insn& in = program_.code[pc];
        switch (shape_of(in.code)) {
        case Shape::exit: at_exit(run, std::move(s), pc); return;
        case Shape::ja:
        case Shape::gotol: flow(run, b, static_cast<std::uint32_t>(*jump_target(program_, pc)), std::move(s)); return;
        case Shape::jcond: branch(run, b, std::move(s), pc); return;
        default:
            if (!step(s, pc)) return;
            if (isa::is_lddw(in)) ++pc;
        }
    }
    const Insn& last = program_.code[bb.last];
    flow(run, b, bb.last + (isa::is_lddw(last) ? 2 : 1), std::move(s));
}

void Analysis::flow(Run& run, std::uint32_t from, std::uint32_t to_pc, State&& s) {
    const std::uint32_t to = cfg_.block_at[to_pc];
    const bool back = cfg_.is_back_edge(from, to);
    if (!back && exit_tail(to)) return run_block(run, to, std::move(s));
    const std::uint32_t i = *local_index(run, to);
    auto& slot = back ? run.back[i] : run.pending[i];
    if (slot) join_into(*slot, s);
    else slot = std::move(s);
}

void Analysis::at_exit(Run& run, State&& s, std::uint32_t pc) {
    if (depth_ == 1) {
        // Invariant: the host reads R0; it must be a number.
        const Value& r0 = s.regs[0];
        if (r0.kind == Kind::uninit) report(pc, "R0 is not set at exit", "return a value");
        else if (r0.is_pointer())
            report(pc, "R0 at exit is " + r0.describe() + ": returning it would give the host an address",
                   "return a number");
        instruction_bound = std::max(instruction_bound, s.steps);
        // Nothing after the entry function reads its exit state but whether
        // there is one (run()): joining every path's, a thousand
        // instructions a path, bought nothing.
        if (!run.exit) run.exit = std::move(s);
        return;
    }
    if (run.exit) join_into(*run.exit, s);
    else run.exit = std::move(s);
}

}  // namespace detail

namespace {

std::uint32_t round16(std::uint32_t n) { return (n + 15u) & ~15u; }

// The deepest chain of frames from the entry function (the call graph is
// acyclic: recursion is refused).
std::uint32_t deepest_chain(std::uint32_t f, const std::vector<std::uint32_t>& frame,
                            const std::set<std::pair<std::uint32_t, std::uint32_t>>& calls,
                            std::vector<std::int64_t>& memo) {
    if (memo[f] >= 0) return static_cast<std::uint32_t>(memo[f]);
    memo[f] = frame[f];  // guards against a cycle should one slip through
    std::uint32_t below = 0;
    for (auto it = calls.lower_bound({f, 0}); it != calls.end() && it->first == f; ++it)
        below = std::max(below, deepest_chain(it->second, frame, calls, memo));
    memo[f] = frame[f] + below;
    return static_cast<std::uint32_t>(memo[f]);
}

// The options an accepted program keeps: the limits, and only the
// signatures of the helpers it calls (the executors look up no other).
// Copying the whole table, a name per helper, was a tenth of verifying a
// small plugin against a host's hundred helpers; so was making an empty
// signature for each helper past the last one called, so the table ends
// there (an accepted program calls no helper the host lacks).
VerifyOptions options_for(const Program& p, const VerifyOptions& options) {
    VerifyOptions kept;
    static_cast<VerifyLimits&>(kept) = options;
    const auto called = [&](const Insn& in) {
        return isa::is_helper_call(in) && in.imm >= 0 && static_cast<std::size_t>(in.imm) < options.helpers.size();
    };
    std::size_t used = 0;
    for (const Insn& in : p.code)
        if (called(in)) used = std::max(used, static_cast<std::size_t>(in.imm) + 1);
    kept.helpers.resize(used);
    for (const Insn& in : p.code)
        if (called(in)) kept.helpers[static_cast<std::size_t>(in.imm)] = options.helpers[static_cast<std::size_t>(in.imm)];
    return kept;
}

void fill_where(const Program& p, std::vector<Diagnostic>& ds) {
    for (Diagnostic& d : ds) {
        if (d.pc >= p.line_of.size()) continue;
        const std::uint32_t idx = p.line_of[d.pc];
        if (idx == 0 || idx > p.lines.size()) continue;
        d.where = p.lines[idx - 1];
    }
}

}  // namespace

VerifyResult verify(Program program, const VerifyOptions& options) noexcept {
    VerifyResult result;
    try {
        std::optional<Cfg> cfg = build_cfg(program, result.diagnostics);
        if (cfg) {
            detail::Analysis a(program, options, *cfg);
            a.run();
            std::vector<std::uint32_t> frames(a.frame_bytes.size());
            for (std::size_t f = 0; f < frames.size(); ++f) frames[f] = round16(a.frame_bytes[f]);
            std::vector<std::int64_t> memo(frames.size(), -1);
            const std::uint32_t stack = deepest_chain(0, frames, a.calls, memo);
            if (stack > options.max_stack)
                a.report(0, "(M) the deepest chain of calls needs " + std::to_string(stack) +
                                " bytes of stack, more than the " + std::to_string(options.max_stack) + " allowed",
                         "use smaller local arrays, or fewer nested calls");
            result.diagnostics.insert(result.diagnostics.end(), a.diagnostics.begin(), a.diagnostics.end());
            if (result.diagnostics.empty()) {
                result.program.frame_size = std::move(frames);
                result.program.stack_size = stack;
                result.program.instruction_bound = a.instruction_bound;
                result.program.flags = std::move(a.flags);
                for (const auto& [key, check] : a.helper_checks) result.program.helper_checks.push_back(check);
                result.program.zero_frames = a.zero_frames;
                result.program.writes_context = a.writes_context;
                if (a.budgeted) {
                    // Every back edge pays its loop's length; the bound is the budget.
                    auto& costs = result.program.loop_costs;
                    for (const Loop& loop : cfg->loops) {
                        for (const std::uint32_t b : cfg->pred(loop.head)) {
                            if (!cfg->is_back_edge(b, loop.head)) continue;
                            const std::uint32_t last = cfg->blocks[b].last;
                            const std::uint8_t shape = program.code[last].code;
                            if (isa::cls(shape) != isa::cls_jmp && isa::cls(shape) != isa::cls_jmp32) {
                                // Closed by falling into its head: no jump there to pay.
                                // Every cycle of the loop takes a backward jump (a
                                // fall-through only goes forward), and between two
                                // backward jumps a run stays within the loop's span or
                                // leaves it: each backward jump of the span pays the
                                // loop's length instead.
                                bool paid = false;
                                for (std::uint32_t pc = loop.first_pc; pc <= loop.last_pc; ++pc) {
                                    const std::optional<std::int64_t> to = jump_target(program, pc);
                                    if (!to || *to > static_cast<std::int64_t>(pc)) continue;
                                    result.program.flags[pc] |= flag_loop_budget;
                                    costs.push_back({pc, loop.last_pc - loop.first_pc + 1});
                                    paid = true;
                                }
                                if (!paid)
                                    result.diagnostics.push_back(Diagnostic{
                                        last, "(T) the loop at pc " + std::to_string(loop.first_pc) + "-" +
                                                  std::to_string(loop.last_pc) +
                                                  " is closed by falling into its head and has no backward jump to "
                                                  "pay at: it cannot be bounded at run time",
                                        "", {}});
                                continue;
                            }
                            result.program.flags[last] |= flag_loop_budget;
                            costs.push_back({last, loop.last_pc - loop.first_pc + 1});
                        }
                    }
                    std::sort(costs.begin(), costs.end(), [](const LoopCost& x, const LoopCost& y) {
                        return x.pc < y.pc || (x.pc == y.pc && x.cost > y.cost);
                    });
                    costs.erase(std::unique(costs.begin(), costs.end(),
                                            [](const LoopCost& x, const LoopCost& y) { return x.pc == y.pc; }),
                                costs.end());
                    result.program.instruction_bound = options.max_instructions;
                }
            }
        }
        if (result.diagnostics.size() > detail::max_diagnostics) result.diagnostics.resize(detail::max_diagnostics);
        fill_where(program, result.diagnostics);
        if (result.diagnostics.empty()) {
            result.program.options = options_for(program, options);
            result.program.program = std::move(program);
        }
    } catch (const std::bad_alloc&) {
        result.diagnostics.clear();
        Diagnostic d;
        d.message = "out of memory while verifying";
        result.diagnostics.push_back(std::move(d));
        result.program = VerifiedProgram{};
    }
    return result;
}

}  // namespace mempool::vm
