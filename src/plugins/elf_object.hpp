// elf_object.hpp: a bounds-checked reader for eBPF ELF objects.
//
// The runtime reads plugin objects itself, before librte_bpf does, to refuse
// files that are not BPF objects or lack the section asked for with a clear
// message, to list the sections and the helpers each one calls
// (`mempool-plugin list`), and to explain librte_bpf's refusals in plain words
// (which instruction is a loop, which relocation is a global variable).
//
// Every offset and size read from the file is checked against the file's
// length; a malformed file is reported, never trusted.
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mempool::detail {

// One eBPF instruction as stored in the object.
struct Insn {
    std::uint8_t code;
    std::uint8_t regs;  // dst in the low nibble, src in the high nibble
    std::int16_t off;
    std::int32_t imm;
    [[nodiscard]] unsigned dst() const noexcept { return regs & 0x0fu; }
    [[nodiscard]] unsigned src() const noexcept { return regs >> 4; }
};
static_assert(sizeof(Insn) == 8);

// A relocation in a code section: which instruction refers to which symbol.
struct CodeReloc {
    enum class Target : std::uint8_t { external, code, data };
    std::uint32_t pc = 0;       // instruction index in the section
    std::string symbol;         // symbol name (empty for section symbols)
    Target target = Target::external;
    std::string target_section; // for code/data targets
};

class ElfObject {
public:
    // Reads and checks the file; on failure returns false and fills `error`
    // (code and message; the plugin name is left to the caller).
    bool open(const std::string& path, PluginError& error) noexcept;

    // Sections holding code (executable, non-empty), in file order.
    [[nodiscard]] std::vector<std::string> code_sections() const;
    [[nodiscard]] bool has_code_section(const std::string& name) const noexcept;
    // How many sections bear this name. librte_bpf picks its own among
    // several (the first PROGBITS one flagged exactly alloc + exec), which
    // need not be the one this reader checked: the runtime refuses an object
    // whose section name is ambiguous.
    [[nodiscard]] std::size_t sections_named(const std::string& name) const noexcept;

    [[nodiscard]] std::vector<Insn> instructions(const std::string& section) const;
    [[nodiscard]] std::vector<CodeReloc> relocations(const std::string& section) const;
    // Names of the external functions a section calls, sorted, unique.
    [[nodiscard]] std::vector<std::string> helpers_called(const std::string& section) const;

private:
    struct Section {
        std::string name;
        std::uint32_t type = 0;
        std::uint64_t flags = 0, offset = 0, size = 0, entsize = 0;
        std::uint32_t link = 0, info = 0;
    };
    [[nodiscard]] const Section* find(const std::string& name) const noexcept;
    [[nodiscard]] int index_of(const std::string& name) const noexcept;

    std::vector<unsigned char> bytes_;
    std::vector<Section> sections_;
};

}  // namespace mempool::detail
