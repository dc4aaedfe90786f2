// elf_writer.hpp: builds eBPF relocatable objects byte by byte, for tests that
// hand the loader what no compiler would write.
//
// An ElfBuilder holds code and data sections, symbols and relocations, and
// lays them out as clang does: ELF header, section contents, .symtab,
// .strtab, .shstrtab, one .rel<name> per relocated section, then the section
// table. The patch_* helpers then corrupt one field of the result.
// bpf_object() is the short form for raw bytecode a runtime test wants to
// load: code sections and one global function symbol, nothing else.
//
//   test::ElfBuilder b;
//   auto text = b.code("xbgp/x", {test::lddw(1, 0), test::call(-1), test::exit_insn()});
//   auto ro = b.data(".rodata.str1.1", "hi", test::ElfBuilder::rodata_flags);
//   b.global_function("entry", text, 0, 4);
//   b.relocate(text, 0, 1, b.section_symbol(ro));
//   b.relocate(text, 2, 10, b.undefined("log_msg"));
//   std::vector<std::uint8_t> bytes = b.bytes();
//   write_file(path, test::bpf_object({test::mov64_imm(0, 7), test::exit_insn()}, "plugin/raw"));
#pragma once

#include "isa.hpp"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::test {

using vm::Insn;

// Instruction builders (the eBPF encoding).
inline Insn insn(std::uint8_t code, unsigned dst, unsigned src, std::int16_t off, std::int32_t imm) {
    return Insn{code, static_cast<std::uint8_t>((src << 4) | (dst & 0x0fu)), off, imm};
}
inline Insn mov64_imm(unsigned dst, std::int32_t imm) { return insn(0xb7, dst, 0, 0, imm); }
inline Insn mov64_reg(unsigned dst, unsigned src) { return insn(0xbf, dst, src, 0, 0); }
inline Insn add64_imm(unsigned dst, std::int32_t imm) { return insn(0x07, dst, 0, 0, imm); }
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
inline Insn call(std::int32_t imm, unsigned src = 1) { return insn(0x85, 0, src, 0, imm); }
inline Insn call_helper(std::int32_t index) { return insn(0x85, 0, 0, 0, index); }
inline Insn exit_insn() { return insn(0x95, 0, 0, 0, 0); }
// The two slots of an LDDW of `imm` (src 0 unless given).
inline Insn lddw(unsigned dst, std::int32_t low, unsigned src = 0) { return insn(0x18, dst, src, 0, low); }
inline Insn lddw_high(std::int32_t high = 0) { return insn(0, 0, 0, 0, high); }
// Operand sizes (ldx/stx), ALU operations and jump conditions.
constexpr std::uint8_t sz_w = 0x00, sz_h = 0x08, sz_b = 0x10, sz_dw = 0x18;
constexpr std::uint8_t op_add = 0x00, op_sub = 0x10, op_mul = 0x20, op_div = 0x30, op_and = 0x50, op_lsh = 0x60,
                       op_mod = 0x90, op_mov = 0xb0;
constexpr std::uint8_t jeq = 0x10, jgt = 0x20, jge = 0x30, jne = 0x50, jlt = 0xa0, jle = 0xb0;

class ElfBuilder {
public:
    static constexpr std::uint64_t code_flags = SHF_ALLOC | SHF_EXECINSTR;
    static constexpr std::uint64_t rodata_flags = SHF_ALLOC;
    static constexpr std::uint64_t data_flags = SHF_ALLOC | SHF_WRITE;

    // A section; returns its index in the final object.
    std::uint32_t section(std::string name, std::uint32_t type, std::uint64_t flags, std::vector<std::uint8_t> data,
                          std::uint64_t align = 8) {
        sections_.push_back(Section{std::move(name), type, flags, std::move(data), align});
        return static_cast<std::uint32_t>(sections_.size());
    }
    std::uint32_t code(std::string name, const std::vector<Insn>& insns, std::uint64_t flags = code_flags) {
        std::vector<std::uint8_t> data(insns.size() * sizeof(Insn));
        if (!insns.empty()) std::memcpy(data.data(), insns.data(), data.size());
        return section(std::move(name), SHT_PROGBITS, flags, std::move(data));
    }
    std::uint32_t data(std::string name, std::string_view contents, std::uint64_t flags, std::uint64_t align = 1) {
        return section(std::move(name), SHT_PROGBITS, flags, std::vector<std::uint8_t>(contents.begin(), contents.end()),
                       align);
    }

