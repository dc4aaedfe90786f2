// cfg.cpp: structural checks, basic blocks, dominators and natural loops
// (see cfg.hpp). Everything here is linear or close to it in the number of
// instructions: one pass to decode, one DFS per function, an iterative
// dominator computation over reverse postorder, one backward walk per loop.
#include "cfg.hpp"

#include "isa_table.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <span>
#include <utility>

namespace mempool::vm {
namespace {

using u32 = std::uint32_t;

Diagnostic problem(u32 pc, std::string message, std::string hint = {}) {
    Diagnostic d;
    d.pc = pc;
    d.message = std::move(message);
    d.hint = std::move(hint);
    return d;
}

bool ends_block(const Insn& in) {
    const Shape s = shape_of(in.code);
    return s == Shape::ja || s == Shape::gotol || s == Shape::jcond || s == Shape::exit;
}

class Builder {
public:
    Builder(const Program& p, std::vector<Diagnostic>& problems) : p_(p), problems_(problems) {}

    std::optional<Cfg> run() {
        const std::size_t before = problems_.size();
        if (!decode()) return std::nullopt;
        cfg_.functions.reserve(p_.function_starts.size());
        for (u32 f = 0; f < p_.function_starts.size(); ++f) function_blocks(f);
        if (problems_.size() != before) return std::nullopt;
        for (u32 f = 0; f < cfg_.functions.size(); ++f)
            if (!function_graph(f)) return std::nullopt;
        return std::move(cfg_);
    }

private:
    // Encodings, LDDW second slots, function starts, writes to R10.
    bool decode() {
        const auto& code = p_.code;
        const std::size_t before = problems_.size();
        if (code.empty()) {
            problems_.push_back(problem(0, "the program has no instructions"));
            return false;
        }
        if (code.size() >= UINT32_MAX / 2) {
            problems_.push_back(problem(0, "the program is too long"));
            return false;
        }
        const auto& fs = p_.function_starts;
        if (fs.empty() || fs[0] != 0 || !std::is_sorted(fs.begin(), fs.end()) ||
            std::adjacent_find(fs.begin(), fs.end()) != fs.end() || fs.back() >= code.size()) {
            problems_.push_back(problem(0, "function starts must be sorted, distinct, inside the code and begin at 0"));
            return false;
        }
        marks_.assign(code.size(), 0);
        for (u32 pc = 0; pc < code.size(); ++pc) {
            const Insn& in = code[pc];
            if (const EncodingProblem bad = encoding_problem(in)) [[unlikely]] {
                problems_.push_back(problem(pc, describe(in, bad)));
                continue;
            }
            if (auto w = written_register(in); w && *w == isa::frame_pointer)
                problems_.push_back(problem(pc, "writes R10, the read-only frame pointer",
                                            "use another register: R10 must keep pointing at the frame"));
            if (isa::is_lddw(in)) {
                if (pc + 1 >= code.size()) {
                    problems_.push_back(problem(pc, "64-bit load (LDDW) without its second slot at the end of the code"));
                    continue;
                }
                const Insn& next = code[pc + 1];
                if (next.code != 0 || next.regs != 0 || next.off != 0)
                    problems_.push_back(problem(pc + 1, "the second slot of a 64-bit load (LDDW) must have code, "
                                                        "registers and offset 0"));
                marks_[pc + 1] = second_slot;
                ++pc;
            }
        }
        for (u32 start : fs)
            if (marks_[start] & second_slot) problems_.push_back(problem(start, "a function starts inside a 64-bit load"));
        return problems_.size() == before;
    }

