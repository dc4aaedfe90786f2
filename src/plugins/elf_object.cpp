// elf_object.cpp: ELF64 little-endian reading, every read bounds-checked.
#include "elf_object.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>

#ifndef EM_BPF
#define EM_BPF 247
#endif

namespace mempool::detail {
namespace {

constexpr std::uint64_t max_object_size = 64u << 20;

bool in_bounds(std::uint64_t off, std::uint64_t len, std::uint64_t total) noexcept {
    return off <= total && len <= total - off;
}

template <class T>
bool read_at(const std::vector<unsigned char>& b, std::uint64_t off, T& out) noexcept {
    if (!in_bounds(off, sizeof(T), b.size())) return false;
    std::memcpy(&out, b.data() + off, sizeof(T));
    return true;
}

std::string string_at(const std::vector<unsigned char>& b, std::uint64_t table_off,
                      std::uint64_t table_size, std::uint32_t index) {
    if (!in_bounds(table_off, table_size, b.size()) || index >= table_size) return {};
    const char* begin = reinterpret_cast<const char*>(b.data() + table_off + index);
    const std::size_t room = table_size - index;
    return std::string(begin, strnlen(begin, room));
}

}  // namespace

bool ElfObject::open(const std::string& path, PluginError& error) noexcept {
    bytes_.clear();
    sections_.clear();
    try {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            error.code = PluginErrc::cannot_read;
            error.message = "cannot open object file '" + path + "'";
            return false;
        }
        in.seekg(0, std::ios::end);
        const auto size = static_cast<std::uint64_t>(in.tellg());
        if (size > max_object_size) {
            error.code = PluginErrc::not_bpf_object;
            error.message = "'" + path + "' is too large to be a plugin object";
            return false;
        }
        in.seekg(0);
        bytes_.resize(size);
        if (size != 0 && !in.read(reinterpret_cast<char*>(bytes_.data()), static_cast<std::streamsize>(size))) {
            error.code = PluginErrc::cannot_read;
            error.message = "cannot read object file '" + path + "'";
            return false;
        }

        auto not_bpf = [&](const std::string& why) {
            error.code = PluginErrc::not_bpf_object;
            error.message = "'" + path + "' is not an eBPF object: " + why;
            return false;
        };
        Elf64_Ehdr eh;
        if (!read_at(bytes_, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
            return not_bpf("not an ELF file");
        if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
            return not_bpf("not a 64-bit little-endian ELF file");
        if (eh.e_machine != EM_BPF)
            return not_bpf("built for machine " + std::to_string(eh.e_machine) +
                           ", not BPF (compile with clang -target bpf)");
        if (eh.e_type != ET_REL) return not_bpf("not a relocatable object (compile with -c)");
        if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
            !in_bounds(eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), bytes_.size()))
            return not_bpf("section table out of the file's bounds");

        std::vector<Elf64_Shdr> sh(eh.e_shnum);
        for (std::size_t i = 0; i < sh.size(); ++i) read_at(bytes_, eh.e_shoff + i * sizeof(Elf64_Shdr), sh[i]);
        if (eh.e_shstrndx >= sh.size()) return not_bpf("no section name table");
        const Elf64_Shdr& names = sh[eh.e_shstrndx];
        sections_.resize(sh.size());
        for (std::size_t i = 0; i < sh.size(); ++i) {
            Section& s = sections_[i];
            s.name = string_at(bytes_, names.sh_offset, names.sh_size, sh[i].sh_name);
            s.type = sh[i].sh_type;
            s.flags = sh[i].sh_flags;
            s.offset = sh[i].sh_offset;
            s.size = sh[i].sh_size;
            s.entsize = sh[i].sh_entsize;
            s.link = sh[i].sh_link;
            s.info = sh[i].sh_info;
            if (s.type != SHT_NOBITS && s.type != SHT_NULL && !in_bounds(s.offset, s.size, bytes_.size()))
                return not_bpf("section '" + s.name + "' out of the file's bounds");
        }
        return true;
    } catch (const std::exception&) {
        error.code = PluginErrc::internal;
        error.message = "out of memory reading '" + path + "'";
        return false;
    }
}

