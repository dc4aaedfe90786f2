// bpf_elf_writer.hpp: writes a minimal eBPF relocatable object for tests.
//
// Code sections (PROGBITS, alloc + exec by default) holding the given
// instructions, a symbol table with one global function symbol, and the
// string tables: what clang produces for a plugin, minus everything
// optional. Lets a test hand the runtime raw bytecode that no C compiler
// would emit. Also small helpers to corrupt a good object.
#pragma once

#include "isa.hpp"  // vm::Insn

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace mempool::test {

using vm::Insn;

// Instruction builders (the eBPF encoding).
inline Insn insn(std::uint8_t code, unsigned dst, unsigned src, std::int16_t off, std::int32_t imm) {
    return Insn{code, static_cast<std::uint8_t>((src << 4) | (dst & 0x0fu)), off, imm};
}
inline Insn mov64_imm(unsigned dst, std::int32_t imm) { return insn(0xb7, dst, 0, 0, imm); }
inline Insn mov64_reg(unsigned dst, unsigned src) { return insn(0xbf, dst, src, 0, 0); }
inline Insn alu64_reg(std::uint8_t op, unsigned dst, unsigned src) { return insn(0x07 | 0x08 | op, dst, src, 0, 0); }
inline Insn alu64_imm(std::uint8_t op, unsigned dst, std::int32_t imm) { return insn(0x07 | op, dst, 0, 0, imm); }
inline Insn ldx(std::uint8_t size, unsigned dst, unsigned src, std::int16_t off) {
    return insn(0x61 | size, dst, src, off, 0);
}
inline Insn stx(std::uint8_t size, unsigned dst, unsigned src, std::int16_t off) {
    return insn(0x63 | size, dst, src, off, 0);
}
inline Insn jmp_imm(std::uint8_t op, unsigned dst, std::int32_t imm, std::int16_t off) {
    return insn(0x05 | op, dst, 0, off, imm);
}
inline Insn jmp_reg(std::uint8_t op, unsigned dst, unsigned src, std::int16_t off) {
    return insn(0x05 | 0x08 | op, dst, src, off, 0);
}
inline Insn ja(std::int16_t off) { return insn(0x05, 0, 0, off, 0); }
inline Insn call_helper(std::int32_t index) { return insn(0x85, 0, 0, 0, index); }
inline Insn exit_insn() { return insn(0x95, 0, 0, 0, 0); }
constexpr std::uint8_t sz_w = 0x00, sz_h = 0x08, sz_b = 0x10, sz_dw = 0x18;
constexpr std::uint8_t op_add = 0x00, op_sub = 0x10, op_mul = 0x20, op_div = 0x30, op_and = 0x50, op_lsh = 0x60,
                       op_mod = 0x90, op_mov = 0xb0;
constexpr std::uint8_t jeq = 0x10, jgt = 0x20, jge = 0x30, jne = 0x50, jlt = 0xa0, jle = 0xb0;

struct CodeSection {
    std::string name;
    std::vector<Insn> code;
    std::uint64_t flags = SHF_ALLOC | SHF_EXECINSTR;
};

// The bytes of an ELF64 little-endian relocatable for EM_BPF with the given
// code sections (in order), and a function symbol `symbol` at the start of
// the first one.
inline std::vector<unsigned char> bpf_object(const std::vector<CodeSection>& sections,
                                             const std::string& symbol = "raw") {
    std::vector<unsigned char> out(sizeof(Elf64_Ehdr), 0);
    auto append = [&](const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        out.insert(out.end(), b, b + n);
    };
    auto align8 = [&] { out.resize((out.size() + 7) & ~std::size_t{7}, 0); };

    const std::size_t ncode = sections.size();
    std::vector<Elf64_Shdr> sh(1 + ncode + 3);
    std::string shstr(1, '\0');
    auto name = [&](const std::string& n) {
        const auto at = static_cast<std::uint32_t>(shstr.size());
        shstr += n;
        shstr += '\0';
        return at;
    };
    for (std::size_t i = 0; i < ncode; ++i) {
        Elf64_Shdr& h = sh[1 + i];
        h.sh_name = name(sections[i].name);
        h.sh_type = SHT_PROGBITS;
        h.sh_flags = sections[i].flags;
        h.sh_offset = out.size();
        h.sh_size = sections[i].code.size() * sizeof(Insn);
        h.sh_addralign = 8;
        append(sections[i].code.data(), h.sh_size);
        align8();
    }
    const std::size_t symtab = 1 + ncode, strtab = symtab + 1, shstrtab = strtab + 1;
    const std::string str = std::string(1, '\0') + symbol + '\0';
    Elf64_Sym syms[2]{};
    syms[1].st_name = 1;
    syms[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
    syms[1].st_shndx = 1;
    syms[1].st_size = ncode != 0 ? sections[0].code.size() * sizeof(Insn) : 0;
    sh[symtab].sh_name = name(".symtab");
    sh[symtab].sh_type = SHT_SYMTAB;
    sh[symtab].sh_offset = out.size();
    sh[symtab].sh_size = sizeof(syms);
    sh[symtab].sh_link = static_cast<std::uint32_t>(strtab);
    sh[symtab].sh_info = 1;  // first non-local symbol
    sh[symtab].sh_entsize = sizeof(Elf64_Sym);
    sh[symtab].sh_addralign = 8;
    append(syms, sizeof(syms));
    sh[strtab].sh_name = name(".strtab");
    sh[strtab].sh_type = SHT_STRTAB;
    sh[strtab].sh_offset = out.size();
    sh[strtab].sh_size = str.size();
    sh[strtab].sh_addralign = 1;
    append(str.data(), str.size());
    sh[shstrtab].sh_name = name(".shstrtab");
    sh[shstrtab].sh_type = SHT_STRTAB;
    sh[shstrtab].sh_offset = out.size();
    sh[shstrtab].sh_size = shstr.size();
    sh[shstrtab].sh_addralign = 1;
    append(shstr.data(), shstr.size());
    align8();
    const std::uint64_t sh_off = out.size();
    append(sh.data(), sh.size() * sizeof(Elf64_Shdr));

    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_REL;
    eh.e_machine = EM_BPF;
    eh.e_version = EV_CURRENT;
    eh.e_shoff = sh_off;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = static_cast<std::uint16_t>(sh.size());
    eh.e_shstrndx = static_cast<std::uint16_t>(shstrtab);
    std::memcpy(out.data(), &eh, sizeof(eh));
    return out;
}

// One code section.
inline std::vector<unsigned char> bpf_object(const std::vector<Insn>& code, const std::string& section,
                                             const std::string& symbol = "raw") {
    return bpf_object(std::vector<CodeSection>{{section, code}}, symbol);
}

inline std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Section header `name` of an ELF64 image (nullptr if absent or malformed).
inline Elf64_Shdr* section_header(std::vector<unsigned char>& b, const std::string& name) {
    if (b.size() < sizeof(Elf64_Ehdr)) return nullptr;
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
    if (eh->e_shoff + std::uint64_t{eh->e_shnum} * sizeof(Elf64_Shdr) > b.size() || eh->e_shstrndx >= eh->e_shnum)
        return nullptr;
    auto* sh = reinterpret_cast<Elf64_Shdr*>(b.data() + eh->e_shoff);
    const Elf64_Shdr& names = sh[eh->e_shstrndx];
    for (unsigned i = 0; i < eh->e_shnum; ++i) {
        if (names.sh_offset + sh[i].sh_name >= b.size()) continue;
        if (name == reinterpret_cast<const char*>(b.data() + names.sh_offset + sh[i].sh_name)) return &sh[i];
    }
    return nullptr;
}

}  // namespace mempool::test