    // Reachable instructions of function f, their checks, and its blocks.
    void function_blocks(u32 f) {
        const auto& code = p_.code;
        Function fn;
        fn.start = p_.function_starts[f];
        fn.end = f + 1 < p_.function_starts.size() ? p_.function_starts[f + 1] : static_cast<u32>(code.size());
        // The buffers serve every function: allocating them per function
        // was a fifth of building a small program's graph.
        std::vector<std::uint8_t>& mark = marks_;
        std::vector<u32>& work = work_;
        work.clear();
        work.reserve(fn.end - fn.start);  // each instruction is queued at most once
        work.push_back(fn.start);
        mark[fn.start] |= reached | leader;
        // An edge from `from` to `to`: the target marked and queued, or a
        // problem (out of the function, into an LDDW) reported out of line.
        const auto go = [&](u32 from, std::int64_t to, bool is_jump) {
            if (to < fn.start || to >= fn.end) [[unlikely]] {
                bad_edge(from, to, is_jump, fn);
                return;
            }
            const u32 t = static_cast<u32>(to);
            std::uint8_t& m = mark[t];
            if (m & second_slot) [[unlikely]] {
                bad_edge(from, to, is_jump, fn);
                return;
            }
            if (is_jump) m |= leader;
            if (!(m & reached)) {
                m |= reached;
                work.push_back(t);
            }
        };
        while (!work.empty()) {
            const u32 pc = work.back();
            work.pop_back();
            const Insn& in = code[pc];
            const Shape s = shape_of(in.code);
            const u32 len = isa::is_lddw(in) ? 2 : 1;
            if (s == Shape::exit) continue;
            if (s == Shape::call && in.src() == isa::pseudo_call) {
                const std::int64_t t = std::int64_t{pc} + 1 + in.imm;
                if (t < 0 || t >= static_cast<std::int64_t>(code.size()) ||
                    !std::binary_search(p_.function_starts.begin(), p_.function_starts.end(), static_cast<u32>(t)))
                    problems_.push_back(problem(pc, "calls pc " + std::to_string(t) + ", which is not the start of a function"));
            }
            if (auto target = jump_target(p_, pc)) go(pc, *target, true);
            if (s == Shape::ja || s == Shape::gotol) continue;
            go(pc, std::int64_t{pc} + len, false);
        }
        // Blocks: maximal runs of reachable instructions without a leader
        // inside. Counted first, so that the list grows once.
        const auto starts_block = [&](u32 pc, bool in_block) {
            return !in_block || (mark[pc] & leader) != 0;
        };
        u32 count = 0;
        for (u32 pc = fn.start, in_block = 0; pc < fn.end; ++pc) {
            if (!(mark[pc] & reached)) {
                in_block = 0;
                continue;
            }
            if (starts_block(pc, in_block != 0)) ++count;
            in_block = 1;
            const Insn& in = code[pc];
            if (isa::is_lddw(in)) ++pc;
            if (ends_block(in)) in_block = 0;
        }
        if (cfg_.blocks.capacity() < cfg_.blocks.size() + count)
            cfg_.blocks.reserve(std::max<std::size_t>(cfg_.blocks.size() + count, 2 * cfg_.blocks.capacity()));
        const u32 fi = static_cast<u32>(cfg_.functions.size());
        if (cfg_.block_at.empty()) cfg_.block_at.assign(code.size(), no_block);
        fn.first_block = static_cast<u32>(cfg_.blocks.size());
        u32 current = no_block;
        for (u32 pc = fn.start; pc < fn.end; ++pc) {
            if (!(mark[pc] & reached)) {
                current = no_block;
                continue;
            }
            if (starts_block(pc, current != no_block)) {
                current = static_cast<u32>(cfg_.blocks.size());
                BasicBlock b;
                b.first = pc;
                b.function = fi;
                cfg_.blocks.push_back(b);
                cfg_.block_at[pc] = current;
            }
            cfg_.blocks[current].last = pc;
            const Insn& in = code[pc];
            if (isa::is_lddw(in)) ++pc;
            if (ends_block(in)) current = no_block;
        }
        fn.entry = cfg_.block_at[fn.start];
        fn.block_count = static_cast<u32>(cfg_.blocks.size()) - fn.first_block;
        cfg_.functions.push_back(std::move(fn));
    }

    // An edge function_blocks() cannot follow: out of fn, or onto an LDDW's
    // second slot. Out of line: a program that verifies never comes here,
    // and the messages kept the hot lambda from being inlined.
    [[gnu::noinline, gnu::cold]] void bad_edge(u32 from, std::int64_t to, bool is_jump, const Function& fn) {
        if (to < fn.start || to >= fn.end) {
            if (!is_jump && to == fn.end)
                problems_.push_back(problem(from, "control runs off the end of the function",
                                            "end every path with exit or a jump"));
            else
                problems_.push_back(problem(from, "jumps out of its function, to pc " + std::to_string(to)));
            return;
        }
        problems_.push_back(problem(from, "jumps into the middle of a 64-bit load (pc " + std::to_string(to) + ")"));
    }

