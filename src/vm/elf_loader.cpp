// elf_loader.cpp: linking one section of an eBPF object into a Program (see
// elf_loader.hpp for what is accepted), and the raw-bytecode loader.
//
// The Linker walks functions from the entry: each function's instructions are
// copied to the end of Program::code, its relocations applied as it is
// copied, and every function it calls queued (once). Calls are patched after
// the walk, when every callee's position is known. The code produced is then
// checked once more, by the same check load_raw uses, so that nothing but the
// encodings program.hpp promises can leave the loader.
#include "elf_loader.hpp"

#include "btf_lines.hpp"
#include "elf_file.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <tuple>
#include <utility>

namespace mempool::vm {
namespace {

using detail::BtfLine;
using detail::BtfLines;
using detail::ElfFile;
using detail::ElfProblem;
using detail::ElfRel;
using detail::ElfSection;
using detail::ElfSymbol;
namespace elf = detail::elf;

// A problem with the instruction it concerns, if any.
struct Issue {
    std::uint32_t pc = 0;
    bool at_insn = false;
    std::string message;
};

// The problems found, up to a bound: a hostile object could otherwise have
// the loader build millions of messages (one per instruction or symbol).
class Issues {
public:
    static constexpr std::size_t max_kept = 200;
    void push_back(Issue issue) {
        if (list_.size() < max_kept) list_.push_back(std::move(issue));
        else ++dropped_;
    }
    [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
    [[nodiscard]] std::vector<Issue>& list() noexcept { return list_; }
    [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }

private:
    std::vector<Issue> list_;
    std::size_t dropped_ = 0;
};

std::string quoted(std::string_view s) {
    std::string out = "'";
    out.append(s);
    out += '\'';
    return out;
}

std::string hex(unsigned v) {
    static const char digits[] = "0123456789abcdef";
    std::string s = "0x";
    s += digits[(v >> 4) & 0xf];
    s += digits[v & 0xf];
    return s;
}

bool is_maps_section(std::string_view name) {
    return name == "maps" || name == ".maps" || name.starts_with("maps/") || name.starts_with("maps.") ||
           name.starts_with(".maps.");
}

std::string relocation_name(std::uint32_t type) {
    switch (type) {
    case 0: return "type 0 (R_BPF_NONE)";
    case elf::r_bpf_64_64: return "type 1 (R_BPF_64_64)";
    case 2: return "type 2 (R_BPF_64_ABS64)";
    case 3: return "type 3 (R_BPF_64_ABS32)";
    case 4: return "type 4 (R_BPF_64_NODYLD32)";
    case elf::r_bpf_64_32: return "type 10 (R_BPF_64_32)";
    default: return "type " + std::to_string(type);
    }
}

// ---- the checks every Program leaving the loader passes ---------------------

// Checks the encodings program.hpp promises: LDDW pairs (second slot empty, not
// a function start), LDDW src 0 or (when allowed) pseudo_rodata, helper calls
// below helper_count, local calls to a function start, no other call source.
void check_code(const Program& p, std::size_t helper_count, bool allow_rodata, Issues& issues) {
    const auto& code = p.code;
    const auto& starts = p.function_starts;
    auto issue = [&](std::size_t pc, std::string message) {
        issues.push_back({static_cast<std::uint32_t>(pc), true, std::move(message)});
    };
    if (starts.empty() || starts.front() != 0 || !std::is_sorted(starts.begin(), starts.end()) ||
        std::adjacent_find(starts.begin(), starts.end()) != starts.end() ||
        (!code.empty() && starts.back() >= code.size()))
        issues.push_back({0, false, "function starts are not sorted, unique and inside the code"});
    auto is_start = [&](std::uint64_t pc) { return std::binary_search(starts.begin(), starts.end(), pc); };
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        const Insn& in = code[pc];
        if (in.code == isa::op_lddw) {
            if (pc + 1 >= code.size() || is_start(pc + 1)) {
                issue(pc, "LDDW in the last slot of a function: it takes two");
                continue;
            }
            const Insn& next = code[pc + 1];
            if (next.code != 0 || next.regs != 0 || next.off != 0)
                issue(pc, "the second slot of this LDDW is not empty (code " + hex(next.code) + ")");
            if (in.src() != 0 && !(allow_rodata && (in.src() == isa::pseudo_rodata || in.src() == isa::pseudo_data)))
                issue(pc, "LDDW with source " + std::to_string(in.src()) +
                              (allow_rodata ? ": only a relocation against read-only data makes a pseudo load"
                                            : ": pseudo loads are not accepted in raw bytecode"));
            ++pc;
            continue;
        }
        if (in.code != isa::op_call) continue;
        if (in.src() == 0) {
            if (in.imm < 0 || static_cast<std::uint64_t>(in.imm) >= helper_count)
                issue(pc, "calls helper number " + std::to_string(in.imm) + ", which the host does not provide (" +
                              std::to_string(helper_count) + " helpers)");
        } else if (in.src() == isa::pseudo_call) {
            const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + in.imm;
            if (target < 0 || static_cast<std::uint64_t>(target) >= code.size())
                issue(pc, "local call to instruction " + std::to_string(target) + ", outside the program");
            else if (!is_start(static_cast<std::uint64_t>(target)))
                issue(pc, "local call to instruction " + std::to_string(target) + ", which does not start a function");
        } else {
            issue(pc, "call with source " + std::to_string(in.src()) + " (only 0, a helper, and 1, a local function)");
        }
    }
}

// ---- linking one section ---------------------------------------------------

class Linker {
public:
    // `called`, if given, collects the helper names calls refer to instead of
    // resolving them against `helpers` (summarize_elf).
    Linker(const ElfFile& elf, std::span<const std::string_view> helpers, std::vector<std::string>* called,
           Program& program, Issues& issues, const LoadOptions& options = {})
        : elf_(elf), helpers_(helpers), called_(called), program_(program), issues_(issues), options_(options) {
        const auto& sections = elf_.sections();
        for (std::size_t i = 0; i < elf_.symbols().size(); ++i) {
            const ElfSymbol& s = elf_.symbols()[i];
            if (s.type != elf::stt_func || s.shndx == elf::shn_undef || s.shndx >= sections.size()) continue;
            functions_by_section_[s.shndx].push_back(i);
            if (s.value % 8 != 0) misaligned_function_.try_emplace(s.shndx, i);
        }
        for (std::size_t j = 1; j < sections.size(); ++j) {
            if (sections[j].type == elf::sht_rel || sections[j].type == elf::sht_rela)
                relocation_sections_[sections[j].info].push_back(static_cast<std::uint32_t>(j));
        }
        // By address (symbol order among aliases), for binary searches.
        for (auto& [section, list] : functions_by_section_) {
            std::stable_sort(list.begin(), list.end(),
                             [&](std::size_t a, std::size_t b) { return value_of(a) < value_of(b); });
        }
    }

