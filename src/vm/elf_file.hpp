// elf_file.hpp: the bounds-checked view of an eBPF ELF object that the
// loader (elf_loader.hpp) links from.
//
// ElfFile::open checks the frame of the file once, before anything is read
// from it: ELF64 little-endian, EM_BPF, ET_REL; a section table inside the
// buffer whose entry 0 is SHT_NULL; section names from a SHT_STRTAB named by
// e_shstrndx; exactly one SHT_SYMTAB whose sh_link is its string table, and
// every symbol's name inside that table and NUL-terminated; every section's
// contents inside the buffer. After a successful open, nothing an accessor
// returns can point outside the buffer. All arithmetic on file values is
// done in 64 bits with explicit overflow checks.
//
//   detail::ElfFile elf;
//   std::vector<detail::ElfProblem> problems;
//   if (!elf.open(bytes, problems)) return;             // problems say why
//   for (const auto& s : elf.sections()) if (s.is_code()) ...
//
// The file is borrowed: names are views into `bytes`, which must outlive the
// ElfFile.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::detail {

// The ELF constants the loader uses, spelled out here so that the reader does
// not depend on the host's <elf.h> (which may lack the BPF ones).
namespace elf {
inline constexpr std::uint16_t et_rel = 1;
inline constexpr std::uint16_t em_bpf = 247;
inline constexpr std::uint32_t sht_null = 0, sht_progbits = 1, sht_symtab = 2, sht_strtab = 3, sht_rela = 4,
                               sht_nobits = 8, sht_rel = 9;
inline constexpr std::uint64_t shf_write = 0x1, shf_alloc = 0x2, shf_execinstr = 0x4;
inline constexpr std::uint16_t shn_undef = 0, shn_loreserve = 0xff00, shn_abs = 0xfff1, shn_common = 0xfff2,
                               shn_xindex = 0xffff;
inline constexpr std::uint8_t stb_local = 0, stb_global = 1, stb_weak = 2;
inline constexpr std::uint8_t stt_notype = 0, stt_object = 1, stt_func = 2, stt_section = 3, stt_file = 4;
inline constexpr std::uint32_t r_bpf_64_64 = 1;   // LDDW: 64-bit address of a symbol
inline constexpr std::uint32_t r_bpf_64_32 = 10;  // CALL: a function, by name or section + offset
inline constexpr std::size_t ehdr_size = 64, shdr_size = 64, sym_size = 24, rel_size = 16;
}  // namespace elf

// A finding about the file, before there is a Program to attach a pc to.
struct ElfProblem {
    std::string message;
};

struct ElfSection {
    std::string_view name;
    std::uint32_t type = 0;
    std::uint64_t flags = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t link = 0;
    std::uint32_t info = 0;
    std::uint64_t addralign = 0;
    std::uint64_t entsize = 0;

    [[nodiscard]] bool is_code() const noexcept {
        return type == elf::sht_progbits && (flags & elf::shf_execinstr) != 0;
    }
    // Read-only data a program may address: .rodata, .rodata.str1.1, .rodata.cst16, ...
    [[nodiscard]] bool is_rodata() const noexcept {
        return type == elf::sht_progbits && (flags & elf::shf_alloc) != 0 &&
               (flags & (elf::shf_write | elf::shf_execinstr)) == 0;
    }
    [[nodiscard]] bool is_writable_data() const noexcept {
        return (type == elf::sht_progbits || type == elf::sht_nobits) && (flags & elf::shf_alloc) != 0 &&
               (flags & elf::shf_write) != 0 && (flags & elf::shf_execinstr) == 0;
    }
};

struct ElfSymbol {
    std::string_view name;
    std::uint64_t value = 0;
    std::uint64_t size = 0;
    std::uint16_t shndx = 0;
    std::uint8_t bind = 0;
    std::uint8_t type = 0;
};

struct ElfRel {
    std::uint64_t offset = 0;
    std::uint32_t type = 0;
    std::uint32_t symbol = 0;
};

class ElfFile {
public:
    // Checks the file's frame (see the top of this file). On failure returns
    // false and appends every problem found; the ElfFile is then unusable.
    // May throw std::bad_alloc (the loader's entry points catch it).
    [[nodiscard]] bool open(std::span<const std::uint8_t> bytes, std::vector<ElfProblem>& problems);

    [[nodiscard]] const std::vector<ElfSection>& sections() const noexcept { return sections_; }
    [[nodiscard]] const std::vector<ElfSymbol>& symbols() const noexcept { return symbols_; }
    [[nodiscard]] std::uint32_t symtab_index() const noexcept { return symtab_; }

    // The bytes of a section (empty for SHT_NOBITS and SHT_NULL); in bounds
    // since open() checked every section.
    [[nodiscard]] std::span<const std::uint8_t> contents(std::size_t section) const noexcept;

    // The entries of a SHT_REL section, each checked: sh_link is the symbol
    // table, sh_info a section, offset aligned to 8 and an instruction inside
    // that section, symbol index in range. Returns false with problems
    // appended if anything is not; `out` then holds only the valid entries.
    [[nodiscard]] bool relocations(std::size_t rel_section, std::vector<ElfRel>& out,
                                   std::vector<ElfProblem>& problems) const;

    // A NUL-terminated string at `index` of string table `section`; false if
    // the index is outside the table or the string runs off its end.
    [[nodiscard]] bool string_at(std::size_t section, std::uint64_t index, std::string_view& out) const noexcept;

private:
    std::span<const std::uint8_t> bytes_;
    std::vector<ElfSection> sections_;
    std::vector<ElfSymbol> symbols_;
    std::uint32_t symtab_ = 0;
};

// Little-endian reads from a buffer the caller has bounds-checked.
[[nodiscard]] inline std::uint16_t load_le16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
[[nodiscard]] inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
[[nodiscard]] inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    return static_cast<std::uint64_t>(load_le32(p)) | (static_cast<std::uint64_t>(load_le32(p + 4)) << 32);
}

// True if [offset, offset + length) lies inside a buffer of `total` bytes,
// without overflowing.
[[nodiscard]] constexpr bool range_fits(std::uint64_t offset, std::uint64_t length, std::uint64_t total) noexcept {
    return offset <= total && length <= total - offset;
}

}  // namespace mempool::detail
