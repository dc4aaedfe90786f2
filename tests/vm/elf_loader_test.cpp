// Tests of the ELF loader (src/vm/elf_loader.hpp): real clang objects load
// into the code, read-only data, functions and lines expected; hostile
// objects, built byte by byte (elf_writer.hpp), are each refused with the
// reason; load_raw takes conformance-suite bytecode.
#include "elf_loader.hpp"

#include "elf_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace mempool::vm {
namespace {

using namespace mempool::test;

const std::string objects = MEMPOOL_TEST_VM_ELF_DIR;
const std::string sources = MEMPOOL_TEST_VM_ELF_SOURCE_DIR;

std::vector<std::uint8_t> object(const std::string& stem) {
    auto bytes = read_file(objects + "/" + stem + ".o");
    EXPECT_FALSE(bytes.empty()) << "missing test object " << stem << ".o";
    return bytes;
}

std::string all_messages(const std::vector<Diagnostic>& ds) {
    std::string s;
    for (const Diagnostic& d : ds) s += d.to_string() + "\n";
    return s;
}

bool mentions(const std::vector<Diagnostic>& ds, const std::string& words) {
    return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.message.find(words) != std::string::npos; });
}

#define EXPECT_REFUSED(result, words)                                                            \
    do {                                                                                         \
        const auto& r_ = (result);                                                               \
        EXPECT_FALSE(r_.ok());                                                                   \
        EXPECT_TRUE(mentions(r_.errors, words)) << "expected \"" << (words) << "\" among:\n"     \
                                                << all_messages(r_.errors);                      \
    } while (0)

std::uint64_t imm64(const Program& p, std::size_t pc) {
    return std::uint64_t{static_cast<std::uint32_t>(p.code[pc].imm)} |
           (std::uint64_t{static_cast<std::uint32_t>(p.code[pc + 1].imm)} << 32);
}

// The invariants program.hpp promises, on any Program the loader accepted.
void expect_well_formed(const Program& p, std::size_t helper_count) {
    ASSERT_FALSE(p.function_starts.empty());
    EXPECT_EQ(p.function_starts.front(), 0u);
    EXPECT_TRUE(std::is_sorted(p.function_starts.begin(), p.function_starts.end()));
    for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
        const Insn& in = p.code[pc];
        if (isa::is_lddw(in)) {
            ASSERT_LT(pc + 1, p.code.size());
            EXPECT_TRUE(in.src() == 0 || in.src() == isa::pseudo_rodata) << pc;
            EXPECT_EQ(p.code[pc + 1].code, 0);
            ++pc;
        } else if (in.code == isa::op_call) {
            if (in.src() == isa::pseudo_call) {
                const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + in.imm;
                EXPECT_TRUE(std::binary_search(p.function_starts.begin(), p.function_starts.end(), target)) << pc;
            } else {
                EXPECT_EQ(in.src(), 0u) << pc;
                EXPECT_GE(in.imm, 0);
                EXPECT_LT(static_cast<std::size_t>(in.imm), helper_count);
            }
        }
    }
    if (!p.line_of.empty()) {
        EXPECT_EQ(p.line_of.size(), p.code.size());
        for (std::uint32_t l : p.line_of) EXPECT_LE(l, p.lines.size());
    }
}

std::vector<std::size_t> pcs_where(const Program& p, bool (*pred)(const Insn&)) {
    std::vector<std::size_t> out;
    for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
        if (pred(p.code[pc])) out.push_back(pc);
        if (isa::is_lddw(p.code[pc])) ++pc;
    }
    return out;
}

bool is_rodata_load(const Insn& i) { return isa::is_lddw(i) && i.src() == isa::pseudo_rodata; }

int source_line_of(const std::string& file, const std::string& marker) {
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
        if (line.find(marker) != std::string::npos) return n;
    return -1;
}

const std::vector<std::string_view> multi_helpers{"get_value", "log_msg"};

// ---- real clang objects ------------------------------------------------------

TEST(ElfLoaderClang, StringLiteralsTablesAndLocalFunctions) {
    const auto bytes = object("multi");
    const LoadResult r = load_elf(bytes, "xbgp/one", multi_helpers);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    const Program& p = r.program;
    EXPECT_EQ(p.name, "xbgp/one");
    expect_well_formed(p, multi_helpers.size());
    // plugin_one, its two static functions in xbgp/one, and scale and
    // scale_twice from .text: each once.
    EXPECT_EQ(p.function_starts.size(), 5u);
    // plugin_one is 18 instructions and comes first.
    EXPECT_EQ(p.function_starts[1], 18u);

    // "hello" at the string literal's LDDW, the table at the other one.
    const auto loads = pcs_where(p, is_rodata_load);
    ASSERT_EQ(loads.size(), 2u);
    const std::uint64_t hello = imm64(p, loads[0]);
    ASSERT_LT(hello + 6, p.rodata.size() + 1);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.rodata.data() + hello)), "hello");
    const std::uint64_t table = imm64(p, loads[1]);
    ASSERT_LE(table + 32, p.rodata.size());
    EXPECT_EQ(table % 8, 0u) << "the table keeps its alignment";
    std::uint64_t weights[4];
    std::memcpy(weights, p.rodata.data() + table, sizeof weights);
    EXPECT_EQ(weights[0], 11u);
    EXPECT_EQ(weights[3], 44u);

    // Helpers by name: log_msg once in plugin_one, get_value in weigh and scale.
    std::vector<std::int32_t> helpers;
    for (const Insn& in : p.code)
        if (isa::is_helper_call(in)) helpers.push_back(in.imm);
    EXPECT_EQ(std::count(helpers.begin(), helpers.end(), 1), 1);  // log_msg
    EXPECT_EQ(std::count(helpers.begin(), helpers.end(), 0), 2);  // get_value
    // Seven local calls in all: three in plugin_one, two in weigh_and_scale,
    // two in .text's scale_twice.
    EXPECT_EQ(pcs_where(p, isa::is_local_call).size(), 7u);
}