    void link(std::uint32_t entry_section) {
        const std::optional<std::uint32_t> entry = entry_function(entry_section);
        if (!entry) return;
        place_all();
    }

    // Links from the function symbol `symbol` (its section's code), the
    // entry named by a manifest.
    void link_function(std::size_t symbol) {
        const ElfSymbol& sym = elf_.symbols()[symbol];
        if (sym.value % 8 != 0) {
            issue("function " + quoted(sym.name) + " is not aligned to an instruction");
            return;
        }
        if (!function_at(sym.shndx, sym.value / 8, 0, false)) return;
        place_all();
    }

private:
    void place_all() {
        for (std::size_t i = 0; i < functions_.size(); ++i) {
            if (!place(i)) return;
        }
        for (const CallFix& fix : calls_) {
            const std::int64_t rel = std::int64_t{functions_[fix.function].base} - (std::int64_t{fix.pc} + 1);
            program_.code[fix.pc].set_src(isa::pseudo_call);
            program_.code[fix.pc].imm = static_cast<std::int32_t>(rel);  // |rel| < max_program_instructions
        }
    }

public:

    // Fills Program::line_of / lines from .BTF.ext, if the object has it.
    void read_lines(std::vector<Diagnostic>& warnings) {
        const auto& sections = elf_.sections();
        std::optional<std::size_t> btf, ext;
        for (std::size_t i = 1; i < sections.size(); ++i) {
            if (sections[i].name == ".BTF") btf = btf ? std::optional<std::size_t>{SIZE_MAX} : i;
            if (sections[i].name == ".BTF.ext") ext = ext ? std::optional<std::size_t>{SIZE_MAX} : i;
        }
        if (!btf || !ext) return;
        auto skip = [&](std::string why) {
            Diagnostic d;
            d.message = "line information ignored: " + std::move(why);
            warnings.push_back(std::move(d));
        };
        if (*btf == SIZE_MAX || *ext == SIZE_MAX) return skip("several .BTF or .BTF.ext sections");
        BtfLines lines;
        std::string why;
        if (!lines.read(elf_.contents(*btf), elf_.contents(*ext), why)) return skip(why);

        std::vector<std::uint32_t> line_of(program_.code.size(), 0);
        std::map<std::tuple<std::string_view, std::uint32_t, std::uint32_t>, std::uint32_t> seen;
        bool any = false;
        for (const Function& f : functions_) {
            if (!f.placed) continue;
            const std::span<const BtfLine> records = lines.section(sections[f.section].name);
            auto it = std::lower_bound(records.begin(), records.end(), f.start,
                                       [](const BtfLine& l, std::uint32_t insn) { return l.insn < insn; });
            for (; it != records.end() && it->insn < f.end; ++it) {
                auto [entry, fresh] = seen.try_emplace({it->file, it->line, it->column},
                                                       static_cast<std::uint32_t>(program_.lines.size() + 1));
                if (fresh) program_.lines.push_back(SourceLine{std::string(it->file), it->line, it->column});
                // A record holds until the next one, or the end of its function.
                const auto next = it + 1;
                const std::uint32_t until = next != records.end() && next->insn < f.end ? next->insn : f.end;
                std::fill(line_of.begin() + (f.base + (it->insn - f.start)), line_of.begin() + (f.base + (until - f.start)),
                          entry->second);
                any = true;
            }
        }
        if (any) program_.line_of = std::move(line_of);
    }

private:
    struct Function {
        std::uint32_t section = 0;
        std::uint32_t start = 0;  // instruction indices inside the section
        std::uint32_t end = 0;
        std::uint32_t base = 0;   // where it starts in Program::code
        bool placed = false;
    };
    struct CallFix {
        std::uint32_t pc = 0;
        std::size_t function = 0;
    };
    struct SectionRelocs {
        bool usable = true;
        std::map<std::uint32_t, ElfRel> by_insn;
    };

    [[nodiscard]] std::uint64_t value_of(std::size_t symbol) const noexcept { return elf_.symbols()[symbol].value; }

    // The SHT_REL and SHT_RELA sections whose sh_info is `section`.
    [[nodiscard]] std::span<const std::uint32_t> relocation_sections_for(std::uint32_t section) const noexcept {
        const auto it = relocation_sections_.find(section);
        if (it == relocation_sections_.end()) return {};
        return it->second;
    }

    void issue(std::string message) { issues_.push_back({0, false, std::move(message)}); }
    void issue_at(std::uint32_t pc, std::string message) { issues_.push_back({pc, true, std::move(message)}); }
    void problems_to_issues(std::vector<ElfProblem>& problems) {
        for (ElfProblem& p : problems) issue(std::move(p.message));
        problems.clear();
    }

    std::string section_name(std::size_t index) const { return quoted(elf_.sections()[index].name); }

