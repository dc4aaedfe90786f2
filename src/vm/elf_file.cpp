// elf_file.cpp: the frame checks of an eBPF ELF object (see elf_file.hpp).
#include "elf_file.hpp"

#include <cstring>

namespace mempool::detail {
namespace {

// Enough to say what is wrong with a file; a hostile one could have a
// problem per symbol.
constexpr std::size_t max_problems = 100;

std::string quoted(std::string_view s) {
    std::string out = "'";
    out.append(s);
    out += '\'';
    return out;
}

void add_problem(std::vector<ElfProblem>& problems, ElfProblem problem) {
    if (problems.size() < max_problems) problems.push_back(std::move(problem));
}

}  // namespace

bool ElfFile::string_at(std::size_t section, std::uint64_t index, std::string_view& out) const noexcept {
    if (section >= sections_.size()) return false;
    const ElfSection& s = sections_[section];
    if (s.type != elf::sht_strtab || index >= s.size) return false;
    const auto* begin = bytes_.data() + s.offset + index;
    const auto room = static_cast<std::size_t>(s.size - index);
    const void* nul = std::memchr(begin, 0, room);
    if (nul == nullptr) return false;
    out = std::string_view(reinterpret_cast<const char*>(begin),
                           static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - begin));
    return true;
}

std::span<const std::uint8_t> ElfFile::contents(std::size_t section) const noexcept {
    if (section >= sections_.size()) return {};
    const ElfSection& s = sections_[section];
    if (s.type == elf::sht_nobits || s.type == elf::sht_null) return {};
    return bytes_.subspan(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size));
}

bool ElfFile::open(std::span<const std::uint8_t> bytes, std::vector<ElfProblem>& problems) {
    bytes_ = bytes;
    sections_.clear();
    symbols_.clear();
    symtab_ = 0;
    auto fail = [&](std::string message) {
        add_problem(problems, {"not a usable eBPF object: " + std::move(message)});
        return false;
    };

    // ---- header
    const std::uint8_t* b = bytes.data();
    if (bytes.size() < 4 || std::memcmp(b, "\x7f" "ELF", 4) != 0) return fail("not an ELF file");
    if (bytes.size() < elf::ehdr_size) return fail("truncated ELF header");
    if (b[4] != 2 || b[5] != 1) return fail("not a 64-bit little-endian ELF file");
    if (b[6] != 1) return fail("unknown ELF version " + std::to_string(b[6]));
    const std::uint16_t type = load_le16(b + 16);
    const std::uint16_t machine = load_le16(b + 18);
    if (machine != elf::em_bpf)
        return fail("built for machine " + std::to_string(machine) + ", not BPF (compile with clang -target bpf)");
    if (type != elf::et_rel) return fail("not a relocatable object (ELF type " + std::to_string(type) + "; compile with -c)");
    const std::uint64_t shoff = load_le64(b + 40);
    const std::uint16_t shentsize = load_le16(b + 58);
    const std::uint16_t shnum = load_le16(b + 60);
    const std::uint16_t shstrndx = load_le16(b + 62);
    if (shnum == 0) return fail("no section table (or extended section numbering, which is not supported)");
    if (shentsize != elf::shdr_size)
        return fail("section header size " + std::to_string(shentsize) + ", expected " + std::to_string(elf::shdr_size));
    if (!range_fits(shoff, std::uint64_t{shnum} * elf::shdr_size, bytes.size()))
        return fail("section table (" + std::to_string(shnum) + " entries at offset " + std::to_string(shoff) +
                    ") lies outside the file (" + std::to_string(bytes.size()) + " bytes)");
    if (shstrndx == elf::shn_xindex) return fail("extended section numbering is not supported");
    if (shstrndx >= shnum) return fail("section name table index " + std::to_string(shstrndx) + " out of range");

    // ---- section table
    sections_.resize(shnum);
    for (std::size_t i = 0; i < shnum; ++i) {
        const std::uint8_t* h = b + shoff + i * elf::shdr_size;
        ElfSection& s = sections_[i];
        s.type = load_le32(h + 4);
        s.flags = load_le64(h + 8);
        s.offset = load_le64(h + 24);
        s.size = load_le64(h + 32);
        s.link = load_le32(h + 40);
        s.info = load_le32(h + 44);
        s.addralign = load_le64(h + 48);
        s.entsize = load_le64(h + 56);
    }
    if (sections_[0].type != elf::sht_null)
        add_problem(problems, {"section 0 has type " + std::to_string(sections_[0].type) + "; it must be SHT_NULL"});
    const ElfSection& names = sections_[shstrndx];
    if (names.type != elf::sht_strtab)
        return fail("section name table (section " + std::to_string(shstrndx) + ") is not a string table");
    if (!range_fits(names.offset, names.size, bytes.size())) return fail("section name table lies outside the file");
    bool ok = problems.empty();
    // Names first (the string table is checked), then every section's bounds.
    for (std::size_t i = 0; i < shnum; ++i) {
        const std::uint32_t name_index = load_le32(b + shoff + i * elf::shdr_size);
        if (!string_at(shstrndx, name_index, sections_[i].name)) {
            add_problem(problems, {"section " + std::to_string(i) + "'s name lies outside the section name table"});
            ok = false;
        }
    }
    for (std::size_t i = 1; i < shnum; ++i) {
        const ElfSection& s = sections_[i];
        if (s.type != elf::sht_nobits && s.type != elf::sht_null && !range_fits(s.offset, s.size, bytes.size())) {
            add_problem(problems, {"section " + quoted(s.name) + " (offset " + std::to_string(s.offset) + ", " +
                                std::to_string(s.size) + " bytes) lies outside the file"});
            ok = false;
        }
    }
    if (!ok) return false;

    // ---- the symbol table
    std::size_t symtabs = 0;
    for (std::size_t i = 1; i < shnum; ++i) {
        if (sections_[i].type == elf::sht_symtab) {
            ++symtabs;
            symtab_ = static_cast<std::uint32_t>(i);
        }
    }
    if (symtabs != 1) return fail(std::to_string(symtabs) + " symbol tables; expected exactly one");
    const ElfSection& st = sections_[symtab_];
    if (st.entsize != elf::sym_size || st.size % elf::sym_size != 0)
        return fail("symbol table entries of " + std::to_string(st.entsize) + " bytes over " + std::to_string(st.size) +
                    " bytes; expected " + std::to_string(elf::sym_size) + "-byte entries");
    if (st.link >= shnum || sections_[st.link].type != elf::sht_strtab)
        return fail("the symbol table's string table (section " + std::to_string(st.link) + ") is not a string table");
    const std::size_t count = static_cast<std::size_t>(st.size / elf::sym_size);
    symbols_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* e = b + st.offset + i * elf::sym_size;
        ElfSymbol& sym = symbols_[i];
        const std::uint32_t name_index = load_le32(e);
        sym.bind = static_cast<std::uint8_t>(e[4] >> 4);
        sym.type = static_cast<std::uint8_t>(e[4] & 0x0f);
        sym.shndx = load_le16(e + 6);
        sym.value = load_le64(e + 8);
        sym.size = load_le64(e + 16);
        if (!string_at(st.link, name_index, sym.name)) {
            add_problem(problems, {"symbol " + std::to_string(i) + "'s name lies outside the symbol string table"});
            ok = false;
        }
        if (sym.shndx == elf::shn_xindex) {
            add_problem(problems, {"symbol " + std::to_string(i) + " uses extended section numbering (not supported)"});
            ok = false;
        } else if (sym.shndx >= shnum && sym.shndx != elf::shn_abs && sym.shndx != elf::shn_common) {
            add_problem(problems, {"symbol " + quoted(sym.name) + " refers to section " + std::to_string(sym.shndx) +
                                ", which does not exist"});
            ok = false;
        }
    }
    return ok;
}