TEST(ElfLoaderClang, SecondPluginOfTheSameObjectSharesTextFunctions) {
    const auto bytes = object("multi");
    const LoadResult r = load_elf(bytes, "xbgp/two", multi_helpers);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    expect_well_formed(r.program, multi_helpers.size());
    EXPECT_EQ(r.program.function_starts.size(), 3u);  // plugin_two, scale_twice, scale
    const auto loads = pcs_where(r.program, is_rodata_load);
    ASSERT_EQ(loads.size(), 2u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.program.rodata.data() + imm64(r.program, loads[0]))),
              "world!");
}

TEST(ElfLoaderClang, HelperIndicesFollowTheHostsTable) {
    const auto bytes = object("multi");
    const std::vector<std::string_view> helpers{"unused", "log_msg", "get_value"};
    const LoadResult r = load_elf(bytes, "xbgp/one", helpers);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    for (const Insn& in : r.program.code) {
        if (isa::is_helper_call(in)) {
            EXPECT_TRUE(in.imm == 1 || in.imm == 2);
        }
    }
}

TEST(ElfLoaderClang, LineInformation) {
    const auto bytes = object("multi");
    const LoadResult r = load_elf(bytes, "xbgp/one", multi_helpers);
    ASSERT_TRUE(r.ok());
    const Program& p = r.program;
    ASSERT_EQ(p.line_of.size(), p.code.size());
    EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
    const int line = source_line_of(sources + "/multi.c", "LINE_ONE");
    ASSERT_GT(line, 0);
    // The call to log_msg is on the marked line.
    for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
        if (!isa::is_helper_call(p.code[pc]) || p.code[pc].imm != 1) continue;
        ASSERT_NE(p.line_of[pc], 0u);
        const SourceLine& s = p.lines[p.line_of[pc] - 1];
        EXPECT_EQ(s.line, static_cast<std::uint32_t>(line));
        EXPECT_TRUE(s.file.ends_with("multi.c")) << s.file;
    }
    // Every function, appended ones too, has lines.
    for (std::uint32_t start : p.function_starts) EXPECT_NE(p.line_of[start], 0u) << start;
}

TEST(ElfLoaderClang, UnknownHelperNamedWithItsSourceLine) {
    const auto bytes = object("multi");
    const std::vector<std::string_view> helpers{"get_value"};
    const LoadResult r = load_elf(bytes, "xbgp/one", helpers);
    EXPECT_REFUSED(r, "calls 'log_msg', which the host does not provide");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(r.errors[0].where.file.ends_with("multi.c"));
    EXPECT_EQ(r.errors[0].where.line, static_cast<std::uint32_t>(source_line_of(sources + "/multi.c", "LINE_ONE")));
}

TEST(ElfLoaderClang, WithoutDebugInfoThereAreNoLines) {
    const auto bytes = object("multi_nodebug");
    const LoadResult r = load_elf(bytes, "xbgp/one", multi_helpers);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_TRUE(r.program.line_of.empty());
    EXPECT_TRUE(r.program.lines.empty());
    // Same code as with -g.
    const LoadResult g = load_elf(object("multi"), "xbgp/one", multi_helpers);
    ASSERT_EQ(g.program.code.size(), r.program.code.size());
    EXPECT_EQ(std::memcmp(g.program.code.data(), r.program.code.data(), r.program.code.size() * sizeof(Insn)), 0);
}

TEST(ElfLoaderClang, MalformedLineInfoIsIgnoredNotFatal) {
    const auto good = object("multi");
    const int ext = section_index(good, ".BTF.ext");
    const int btf = section_index(good, ".BTF");
    ASSERT_GT(ext, 0);
    ASSERT_GT(btf, 0);
    const Elf64_Shdr ext_h = read_shdr(good, static_cast<std::size_t>(ext));
    const Elf64_Shdr btf_h = read_shdr(good, static_cast<std::size_t>(btf));
    auto put32 = [](std::vector<std::uint8_t>& b, std::uint64_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); };
    std::uint32_t ext_hdr_len = 0, line_off = 0;
    std::memcpy(&ext_hdr_len, good.data() + ext_h.sh_offset + 4, 4);
    std::memcpy(&line_off, good.data() + ext_h.sh_offset + 16, 4);
    const std::uint64_t line_info = ext_h.sh_offset + ext_hdr_len + line_off;

    std::vector<std::vector<std::uint8_t>> broken;
    broken.push_back(good);
    put32(broken.back(), ext_h.sh_offset, 0x12345678);  // magic
    broken.push_back(good);
    put32(broken.back(), ext_h.sh_offset + 20, 0xfffffff0);  // line_info_len
    broken.push_back(good);
    put32(broken.back(), line_info, 0xffffffff);  // record size
    broken.push_back(good);
    put32(broken.back(), line_info + 8, 0x7fffffff);  // record count of the first section
    broken.push_back(good);
    put32(broken.back(), line_info + 4, 0xfffffff0);  // section name outside .BTF strings
    broken.push_back(good);
    put32(broken.back(), btf_h.sh_offset + 20, 0xffffff00);  // .BTF string length
    broken.push_back(good);
    patch_section(broken.back(), ".BTF.ext", [](Elf64_Shdr& h) { h.sh_size = 10; });
    for (std::size_t i = 0; i < broken.size(); ++i) {
        const LoadResult r = load_elf(broken[i], "xbgp/one", multi_helpers);
        EXPECT_TRUE(r.ok()) << i << ": " << all_messages(r.errors);
        EXPECT_TRUE(r.program.line_of.empty()) << i;
        EXPECT_TRUE(mentions(r.warnings, "line information ignored")) << i;
        EXPECT_EQ(r.program.code.size(), load_elf(good, "xbgp/one", multi_helpers).program.code.size());
    }
}