    // The relocations of a code section, read and checked once.
    const SectionRelocs& relocs_for(std::uint32_t section) {
        auto [it, fresh] = relocs_.try_emplace(section);
        SectionRelocs& r = it->second;
        if (!fresh) return r;
        const auto& sections = elf_.sections();
        std::vector<ElfRel> entries;
        std::vector<ElfProblem> problems;
        for (const std::uint32_t j : relocation_sections_for(section)) {
            const ElfSection& s = sections[j];
            if (s.type == elf::sht_rela) {
                issue("relocation section " + section_name(j) + " is SHT_RELA; eBPF objects use SHT_REL");
                r.usable = false;
            }
            if (s.type != elf::sht_rel) continue;
            if (!elf_.relocations(j, entries, problems)) r.usable = false;
            problems_to_issues(problems);
            for (const ElfRel& e : entries) {
                const auto insn = static_cast<std::uint32_t>(e.offset / 8);
                if (!r.by_insn.try_emplace(insn, e).second) {
                    issue("two relocations for instruction " + std::to_string(insn) + " of section " +
                          section_name(section));
                    r.usable = false;
                }
            }
        }
        return r;
    }

    // The function of `section` starting at instruction `start`, queued for
    // placement; nullopt (with the reason) if no function starts there.
    std::optional<std::size_t> function_at(std::uint32_t section, std::uint64_t start, std::uint32_t pc, bool at_insn) {
        const auto& sections = elf_.sections();
        const ElfSection& s = sections[section];
        auto fail = [&](std::string message) -> std::optional<std::size_t> {
            issues_.push_back({pc, at_insn, std::move(message)});
            return std::nullopt;
        };
        if (!s.is_code()) return fail("section " + section_name(section) + " does not hold code");
        if (s.size % 8 != 0)
            return fail("code section " + section_name(section) + " is " + std::to_string(s.size) +
                        " bytes, not a whole number of instructions");
        const std::uint64_t count = s.size / 8;
        if (start >= count)
            return fail("call to instruction " + std::to_string(start) + " of section " + section_name(section) +
                        ", which has " + std::to_string(count));
        const auto key = std::make_pair(section, static_cast<std::uint32_t>(start));
        if (const auto it = function_index_.find(key); it != function_index_.end()) return it->second;

        std::uint64_t end = 0;
        const auto fit = functions_by_section_.find(section);
        if (fit == functions_by_section_.end()) {
            // No function symbols (hand-written objects): the section is one function.
            if (start != 0)
                return fail("call to instruction " + std::to_string(start) + " of section " + section_name(section) +
                            ", where no function starts");
            end = count;
        } else {
            // A symbol with a size gives the extent; one without (hand-written
            // assembly) runs to the next function symbol or the section's end.
            if (const auto m = misaligned_function_.find(section); m != misaligned_function_.end())
                return fail("function " + quoted(elf_.symbols()[m->second].name) + " of section " +
                            section_name(section) + " is not aligned to an instruction");
            const auto& list = fit->second;
            const ElfSymbol* func = nullptr;
            auto it = std::lower_bound(list.begin(), list.end(), start * 8,
                                       [&](std::size_t i, std::uint64_t v) { return value_of(i) < v; });
            for (; it != list.end() && value_of(*it) == start * 8; ++it) {
                if (func == nullptr || func->size == 0) func = &elf_.symbols()[*it];
            }
            // Function symbols of this section are aligned (checked above).
            const std::uint64_t next = it == list.end() ? count : std::min(count, value_of(*it) / 8);
            if (func == nullptr)
                return fail("call to instruction " + std::to_string(start) + " of section " + section_name(section) +
                            ", where no function starts");
            if (func->size == 0) {
                end = next;
            } else {
                if (func->size % 8 != 0 || !detail::range_fits(func->value, func->size, s.size))
                    return fail("function " + quoted(func->name) + " (" + std::to_string(func->size) +
                                " bytes) does not fit its section " + section_name(section) + " in whole instructions");
                end = (func->value + func->size) / 8;
            }
        }
        const std::size_t index = functions_.size();
        functions_.push_back(Function{section, static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end), 0, false});
        function_index_.emplace(key, index);
        return index;
    }

    // The entry of a section: its one global function, or among several the
    // one nothing in the section calls, or its code from offset 0 when it has
    // no function symbol.
    std::optional<std::uint32_t> entry_function(std::uint32_t section) {
        const auto fit = functions_by_section_.find(section);
        if (fit == functions_by_section_.end()) {
            auto f = function_at(section, 0, 0, false);
            return f ? std::optional<std::uint32_t>{0} : std::nullopt;
        }
        // Function symbols, one per address (aliases count once; the list is
        // sorted by address).
        std::vector<std::size_t> globals, all;
        if (const auto m = misaligned_function_.find(section); m != misaligned_function_.end()) {
            issue("function " + quoted(elf_.symbols()[m->second].name) + " of section " + section_name(section) +
                  " is not aligned to an instruction");
            return std::nullopt;
        }
        for (std::size_t i : fit->second) {
            const ElfSymbol& sym = elf_.symbols()[i];
            if (all.empty() || value_of(all.back()) != sym.value) all.push_back(i);
            if ((sym.bind == elf::stb_global || sym.bind == elf::stb_weak) &&
                (globals.empty() || value_of(globals.back()) != sym.value))
                globals.push_back(i);
        }
        std::vector<std::size_t> candidates = globals.empty() ? all : globals;
        if (candidates.size() > 1) {
            // Drop the functions the section's own code calls.
            std::vector<std::uint64_t> targets = call_targets_in(section);
            std::sort(targets.begin(), targets.end());
            std::erase_if(candidates, [&](std::size_t i) {
                return std::binary_search(targets.begin(), targets.end(), value_of(i) / 8);
            });
        }
        if (candidates.size() != 1) {
            std::string names;
            for (std::size_t i : candidates.empty() ? (globals.empty() ? all : globals) : candidates) {
                if (!names.empty()) names += ", ";
                names += quoted(elf_.symbols()[i].name);
            }
            issue("section " + section_name(section) +
                  (candidates.empty() ? " has no entry function" : " has several entry functions") + " (" + names +
                  "): give each plugin its own section, and make the functions it calls static");
            return std::nullopt;
        }
        const ElfSymbol& entry = elf_.symbols()[candidates.front()];
        if (!function_at(section, entry.value / 8, 0, false)) return std::nullopt;
        return 0;
    }

