// Fuzzing of the ELF loader (src/vm/elf_loader.hpp): any bytes are given to
// summarize_elf, to load_elf for every section the summary lists and for a
// fixed name, and to load_raw. Nothing may crash, hang or touch memory out of
// bounds (ASan+UBSan), and the results must agree with each other:
//   - an accepted Program keeps every invariant program.hpp promises
//     (function starts, LDDW pairs, call targets, helper indices, lines);
//   - a section the summary lists without error loads with helper_names =
//     its helpers, each of them called; one listed with an error does not.
// Seeds: fuzz/corpus/elf (clang objects of tests/vm/elf and built ones).
#include "elf_loader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace mempool::vm;

[[noreturn]] void inconsistent(const char* what, const std::string& detail) {
    std::fprintf(stderr, "elf_fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

void check_diagnostics(const LoadResult& r) {
    for (const Diagnostic& d : r.errors) {
        if (d.message.empty()) inconsistent("error without a message", d.to_string());
        if (d.pc != 0 && d.pc >= r.program.code.size()) inconsistent("error pc outside the code", d.to_string());
    }
}

// The invariants of program.hpp on an accepted Program.
void check_program(const Program& p, std::size_t helper_count, const char* who) {
    const auto& starts = p.function_starts;
    if (p.code.empty()) inconsistent(who, "accepted without code");
    if (starts.empty() || starts.front() != 0) inconsistent(who, "function starts do not begin with 0");
    for (std::size_t i = 1; i < starts.size(); ++i)
        if (starts[i] <= starts[i - 1] || starts[i] >= p.code.size()) inconsistent(who, "function starts");
    auto is_start = [&](std::int64_t pc) { return std::binary_search(starts.begin(), starts.end(), pc); };
    for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
        const Insn& in = p.code[pc];
        if (isa::is_lddw(in)) {
            if (pc + 1 >= p.code.size() || is_start(static_cast<std::int64_t>(pc) + 1))
                inconsistent(who, "LDDW without its second slot at " + std::to_string(pc));
            const Insn& next = p.code[pc + 1];
            if (next.code != 0 || next.regs != 0 || next.off != 0) inconsistent(who, "LDDW second slot not empty");
            if (in.src() != 0 && in.src() != isa::pseudo_rodata) inconsistent(who, "LDDW with a bad source");
            ++pc;
        } else if (in.code == isa::op_call) {
            if (in.src() == isa::pseudo_call) {
                if (!is_start(static_cast<std::int64_t>(pc) + 1 + in.imm)) inconsistent(who, "local call not to a start");
            } else if (in.src() != 0 || in.imm < 0 || static_cast<std::size_t>(in.imm) >= helper_count) {
                inconsistent(who, "helper call out of the table at " + std::to_string(pc));
            }
        }
    }
    if (!p.line_of.empty()) {
        if (p.line_of.size() != p.code.size()) inconsistent(who, "line_of size");
        for (std::uint32_t l : p.line_of)
            if (l > p.lines.size()) inconsistent(who, "line index");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    const ObjectSummary summary = summarize_elf(bytes);
    if (!looks_like_elf(bytes) && (summary.errors.empty() || !summary.sections.empty()))
        inconsistent("summary", "a file without the ELF magic was not refused");

    for (const ObjectSummary::Section& s : summary.sections) {
        const std::string prefix = "section '" + s.name + "': ";
        const bool clean = std::none_of(summary.errors.begin(), summary.errors.end(),
                                        [&](const Diagnostic& d) { return d.message.starts_with(prefix); });
        const bool numbered = std::any_of(s.helpers.begin(), s.helpers.end(),
                                          [](const std::string& h) { return h.starts_with("#"); });
        const std::vector<std::string_view> names(s.helpers.begin(), s.helpers.end());
        const LoadResult r = load_elf(bytes, s.name, names);
        check_diagnostics(r);
        if (r.ok()) check_program(r.program, s.helpers.size(), s.name.c_str());
        if (numbered) continue;  // calls by number depend on the host's table, not on names
        if (clean != r.ok())
            inconsistent("summary and load disagree", s.name + (r.ok() ? " loads" : ": " + r.errors[0].message));
        if (r.ok()) {
            // Every helper the summary lists is called.
            for (std::size_t h = 0; h < s.helpers.size(); ++h) {
                const bool called = std::any_of(r.program.code.begin(), r.program.code.end(), [&](const Insn& in) {
                    return isa::is_helper_call(in) && static_cast<std::size_t>(in.imm) == h;
                });
                if (!called) inconsistent("listed helper not called", s.helpers[h]);
            }
        }
    }

    static const std::vector<std::string_view> helpers{"get_value", "log_msg"};
    const LoadResult fixed = load_elf(bytes, "xbgp/one", helpers);
    check_diagnostics(fixed);
    if (fixed.ok()) check_program(fixed.program, helpers.size(), "xbgp/one");

    const LoadResult raw = load_raw(bytes, 4);
    check_diagnostics(raw);
    if (raw.ok()) check_program(raw.program, 4, "raw");
    return 0;
}