TEST(ElfLoaderClang, GlobalVariablesAreRefusedEachByName) {
    const LoadResult r = load_elf(object("globals"), "xbgp/count", {});
    EXPECT_REFUSED(r, "global variable 'counter' in .bss: plugins keep state in pools or in their heap");
    EXPECT_REFUSED(r, "global variable 'total' in .data: plugins keep state in pools or in their heap");
}

TEST(ElfLoaderClang, TablesOfPointersAreRefused) {
    EXPECT_REFUSED(load_elf(object("pointers"), "xbgp/names", {}), "tables of pointers are not supported");
}

TEST(ElfLoaderClang, EntryAmongGlobalFunctionsOfOneSection) {
    const auto bytes = object("entries");
    const std::vector<std::string_view> helpers{"get_value"};
    const LoadResult r = load_elf(bytes, "xbgp/pair", helpers);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    expect_well_formed(r.program, 1);
    // pair (3 instructions) first, then helper_fn.
    ASSERT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 3}));
    EXPECT_TRUE(isa::is_local_call(r.program.code[0]));
    EXPECT_EQ(r.program.code[0].imm, 2);
    EXPECT_REFUSED(load_elf(bytes, "xbgp/ambiguous", helpers), "has several entry functions ('first', 'second')");
}

TEST(ElfLoaderClang, SummaryListsPluginsAndTheirHelpers) {
    const ObjectSummary s = summarize_elf(object("multi"));
    EXPECT_TRUE(s.errors.empty()) << all_messages(s.errors);
    ASSERT_EQ(s.sections.size(), 2u);
    EXPECT_EQ(s.sections[0].name, "xbgp/one");
    EXPECT_EQ(s.sections[0].instructions, 35u);
    EXPECT_EQ(s.sections[0].helpers, (std::vector<std::string>{"get_value", "log_msg"}));
    EXPECT_EQ(s.sections[1].name, "xbgp/two");
    // plugin_two calls get_value only through .text's scale.
    EXPECT_EQ(s.sections[1].helpers, (std::vector<std::string>{"get_value", "log_msg"}));

    const ObjectSummary g = summarize_elf(object("globals"));
    ASSERT_EQ(g.sections.size(), 1u);
    EXPECT_TRUE(mentions(g.errors, "section 'xbgp/count': global variable 'counter'"));
}

TEST(ElfLoaderClang, LooksLikeElf) {
    EXPECT_TRUE(looks_like_elf(object("multi")));
    const std::vector<std::uint8_t> raw{0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_FALSE(looks_like_elf(raw));
    EXPECT_FALSE(looks_like_elf({}));
}

// ---- hostile objects -----------------------------------------------------------

// A small good object: entry "xbgp/x" loads a string, calls log_msg, then a
// local function in .text through the section symbol.
struct Good {
    ElfBuilder b;
    std::uint32_t code, text, str, sym_log, sym_str, sym_text;
    Good() {
        code = b.code("xbgp/x", {lddw(1, 0), lddw_high(), mov64_imm(2, 3), call(-1), call(-1), exit_insn()});
        text = b.code(".text", {mov64_imm(0, 7), exit_insn()});
        str = b.data(".rodata.str1.1", std::string_view("hi!\0", 4), ElfBuilder::rodata_flags);
        sym_str = b.section_symbol(str);
        sym_text = b.section_symbol(text);
        b.local_function("seven", text, 0, 2);
        b.global_function("entry", code, 0, 6);
        sym_log = b.undefined("log_msg");
        b.relocate(code, 0, rel_64_64, sym_str);
        b.relocate(code, 3, rel_64_32, sym_log);
        b.relocate(code, 4, rel_64_32, sym_text);
    }
    static constexpr unsigned rel_64_64 = 1, rel_64_32 = 10;
};
const std::vector<std::string_view> log_only{"log_msg"};

TEST(ElfLoaderHostile, TheGoodObjectLoads) {
    Good g;
    const LoadResult r = load_elf(g.b.bytes(), "xbgp/x", log_only);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    expect_well_formed(r.program, 1);
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 6}));
    EXPECT_EQ(r.program.code[4].imm, 1);  // 4 + 1 + 1 = 6
    EXPECT_EQ(r.program.rodata, (std::vector<std::uint8_t>{'h', 'i', '!', 0}));
}

