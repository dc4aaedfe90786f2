// cfg.hpp: the shape of a program: instructions decoded, basic blocks,
// functions, dominators and natural loops.
//
// build_cfg() is the verifier's first stage. It checks everything that does
// not depend on values: every encoding (isa_table.hpp), writes to R10, the
// second slot of each LDDW, jump targets (inside their own function, never
// the middle of an LDDW), calls to the start of a function, and that no
// function runs off its end. It then cuts each function's reachable code
// into basic blocks (unreachable code is ignored), computes dominators,
// marks back edges (an edge to a block that dominates its source) and the
// natural loop of each loop head, and refuses irreducible control flow (a
// cycle with two entries: once back edges are removed the graph must be
// acyclic). The topological order it returns is the order the abstract
// interpreter visits blocks in, whatever order clang laid them out in.
//
//   std::vector<Diagnostic> problems;
//   std::optional<Cfg> cfg = build_cfg(program, problems);
//   for (std::uint32_t b : cfg->functions[0].order) ... cfg->blocks[b] ...
#pragma once

#include "isa_table.hpp"
#include "program.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mempool::vm {

inline constexpr std::uint32_t no_block = UINT32_MAX;

struct BasicBlock {
    std::uint32_t first = 0;     // pc of its first instruction
    std::uint32_t last = 0;      // pc of its last instruction (the first slot of an LDDW)
    std::uint32_t function = 0;  // index into Cfg::functions
    // Its successors (block indices): a block ends in at most one jump, so
    // at most two (the target and the next instruction).
    std::array<std::uint32_t, 2> succ_at{};
    std::uint32_t succ_count = 0;
    // Its predecessors are Cfg::pred_list[pred_first, pred_first + pred_count).
    std::uint32_t pred_first = 0, pred_count = 0;
    std::int32_t loop = -1;      // innermost loop containing it, -1: none

    [[nodiscard]] std::span<const std::uint32_t> succ() const noexcept { return {succ_at.data(), succ_count}; }
};

struct Loop {
    std::uint32_t head = 0;                // the block every iteration starts at
    std::vector<std::uint32_t> blocks;     // its blocks (head first), in the function's topological order
    std::int32_t parent = -1;              // the loop it is nested in, -1: none
    std::uint32_t first_pc = 0, last_pc = 0;  // the pc range it spans, for messages
};

struct Function {
    std::uint32_t start = 0, end = 0;    // its pcs: [start, end)
    std::uint32_t entry = no_block;      // the block at `start`
    std::uint32_t first_block = 0, block_count = 0;  // its blocks are [first_block, first_block + block_count)
    std::vector<std::uint32_t> order;    // reachable blocks, topological order without back edges
};

struct Cfg {
    std::vector<BasicBlock> blocks;
    std::vector<Function> functions;
    std::vector<Loop> loops;
    std::vector<std::uint32_t> block_at;  // pc -> block starting there, or no_block
    std::vector<std::uint32_t> pred_list;  // every block's predecessors, block after block

    // Block b's predecessors (block indices).
    [[nodiscard]] std::span<const std::uint32_t> pred(std::uint32_t b) const noexcept {
        return {pred_list.data() + blocks[b].pred_first, blocks[b].pred_count};
    }

    // Whether block `from` -> `to` is a back edge (to the head of a loop containing `from`).
    [[nodiscard]] bool is_back_edge(std::uint32_t from, std::uint32_t to) const noexcept;
    // Whether block b lies in loop l (or a loop nested in it).
    [[nodiscard]] bool in_loop(std::uint32_t b, std::int32_t l) const noexcept;
    // The function whose code holds pc, or functions.size().
    [[nodiscard]] std::uint32_t function_at(std::uint32_t pc) const noexcept;
};

// The pc a jump transfers to (possibly out of range), nothing for other instructions.
[[nodiscard]] inline std::optional<std::int64_t> jump_target(const Program& program, std::uint32_t pc) noexcept {
    const Insn& in = program.code[pc];
    switch (shape_of(in.code)) {
    case Shape::ja:
    case Shape::jcond: return std::int64_t{pc} + 1 + in.off;
    case Shape::gotol: return std::int64_t{pc} + 1 + in.imm;
    default: return std::nullopt;
    }
}

// Checks the program's structure and builds its graph; every problem found
// is appended to `problems` (pc, message, hint; `where` left to the caller).
// Nothing when the program cannot be analysed.
[[nodiscard]] std::optional<Cfg> build_cfg(const Program& program, std::vector<Diagnostic>& problems);

}  // namespace mempool::vm
