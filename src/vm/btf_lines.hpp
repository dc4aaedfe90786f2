// btf_lines.hpp: source lines of eBPF code, from the .BTF and .BTF.ext
// sections clang emits with -g.
//
// .BTF.ext holds, per code section, records (instruction byte offset, file
// name, line, column) whose strings live in .BTF's string table; a record
// applies from its instruction until the next record. Only what the loader
// needs for diagnostics is read; types, func_info and CO-RE records are
// ignored. Both sections come from the file and are checked like the rest of
// it, but a malformed one only costs the line numbers: read() says why and
// the loader carries on without them.
//
//   detail::BtfLines lines;
//   std::string why;
//   if (lines.read(elf.contents(btf), elf.contents(btf_ext), why))
//       for (const detail::BtfLine& l : lines.section("xbgp/filter")) ...
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::detail {

struct BtfLine {
    std::uint32_t insn = 0;  // instruction index inside its section
    std::string_view file;   // a view into the .BTF bytes
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

class BtfLines {
public:
    // Reads the line records of every section. Returns false, with the reason
    // in `why` and no records kept, if either section is malformed. May throw
    // std::bad_alloc.
    [[nodiscard]] bool read(std::span<const std::uint8_t> btf, std::span<const std::uint8_t> btf_ext, std::string& why);

    // The records of one code section, sorted by instruction (empty if none).
    [[nodiscard]] std::span<const BtfLine> section(std::string_view name) const noexcept;

private:
    std::map<std::string_view, std::vector<BtfLine>, std::less<>> sections_;
};

}  // namespace mempool::detail
