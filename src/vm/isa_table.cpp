// isa_table.cpp: the table of accepted opcodes and their field rules.
#include "isa_table.hpp"

#include <array>

namespace mempool::vm {
namespace {

using namespace isa;

std::string hex(unsigned v) {
    static const char digits[] = "0123456789abcdef";
    std::string s = "0x";
    s += digits[(v >> 4) & 15];
    s += digits[v & 15];
    return s;
}

bool valid_atomic(std::int32_t imm) {
    switch (imm) {
    case atomic_add: case atomic_or: case atomic_and: case atomic_xor:
    case atomic_add | atomic_fetch: case atomic_or | atomic_fetch: case atomic_and | atomic_fetch:
    case atomic_xor | atomic_fetch: case atomic_xchg: case atomic_cmpxchg: return true;
    default: return false;
    }
}

}  // namespace

EncodingProblem encoding_problem(const Insn& in) noexcept {
    using Kind = EncodingProblem::Kind;
    const Shape s = shape_table[in.code];
    const bool by_reg = uses_src_reg(in.code);
    const auto reserved = [](const char* field) { return EncodingProblem{Kind::reserved, field}; };
    switch (s) {
    case Shape::invalid: return {Kind::unknown_opcode};
    case Shape::packet: return {Kind::packet};
    default: break;
    }
    if (in.dst() >= reg_count) return {Kind::bad_dst};
    if (in.src() >= reg_count && s != Shape::lddw && s != Shape::call) return {Kind::bad_src};
    switch (s) {
    case Shape::alu:
    case Shape::jcond:
        if (s == Shape::alu && in.off != 0) return reserved("off");
        if (by_reg && in.imm != 0) return reserved("imm");
        if (!by_reg && in.src() != 0) return reserved("src");
        return {};
    case Shape::divmod:
        if (in.off != 0 && in.off != 1) return {Kind::division_offset};
        if (by_reg && in.imm != 0) return reserved("imm");
        if (!by_reg && in.src() != 0) return reserved("src");
        return {};
    case Shape::neg:
        if (in.src() != 0) return reserved("src");
        if (in.imm != 0) return reserved("imm");
        if (in.off != 0) return reserved("off");
        return {};
    case Shape::mov:
        if (!by_reg) {
            if (in.src() != 0) return reserved("src");
            if (in.off != 0) return reserved("off");
            return {};
        }
        if (in.imm != 0) return reserved("imm");
        if (in.off == 0 || in.off == 8 || in.off == 16 || (in.off == 32 && cls(in.code) == cls_alu64)) return {};
        return {Kind::movsx_width};
    case Shape::endian:
        if (in.src() != 0) return reserved("src");
        if (in.off != 0) return reserved("off");
        if (in.imm != 16 && in.imm != 32 && in.imm != 64) return {Kind::swap_width};
        return {};
    case Shape::ja:
        if (in.regs != 0) return reserved("registers");
        if (in.imm != 0) return reserved("imm");
        return {};
    case Shape::gotol:
        if (in.regs != 0) return reserved("registers");
        if (in.off != 0) return reserved("off");
        return {};
    case Shape::call:
        if (in.dst() != 0) return reserved("dst");
        if (in.off != 0) return reserved("off");
        if (in.src() != 0 && in.src() != pseudo_call) return {Kind::call_kind};
        return {};
    case Shape::exit:
        if (in.regs != 0) return reserved("registers");
        if (in.off != 0) return reserved("off");
        if (in.imm != 0) return reserved("imm");
        return {};
    case Shape::lddw:
        if (in.off != 0) return reserved("off");
        if (in.src() != 0 && in.src() != pseudo_rodata && in.src() != pseudo_data) return {Kind::lddw_kind};
        return {};
    case Shape::ldx:
    case Shape::ldsx:
    case Shape::stx:
        if (in.imm != 0) return reserved("imm");
        return {};
    case Shape::st:
        if (in.src() != 0) return reserved("src");
        return {};
    case Shape::atomic:
        if (!valid_atomic(in.imm)) return {Kind::atomic_operation};
        return {};
    default: return {};
    }
}

std::string describe(const Insn& in, EncodingProblem problem) {
    using Kind = EncodingProblem::Kind;
    switch (problem.kind) {
    case Kind::none: return {};
    case Kind::unknown_opcode: return "unknown opcode " + hex(in.code);
    case Kind::packet: return "legacy packet load (ld abs/ind) is not supported: this machine has no packet";
    case Kind::bad_dst: return "invalid destination register r" + std::to_string(in.dst());
    case Kind::bad_src: return "invalid source register r" + std::to_string(in.src());
    case Kind::reserved: return std::string("reserved field ") + problem.field + " is not 0";
    case Kind::division_offset: return "division offset must be 0 (unsigned) or 1 (signed)";
    case Kind::movsx_width: return "sign-extending move of an invalid width (off " + std::to_string(in.off) + ")";
    case Kind::swap_width: return "byte swap of an invalid width " + std::to_string(in.imm) + " (16, 32 or 64)";
    case Kind::call_kind:
        return "call of an unsupported kind (src " + std::to_string(in.src()) + "): only helpers and local functions";
    case Kind::lddw_kind:
        return "64-bit load of an unsupported kind (src " + std::to_string(in.src()) +
               "): maps and map values do not exist here";
    case Kind::atomic_operation: return "unknown atomic operation " + hex(static_cast<unsigned>(in.imm) & 0xffu);
    }
    return {};
}

}  // namespace mempool::vm