    // Instructions of `section` that its own code calls (pc-relative calls and
    // call relocations against symbols of the same section).
    std::vector<std::uint64_t> call_targets_in(std::uint32_t section) {
        std::vector<std::uint64_t> targets;
        const auto bytes = elf_.contents(section);
        const SectionRelocs& relocs = relocs_for(section);
        const std::size_t count = bytes.size() / 8;
        for (std::size_t k = 0; k < count; ++k) {
            Insn in;
            std::memcpy(&in, bytes.data() + k * 8, sizeof in);
            if (in.code != isa::op_call) continue;
            const auto r = relocs.by_insn.find(static_cast<std::uint32_t>(k));
            if (r == relocs.by_insn.end()) {
                if (in.src() == isa::pseudo_call) targets.push_back(static_cast<std::uint64_t>(std::int64_t(k) + 1 + in.imm));
                continue;
            }
            const ElfSymbol& sym = elf_.symbols()[r->second.symbol];
            if (sym.shndx == section && sym.value % 8 == 0)
                targets.push_back(static_cast<std::uint64_t>(std::int64_t(sym.value / 8) + 1 + in.imm));
        }
        return targets;
    }

    // Read-only data section `section` copied into Program::rodata (once);
    // its offset there, or nullopt if it cannot be used (reported once).
    std::optional<std::uint64_t> rodata_base(std::uint32_t section) {
        if (const auto it = rodata_base_.find(section); it != rodata_base_.end()) return it->second;
        std::optional<std::uint64_t>& base = rodata_base_[section];
        const auto& sections = elf_.sections();
        const ElfSection& s = sections[section];
        if (const auto rels = relocation_sections_for(section); !rels.empty()) {
            issue("read-only data " + section_name(section) + " holds addresses (relocated by " +
                  section_name(rels.front()) + "): tables of pointers are not supported; use indices into a table instead");
            return base;
        }
        std::uint64_t align = s.addralign == 0 ? 1 : s.addralign;
        if ((align & (align - 1)) != 0 || align > 4096) {
            issue("read-only data " + section_name(section) + " asks for alignment " + std::to_string(s.addralign));
            return base;
        }
        const std::uint64_t at = (program_.rodata.size() + align - 1) & ~(align - 1);
        const auto data = elf_.contents(section);
        program_.rodata.resize(static_cast<std::size_t>(at), 0);
        program_.rodata.insert(program_.rodata.end(), data.begin(), data.end());
        base = at;
        return base;
    }

    // Writable data section `section` (.data: its bytes, .bss: zeros)
    // appended to Program::data (once); its offset there, or nullopt.
    std::optional<std::uint64_t> data_base(std::uint32_t section) {
        if (const auto it = data_base_.find(section); it != data_base_.end()) return it->second;
        std::optional<std::uint64_t>& base = data_base_[section];
        const ElfSection& s = elf_.sections()[section];
        if (const auto rels = relocation_sections_for(section); !rels.empty()) {
            issue("writable data " + section_name(section) + " holds addresses (relocated by " +
                  section_name(rels.front()) + "): initialised pointers in globals are not supported");
            return base;
        }
        std::uint64_t align = s.addralign == 0 ? 1 : s.addralign;
        if ((align & (align - 1)) != 0 || align > 4096) {
            issue("writable data " + section_name(section) + " asks for alignment " + std::to_string(s.addralign));
            return base;
        }
        const std::uint64_t at = (program_.data.size() + align - 1) & ~(align - 1);
        if (s.size > max_data_bytes || at + s.size > max_data_bytes) {
            issue("writable data " + section_name(section) + " makes the globals larger than " +
                  std::to_string(max_data_bytes) + " bytes");
            return base;
        }
        program_.data.resize(static_cast<std::size_t>(at), 0);
        if (s.type == elf::sht_nobits) {
            program_.data.resize(static_cast<std::size_t>(at + s.size), 0);
        } else {
            const auto bytes = elf_.contents(section);
            program_.data.insert(program_.data.end(), bytes.begin(), bytes.end());
        }
        base = at;
        return base;
    }

    std::string symbol_label(const ElfSymbol& sym, std::uint64_t offset) const {
        // A section symbol + offset: name the object it points into, if known.
        if (sym.type != elf::stt_section) return quoted(sym.name);
        if (sym.shndx < elf_.sections().size()) {
            if (const auto fit = objects_in(sym.shndx, offset)) return quoted(*fit);
            return quoted(elf_.sections()[sym.shndx].name);
        }
        return quoted(sym.name);
    }

    std::optional<std::string_view> objects_in(std::uint16_t section, std::uint64_t offset) const {
        for (const ElfSymbol& o : elf_.symbols()) {
            if (o.shndx == section && o.type == elf::stt_object && offset >= o.value && offset - o.value < o.size)
                return o.name;
        }
        return std::nullopt;
    }