TEST(ElfLoaderHostile, NotAnElfOrNotBpf) {
    EXPECT_REFUSED(load_elf({}, "x", {}), "not an ELF file");
    auto bytes = Good().b.bytes();
    auto b = bytes;
    b[4] = 1;  // ELFCLASS32
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a 64-bit little-endian");
    b = bytes;
    b[5] = 2;  // big-endian
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a 64-bit little-endian");
    b = bytes;
    auto eh = read_ehdr(b);
    eh.e_machine = 62;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "built for machine 62, not BPF");
    b = bytes;
    eh = read_ehdr(b);
    eh.e_type = ET_EXEC;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a relocatable object");
}

TEST(ElfLoaderHostile, TruncatedAnywhere) {
    const auto bytes = Good().b.bytes();
    EXPECT_REFUSED(load_elf(std::span(bytes).first(40), "xbgp/x", log_only), "truncated ELF header");
    // Every prefix is refused (the section table is at the end), none crashes.
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const LoadResult r = load_elf(std::span(bytes).first(n), "xbgp/x", log_only);
        EXPECT_FALSE(r.ok()) << n;
    }
}

TEST(ElfLoaderHostile, SectionTableOutOfBounds) {
    auto b = Good().b.bytes();
    auto eh = read_ehdr(b);
    eh.e_shoff = b.size() - 10;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "lies outside the file");
    eh.e_shoff = ~std::uint64_t{0} - 8;  // offset + size overflows
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "lies outside the file");
    b = Good().b.bytes();
    eh = read_ehdr(b);
    eh.e_shnum = 0xffff;  // huge count
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "lies outside the file");
    b = Good().b.bytes();
    eh = read_ehdr(b);
    eh.e_shentsize = 40;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section header size 40");
    eh.e_shentsize = 64;
    eh.e_shnum = 0;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "no section table");
}