    void add_successor(u32 from, u32 to_pc) {
        const u32 to = cfg_.block_at[to_pc];
        BasicBlock& b = cfg_.blocks[from];
        for (u32 i = 0; i < b.succ_count; ++i)
            if (b.succ_at[i] == to) return;
        b.succ_at[b.succ_count++] = to;  // at most two calls per block (function_graph)
    }

    // Edges, dominators, back edges, topological order and loops of function f.
    bool function_graph(u32 f) {
        Function& fn = cfg_.functions[f];
        const u32 lo = fn.first_block, hi = fn.first_block + fn.block_count;
        for (u32 b = lo; b < hi; ++b) {
            const BasicBlock& bb = cfg_.blocks[b];
            const Insn& in = p_.code[bb.last];
            const Shape s = shape_of(in.code);
            const u32 next = bb.last + (isa::is_lddw(in) ? 2 : 1);
            if (s == Shape::exit) continue;
            if (s == Shape::jcond) add_successor(b, next);
            if (auto t = jump_target(p_, bb.last)) add_successor(b, static_cast<u32>(*t));
            else if (s != Shape::ja && s != Shape::gotol) add_successor(b, next);
        }
        // Predecessors, counted then placed, each block's in increasing order.
        for (u32 b = lo; b < hi; ++b)
            for (u32 s : cfg_.blocks[b].succ()) ++cfg_.blocks[s].pred_count;
        u32 placed = static_cast<u32>(cfg_.pred_list.size());
        for (u32 b = lo; b < hi; ++b) {
            cfg_.blocks[b].pred_first = placed;
            placed += cfg_.blocks[b].pred_count;
            cfg_.blocks[b].pred_count = 0;
        }
        cfg_.pred_list.resize(placed);
        for (u32 b = lo; b < hi; ++b)
            for (u32 s : cfg_.blocks[b].succ()) {
                BasicBlock& to = cfg_.blocks[s];
                cfg_.pred_list[to.pred_first + to.pred_count++] = b;
            }
        // Every list below is indexed by the block's place in the function
        // (b - lo) and lives in one buffer that serves every function: one
        // vector each was most of what building a small program's graph cost.
        const u32 n = fn.block_count;
        constexpr u32 none = UINT32_MAX;
        u32* next = nullptr;
        const auto take = [&](std::size_t k) {
            const std::span<u32> s{next, k};
            next += k;
            return s;
        };
        constexpr std::size_t lists = 10, pair_lists = 2;  // the spans taken below
        scratch_.assign(static_cast<std::size_t>(n) * (lists + 2 * pair_lists), none);
        next = scratch_.data();
        const std::span<u32> number = take(n);  // local index -> reverse postorder number, none: unreachable
        const std::span<u32> rpo_room = take(n);  // reverse postorder number -> block
        const std::span<u32> idom = take(n), first_child = take(n), next_sibling = take(n);
        const std::span<u32> pre = take(n), pst = take(n), indegree = take(n), ready_at = take(n), seen = take(n);
        const std::span<u32> stack_at = take(2 * n), walk_at = take(2 * n);
        assert(next == scratch_.data() + scratch_.size());
        // Reverse postorder from the entry (iterative DFS; a frame is a
        // block and the index of its next successor to visit). The
        // postorder is written from the end of rpo_room. seen: 1 while a
        // block is on the stack, 2 once done; an edge to a block on the
        // stack closes a cycle.
        u32 reached = 0, placed_post = 0, top = 0;
        bool cyclic = false;
        const auto local = [lo](u32 b) { return b - lo; };
        stack_at[0] = fn.entry, stack_at[1] = 0, top = 1;
        seen[local(fn.entry)] = 1;
        ++reached;
        while (top != 0) {
            const u32 b = stack_at[2 * (top - 1)];
            u32& i = stack_at[2 * (top - 1) + 1];
            if (i < cfg_.blocks[b].succ_count) {
                const u32 s = cfg_.blocks[b].succ_at[i++];
                if (seen[local(s)] == none) {
                    seen[local(s)] = 1;
                    ++reached;
                    stack_at[2 * top] = s, stack_at[2 * top + 1] = 0, ++top;
                } else if (seen[local(s)] == 1) {
                    cyclic = true;
                }
            } else {
                seen[local(b)] = 2;
                ++placed_post;
                rpo_room[n - placed_post] = b;
                --top;
            }
        }
        // Unreachable blocks (none in practice: blocks are cut from reached
        // code) are left out: the rpo is the room's last `reached` entries.
        const std::span<u32> rpo = rpo_room.subspan(n - reached);
        const u32 m = reached;
        for (u32 i = 0; i < m; ++i) number[local(rpo[i])] = i;
        const auto number_of = [&](u32 b) { return b >= lo && b < hi ? number[local(b)] : none; };
        // Dominators (Cooper, Harvey, Kennedy: iterate idom over reverse
        // postorder). Without a cycle every predecessor comes earlier in
        // the order, so the first pass is final and the confirming pass,
        // which would change nothing, is skipped.
        idom[0] = 0;
        for (bool changed = true; changed; changed = changed && cyclic) {
            changed = false;
            for (u32 i = 1; i < m; ++i) {
                u32 nd = none;
                for (u32 p : cfg_.pred(rpo[i])) {
                    u32 pn = number_of(p);
                    if (pn == none || idom[pn] == none) continue;
                    if (nd == none) {
                        nd = pn;
                        continue;
                    }
                    u32 a = pn, b = nd;
                    while (a != b) {
                        while (a > b) a = idom[a];
                        while (b > a) b = idom[b];
                    }
                    nd = a;
                }
                if (nd != idom[i]) {
                    idom[i] = nd;
                    changed = true;
                }
            }
        }
        // Dominator tree intervals: a dominates b iff pre[a] <= pre[b] and
        // post[b] <= post[a]. The tree as first-child / next-sibling links.
        for (u32 i = m; i-- > 1;) {
            next_sibling[i] = first_child[idom[i]];
            first_child[idom[i]] = i;
        }
        u32 clock = 0;
        u32 depth = 0;  // walk_at holds (node, its next child to visit) pairs
        walk_at[0] = 0, walk_at[1] = first_child[0], depth = 1;
        pre[0] = clock++;
        while (depth != 0) {
            const u32 node = walk_at[2 * (depth - 1)];
            u32& child = walk_at[2 * (depth - 1) + 1];
            if (child != none) {
                const u32 c = child;
                child = next_sibling[c];
                pre[c] = clock++;
                walk_at[2 * depth] = c, walk_at[2 * depth + 1] = first_child[c], ++depth;
            } else {
                pst[node] = clock++;
                --depth;
            }
        }
        const auto dominates = [&](u32 a, u32 b) {
            const u32 na = number[local(a)], nb = number[local(b)];
            return pre[na] <= pre[nb] && pst[nb] <= pst[na];
        };
        // Back edges (head, source), and the topological order of what
        // remains (Kahn, lowest pc first).
        std::vector<std::pair<u32, u32>>& back_edges = back_edges_;
        back_edges.clear();
        for (u32 i = 0; i < m; ++i) indegree[local(rpo[i])] = 0;
        for (u32 b : rpo)
            for (u32 s : cfg_.blocks[b].succ()) {
                if (dominates(s, b)) back_edges.push_back({s, b});
                else ++indegree[local(s)];
            }
        // By head, then source (which nothing depends on: a loop's blocks
        // are listed in the function's order); std::sort needs no buffer.
        const auto by_head = [](const std::pair<u32, u32>& x, const std::pair<u32, u32>& y) { return x.first < y.first; };
        std::sort(back_edges.begin(), back_edges.end());
        u32 ready_count = 0;
        ready_at[ready_count++] = fn.entry;
        fn.order.reserve(m);
        while (ready_count != 0) {
            u32 best = 0;
            for (u32 k = 1; k < ready_count; ++k)
                if (cfg_.blocks[ready_at[k]].first < cfg_.blocks[ready_at[best]].first) best = k;
            const u32 b = ready_at[best];
            ready_at[best] = ready_at[--ready_count];  // chosen by pc, so the list's order does not matter
            fn.order.push_back(b);
            for (u32 s : cfg_.blocks[b].succ())
                if (!dominates(s, b) && --indegree[local(s)] == 0) ready_at[ready_count++] = s;
        }
        if (fn.order.size() != m) {
            u32 pc = UINT32_MAX;
            for (u32 b : rpo)
                if (indegree[local(b)] != 0) pc = std::min(pc, cfg_.blocks[b].first);
            problems_.push_back(problem(pc, "irreducible control flow: a loop entered other than through its head",
                                        "write the loop so that it has one entry"));
            return false;
        }
        // Natural loops: the head plus every block reaching a back edge
        // without passing the head. member_ holds one row of n flags per
        // loop of the function.
        const std::size_t first_loop = cfg_.loops.size();
        std::vector<char>& member = member_;
        member.clear();
        std::vector<u32>& work = work_;
        for (u32 h : fn.order) {
            const auto sources = std::equal_range(back_edges.begin(), back_edges.end(), std::pair<u32, u32>{h, 0}, by_head);
            if (sources.first == sources.second) continue;
            const std::size_t row = member.size();
            member.resize(row + n, 0);
            char* in = member.data() + row;
            in[local(h)] = 1;
            work.clear();
            for (auto e = sources.first; e != sources.second; ++e)
                if (!in[local(e->second)]) in[local(e->second)] = 1, work.push_back(e->second);
            while (!work.empty()) {
                const u32 b = work.back();
                work.pop_back();
                for (u32 p : cfg_.pred(b))
                    if (number_of(p) != none && !in[local(p)]) in[local(p)] = 1, work.push_back(p);
            }
            Loop l;
            l.head = h;
            l.first_pc = UINT32_MAX;
            u32 size = 0;
            for (u32 b : fn.order) size += in[local(b)] != 0;
            l.blocks.reserve(size);
            for (u32 b : fn.order)
                if (in[local(b)]) {
                    l.blocks.push_back(b);
                    l.first_pc = std::min(l.first_pc, cfg_.blocks[b].first);
                    l.last_pc = std::max(l.last_pc, cfg_.blocks[b].last);
                }
            cfg_.loops.push_back(std::move(l));
        }
        const auto member_of = [&](std::size_t loop, u32 b) {
            return member[(loop - first_loop) * n + local(b)] != 0;
        };
        // Nesting: the parent is the smallest other loop holding the head; a
        // block's loop is the smallest loop holding it.
        for (std::size_t i = first_loop; i < cfg_.loops.size(); ++i) {
            Loop& l = cfg_.loops[i];
            for (std::size_t j = first_loop; j < cfg_.loops.size(); ++j) {
                if (i == j || !member_of(j, l.head)) continue;
                if (cfg_.loops[j].blocks.size() <= l.blocks.size()) continue;
                if (l.parent < 0 || cfg_.loops[j].blocks.size() < cfg_.loops[static_cast<std::size_t>(l.parent)].blocks.size())
                    l.parent = static_cast<std::int32_t>(j);
            }
            for (u32 b : l.blocks) {
                std::int32_t& cur = cfg_.blocks[b].loop;
                if (cur < 0 || cfg_.loops[static_cast<std::size_t>(cur)].blocks.size() > l.blocks.size())
                    cur = static_cast<std::int32_t>(i);
            }
        }
        return true;
    }