bool ElfFile::relocations(std::size_t rel_section, std::vector<ElfRel>& out, std::vector<ElfProblem>& problems) const {
    out.clear();
    if (rel_section >= sections_.size()) return false;
    const ElfSection& r = sections_[rel_section];
    bool ok = true;
    auto problem = [&](std::string message) {
        add_problem(problems, {"relocation section " + quoted(r.name) + ": " + std::move(message)});
        ok = false;
    };
    if (r.type != elf::sht_rel) {
        problem("not a SHT_REL section");
        return false;
    }
    if (r.link != symtab_) problem("its symbol table (section " + std::to_string(r.link) + ") is not the symbol table");
    if (r.info == 0 || r.info >= sections_.size()) {
        problem("applies to section " + std::to_string(r.info) + ", which does not exist");
        return false;
    }
    if ((r.entsize != elf::rel_size && r.entsize != 0) || r.size % elf::rel_size != 0) {
        problem("size " + std::to_string(r.size) + " is not a whole number of " + std::to_string(elf::rel_size) +
                "-byte entries");
        return false;
    }
    if (!ok) return false;
    const ElfSection& target = sections_[r.info];
    const std::size_t count = static_cast<std::size_t>(r.size / elf::rel_size);
    out.reserve(count);
    const std::uint8_t* base = bytes_.data() + r.offset;
    for (std::size_t i = 0; i < count; ++i) {
        ElfRel rel;
        rel.offset = load_le64(base + i * elf::rel_size);
        const std::uint64_t info = load_le64(base + i * elf::rel_size + 8);
        rel.type = static_cast<std::uint32_t>(info & 0xffffffffu);
        rel.symbol = static_cast<std::uint32_t>(info >> 32);
        auto where = [&] { return "entry " + std::to_string(i) + " (offset " + std::to_string(rel.offset) + ")"; };
        bool valid = true;
        if (rel.offset % 8 != 0) {
            problem(where() + " is not aligned to an instruction");
            valid = false;
        } else if (!range_fits(rel.offset, 8, target.size)) {
            problem(where() + " lies outside section " + quoted(target.name));
            valid = false;
        }
        if (rel.symbol >= symbols_.size()) {
            problem(where() + " names symbol " + std::to_string(rel.symbol) + ", but there are " +
                    std::to_string(symbols_.size()));
            valid = false;
        }
        if (valid) out.push_back(rel);
    }
    return ok;
}

}  // namespace mempool::detail