TEST(ElfLoaderHostile, SectionContentsOutOfBounds) {
    auto b = Good().b.bytes();
    patch_section(b, ".text", [](Elf64_Shdr& h) { h.sh_size = std::uint64_t{1} << 60; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section '.text' (offset");
    b = Good().b.bytes();
    patch_section(b, ".symtab", [](Elf64_Shdr& h) { h.sh_offset = ~std::uint64_t{0} - 4; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section '.symtab' (offset");
}

TEST(ElfLoaderHostile, SectionNameTableMustBeAStringTable) {
    Good g;
    auto b = g.b.bytes();
    auto eh = read_ehdr(b);
    eh.e_shstrndx = static_cast<std::uint16_t>(g.b.symtab_index());
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section name table (section");
    eh.e_shstrndx = 200;
    write_ehdr(b, eh);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section name table index 200 out of range");
    b = g.b.bytes();
    patch_section(b, "xbgp/x", [](Elf64_Shdr& h) { h.sh_name = 100000; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "name lies outside the section name table");
}

TEST(ElfLoaderHostile, SectionZeroMustBeNull) {
    auto b = Good().b.bytes();
    Elf64_Shdr zero = read_shdr(b, 0);
    zero.sh_type = SHT_REL;
    write_shdr(b, 0, zero);
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "section 0 has type 9; it must be SHT_NULL");
}

TEST(ElfLoaderHostile, ExactlyOneSymbolTable) {
    Good g;
    auto b = g.b.bytes();
    patch_section(b, ".text", [](Elf64_Shdr& h) { h.sh_type = SHT_SYMTAB; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "2 symbol tables; expected exactly one");
    b = g.b.bytes();
    patch_section(b, ".symtab", [](Elf64_Shdr& h) { h.sh_type = SHT_PROGBITS; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "0 symbol tables");
    b = g.b.bytes();
    patch_section(b, ".symtab", [](Elf64_Shdr& h) { h.sh_size -= 5; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "24-byte entries");
}

TEST(ElfLoaderHostile, RelocationSectionMustLinkTheSymbolTable) {
    Good g;
    auto b = g.b.bytes();
    const std::uint32_t strtab = g.b.strtab_index();
    patch_section(b, ".relxbgp/x", [&](Elf64_Shdr& h) { h.sh_link = strtab; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "is not the symbol table");
    b = g.b.bytes();
    patch_section(b, ".relxbgp/x", [](Elf64_Shdr& h) { h.sh_info = 999; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "applies to section 999, which does not exist");
    b = g.b.bytes();
    patch_section(b, ".relxbgp/x", [](Elf64_Shdr& h) { h.sh_size = 40; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a whole number of 16-byte entries");
}

TEST(ElfLoaderHostile, RelocationsOfAnotherSectionDoNotApply) {
    // The code's relocations claim to apply to .text: the code is left with
    // unresolved calls and a raw LDDW, each refused.
    Good g;
    auto b = g.b.bytes();
    const std::uint32_t text = g.text;
    patch_section(b, ".relxbgp/x", [&](Elf64_Shdr& h) { h.sh_info = text; });
    const LoadResult r = load_elf(b, "xbgp/x", log_only);
    EXPECT_FALSE(r.ok());
}

TEST(ElfLoaderHostile, SymbolNamesOutsideTheirStringTable) {
    Good g;
    auto b = g.b.bytes();
    // log_msg's name pointing past .strtab, into the section name table
    // that follows it in the file.
    const Elf64_Shdr strtab = read_shdr(b, g.b.strtab_index());
    patch_symbol(b, g.sym_log, [&](Elf64_Sym& s) { s.st_name = static_cast<std::uint32_t>(strtab.sh_size + 3); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "name lies outside the symbol string table");
    // A string table with no terminating NUL.
    b = g.b.bytes();
    patch_section(b, ".strtab", [](Elf64_Shdr& h) { h.sh_size -= 1; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "name lies outside the symbol string table");
    // The symbol table's string table must be a string table.
    b = g.b.bytes();
    const std::uint32_t code = g.code;
    patch_section(b, ".symtab", [&](Elf64_Shdr& h) { h.sh_link = code; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "the symbol table's string table");
}

TEST(ElfLoaderHostile, SymbolInNoSection) {
    Good g;
    auto b = g.b.bytes();
    patch_symbol(b, g.sym_str, [](Elf64_Sym& s) { s.st_shndx = 500; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "refers to section 500, which does not exist");
    b = g.b.bytes();
    patch_symbol(b, g.sym_str, [](Elf64_Sym& s) { s.st_shndx = SHN_XINDEX; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "extended section numbering");
}

TEST(ElfLoaderHostile, RelocationOffsetNotAlignedOrOutOfRange) {
    auto b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_offset = 3 * 8 + 4; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "is not aligned to an instruction");
    b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_offset = 6 * 8; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "lies outside section 'xbgp/x'");
    b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_offset = ~std::uint64_t{7}; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "lies outside section 'xbgp/x'");
}

TEST(ElfLoaderHostile, SymbolIndexOutOfRange) {
    auto b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(99u, 10u); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "names symbol 99");
}

TEST(ElfLoaderHostile, TwoRelocationsForOneInstruction) {
    auto b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 2, [](Elf64_Rel& r) { r.r_offset = 3 * 8; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "two relocations for instruction 3");
}

TEST(ElfLoaderHostile, RelocationOnTheSecondSlotOfAnLddw) {
    auto b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 0, [](Elf64_Rel& r) { r.r_offset = 8; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "relocation on the second slot of an LDDW");
}

TEST(ElfLoaderHostile, LddwAgainstCodeOrWritableData) {
    Good g;
    auto b = g.b.bytes();
    const std::uint32_t text_sym = g.sym_text;
    patch_rel(b, ".relxbgp/x", 0, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(std::uint64_t{text_sym}, 1u); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "takes the address of code");

    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 0), lddw_high(), exit_insn()});
    const auto bss = w.section(".bss", SHT_NOBITS, ElfBuilder::data_flags, std::vector<std::uint8_t>(16));
    w.object("hits", bss, 8, 8);
    w.global_function("entry", code, 0, 3);
    const auto sym = w.section_symbol(bss);
    w.relocate(code, 0, 1, sym);
    auto bytes = w.bytes();
    // The addend (in the instruction) picks the variable the message names.
    std::uint32_t eight = 8;
    std::memcpy(bytes.data() + read_shdr(bytes, code).sh_offset + 4, &eight, 4);
    EXPECT_REFUSED(load_elf(bytes, "xbgp/x", {}),
                   "global variable 'hits' in .bss: plugins keep state in pools or in their heap");

    ElfBuilder c;
    const auto code2 = c.code("xbgp/x", {lddw(1, 0), lddw_high(), exit_insn()});
    c.global_function("entry", code2, 0, 3);
    c.relocate(code2, 0, 1, c.symbol("shared", STB_GLOBAL, STT_OBJECT, SHN_COMMON, 8, 8));
    EXPECT_REFUSED(load_elf(c.bytes(), "xbgp/x", {}), "global variable 'shared' in COMMON");
}

TEST(ElfLoaderHostile, MapsAreRefused) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 0), lddw_high(), exit_insn()});
    const auto maps = w.data("maps", std::string(20, '\0'), ElfBuilder::data_flags);
    w.global_function("entry", code, 0, 3);
    w.relocate(code, 0, 1, w.object("counters", maps, 0, 20));
    EXPECT_REFUSED(load_elf(w.bytes(), "xbgp/x", {}), "maps are not supported");
}

TEST(ElfLoaderHostile, UnknownOrMisplacedRelocationTypes) {
    auto b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 7u); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "relocation type 7 on a call");
    b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 0, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 2u); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "relocation type 2 (R_BPF_64_ABS64) on an LDDW");
    b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 1u); });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "type 1 (R_BPF_64_64) on a call");
    b = Good().b.bytes();
    patch_rel(b, ".relxbgp/x", 1, [](Elf64_Rel& r) { r.r_offset = 2 * 8; });  // onto the mov
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "neither an LDDW nor a call");
}