    // marks_ bits, per pc: the second slot of an LDDW (decode), and
    // reached and leader (function_blocks: functions do not overlap, so
    // one buffer serves them all).
    static constexpr std::uint8_t reached = 1, leader = 2, second_slot = 4;

    const Program& p_;
    std::vector<Diagnostic>& problems_;
    std::vector<std::uint8_t> marks_;
    Cfg cfg_;
    // Scratch space, reused from function to function.
    std::vector<char> member_;
    std::vector<u32> work_, scratch_;
    std::vector<std::pair<u32, u32>> back_edges_;
};

}  // namespace

bool Cfg::is_back_edge(std::uint32_t from, std::uint32_t to) const noexcept {
    const std::int32_t l = blocks[to].loop;
    return l >= 0 && loops[static_cast<std::size_t>(l)].head == to && in_loop(from, l);
}

bool Cfg::in_loop(std::uint32_t b, std::int32_t l) const noexcept {
    for (std::int32_t cur = blocks[b].loop; cur >= 0; cur = loops[static_cast<std::size_t>(cur)].parent)
        if (cur == l) return true;
    return false;
}

std::uint32_t Cfg::function_at(std::uint32_t pc) const noexcept {
    for (std::uint32_t f = 0; f < functions.size(); ++f)
        if (pc >= functions[f].start && pc < functions[f].end) return f;
    return static_cast<std::uint32_t>(functions.size());
}

std::optional<Cfg> build_cfg(const Program& program, std::vector<Diagnostic>& problems) {
    return Builder(program, problems).run();
}

}  // namespace mempool::vm
