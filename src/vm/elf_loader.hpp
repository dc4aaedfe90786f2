// elf_loader.hpp: the one way bytes become a Program.
//
// The plugin runtime reads an object file once and hands the bytes here;
// what comes out is the code the verifier checks and the executors run, so
// there is no second reader to disagree with. Every section, symbol and
// relocation the requested code depends on is understood exactly or the
// object is refused with the reason; all problems found are reported, not
// just the first.
//
//   std::vector<std::uint8_t> bytes = read_file(path);          // once
//   vm::LoadResult r = vm::load_elf(bytes, "xbgp/filter", helper_names);
//   if (!r.ok()) for (const auto& d : r.errors) puts(d.to_string().c_str());
//
// What load_elf accepts (ELF64 little-endian, EM_BPF, ET_REL, as clang
// -target bpf -c writes it):
//   - the entry: the one global function of the requested section (the
//     section's code from offset 0 if it has no function symbol). The section
//     must be SHT_PROGBITS + SHF_EXECINSTR, its size a multiple of 8, its name
//     unique in the object;
//   - local functions: calls by relocation (to a function symbol, or to a
//     section symbol + offset, in any code section) and pc-relative calls
//     inside one section (what clang emits for static functions). Every
//     function reached is appended once to Program::code, after the entry,
//     and its start recorded in function_starts; a call target must be the
//     start of a function symbol;
//   - helpers: a call relocated against an undefined global symbol names a
//     helper; helper_names[i] is helper i. A call with no relocation and
//     src = 0 is a call to helper number imm (must be < helper_names.size());
//   - read-only data: an LDDW relocated (R_BPF_64_64) against a section that
//     is SHF_ALLOC and neither writable nor executable (.rodata,
//     .rodata.str1.1, .rodata.cst16, ...) or a symbol in one becomes an LDDW
//     src = pseudo_rodata whose imm64 is the offset in Program::rodata (the
//     used sections, each aligned to its sh_addralign). Such a section must
//     not itself carry relocations (tables of pointers are refused);
//   - line info: .BTF + .BTF.ext (clang -g) give Program::line_of / lines; a
//     malformed one is skipped with a warning, it never fails the load.
//   - writable globals (LoadOptions::writable_globals, for xBGP plugins): an
//     LDDW relocated against .data/.bss (SHF_ALLOC + SHF_WRITE; a symbol in
//     one or the section itself) becomes an LDDW src = pseudo_data whose
//     imm64 is the offset in Program::data (the image: .data's bytes, .bss's
//     zeros, each aligned; at most max_data_bytes in all). Without the
//     option such an LDDW is refused ("global variable 'x' in .bss: ...").
//   - the entry by function name (load_elf_function): the global function of
//     that name in any code section, .text included (xBGP manifests name the
//     function, and clang puts every function in .text).
// Sections nothing refers to are never read: .eh_frame (and its
// relocations, which llc emits for the host's unwinder), .BTF.ext, debug
// sections, .comment, .llvm_addrsig.
// Refused with the reason: RELA relocations, relocation types other than
// R_BPF_64_64 on an LDDW and R_BPF_64_32 on a CALL (in code; relocations of
// .BTF, .BTF.ext and .debug_* sections are ignored), maps, calls to names the
// host does not provide, and every raw pseudo encoding that did not come from
// a relocation.
#pragma once

#include "program.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::vm {

struct LoadResult {
    Program program;                   // meaningful only when ok()
    std::vector<Diagnostic> errors;    // pc: the instruction in program.code, 0 for the object as a whole
    std::vector<Diagnostic> warnings;  // do not fail the load (e.g. line info skipped)
    [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// What a host allows beyond the default.
struct LoadOptions {
    // .data/.bss globals become Program::data (the host then gives each run
    // RunContext::data). Off: refused, as plugins keep state in pools.
    bool writable_globals = false;
};

// The largest Program::data image (all writable globals of a program).
inline constexpr std::uint64_t max_data_bytes = 1u << 20;

// Loads `section` of an ELF object held in memory (the caller read the file
// once). helper_names[i] is helper i; a call to any other external name is an
// error naming it.
[[nodiscard]] LoadResult load_elf(std::span<const std::uint8_t> bytes, std::string_view section,
                                  std::span<const std::string_view> helper_names, const LoadOptions& options = {}) noexcept;

// Loads the program whose entry is the global function `function` (in any
// code section); otherwise as load_elf.
[[nodiscard]] LoadResult load_elf_function(std::span<const std::uint8_t> bytes, std::string_view function,
                                           std::span<const std::string_view> helper_names,
                                           const LoadOptions& options = {}) noexcept;

// The global functions of an object's code sections that no code of the
// object calls: the entries a manifest may name. Empty for a malformed object.
[[nodiscard]] std::vector<std::string> entry_functions(std::span<const std::uint8_t> bytes) noexcept;

// Raw bytecode (8-byte instructions, the BPF ISA conformance suites' format):
// local calls (src=1, pc-relative) allowed, helper calls by number allowed
// only if < helper_count, no pseudo LDDW. Program::name is "raw".
[[nodiscard]] LoadResult load_raw(std::span<const std::uint8_t> bytes, std::size_t helper_count) noexcept;

// What `mempool-plugin list` shows: every code section but .text (which holds
// the functions plugins share), its own instruction count and the helpers its
// code (and every local function it reaches) calls, sorted. `errors` holds the
// object's problems and, prefixed with "section 'x': ", each listed section's
// load errors other than unknown helpers: a section with none loads with
// helper_names = its helpers.
struct ObjectSummary {
    struct Section {
        std::string name;
        std::size_t instructions = 0;
        std::vector<std::string> helpers;
    };
    std::vector<Section> sections;
    std::vector<Diagnostic> errors;
};
[[nodiscard]] ObjectSummary summarize_elf(std::span<const std::uint8_t> bytes) noexcept;

// The ELF magic number: tells an object file from raw bytecode.
[[nodiscard]] bool looks_like_elf(std::span<const std::uint8_t> bytes) noexcept;

// The largest Program the loader produces (instructions, entry and local
// functions together).
inline constexpr std::size_t max_program_instructions = 1u << 20;

}  // namespace mempool::vm
