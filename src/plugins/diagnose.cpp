// diagnose.cpp: librte_bpf log lines + instructions -> PluginError.
#include "diagnose.hpp"

#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

namespace mempool::detail {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.empty()) out.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

// The number right after `marker` in `line`, if any.
std::optional<std::uint32_t> number_after(std::string_view line, std::string_view marker) {
    std::size_t at = line.find(marker);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = line.substr(at + marker.size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (ec != std::errc()) return std::nullopt;
    return v;
}

std::string at_insn(std::uint32_t pc) { return " (instruction " + std::to_string(pc) + ")"; }

PluginError make(PluginErrc code, std::string message) {
    PluginError e;
    e.code = code;
    e.message = std::move(message);
    return e;
}

constexpr std::uint8_t cls(std::uint8_t code) { return code & 0x07u; }
constexpr std::uint8_t cls_ldx = 0x01, cls_st = 0x02, cls_stx = 0x03, cls_jmp = 0x05;
constexpr std::uint8_t op_call = 0x80;

PluginError explain_bad_access(std::uint32_t pc, const ElfObject& object, const std::string& section) {
    const std::vector<Insn> insns = object.instructions(section);
    if (pc < insns.size()) {
        const Insn& in = insns[pc];
        const std::uint8_t c = cls(in.code);
        if (c == cls_jmp && (in.code & 0xf0u) == op_call) {
            std::string helper = "a helper";
            for (const CodeReloc& r : object.relocations(section))
                if (r.pc == pc && !r.symbol.empty()) helper = "helper '" + r.symbol + "'";
            return make(PluginErrc::out_of_bounds,
                        "out-of-bounds access: passes " + helper + " a buffer smaller than MEMPOOL_BUF_SIZE (" +
                            std::to_string(MEMPOOL_BUF_SIZE) + " bytes) or a non-buffer" + at_insn(pc));
        }
        const bool via_stack = (c == cls_ldx && in.src() == 10) || ((c == cls_st || c == cls_stx) && in.dst() == 10);
        if (via_stack && in.off < -512)
            return make(PluginErrc::stack_too_large,
                        "stack too large: accesses " + std::to_string(-in.off) +
                            " bytes below the frame, beyond the 512-byte stack" + at_insn(pc));
        if (via_stack)
            return make(PluginErrc::out_of_bounds,
                        "out-of-bounds access of the stack (outside the 512-byte frame, or an uninitialised slot)" +
                            at_insn(pc));
        return make(PluginErrc::out_of_bounds,
                    "out-of-bounds access: reads or writes outside the argument struct (" +
                        std::to_string(sizeof(bpf_full_args_t)) + " bytes) or a buffer" + at_insn(pc));
    }
    return make(PluginErrc::out_of_bounds, "out-of-bounds memory access" + at_insn(pc));
}

PluginError explain_unresolved(std::string_view name, const ElfObject& object, const std::string& section) {
    if (!name.empty()) {
        for (const CodeReloc& r : object.relocations(section))
            if (r.symbol == name && r.target == CodeReloc::Target::code)
                return make(PluginErrc::non_inlined_call,
                            "non-inlined function: calls its own function '" + std::string(name) +
                                "', which clang did not inline (librte_bpf has no BPF-to-BPF calls; "
                                "use static inline __attribute__((always_inline)))");
        return make(PluginErrc::unknown_helper,
                    "unknown helper: calls '" + std::string(name) + "', which this host does not provide");
    }
    for (const CodeReloc& r : object.relocations(section)) {
        if (r.target == CodeReloc::Target::data)
            return make(PluginErrc::global_variable,
                        "global variable: uses " + (r.symbol.empty() ? std::string("data") : "'" + r.symbol + "'") +
                            " in section '" + r.target_section +
                            "' (global or static variables, string literals and constant tables "
                            "are not supported; keep state in the pool)" + at_insn(r.pc));
        if (r.target == CodeReloc::Target::code)
            return make(PluginErrc::non_inlined_call,
                        "non-inlined function: calls code in section '" + r.target_section +
                            "' (librte_bpf has no BPF-to-BPF calls; use static inline "
                            "__attribute__((always_inline)))" + at_insn(r.pc));
    }
    return make(PluginErrc::global_variable,
                "plugin uses a global variable or a non-inlined function (unresolved symbol)");
}

}  // namespace

PluginError diagnose(std::string_view log, int error, const ElfObject& object, const std::string& section) {
    const std::vector<std::string_view> lines = lines_of(log);
    for (std::string_view line : lines) {
        if (line.starts_with("resolve_xsym(") && line.find("error code") != std::string_view::npos) {
            std::string_view inside = line.substr(std::strlen("resolve_xsym("));
            std::string_view name = inside.substr(0, inside.find(','));
            return explain_unresolved(name, object, section);
        }
        if (line.starts_with("loop at pc:")) {
            auto from = number_after(line, "loop at pc:");
            auto to = number_after(line, "--> pc:");
            return make(PluginErrc::loop,
                        "loop: jumps back from instruction " + std::to_string(from.value_or(0)) +
                            " to instruction " + std::to_string(to.value_or(0)) +
                            " (librte_bpf accepts no loops; use a small constant trip count that "
                            "clang unrolls)");
        }
        if (line.find("memory boundary violation at pc:") != std::string_view::npos)
            return explain_bad_access(number_after(line, "violation at pc:").value_or(UINT32_MAX), object, section);
        if (line.find("program boundary violation") != std::string_view::npos)
            return make(PluginErrc::rejected, "control runs past the end of the program: " + std::string(line));
        if (line.find("unreachable code at pc:") != std::string_view::npos ||
            line.find("unreachable instructions") != std::string_view::npos)
            return make(PluginErrc::rejected, "unreachable instructions: " + std::string(line));
        if (line.find("invalid opcode") != std::string_view::npos ||
            line.find("invalid jump opcode") != std::string_view::npos)
            return make(PluginErrc::rejected,
                        "unsupported instruction (compile with -mcpu=v2): " + std::string(line));
        if (line.find("find_elf_code(") != std::string_view::npos)
            return make(PluginErrc::missing_section, "no section '" + section + "' in the object");
        if (line.find("check_elf_header") != std::string_view::npos)
            return make(PluginErrc::not_bpf_object, "not an eBPF object: " + std::string(line));
    }
    for (std::string_view line : lines) {
        if (line.find("error") != std::string_view::npos || line.find("invalid") != std::string_view::npos ||
            line.find("violation") != std::string_view::npos)
            return make(PluginErrc::rejected, "rejected by librte_bpf: " + std::string(line));
    }
    return make(PluginErrc::rejected,
                "rejected by librte_bpf (error " + std::to_string(error) + ": " + std::strerror(error) + ")");
}

}  // namespace mempool::detail