    // Places functions_[i] at the end of Program::code and applies its
    // relocations. False if the program grew too large.
    bool place(std::size_t i) {
        Function& f = functions_[i];
        const std::uint64_t len = f.end - f.start;
        if (program_.code.size() + len > max_program_instructions) {
            issue("the program (entry and local functions) exceeds " + std::to_string(max_program_instructions) +
                  " instructions");
            return false;
        }
        f.base = static_cast<std::uint32_t>(program_.code.size());
        f.placed = true;
        program_.function_starts.push_back(f.base);
        const auto bytes = elf_.contents(f.section);
        program_.code.resize(program_.code.size() + len);
        std::memcpy(program_.code.data() + f.base, bytes.data() + std::size_t{f.start} * 8, len * 8);
        const SectionRelocs& relocs = relocs_for(f.section);
        if (!relocs.usable) return true;  // already reported; its calls would only repeat it

        const std::uint32_t section = f.section;  // f may move as functions are queued
        const std::uint32_t start = f.start, end = f.end, base = f.base;
        bool second_slot = false;
        // The relocations walked in step with k (a lookup per instruction
        // was a tenth of loading): every key below k has been passed.
        auto next_rel = relocs.by_insn.lower_bound(start);
        for (std::uint32_t k = start; k < end; ++k) {
            const std::uint32_t pc = base + (k - start);
            const ElfRel* rel = nullptr;
            if (next_rel != relocs.by_insn.end() && next_rel->first == k) rel = &(next_rel++)->second;
            Insn& in = program_.code[pc];
            if (second_slot) {
                second_slot = false;
                if (rel != nullptr) issue_at(pc - 1, "relocation on the second slot of an LDDW");
                if (in.code != 0 || in.regs != 0 || in.off != 0)
                    issue_at(pc - 1, "the second slot of this LDDW is not empty (code " + hex(in.code) + ")");
                continue;
            }
            if (in.code == isa::op_lddw) {
                second_slot = k + 1 < end;
                if (!second_slot) issue_at(pc, "LDDW in the last slot of a function: it takes two");
                else if (rel != nullptr) relocate_lddw(pc, *rel);
                else if (in.src() != 0)
                    issue_at(pc, "LDDW with source " + std::to_string(in.src()) +
                                     " and no relocation: only the loader makes pseudo loads");
                continue;
            }
            if (in.code == isa::op_call) {
                if (rel != nullptr) relocate_call(pc, *rel);
                else call_without_relocation(section, k, pc);
                continue;
            }
            if (rel != nullptr)
                issue_at(pc, "relocation " + relocation_name(rel->type) + " on instruction " + hex(in.code) +
                                 ", which is neither an LDDW nor a call");
        }
        return true;
    }

    void call_without_relocation(std::uint32_t section, std::uint32_t k, std::uint32_t pc) {
        Insn& in = program_.code[pc];
        if (in.imm == -1) {
            // What clang writes for a call it leaves to a relocation.
            issue_at(pc, "call with imm -1 and no relocation: the object does not say what it calls");
            return;
        }
        if (in.src() == 0) {
            if (called_ != nullptr) {
                called_->push_back("#" + std::to_string(in.imm));
                in.imm = 0;
            } else if (in.imm < 0 || static_cast<std::size_t>(in.imm) >= helpers_.size()) {
                issue_at(pc, "calls helper number " + std::to_string(in.imm) + ", which the host does not provide (" +
                                 std::to_string(helpers_.size()) + " helpers)");
            }
            return;
        }
        if (in.src() != isa::pseudo_call) {
            issue_at(pc, "call with source " + std::to_string(in.src()) + " and no relocation");
            return;
        }
        const std::int64_t target = std::int64_t{k} + 1 + in.imm;
        if (target < 0) {
            issue_at(pc, "local call to instruction " + std::to_string(target) + " of section " + section_name(section));
            return;
        }
        if (const auto callee = function_at(section, static_cast<std::uint64_t>(target), pc, true))
            calls_.push_back({pc, *callee});
    }

    void relocate_call(std::uint32_t pc, const ElfRel& rel) {
        Insn& in = program_.code[pc];
        if (rel.type != elf::r_bpf_64_32) {
            issue_at(pc, "relocation " + relocation_name(rel.type) + " on a call; only R_BPF_64_32 is understood there");
            return;
        }
        if (in.src() != 0 && in.src() != isa::pseudo_call) {
            issue_at(pc, "relocated call with source " + std::to_string(in.src()));
            return;
        }
        if (rel.symbol == 0) {
            issue_at(pc, "call relocated against symbol 0 (no symbol)");
            return;
        }
        const ElfSymbol& sym = elf_.symbols()[rel.symbol];
        if (sym.shndx == elf::shn_undef) {
            if (sym.bind != elf::stb_global || sym.name.empty()) {
                issue_at(pc, "calls " + quoted(sym.name) + ", an undefined symbol that is not global");
                return;
            }
            in.set_src(0);
            if (called_ != nullptr) {
                called_->emplace_back(sym.name);
                in.imm = 0;
                return;
            }
            const auto h = std::find(helpers_.begin(), helpers_.end(), sym.name);
            if (h == helpers_.end()) {
                issue_at(pc, "calls " + quoted(sym.name) + ", which the host does not provide");
                return;
            }
            in.imm = static_cast<std::int32_t>(h - helpers_.begin());
            return;
        }
        if (sym.shndx >= elf_.sections().size()) {
            issue_at(pc, "calls " + quoted(sym.name) + ", which is not code (absolute or common symbol)");
            return;
        }
        const ElfSection& s = elf_.sections()[sym.shndx];
        if (!s.is_code()) {
            issue_at(pc, "calls " + symbol_label(sym, 0) + " in section " + section_name(sym.shndx) +
                             ", which does not hold code");
            return;
        }
        // REL: the instruction's imm is the addend, in instructions, minus one.
        if (sym.value % 8 != 0 || sym.value > s.size) {
            issue_at(pc, "calls " + quoted(sym.name) + ", which is not an instruction of its section");
            return;
        }
        const std::int64_t target = static_cast<std::int64_t>(sym.value / 8) + 1 + in.imm;
        if (target < 0) {
            issue_at(pc, "calls before the start of section " + section_name(sym.shndx));
            return;
        }
        if (const auto callee = function_at(sym.shndx, static_cast<std::uint64_t>(target), pc, true))
            calls_.push_back({pc, *callee});
    }

