// random_program.hpp: random eBPF programs for the verifier's tests.
//
// Mostly well-formed encodings (reserved fields cleared for each shape,
// short jumps, a second function now and then) after a prologue that sets
// R0 and R2-R9 and four stack slots, so that a fair share pass the
// verifier. Hostile input for verify() (it must return, quickly), and,
// for what it accepts, programs no hand-written test thinks of.
//
//   std::mt19937 rng(42);
//   RandomProgram p = random_program(rng, 16);
//   VerifyResult r = verify(program_of(p.code, p.starts), options);
#pragma once

#include "insn_builder.hpp"
#include "isa_table.hpp"

#include <cstdint>
#include <iterator>
#include <random>
#include <vector>

namespace mempool::vm::test {

struct RandomProgram {
    std::vector<Insn> code;
    std::vector<std::uint32_t> starts;  // function starts: {0}, or {0, k}
};

// A program of the prologue, 1 to max_body random instructions, and
// `r0 = 0; exit`. Helper calls name helpers 0-6.
inline RandomProgram random_program(std::mt19937& rng, std::size_t max_body) {
    using namespace isa;
    static const std::uint8_t codes[] = {
        0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97,
        0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c,
        0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc, 0xd4, 0xdc, 0x05,
        0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d, 0xa5, 0xad, 0xb5, 0xbd,
        0xc5, 0xcd, 0xd5, 0xdd, 0x06, 0x16, 0x1e, 0x26, 0x2e, 0xa6, 0xae, 0x85, 0x95, 0x95, 0x95, 0x18, 0x61, 0x69,
        0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x00, 0xff};
    static const std::int32_t imms[] = {0, 1, -1, 8, 16, 32, 64, 255, 0x7fffffff, INT32_MIN, -8, -16, 0x01, 0xe1, 0xf1};
    static const std::int16_t offs[] = {0, 1, -1, 2, -2, 3, -8, -16, 8, 16, -512, 1, 32};
    const std::size_t n = 1 + rng() % max_body;
    RandomProgram p;
    std::vector<Insn>& c = p.code;
    // a prologue that sets registers and stack, so that some programs pass
    for (unsigned r = 0; r <= 9; ++r)
        if (r != 1) c.push_back(mov64_imm(r, static_cast<std::int32_t>(rng() % 16)));
    for (int k = 1; k <= 4; ++k) c.push_back(st(DW, 10, static_cast<std::int16_t>(-8 * k), 0));
    for (std::size_t i = 0; i < n; ++i) {
        Insn in = make(codes[rng() % std::size(codes)], rng() % 11, rng() % 11, offs[rng() % std::size(offs)],
                       imms[rng() % std::size(imms)]);
        if (rng() % 4 == 0) in.off = static_cast<std::int16_t>(static_cast<int>(rng() % 9) - 4);
        if (rng() % 5 != 0) {  // mostly well-formed: reserved fields cleared for the shape
            const Shape sh = shape_of(in.code);
            const bool x = uses_src_reg(in.code);
            if (sh == Shape::alu || sh == Shape::divmod || sh == Shape::mov || sh == Shape::neg) {
                if (sh == Shape::divmod)
                    in.off = static_cast<std::int16_t>(rng() % 2);
                else if (sh == Shape::mov && x && rng() % 3 == 0)
                    in.off = static_cast<std::int16_t>(8 << (rng() % 2));
                else
                    in.off = 0;
                if (x && sh != Shape::neg)
                    in.imm = 0;
                else
                    in.set_src(0);
                if (sh == Shape::neg) in.imm = 0;
            }
            if (sh == Shape::endian) in.set_src(0), in.off = 0, in.imm = 16 << (rng() % 3);
            if (sh == Shape::jcond) {
                if (x)
                    in.imm = 0;
                else
                    in.set_src(0);
            }
            if (sh == Shape::ja) in.regs = 0, in.imm = 0;
            if (sh == Shape::exit) in.regs = 0, in.off = 0, in.imm = 0;
            if (sh == Shape::ldx || sh == Shape::ldsx || sh == Shape::stx) in.imm = 0;
            if (sh == Shape::st) in.set_src(0);
            if (sh == Shape::atomic)
                in.imm = imms[12 + rng() % 3] == 0xe1 ? atomic_xchg
                                                      : (rng() % 2 ? atomic_add : atomic_add | atomic_fetch);
            if (sh == Shape::lddw) in.set_src(0), in.off = 0;
        }
        if (in.code == op_call) {
            in.regs = 0;
            in.off = 0;
            if (rng() % 3 == 0)
                in.set_src(pseudo_call), in.imm = static_cast<std::int32_t>(rng() % 9) - 4;
            else
                in.imm = static_cast<std::int32_t>(rng() % 7);
        }
        c.push_back(in);
    }
    c.push_back(mov64_imm(0, 0));
    c.push_back(exit_());
    std::vector<std::uint32_t>& starts = p.starts;
    starts = {0};
    if (rng() % 3 == 0) starts.push_back(static_cast<std::uint32_t>(13 + rng() % (c.size() - 13)));
    return p;
}

}  // namespace mempool::vm::test