    // Symbols; each returns its index in .symtab (0 is the null symbol).
    std::uint32_t symbol(std::string name, unsigned char bind, unsigned char type, std::uint16_t shndx,
                         std::uint64_t value, std::uint64_t size) {
        symbols_.push_back(Symbol{std::move(name), bind, type, shndx, value, size});
        return static_cast<std::uint32_t>(symbols_.size());
    }
    std::uint32_t global_function(std::string name, std::uint32_t section, std::uint64_t first_insn,
                                  std::uint64_t insns) {
        return symbol(std::move(name), STB_GLOBAL, STT_FUNC, static_cast<std::uint16_t>(section), first_insn * 8,
                      insns * 8);
    }
    std::uint32_t local_function(std::string name, std::uint32_t section, std::uint64_t first_insn,
                                 std::uint64_t insns) {
        return symbol(std::move(name), STB_LOCAL, STT_FUNC, static_cast<std::uint16_t>(section), first_insn * 8,
                      insns * 8);
    }
    std::uint32_t object(std::string name, std::uint32_t section, std::uint64_t offset, std::uint64_t size) {
        return symbol(std::move(name), STB_LOCAL, STT_OBJECT, static_cast<std::uint16_t>(section), offset, size);
    }
    std::uint32_t section_symbol(std::uint32_t section) {
        return symbol("", STB_LOCAL, STT_SECTION, static_cast<std::uint16_t>(section), 0, 0);
    }
    std::uint32_t undefined(std::string name) { return symbol(std::move(name), STB_GLOBAL, STT_NOTYPE, SHN_UNDEF, 0, 0); }