    void relocate_lddw(std::uint32_t pc, const ElfRel& rel) {
        Insn& in = program_.code[pc];
        Insn& high = program_.code[pc + 1];
        if (rel.type != elf::r_bpf_64_64) {
            issue_at(pc, "relocation " + relocation_name(rel.type) + " on an LDDW; only R_BPF_64_64 is understood there");
            return;
        }
        if (in.src() != 0) {
            issue_at(pc, "relocated LDDW with source " + std::to_string(in.src()));
            return;
        }
        if (rel.symbol == 0) {
            issue_at(pc, "LDDW relocated against symbol 0 (no symbol)");
            return;
        }
        const ElfSymbol& sym = elf_.symbols()[rel.symbol];
        // REL: the addend is the 64-bit immediate already in the instruction.
        const std::uint64_t addend =
            std::uint64_t{static_cast<std::uint32_t>(in.imm)} | (std::uint64_t{static_cast<std::uint32_t>(high.imm)} << 32);
        if (sym.shndx == elf::shn_undef) {
            issue_at(pc, "uses " + quoted(sym.name) + ", which the object does not define");
            return;
        }
        if (sym.shndx == elf::shn_common) {
            issue_at(pc, "global variable " + quoted(sym.name) +
                             " in COMMON: plugins keep state in pools or in their heap");
            return;
        }
        if (sym.shndx >= elf_.sections().size()) {
            issue_at(pc, "uses absolute symbol " + quoted(sym.name) + ", which is not data");
            return;
        }
        const ElfSection& s = elf_.sections()[sym.shndx];
        const std::uint64_t offset = sym.value + addend;  // wraps like the address would
        if (is_maps_section(s.name)) {
            issue_at(pc, "uses map " + symbol_label(sym, offset) + " in section " + section_name(sym.shndx) +
                             ": maps are not supported");
            return;
        }
        if (s.is_writable_data()) {
            if (!options_.writable_globals) {
                issue_at(pc, "global variable " + symbol_label(sym, offset) + " in " + std::string(s.name) +
                                 ": plugins keep state in pools or in their heap");
                return;
            }
            if (sym.value > s.size || (sym.type != elf::stt_section && !detail::range_fits(sym.value, sym.size, s.size))) {
                issue_at(pc, "symbol " + quoted(sym.name) + " lies outside its section " + section_name(sym.shndx));
                return;
            }
            const auto base = data_base(sym.shndx);
            if (!base) return;
            const std::uint64_t imm64 = *base + offset;
            in.set_src(isa::pseudo_data);
            in.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(imm64));
            high.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(imm64 >> 32));
            return;
        }
        if (s.is_code()) {
            issue_at(pc, "takes the address of code (" + symbol_label(sym, offset) + " in section " +
                             section_name(sym.shndx) + "); only calls may refer to functions");
            return;
        }
        if (!s.is_rodata()) {
            issue_at(pc, "uses " + symbol_label(sym, offset) + " in section " + section_name(sym.shndx) +
                             ", which is not read-only data");
            return;
        }
        if (sym.value > s.size || (sym.type != elf::stt_section && !detail::range_fits(sym.value, sym.size, s.size))) {
            issue_at(pc, "symbol " + quoted(sym.name) + " lies outside its section " + section_name(sym.shndx));
            return;
        }
        const auto base = rodata_base(sym.shndx);
        if (!base) return;
        const std::uint64_t imm64 = *base + offset;
        in.set_src(isa::pseudo_rodata);
        in.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(imm64));
        high.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(imm64 >> 32));
    }

    const ElfFile& elf_;
    std::span<const std::string_view> helpers_;
    std::vector<std::string>* called_;
    Program& program_;
    Issues& issues_;
    LoadOptions options_;

    std::map<std::uint32_t, std::vector<std::size_t>> functions_by_section_;  // FUNC symbol indices, by address
    std::map<std::uint32_t, std::size_t> misaligned_function_;
    std::map<std::uint32_t, std::vector<std::uint32_t>> relocation_sections_;  // target -> REL/RELA sections                // section -> a FUNC symbol not at 8k
    std::vector<Function> functions_;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> function_index_;
    std::vector<CallFix> calls_;
    std::map<std::uint32_t, SectionRelocs> relocs_;
    std::map<std::uint32_t, std::optional<std::uint64_t>> rodata_base_;
    std::map<std::uint32_t, std::optional<std::uint64_t>> data_base_;
};

// ---- the entry points -------------------------------------------------------

std::vector<Diagnostic> to_diagnostics(Issues& issues, const Program& p) {
    std::vector<Diagnostic> out;
    out.reserve(issues.list().size() + 1);
    for (Issue& i : issues.list()) {
        Diagnostic d;
        d.pc = i.pc;
        d.message = std::move(i.message);
        if (i.at_insn && i.pc < p.line_of.size() && p.line_of[i.pc] != 0 && p.line_of[i.pc] <= p.lines.size())
            d.where = p.lines[p.line_of[i.pc] - 1];
        out.push_back(std::move(d));
    }
    if (issues.dropped() != 0) {
        Diagnostic d;
        d.message = "and " + std::to_string(issues.dropped()) + " more problems";
        out.push_back(std::move(d));
    }
    return out;
}

Issues problems_as_issues(std::vector<ElfProblem>& problems) {
    Issues issues;
    for (ElfProblem& p : problems) issues.push_back({0, false, std::move(p.message)});
    return issues;
}

// Loads `name` from an opened object into `out`. With `called`, helper names
// are collected instead of resolved.
void load_section(const ElfFile& elf, std::string_view name, std::span<const std::string_view> helpers,
                  std::vector<std::string>* called, LoadResult& out, const LoadOptions& options = {}) {
    Issues issues;
    out.program.name = std::string(name);
    const auto& sections = elf.sections();
    std::size_t found = 0, index = 0;
    for (std::size_t i = 1; i < sections.size(); ++i) {
        if (sections[i].name == name) {
            ++found;
            index = i;
        }
    }
    if (found == 0) {
        std::string code_sections;
        for (std::size_t i = 1; i < sections.size(); ++i) {
            if (sections[i].is_code() && sections[i].size != 0) {
                if (!code_sections.empty()) code_sections += ", ";
                code_sections += quoted(sections[i].name);
            }
        }
        issues.push_back({0, false, "no section " + quoted(name) + " in the object (code sections: " +
                                        (code_sections.empty() ? std::string("none") : code_sections) + ")"});
    } else if (found > 1) {
        issues.push_back({0, false, std::to_string(found) + " sections are named " + quoted(name) +
                                        ": which one would run is ambiguous"});
    } else {
        const ElfSection& s = sections[index];
        if (!s.is_code())
            issues.push_back({0, false, "section " + quoted(name) + " does not hold code (type " + std::to_string(s.type) +
                                            ", not executable PROGBITS)"});
        else if (s.size == 0)
            issues.push_back({0, false, "section " + quoted(name) + " is empty"});
        else if (s.size % 8 != 0)
            issues.push_back({0, false, "section " + quoted(name) + " is " + std::to_string(s.size) +
                                            " bytes, not a whole number of 8-byte instructions"});
    }
    // Every relocation section must apply to a section (those of debug
    // sections are otherwise ignored).
    for (std::size_t i = 1; i < sections.size(); ++i) {
        if ((sections[i].type == elf::sht_rel || sections[i].type == elf::sht_rela) &&
            (sections[i].info == 0 || sections[i].info >= sections.size()))
            issues.push_back({0, false, "relocation section " + quoted(sections[i].name) + " applies to section " +
                                            std::to_string(sections[i].info) + ", which does not exist"});
    }
    if (!issues.empty()) {
        out.errors = to_diagnostics(issues, out.program);
        return;
    }
    Linker linker(elf, helpers, called, out.program, issues, options);
    linker.link(static_cast<std::uint32_t>(index));
    if (issues.empty()) {
        // The encodings promised by program.hpp, checked on the output.
        const std::size_t helper_count = called != nullptr ? SIZE_MAX : helpers.size();
        check_code(out.program, helper_count, true, issues);
    }
    linker.read_lines(out.warnings);
    out.errors = to_diagnostics(issues, out.program);
}