TEST(ElfLoaderHostile, RelaIsRefused) {
    auto b = Good().b.bytes();
    patch_section(b, ".relxbgp/x", [](Elf64_Shdr& h) { h.sh_type = SHT_RELA; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "is SHT_RELA");
}

TEST(ElfLoaderHostile, DebugRelocationsAreIgnored) {
    // A .rel.BTF.ext with a relocation type the code may not use.
    Good g;
    const auto btf_ext = g.b.section(".BTF.ext", SHT_PROGBITS, 0, std::vector<std::uint8_t>(16));
    g.b.relocate(btf_ext, 0, 4, g.sym_text);
    const LoadResult r = load_elf(g.b.bytes(), "xbgp/x", log_only);
    EXPECT_TRUE(r.ok()) << all_messages(r.errors);
}

TEST(ElfLoaderHostile, RequestedSectionMustBeOneCodeSection) {
    Good g;
    g.b.code("xbgp/x", {mov64_imm(0, 1), exit_insn()});
    EXPECT_REFUSED(load_elf(g.b.bytes(), "xbgp/x", log_only), "2 sections are named 'xbgp/x'");
    EXPECT_REFUSED(load_elf(Good().b.bytes(), "xbgp/y", log_only), "no section 'xbgp/y' in the object (code sections: 'xbgp/x', '.text')");
    EXPECT_REFUSED(load_elf(Good().b.bytes(), ".rodata.str1.1", log_only), "does not hold code");
    auto b = Good().b.bytes();
    patch_section(b, "xbgp/x", [](Elf64_Shdr& h) { h.sh_size = 44; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a whole number of 8-byte instructions");
    b = Good().b.bytes();
    patch_section(b, "xbgp/x", [](Elf64_Shdr& h) { h.sh_size = 0; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "is empty");
}

TEST(ElfLoaderHostile, CalledCodeSectionSizeNotAMultipleOfEight) {
    auto b = Good().b.bytes();
    patch_section(b, ".text", [](Elf64_Shdr& h) { h.sh_size = 12; });
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "not a whole number of instructions");
}

TEST(ElfLoaderHostile, RawPseudoEncodingsAreRefused) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 0, 2), lddw_high(), call(-1, 0), call(5, 3), exit_insn()});
    w.global_function("entry", code, 0, 5);
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", log_only);
    EXPECT_REFUSED(r, "LDDW with source 2 and no relocation");
    EXPECT_REFUSED(r, "call with imm -1 and no relocation");
    EXPECT_REFUSED(r, "call with source 3");
    EXPECT_EQ(r.errors.size(), 3u) << all_messages(r.errors);
}

TEST(ElfLoaderHostile, LddwSlots) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 5), insn(0xb7, 1, 0, 0, 0), exit_insn(), lddw(1, 0)});
    w.global_function("entry", code, 0, 4);
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", {});
    EXPECT_REFUSED(r, "the second slot of this LDDW is not empty");
    EXPECT_REFUSED(r, "LDDW in the last slot of a function");
}

TEST(ElfLoaderHostile, LocalCallsMustReachAFunctionStart) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {call(1), exit_insn(), mov64_imm(0, 1), exit_insn(), call(-100), exit_insn()});
    w.global_function("entry", code, 0, 2);
    w.local_function("f", code, 2, 2);
    w.local_function("g", code, 4, 2);
    // call(1) at 0 targets 2, f: good. Loaded: entry, f (g is not reached).
    LoadResult r = load_elf(w.bytes(), "xbgp/x", {});
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 2}));

    ElfBuilder m;  // a call into the middle of a function
    const auto c2 = m.code("xbgp/x", {call(2), exit_insn(), mov64_imm(0, 1), mov64_imm(0, 2), exit_insn()});
    m.global_function("entry", c2, 0, 2);
    m.local_function("f", c2, 2, 3);
    EXPECT_REFUSED(load_elf(m.bytes(), "xbgp/x", {}), "call to instruction 3 of section 'xbgp/x', where no function starts");

    ElfBuilder o;  // outside the section, both ways
    const auto c3 = o.code("xbgp/x", {call(50), call(-9), exit_insn()});
    o.global_function("entry", c3, 0, 3);
    const LoadResult out = load_elf(o.bytes(), "xbgp/x", {});
    EXPECT_REFUSED(out, "call to instruction 51 of section 'xbgp/x', which has 3");
    EXPECT_REFUSED(out, "local call to instruction -7");
}

TEST(ElfLoaderHostile, FunctionSymbolsWithoutSizeRunToTheNextOne) {
    // What an assembler writes without .size directives.
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {call(1), exit_insn(), mov64_imm(0, 1), exit_insn(), mov64_imm(0, 2), exit_insn()});
    w.global_function("entry", code, 0, 0);
    w.local_function("f", code, 2, 0);
    w.local_function("g", code, 4, 0);
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", {});
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(r.program.code.size(), 4u);  // entry and f; g is not called
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 2}));
}

TEST(ElfLoaderHostile, FunctionSymbolsMustBeAligned) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {call(1), exit_insn(), mov64_imm(0, 1), exit_insn()});
    w.global_function("entry", code, 0, 2);
    w.symbol("odd", STB_LOCAL, STT_FUNC, static_cast<std::uint16_t>(code), 13, 3);
    EXPECT_REFUSED(load_elf(w.bytes(), "xbgp/x", {}), "function 'odd' of section 'xbgp/x' is not aligned");
}

TEST(ElfLoaderHostile, FunctionSymbolsMustFitTheirSection) {
    Good g;
    auto b = g.b.bytes();
    patch_symbol(b, 3, [](Elf64_Sym& s) { s.st_size = 1000; });  // "seven" in .text
    EXPECT_REFUSED(load_elf(b, "xbgp/x", log_only), "function 'seven' (1000 bytes) does not fit its section");
}

TEST(ElfLoaderHostile, HelpersByNumber) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {call_helper(1), call_helper(2), exit_insn()});
    w.global_function("entry", code, 0, 3);
    const std::vector<std::string_view> two{"a", "b"};
    EXPECT_REFUSED(load_elf(w.bytes(), "xbgp/x", two), "calls helper number 2, which the host does not provide");
    const std::vector<std::string_view> three{"a", "b", "c"};
    EXPECT_TRUE(load_elf(w.bytes(), "xbgp/x", three).ok());
}