    // A relocation of instruction `insn` of `section`.
    void relocate(std::uint32_t section, std::uint64_t insn, std::uint32_t type, std::uint32_t symbol) {
        relocate_at(section, insn * 8, type, symbol);
    }
    void relocate_at(std::uint32_t section, std::uint64_t byte_offset, std::uint32_t type, std::uint32_t symbol) {
        relocs_.push_back(Reloc{section, byte_offset, type, symbol});
    }

    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> out(sizeof(Elf64_Ehdr), 0);
        auto append = [&](const void* p, std::size_t n) {
            const auto* b = static_cast<const std::uint8_t*>(p);
            out.insert(out.end(), b, b + n);
        };
        auto align8 = [&] { out.resize((out.size() + 7) & ~std::size_t{7}, 0); };
        std::string shstr(1, '\0');
        auto name = [&](const std::string& n) {
            const auto at = static_cast<std::uint32_t>(shstr.size());
            shstr += n;
            shstr += '\0';
            return at;
        };
        // Relocated sections, in order of first relocation.
        std::vector<std::uint32_t> relocated;
        for (const Reloc& r : relocs_) {
            bool seen = false;
            for (std::uint32_t s : relocated) seen = seen || s == r.section;
            if (!seen) relocated.push_back(r.section);
        }
        const std::size_t nuser = sections_.size();
        const std::size_t symtab = 1 + nuser, strtab = symtab + 1, shstrtab = strtab + 1, first_rel = shstrtab + 1;
        std::vector<Elf64_Shdr> sh(first_rel + relocated.size());
        for (std::size_t i = 0; i < nuser; ++i) {
            const Section& s = sections_[i];
            Elf64_Shdr& h = sh[1 + i];
            h.sh_name = name(s.name);
            h.sh_type = s.type;
            h.sh_flags = s.flags;
            h.sh_offset = out.size();
            h.sh_size = s.data.size();
            h.sh_addralign = s.align;
            if (s.type != SHT_NOBITS) append(s.data.data(), s.data.size());
            align8();
        }
        // Symbols: locals first, as ELF wants (sh_info = first global).
        std::string str(1, '\0');
        std::vector<Elf64_Sym> syms(1 + symbols_.size());
        std::uint32_t first_global = static_cast<std::uint32_t>(syms.size());
        for (std::size_t i = 0; i < symbols_.size(); ++i) {
            const Symbol& s = symbols_[i];
            Elf64_Sym& e = syms[1 + i];
            e.st_name = s.name.empty() ? 0 : static_cast<std::uint32_t>(str.size());
            if (!s.name.empty()) str += s.name + '\0';
            e.st_info = ELF64_ST_INFO(s.bind, s.type);
            e.st_shndx = s.shndx;
            e.st_value = s.value;
            e.st_size = s.size;
            if (s.bind != STB_LOCAL && first_global == syms.size()) first_global = static_cast<std::uint32_t>(1 + i);
        }
        sh[symtab].sh_name = name(".symtab");
        sh[symtab].sh_type = SHT_SYMTAB;
        sh[symtab].sh_offset = out.size();
        sh[symtab].sh_size = syms.size() * sizeof(Elf64_Sym);
        sh[symtab].sh_link = static_cast<std::uint32_t>(strtab);
        sh[symtab].sh_info = first_global;
        sh[symtab].sh_entsize = sizeof(Elf64_Sym);
        sh[symtab].sh_addralign = 8;
        append(syms.data(), sh[symtab].sh_size);
        sh[strtab].sh_name = name(".strtab");
        sh[strtab].sh_type = SHT_STRTAB;
        sh[strtab].sh_offset = out.size();
        sh[strtab].sh_size = str.size();
        sh[strtab].sh_addralign = 1;
        append(str.data(), str.size());
        align8();
        for (std::size_t k = 0; k < relocated.size(); ++k) {
            std::vector<Elf64_Rel> rels;
            for (const Reloc& r : relocs_) {
                if (r.section != relocated[k]) continue;
                Elf64_Rel e{};
                e.r_offset = r.offset;
                e.r_info = ELF64_R_INFO(std::uint64_t{r.symbol}, r.type);
                rels.push_back(e);
            }
            Elf64_Shdr& h = sh[first_rel + k];
            h.sh_name = name(".rel" + sections_[relocated[k] - 1].name);
            h.sh_type = SHT_REL;
            h.sh_offset = out.size();
            h.sh_size = rels.size() * sizeof(Elf64_Rel);
            h.sh_link = static_cast<std::uint32_t>(symtab);
            h.sh_info = relocated[k];
            h.sh_entsize = sizeof(Elf64_Rel);
            h.sh_addralign = 8;
            append(rels.data(), h.sh_size);
        }
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
        eh.e_machine = 247;  // EM_BPF
        eh.e_version = EV_CURRENT;
        eh.e_shoff = sh_off;
        eh.e_ehsize = sizeof(Elf64_Ehdr);
        eh.e_shentsize = sizeof(Elf64_Shdr);
        eh.e_shnum = static_cast<std::uint16_t>(sh.size());
        eh.e_shstrndx = static_cast<std::uint16_t>(shstrtab);
        std::memcpy(out.data(), &eh, sizeof eh);
        return out;
    }

    // Index, in the final object, of .symtab, .strtab, .shstrtab and of the
    // k-th relocation section.
    [[nodiscard]] std::uint32_t symtab_index() const { return static_cast<std::uint32_t>(1 + sections_.size()); }
    [[nodiscard]] std::uint32_t strtab_index() const { return symtab_index() + 1; }
    [[nodiscard]] std::uint32_t shstrtab_index() const { return symtab_index() + 2; }

private:
    struct Section {
        std::string name;
        std::uint32_t type;
        std::uint64_t flags;
        std::vector<std::uint8_t> data;
        std::uint64_t align;
    };
    struct Symbol {
        std::string name;
        unsigned char bind, type;
        std::uint16_t shndx;
        std::uint64_t value, size;
    };
    struct Reloc {
        std::uint32_t section;
        std::uint64_t offset;
        std::uint32_t type, symbol;
    };
    std::vector<Section> sections_;
    std::vector<Symbol> symbols_;
    std::vector<Reloc> relocs_;
};