// Relocation sections must apply to an existing section (those of .eh_frame,
// .BTF.ext and debug sections are otherwise never read).
void check_relocation_targets(const ElfFile& elf, Issues& issues) {
    const auto& sections = elf.sections();
    for (std::size_t i = 1; i < sections.size(); ++i) {
        if ((sections[i].type == elf::sht_rel || sections[i].type == elf::sht_rela) &&
            (sections[i].info == 0 || sections[i].info >= sections.size()))
            issues.push_back({0, false, "relocation section " + quoted(sections[i].name) + " applies to section " +
                                            std::to_string(sections[i].info) + ", which does not exist"});
    }
}

// The defined global function symbols of code sections, by name.
std::vector<std::size_t> global_functions(const ElfFile& elf) {
    std::vector<std::size_t> out;
    const auto& sections = elf.sections();
    for (std::size_t i = 0; i < elf.symbols().size(); ++i) {
        const ElfSymbol& s = elf.symbols()[i];
        if (s.type != elf::stt_func || s.shndx == elf::shn_undef || s.shndx >= sections.size() || s.name.empty())
            continue;
        if (s.bind != elf::stb_global && s.bind != elf::stb_weak) continue;
        if (!sections[s.shndx].is_code()) continue;
        out.push_back(i);
    }
    return out;
}

void load_function(const ElfFile& elf, std::string_view function, std::span<const std::string_view> helpers,
                   std::vector<std::string>* called, LoadResult& out, const LoadOptions& options) {
    Issues issues;
    out.program.name = std::string(function);
    std::vector<std::size_t> matches;
    const std::vector<std::size_t> globals = global_functions(elf);
    for (std::size_t i : globals) {
        if (elf.symbols()[i].name == function) matches.push_back(i);
    }
    if (matches.empty()) {
        std::string names;
        for (std::size_t i : globals) {
            if (!names.empty()) names += ", ";
            names += quoted(elf.symbols()[i].name);
        }
        issues.push_back({0, false, "no global function " + quoted(function) + " in the object (global functions: " +
                                        (names.empty() ? std::string("none") : names) + ")"});
    } else if (matches.size() > 1) {
        issues.push_back({0, false, std::to_string(matches.size()) + " global functions are named " + quoted(function)});
    }
    check_relocation_targets(elf, issues);
    if (!issues.empty()) {
        out.errors = to_diagnostics(issues, out.program);
        return;
    }
    Linker linker(elf, helpers, called, out.program, issues, options);
    linker.link_function(matches.front());
    if (issues.empty()) {
        const std::size_t helper_count = called != nullptr ? SIZE_MAX : helpers.size();
        check_code(out.program, helper_count, true, issues);
    }
    linker.read_lines(out.warnings);
    out.errors = to_diagnostics(issues, out.program);
}

void out_of_memory(LoadResult& r) noexcept {
    r.program = Program{};
    r.errors.clear();
    r.warnings.clear();
    try {
        Diagnostic d;
        d.message = "out of memory while loading";
        r.errors.push_back(std::move(d));
    } catch (...) {
        // Nothing left to report with; an empty program with no code still
        // cannot pass the verifier.
    }
}

}  // namespace

bool looks_like_elf(std::span<const std::uint8_t> bytes) noexcept {
    return bytes.size() >= 4 && std::memcmp(bytes.data(), "\x7f" "ELF", 4) == 0;
}

LoadResult load_elf(std::span<const std::uint8_t> bytes, std::string_view section,
                    std::span<const std::string_view> helper_names, const LoadOptions& options) noexcept {
    LoadResult r;
    try {
        ElfFile elf;
        std::vector<ElfProblem> problems;
        if (!elf.open(bytes, problems)) {
            Issues issues = problems_as_issues(problems);
            r.program.name = std::string(section);
            r.errors = to_diagnostics(issues, r.program);
            return r;
        }
        load_section(elf, section, helper_names, nullptr, r, options);
    } catch (...) {
        out_of_memory(r);
    }
    return r;
}

LoadResult load_elf_function(std::span<const std::uint8_t> bytes, std::string_view function,
                             std::span<const std::string_view> helper_names, const LoadOptions& options) noexcept {
    LoadResult r;
    try {
        ElfFile elf;
        std::vector<ElfProblem> problems;
        if (!elf.open(bytes, problems)) {
            Issues issues = problems_as_issues(problems);
            r.program.name = std::string(function);
            r.errors = to_diagnostics(issues, r.program);
            return r;
        }
        load_function(elf, function, helper_names, nullptr, r, options);
    } catch (...) {
        out_of_memory(r);
    }
    return r;
}