TEST(ElfLoaderHostile, UndefinedDataAndWeakHelpers) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 0), lddw_high(), call(-1), exit_insn()});
    w.global_function("entry", code, 0, 4);
    w.relocate(code, 0, 1, w.undefined("elsewhere"));
    w.relocate(code, 2, 10, w.symbol("maybe", STB_WEAK, STT_NOTYPE, SHN_UNDEF, 0, 0));
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", std::vector<std::string_view>{"maybe"});
    EXPECT_REFUSED(r, "uses 'elsewhere', which the object does not define");
    EXPECT_REFUSED(r, "calls 'maybe', an undefined symbol that is not global");
}

TEST(ElfLoaderHostile, EveryProblemIsReported) {
    Good g;
    const auto bss = g.b.section(".bss", SHT_NOBITS, ElfBuilder::data_flags, std::vector<std::uint8_t>(8));
    const auto code = g.b.code("xbgp/many", {call(-1), lddw(1, 0), lddw_high(), call(-1), exit_insn()});
    g.b.global_function("many", code, 0, 5);
    g.b.relocate(code, 0, 10, g.b.undefined("launch_missiles"));
    g.b.relocate(code, 1, 1, g.b.object("state", bss, 0, 8));
    g.b.relocate(code, 3, 10, g.b.undefined("self_destruct"));
    const LoadResult r = load_elf(g.b.bytes(), "xbgp/many", log_only);
    ASSERT_EQ(r.errors.size(), 3u) << all_messages(r.errors);
    EXPECT_EQ(r.errors[0].pc, 0u);
    EXPECT_EQ(r.errors[1].pc, 1u);
    EXPECT_EQ(r.errors[2].pc, 3u);
    EXPECT_REFUSED(r, "calls 'launch_missiles'");
    EXPECT_REFUSED(r, "global variable 'state' in .bss");
    EXPECT_REFUSED(r, "calls 'self_destruct'");
}

TEST(ElfLoaderHostile, ProblemsAreCountedBeyondABound) {
    // 300 unresolved calls: the first 200 are described, the rest counted.
    ElfBuilder w;
    std::vector<Insn> code(300, call(-1, 0));
    code.push_back(exit_insn());
    const auto text = w.code("xbgp/x", code);
    w.global_function("entry", text, 0, code.size());
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", {});
    ASSERT_EQ(r.errors.size(), 201u);
    EXPECT_EQ(r.errors.back().message, "and 100 more problems");
}

TEST(ElfLoaderHostile, RodataAddendAndAlignment) {
    ElfBuilder w;
    const auto code = w.code("xbgp/x", {lddw(1, 3), lddw_high(), lddw(2, 0), lddw_high(), exit_insn()});
    const auto str = w.data(".rodata.str1.1", std::string_view("abcdef\0", 7), ElfBuilder::rodata_flags, 1);
    const auto cst = w.data(".rodata.cst8", std::string_view("\1\0\0\0\0\0\0\0", 8), ElfBuilder::rodata_flags, 8);
    w.global_function("entry", code, 0, 5);
    w.relocate(code, 0, 1, w.section_symbol(str));           // "def"
    w.relocate(code, 2, 1, w.object("one", cst, 0, 8));      // by name
    const LoadResult r = load_elf(w.bytes(), "xbgp/x", {});
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(imm64(r.program, 0), 3u);
    EXPECT_EQ(imm64(r.program, 2), 8u);  // 7 bytes of strings, then aligned to 8
    EXPECT_EQ(r.program.rodata.size(), 16u);
    EXPECT_EQ(r.program.rodata[8], 1);
    EXPECT_EQ(r.program.code[0].src(), isa::pseudo_rodata);
}

TEST(ElfLoaderHostile, SummaryOfAHostileObject) {
    auto b = Good().b.bytes();
    const ObjectSummary s = summarize_elf(b);
    EXPECT_TRUE(s.errors.empty()) << all_messages(s.errors);
    ASSERT_EQ(s.sections.size(), 1u);
    EXPECT_EQ(s.sections[0].helpers, (std::vector<std::string>{"log_msg"}));
    Elf64_Shdr zero = read_shdr(b, 0);
    zero.sh_type = SHT_REL;
    write_shdr(b, 0, zero);
    const ObjectSummary bad = summarize_elf(b);
    EXPECT_TRUE(bad.sections.empty());
    EXPECT_TRUE(mentions(bad.errors, "must be SHT_NULL"));
}

// ---- raw bytecode -------------------------------------------------------------

std::vector<std::uint8_t> raw(const std::vector<Insn>& code) {
    std::vector<std::uint8_t> b(code.size() * sizeof(Insn));
    if (!code.empty()) std::memcpy(b.data(), code.data(), b.size());
    return b;
}

TEST(LoadRaw, GoodPrograms) {
    LoadResult r = load_raw(raw({mov64_imm(0, 1), exit_insn()}), 0);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(r.program.name, "raw");
    EXPECT_EQ(r.program.code.size(), 2u);
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0}));

    r = load_raw(raw({lddw(0, 1), lddw_high(2), call(1), exit_insn(), mov64_imm(0, 3), exit_insn(), call_helper(1)}), 2);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 4}));
}