const ElfObject::Section* ElfObject::find(const std::string& name) const noexcept {
    int i = index_of(name);
    return i < 0 ? nullptr : &sections_[static_cast<std::size_t>(i)];
}

int ElfObject::index_of(const std::string& name) const noexcept {
    for (std::size_t i = 0; i < sections_.size(); ++i)
        if (sections_[i].type == SHT_PROGBITS && sections_[i].name == name) return static_cast<int>(i);
    return -1;
}

std::vector<std::string> ElfObject::code_sections() const {
    std::vector<std::string> out;
    for (const Section& s : sections_)
        if (s.type == SHT_PROGBITS && (s.flags & SHF_EXECINSTR) != 0 && s.size != 0) out.push_back(s.name);
    return out;
}

bool ElfObject::has_code_section(const std::string& name) const noexcept {
    const Section* s = find(name);
    return s != nullptr && (s->flags & SHF_EXECINSTR) != 0 && s->size != 0;
}

std::size_t ElfObject::sections_named(const std::string& name) const noexcept {
    return static_cast<std::size_t>(
        std::count_if(sections_.begin(), sections_.end(), [&](const Section& s) { return s.name == name; }));
}

std::vector<Insn> ElfObject::instructions(const std::string& section) const {
    std::vector<Insn> out;
    const Section* s = find(section);
    if (s == nullptr || s->size % sizeof(Insn) != 0) return out;
    out.resize(s->size / sizeof(Insn));
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + s->offset, s->size);
    return out;
}

std::vector<CodeReloc> ElfObject::relocations(const std::string& section) const {
    std::vector<CodeReloc> out;
    const int target = index_of(section);
    if (target < 0) return out;
    for (const Section& rel : sections_) {
        if (rel.type != SHT_REL || rel.info != static_cast<std::uint32_t>(target)) continue;
        if (rel.link >= sections_.size()) continue;
        const Section& symtab = sections_[rel.link];
        if (symtab.type != SHT_SYMTAB || symtab.link >= sections_.size()) continue;
        const Section& strtab = sections_[symtab.link];
        for (std::uint64_t off = 0; off + sizeof(Elf64_Rel) <= rel.size; off += sizeof(Elf64_Rel)) {
            Elf64_Rel r;
            if (!read_at(bytes_, rel.offset + off, r)) break;
            const std::uint64_t sym_index = ELF64_R_SYM(r.r_info);
            Elf64_Sym sym;
            if ((sym_index + 1) * sizeof(Elf64_Sym) > symtab.size ||
                !read_at(bytes_, symtab.offset + sym_index * sizeof(Elf64_Sym), sym))
                continue;
            CodeReloc c;
            c.pc = static_cast<std::uint32_t>(r.r_offset / sizeof(Insn));
            c.symbol = string_at(bytes_, strtab.offset, strtab.size, sym.st_name);
            if (sym.st_shndx == SHN_UNDEF) {
                c.target = CodeReloc::Target::external;
            } else if (sym.st_shndx < sections_.size()) {
                const Section& t = sections_[sym.st_shndx];
                c.target = (t.flags & SHF_EXECINSTR) != 0 ? CodeReloc::Target::code : CodeReloc::Target::data;
                c.target_section = t.name;
            } else {
                c.target = CodeReloc::Target::data;  // SHN_COMMON and the like: a variable
            }
            out.push_back(std::move(c));
        }
    }
    return out;
}

std::vector<std::string> ElfObject::helpers_called(const std::string& section) const {
    std::vector<std::string> names;
    for (const CodeReloc& r : relocations(section))
        if (r.target == CodeReloc::Target::external) names.push_back(r.symbol);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

}  // namespace mempool::detail