std::vector<std::string> entry_functions(std::span<const std::uint8_t> bytes) noexcept {
    std::vector<std::string> names;
    try {
        ElfFile elf;
        std::vector<ElfProblem> problems;
        if (!elf.open(bytes, problems)) return names;
        // A global function some code of the object calls is a shared
        // function, not an entry.
        std::vector<std::pair<std::uint32_t, std::uint64_t>> called;  // (section, instruction)
        const auto& sections = elf.sections();
        for (std::size_t c = 1; c < sections.size(); ++c) {
            if (!sections[c].is_code()) continue;
            const auto code = elf.contents(c);
            std::vector<std::uint64_t> relocated;
            for (std::size_t j = 1; j < sections.size(); ++j) {
                if (sections[j].type != elf::sht_rel || sections[j].info != c) continue;
                std::vector<ElfRel> rels;
                std::vector<ElfProblem> ignored;
                if (!elf.relocations(j, rels, ignored)) continue;
                for (const ElfRel& e : rels) {
                    relocated.push_back(e.offset);
                    if (e.offset % 8 != 0 || e.offset + 8 > code.size() || e.symbol >= elf.symbols().size()) continue;
                    Insn in;
                    std::memcpy(&in, code.data() + e.offset, sizeof in);
                    const ElfSymbol& t = elf.symbols()[e.symbol];
                    if (in.code != isa::op_call || t.shndx == elf::shn_undef || t.value % 8 != 0) continue;
                    called.emplace_back(t.shndx, static_cast<std::uint64_t>(std::int64_t(t.value / 8) + 1 + in.imm));
                }
            }
            std::sort(relocated.begin(), relocated.end());
            for (std::size_t k = 0; k + 8 <= code.size(); k += 8) {
                Insn in;
                std::memcpy(&in, code.data() + k, sizeof in);
                if (in.code == isa::op_call && in.src() == isa::pseudo_call &&
                    !std::binary_search(relocated.begin(), relocated.end(), std::uint64_t{k}))
                    called.emplace_back(static_cast<std::uint32_t>(c),
                                        static_cast<std::uint64_t>(std::int64_t(k / 8) + 1 + in.imm));
            }
        }
        for (std::size_t i : global_functions(elf)) {
            const ElfSymbol& s = elf.symbols()[i];
            const bool is_called = std::find(called.begin(), called.end(),
                                             std::make_pair(std::uint32_t{s.shndx}, s.value / 8)) != called.end();
            if (!is_called && std::find(names.begin(), names.end(), s.name) == names.end())
                names.emplace_back(s.name);
        }
    } catch (...) {
        names.clear();
    }
    return names;
}

LoadResult load_raw(std::span<const std::uint8_t> bytes, std::size_t helper_count) noexcept {
    LoadResult r;
    try {
        r.program.name = "raw";
        auto fail = [&](std::string message) {
            Diagnostic d;
            d.message = std::move(message);
            r.errors.push_back(std::move(d));
            return r;
        };
        if (bytes.empty()) return fail("no instructions");
        if (bytes.size() % sizeof(Insn) != 0)
            return fail(std::to_string(bytes.size()) + " bytes is not a whole number of 8-byte instructions");
        const std::size_t count = bytes.size() / sizeof(Insn);
        if (count > max_program_instructions)
            return fail(std::to_string(count) + " instructions; at most " + std::to_string(max_program_instructions));
        Program& p = r.program;
        p.code.resize(count);
        std::memcpy(p.code.data(), bytes.data(), bytes.size());
        // Functions start at 0 and at every local call's target that is in
        // range (check_code reports the others).
        p.function_starts.push_back(0);
        for (std::size_t pc = 0; pc < count; ++pc) {
            const Insn& in = p.code[pc];
            if (in.code == isa::op_lddw) {
                ++pc;
                continue;
            }
            if (!isa::is_local_call(in)) continue;
            const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + in.imm;
            if (target > 0 && static_cast<std::uint64_t>(target) < count)
                p.function_starts.push_back(static_cast<std::uint32_t>(target));
        }
        std::sort(p.function_starts.begin(), p.function_starts.end());
        p.function_starts.erase(std::unique(p.function_starts.begin(), p.function_starts.end()), p.function_starts.end());
        Issues issues;
        check_code(p, helper_count, false, issues);
        r.errors = to_diagnostics(issues, p);
    } catch (...) {
        out_of_memory(r);
    }
    return r;
}

ObjectSummary summarize_elf(std::span<const std::uint8_t> bytes) noexcept {
    ObjectSummary summary;
    try {
        ElfFile elf;
        std::vector<ElfProblem> problems;
        if (!elf.open(bytes, problems)) {
            Issues issues = problems_as_issues(problems);
            summary.errors = to_diagnostics(issues, Program{});
            return summary;
        }
        const auto& sections = elf.sections();
        for (std::size_t i = 1; i < sections.size(); ++i) {
            const ElfSection& s = sections[i];
            if (!s.is_code() || s.size == 0 || s.name == ".text") continue;
            const bool listed = std::any_of(summary.sections.begin(), summary.sections.end(),
                                            [&](const ObjectSummary::Section& o) { return o.name == s.name; });
            if (listed) continue;
            ObjectSummary::Section entry;
            entry.name = std::string(s.name);
            entry.instructions = static_cast<std::size_t>(s.size / 8);
            LoadResult loaded;
            load_section(elf, s.name, {}, &entry.helpers, loaded);
            std::sort(entry.helpers.begin(), entry.helpers.end());
            entry.helpers.erase(std::unique(entry.helpers.begin(), entry.helpers.end()), entry.helpers.end());
            for (Diagnostic& d : loaded.errors) {
                d.message = "section " + quoted(s.name) + ": " + d.message;
                summary.errors.push_back(std::move(d));
            }
            summary.sections.push_back(std::move(entry));
        }
    } catch (...) {
        summary = ObjectSummary{};
        try {
            Diagnostic d;
            d.message = "out of memory while reading the object";
            summary.errors.push_back(std::move(d));
        } catch (...) {
        }
    }
    return summary;
}

}  // namespace mempool::vm