// A code section for bpf_object(): PROGBITS, alloc + exec unless told.
struct CodeSection {
    std::string name;
    std::vector<Insn> code;
    std::uint64_t flags = ElfBuilder::code_flags;
};

// The code sections (in order) and one global function `symbol` covering
// the first of them: what clang writes for a plugin, minus everything
// optional.
inline std::vector<std::uint8_t> bpf_object(const std::vector<CodeSection>& sections,
                                            const std::string& symbol = "raw") {
    ElfBuilder b;
    for (const CodeSection& s : sections) b.code(s.name, s.code, s.flags);
    b.global_function(symbol, 1, 0, sections.empty() ? 0 : sections[0].code.size());
    return b.bytes();
}
inline std::vector<std::uint8_t> bpf_object(const std::vector<Insn>& code, const std::string& section,
                                            const std::string& symbol = "raw") {
    return bpf_object(std::vector<CodeSection>{{section, code}}, symbol);
}

// ---- reading and corrupting an object's headers (memcpy: no alignment assumed)

inline Elf64_Ehdr read_ehdr(const std::vector<std::uint8_t>& b) {
    Elf64_Ehdr eh{};
    std::memcpy(&eh, b.data(), sizeof eh);
    return eh;
}
inline void write_ehdr(std::vector<std::uint8_t>& b, const Elf64_Ehdr& eh) { std::memcpy(b.data(), &eh, sizeof eh); }

inline Elf64_Shdr read_shdr(const std::vector<std::uint8_t>& b, std::size_t index) {
    Elf64_Shdr sh{};
    std::memcpy(&sh, b.data() + read_ehdr(b).e_shoff + index * sizeof(Elf64_Shdr), sizeof sh);
    return sh;
}
inline void write_shdr(std::vector<std::uint8_t>& b, std::size_t index, const Elf64_Shdr& sh) {
    std::memcpy(b.data() + read_ehdr(b).e_shoff + index * sizeof(Elf64_Shdr), &sh, sizeof sh);
}

// Index of the section called `name` (by the section name table), or -1.
inline int section_index(const std::vector<std::uint8_t>& b, std::string_view name) {
    const Elf64_Ehdr eh = read_ehdr(b);
    const Elf64_Shdr names = read_shdr(b, eh.e_shstrndx);
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
        const Elf64_Shdr sh = read_shdr(b, i);
        const char* n = reinterpret_cast<const char*>(b.data() + names.sh_offset + sh.sh_name);
        if (name == n) return static_cast<int>(i);
    }
    return -1;
}

// Applies `change` to the header of section `name`.
template <class F>
void patch_section(std::vector<std::uint8_t>& b, std::string_view name, F change) {
    const int i = section_index(b, name);
    if (i < 0) return;
    Elf64_Shdr sh = read_shdr(b, static_cast<std::size_t>(i));
    change(sh);
    write_shdr(b, static_cast<std::size_t>(i), sh);
}

// Applies `change` to symbol `index` of .symtab.
template <class F>
void patch_symbol(std::vector<std::uint8_t>& b, std::size_t index, F change) {
    const Elf64_Shdr st = read_shdr(b, static_cast<std::size_t>(section_index(b, ".symtab")));
    Elf64_Sym sym{};
    std::memcpy(&sym, b.data() + st.sh_offset + index * sizeof sym, sizeof sym);
    change(sym);
    std::memcpy(b.data() + st.sh_offset + index * sizeof sym, &sym, sizeof sym);
}

// Applies `change` to relocation `index` of section `rel_section`.
template <class F>
void patch_rel(std::vector<std::uint8_t>& b, std::string_view rel_section, std::size_t index, F change) {
    const Elf64_Shdr rs = read_shdr(b, static_cast<std::size_t>(section_index(b, rel_section)));
    Elf64_Rel rel{};
    std::memcpy(&rel, b.data() + rs.sh_offset + index * sizeof rel, sizeof rel);
    change(rel);
    std::memcpy(b.data() + rs.sh_offset + index * sizeof rel, &rel, sizeof rel);
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace mempool::test
