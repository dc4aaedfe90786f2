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

std::optional<std::string> check_encoding(const Insn& in) {
    const Shape s = shape_table[in.code];
    const bool by_reg = uses_src_reg(in.code);
    const auto reserved = [](const char* field) {
        return std::optional<std::string>(std::string("reserved field ") + field + " is not 0");
    };
    switch (s) {
    case Shape::invalid: return "unknown opcode " + hex(in.code);
    case Shape::packet:
        return std::string("legacy packet load (ld abs/ind) is not supported: this machine has no packet");
    default: break;
    }
    if (in.dst() >= reg_count) return "invalid destination register r" + std::to_string(in.dst());
    if (in.src() >= reg_count && s != Shape::lddw && s != Shape::call)
        return "invalid source register r" + std::to_string(in.src());
    switch (s) {
    case Shape::alu:
    case Shape::jcond:
        if (s == Shape::alu && in.off != 0) return reserved("off");
        if (by_reg && in.imm != 0) return reserved("imm");
        if (!by_reg && in.src() != 0) return reserved("src");
        return std::nullopt;
    case Shape::divmod:
        if (in.off != 0 && in.off != 1) return "division offset must be 0 (unsigned) or 1 (signed)";
        if (by_reg && in.imm != 0) return reserved("imm");
        if (!by_reg && in.src() != 0) return reserved("src");
        return std::nullopt;
    case Shape::neg:
        if (in.src() != 0) return reserved("src");
        if (in.imm != 0) return reserved("imm");
        if (in.off != 0) return reserved("off");
        return std::nullopt;
    case Shape::mov:
        if (!by_reg) {
            if (in.src() != 0) return reserved("src");
            if (in.off != 0) return reserved("off");
            return std::nullopt;
        }
        if (in.imm != 0) return reserved("imm");
        if (in.off == 0 || in.off == 8 || in.off == 16 || (in.off == 32 && cls(in.code) == cls_alu64))
            return std::nullopt;
        return "sign-extending move of an invalid width (off " + std::to_string(in.off) + ")";
    case Shape::endian:
        if (in.src() != 0) return reserved("src");
        if (in.off != 0) return reserved("off");
        if (in.imm != 16 && in.imm != 32 && in.imm != 64)
            return "byte swap of an invalid width " + std::to_string(in.imm) + " (16, 32 or 64)";
        return std::nullopt;
    case Shape::ja:
        if (in.regs != 0) return reserved("registers");
        if (in.imm != 0) return reserved("imm");
        return std::nullopt;
    case Shape::gotol:
        if (in.regs != 0) return reserved("registers");
        if (in.off != 0) return reserved("off");
        return std::nullopt;
    case Shape::call:
        if (in.dst() != 0) return reserved("dst");
        if (in.off != 0) return reserved("off");
        if (in.src() != 0 && in.src() != pseudo_call)
            return "call of an unsupported kind (src " + std::to_string(in.src()) + "): only helpers and local functions";
        return std::nullopt;
    case Shape::exit:
        if (in.regs != 0) return reserved("registers");
        if (in.off != 0) return reserved("off");
        if (in.imm != 0) return reserved("imm");
        return std::nullopt;
    case Shape::lddw:
        if (in.off != 0) return reserved("off");
        if (in.src() != 0 && in.src() != pseudo_rodata && in.src() != pseudo_data)
            return "64-bit load of an unsupported kind (src " + std::to_string(in.src()) +
                   "): maps and map values do not exist here";
        return std::nullopt;
    case Shape::ldx:
    case Shape::ldsx:
    case Shape::stx:
        if (in.imm != 0) return reserved("imm");
        return std::nullopt;
    case Shape::st:
        if (in.src() != 0) return reserved("src");
        return std::nullopt;
    case Shape::atomic:
        if (!valid_atomic(in.imm)) return "unknown atomic operation " + hex(static_cast<unsigned>(in.imm) & 0xffu);
        return std::nullopt;
    default: return std::nullopt;
    }
}

std::optional<unsigned> written_register(const Insn& in) noexcept {
    switch (shape_table[in.code]) {
    case Shape::alu:
    case Shape::divmod:
    case Shape::neg:
    case Shape::mov:
    case Shape::endian:
    case Shape::lddw:
    case Shape::ldx:
    case Shape::ldsx: return in.dst();
    case Shape::atomic:
        if (in.imm == atomic_cmpxchg) return 0u;
        if ((in.imm & atomic_fetch) != 0) return in.src();
        return std::nullopt;
    default: return std::nullopt;
    }
}

}  // namespace mempool::vm