TEST(LoadRaw, BadPrograms) {
    EXPECT_REFUSED(load_raw({}, 0), "no instructions");
    EXPECT_REFUSED(load_raw(std::vector<std::uint8_t>(12), 0), "12 bytes is not a whole number");
    EXPECT_REFUSED(load_raw(raw({mov64_imm(0, 1), lddw(0, 1)}), 0), "LDDW in the last slot");
    EXPECT_REFUSED(load_raw(raw({lddw(0, 1, 2), lddw_high(), exit_insn()}), 0), "pseudo loads are not accepted");
    EXPECT_REFUSED(load_raw(raw({lddw(0, 1), mov64_imm(0, 1), exit_insn()}), 0), "second slot of this LDDW is not empty");
    EXPECT_REFUSED(load_raw(raw({call(5), exit_insn()}), 0), "local call to instruction 6, outside the program");
    EXPECT_REFUSED(load_raw(raw({call(-2), exit_insn()}), 0), "local call to instruction -1");
    EXPECT_REFUSED(load_raw(raw({call_helper(3), exit_insn()}), 3), "calls helper number 3");
    EXPECT_REFUSED(load_raw(raw({call_helper(-1), exit_insn()}), 3), "calls helper number -1");
    EXPECT_REFUSED(load_raw(raw({call(0, 2), exit_insn()}), 3), "call with source 2");
    // A local call onto the second slot of an LDDW splits it.
    EXPECT_REFUSED(load_raw(raw({call(1), lddw(0, 1), lddw_high(), exit_insn()}), 0), "LDDW in the last slot");
    const std::vector<std::uint8_t> huge((max_program_instructions + 1) * 8, 0);
    EXPECT_REFUSED(load_raw(huge, 0), "at most");
}

// ---- xBGP objects: entries by name in .text, globals, unwind tables --------

TEST(ElfLoaderXbgp, EntryByFunctionNameInText) {
    // Two global functions in .text, one calling the other: the caller is
    // the only entry; either loads by name; .eh_frame and its relocations
    // against .text are never read.
    ElfBuilder w;
    const auto text = w.code(".text", {call(1), exit_insn(), mov64_imm(0, 7), exit_insn()});
    w.global_function("filter", text, 0, 2);
    w.global_function("shared", text, 2, 2);
    const auto eh = w.data(".eh_frame", std::string(48, '\0'), SHF_ALLOC, 8);
    w.relocate(eh, 4, 2, w.section_symbol(text));  // R_BPF_64_ABS64, as llc writes it
    const auto bytes = w.bytes();
    EXPECT_EQ(entry_functions(bytes), std::vector<std::string>{"filter"});
    const LoadResult r = load_elf_function(bytes, "filter", {});
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    EXPECT_EQ(r.program.code.size(), 4u);
    EXPECT_EQ(r.program.function_starts, (std::vector<std::uint32_t>{0, 2}));
    const LoadResult s = load_elf_function(bytes, "shared", {});
    ASSERT_TRUE(s.ok()) << all_messages(s.errors);
    EXPECT_EQ(s.program.code.size(), 2u);
    EXPECT_REFUSED(load_elf_function(bytes, "missing", {}), "no global function 'missing' in the object");
}

TEST(ElfLoaderXbgp, GlobalsBecomeTheDataImage) {
    // counter in .bss (8 bytes), threshold in .data (4 bytes, value 5).
    ElfBuilder w;
    const auto text = w.code(".text", {lddw(1, 0), lddw_high(), lddw(2, 0), lddw_high(), exit_insn()});
    const auto bss = w.section(".bss", SHT_NOBITS, ElfBuilder::data_flags, std::vector<std::uint8_t>(8), 8);
    const auto data = w.data(".data", std::string("\x05\0\0\0", 4), ElfBuilder::data_flags, 4);
    w.global_function("count", text, 0, 5);
    w.relocate(text, 0, 1, w.object("counter", bss, 0, 8));
    w.relocate(text, 2, 1, w.object("threshold", data, 0, 4));
    const auto bytes = w.bytes();
    EXPECT_REFUSED(load_elf_function(bytes, "count", {}), "global variable 'counter' in .bss");
    LoadOptions o;
    o.writable_globals = true;
    const LoadResult r = load_elf_function(bytes, "count", {}, o);
    ASSERT_TRUE(r.ok()) << all_messages(r.errors);
    ASSERT_EQ(r.program.data.size(), 12u);  // .bss at 0 (8 zeros), .data at 8
    EXPECT_EQ(r.program.data[8], 5);
    EXPECT_EQ(r.program.code[0].src(), isa::pseudo_data);
    EXPECT_EQ(r.program.code[0].imm, 0);
    EXPECT_EQ(r.program.code[2].src(), isa::pseudo_data);
    EXPECT_EQ(r.program.code[2].imm, 8);
    // A huge .bss is refused, not allocated.
    ElfBuilder h;
    const auto text2 = h.code(".text", {lddw(1, 0), lddw_high(), exit_insn()});
    const auto big = h.section(".bss", SHT_NOBITS, ElfBuilder::data_flags, std::vector<std::uint8_t>{}, 8);
    h.global_function("f", text2, 0, 3);
    h.relocate(text2, 0, 1, h.section_symbol(big));
    auto hb = h.bytes();
    Elf64_Shdr sh = read_shdr(hb, big);
    sh.sh_size = std::uint64_t{1} << 40;
    write_shdr(hb, big, sh);
    EXPECT_REFUSED(load_elf_function(hb, "f", {}, o), "makes the globals larger than");
}

}  // namespace
}  // namespace mempool::vm
