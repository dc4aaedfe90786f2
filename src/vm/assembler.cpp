// assembler.cpp: the text syntax of assembler.hpp, both ways.
//
// One line is one instruction (or a label, or both). The parser is a small
// hand-written one: a mnemonic, then comma-separated operands, each operand
// parsed by the kind the mnemonic expects. Jumps to labels are fixed up once
// every label is known. Nothing here throws: the first error stops the run
// and is returned with its line number.
#include "assembler.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <new>
#include <optional>
#include <type_traits>
#include <unordered_map>

namespace mempool::vm {
namespace {

using namespace isa;

// ---- small text helpers ---------------------------------------------------

[[nodiscard]] std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

[[nodiscard]] std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

[[nodiscard]] bool is_label_name(std::string_view s) {
    if (s.empty()) return false;
    auto ident = [](char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
               (!first && c >= '0' && c <= '9');
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!ident(s[i], i == 0)) return false;
    }
    return true;
}

// A literal as written: a sign and a magnitude, and whether it was hex.
struct Literal {
    bool negative = false;
    bool hex = false;
    std::uint64_t magnitude = 0;
};

[[nodiscard]] std::optional<Literal> parse_literal(std::string_view s) {
    s = trim(s);
    Literal lit;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        lit.negative = s.front() == '-';
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        lit.hex = true;
        s.remove_prefix(2);
    }
    if (s.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), lit.magnitude, base);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return lit;
}

// 32-bit immediates: signed decimal, or hex up to 0xffffffff taken as a bit pattern.
[[nodiscard]] std::optional<std::int32_t> parse_imm32(std::string_view s) {
    auto lit = parse_literal(s);
    if (!lit) return std::nullopt;
    if (lit->negative) {
        if (lit->magnitude > 0x80000000u) return std::nullopt;
        return static_cast<std::int32_t>(static_cast<std::uint32_t>(0u - static_cast<std::uint32_t>(lit->magnitude)));
    }
    const std::uint64_t limit = lit->hex ? 0xffffffffu : 0x7fffffffu;
    if (lit->magnitude > limit) return std::nullopt;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(lit->magnitude));
}

// 16-bit offsets: signed decimal, or hex up to 0xffff taken as a bit pattern.
[[nodiscard]] std::optional<std::int16_t> parse_off16(std::string_view s) {
    auto lit = parse_literal(s);
    if (!lit) return std::nullopt;
    if (lit->negative) {
        if (lit->magnitude > 0x8000u) return std::nullopt;
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(0u - static_cast<std::uint16_t>(lit->magnitude)));
    }
    const std::uint64_t limit = lit->hex ? 0xffffu : 0x7fffu;
    if (lit->magnitude > limit) return std::nullopt;
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(lit->magnitude));
}

// 64-bit immediates: any unsigned value, or a signed one down to INT64_MIN.
[[nodiscard]] std::optional<std::uint64_t> parse_imm64(std::string_view s) {
    auto lit = parse_literal(s);
    if (!lit) return std::nullopt;
    if (lit->negative) {
        if (lit->magnitude > (std::uint64_t{1} << 63)) return std::nullopt;
        return std::uint64_t{0} - lit->magnitude;
    }
    return lit->magnitude;
}

[[nodiscard]] std::optional<unsigned> parse_register(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s.front() == '%') s.remove_prefix(1);
    if (s.size() < 2 || (s[0] != 'r' && s[0] != 'R')) return std::nullopt;
    s.remove_prefix(1);
    unsigned r = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), r);
    if (ec != std::errc{} || end != s.data() + s.size() || r >= reg_count) return std::nullopt;
    if (s.size() > 1 && s[0] == '0') return std::nullopt;  // "r01" is not a register
    return r;
}

[[nodiscard]] bool looks_like_register(std::string_view s) {
    s = trim(s);
    return !s.empty() && (s.front() == '%' || ((s.front() == 'r' || s.front() == 'R') && s.size() >= 2 &&
                                               s[1] >= '0' && s[1] <= '9'));
}

struct MemOperand {
    unsigned reg = 0;
    std::int16_t off = 0;
};

// "[%r1+4]", "[r10 - 8]", "[%r2]".
[[nodiscard]] std::optional<MemOperand> parse_mem(std::string_view s) {
    s = trim(s);
    if (s.size() < 3 || s.front() != '[' || s.back() != ']') return std::nullopt;
    std::string inner;
    for (char c : s.substr(1, s.size() - 2)) {
        if (c != ' ' && c != '\t') inner += c;
    }
    const std::size_t sign = inner.find_first_of("+-");
    MemOperand m;
    auto reg = parse_register(std::string_view(inner).substr(0, sign));
    if (!reg) return std::nullopt;
    m.reg = *reg;
    if (sign != std::string::npos) {
        auto off = parse_off16(std::string_view(inner).substr(sign));
        if (!off) return std::nullopt;
        m.off = *off;
    }
    return m;
}

[[nodiscard]] std::vector<std::string_view> split_operands(std::string_view rest) {
    std::vector<std::string_view> out;
    rest = trim(rest);
    if (rest.empty()) return out;
    while (true) {
        const std::size_t comma = rest.find(',');
        out.push_back(trim(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

// ---- mnemonic tables ----------------------------------------------------------

struct NamedOp {
    std::string_view name;
    std::uint8_t op;
};

constexpr NamedOp alu_ops[] = {
    {"add", alu_add}, {"sub", alu_sub}, {"mul", alu_mul}, {"div", alu_div},   {"or", alu_or},
    {"and", alu_and}, {"lsh", alu_lsh}, {"rsh", alu_rsh}, {"neg", alu_neg},   {"mod", alu_mod},
    {"xor", alu_xor}, {"mov", alu_mov}, {"arsh", alu_arsh}, {"sdiv", alu_div}, {"smod", alu_mod},
};

constexpr NamedOp jmp_ops[] = {
    {"jeq", jmp_jeq},   {"jgt", jmp_jgt},   {"jge", jmp_jge},   {"jset", jmp_jset},
    {"jne", jmp_jne},   {"jsgt", jmp_jsgt}, {"jsge", jmp_jsge}, {"jlt", jmp_jlt},
    {"jle", jmp_jle},   {"jslt", jmp_jslt}, {"jsle", jmp_jsle},
};

struct NamedAtomic {
    std::string_view name;
    std::int32_t imm;
};

constexpr NamedAtomic atomic_ops[] = {
    {"add", atomic_add}, {"or", atomic_or},     {"and", atomic_and},
    {"xor", atomic_xor}, {"xchg", atomic_xchg}, {"cmpxchg", atomic_cmpxchg},
};

template <typename Table>
[[nodiscard]] auto find_op(const Table& table, std::string_view name) -> const std::remove_extent_t<Table>* {
    for (const auto& entry : table) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

// Size suffixes of loads and stores.
[[nodiscard]] std::optional<std::uint8_t> size_of_suffix(std::string_view s) {
    if (s == "b") return size_b;
    if (s == "h") return size_h;
    if (s == "w") return size_w;
    if (s == "dw") return size_dw;
    return std::nullopt;
}

// "add32" -> ("add", 32); "add64" / "add" -> ("add", 64).
struct Width {
    std::string_view base;
    bool is32 = false;
};

[[nodiscard]] Width split_width(std::string_view m) {
    if (m.size() > 2 && m.ends_with("32")) return {m.substr(0, m.size() - 2), true};
    if (m.size() > 2 && m.ends_with("64")) return {m.substr(0, m.size() - 2), false};
    return {m, false};
}

// ---- the assembler ----------------------------------------------------------------

class Assembler {
public:
    AsmResult run(std::string_view text) {
        std::size_t line_no = 0;
        while (!text.empty() || line_no == 0) {
            const std::size_t nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
            ++line_no;
            line_ = line_no;
            if (!parse_line(line)) return failed();
            if (nl == std::string_view::npos) break;
        }
        if (!fix_jumps()) return failed();
        AsmResult r;
        r.code = std::move(code_);
        return r;
    }

private:
    struct Fixup {
        std::size_t pc;
        std::string label;
        bool in_imm;  // ja32 and local calls keep the offset in imm
        std::size_t line;
    };

    std::vector<Insn> code_;
    std::unordered_map<std::string, std::size_t> labels_;
    std::vector<Fixup> fixups_;
    std::optional<std::size_t> first_exit_;
    std::size_t line_ = 0;
    std::string error_;

    AsmResult failed() {
        AsmResult r;
        r.error = std::move(error_);
        return r;
    }

    bool fail(std::string message) {
        error_ = "line " + std::to_string(line_) + ": " + std::move(message);
        return false;
    }

    bool parse_line(std::string_view line) {
        // Comments: '#' or '//' to the end of the line.
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        if (auto slashes = line.find("//"); slashes != std::string_view::npos) line = line.substr(0, slashes);
        line = trim(line);
        if (line.empty()) return true;

        // A label, alone or before an instruction.
        const std::size_t word_end = line.find_first_of(" \t");
        std::string_view first = line.substr(0, word_end);
        if (first.ends_with(':')) {
            std::string_view name = first.substr(0, first.size() - 1);
            if (!is_label_name(name)) return fail("bad label name '" + std::string(name) + "'");
            if (!labels_.emplace(std::string(name), code_.size()).second) {
                return fail("label '" + std::string(name) + "' defined twice");
            }
            line = word_end == std::string_view::npos ? std::string_view{} : trim(line.substr(word_end));
            if (line.empty()) return true;
        }

        const std::size_t m_end = line.find_first_of(" \t");
        const std::string mnemonic = lower(line.substr(0, m_end));
        const std::string_view rest = m_end == std::string_view::npos ? std::string_view{} : line.substr(m_end);
        return parse_instruction(mnemonic, rest);
    }

    Insn& emit(std::uint8_t code) {
        Insn i;
        i.code = code;
        code_.push_back(i);
        return code_.back();
    }

    bool expect_count(const std::vector<std::string_view>& ops, std::size_t n, std::string_view mnemonic) {
        if (ops.size() == n) return true;
        return fail(std::string(mnemonic) + " takes " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") +
                    ", got " + std::to_string(ops.size()));
    }

    bool reg_operand(std::string_view s, unsigned& out) {
        auto r = parse_register(s);
        if (!r) return fail("'" + std::string(s) + "' is not a register (r0 to r10)");
        out = *r;
        return true;
    }

    bool imm_operand(std::string_view s, std::int32_t& out) {
        auto v = parse_imm32(s);
        if (!v) return fail("'" + std::string(s) + "' is not a 32-bit immediate");
        out = *v;
        return true;
    }

    bool mem_operand(std::string_view s, MemOperand& out) {
        auto m = parse_mem(s);
        if (!m) return fail("'" + std::string(s) + "' is not a memory operand like [%r1+4]");
        out = *m;
        return true;
    }

    // A jump target: "+3" / "-2" or a label resolved later.
    bool jump_target(std::string_view s, bool in_imm) {
        s = trim(s);
        Insn& i = code_.back();
        if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
            if (in_imm) return imm_operand(s, i.imm);
            auto off = parse_off16(s);
            if (!off) return fail("jump offset '" + std::string(s) + "' does not fit 16 bits");
            i.off = *off;
            return true;
        }
        if (!is_label_name(s)) return fail("'" + std::string(s) + "' is neither an offset (+N, -N) nor a label");
        fixups_.push_back({code_.size() - 1, std::string(s), in_imm, line_});
        return true;
    }

    bool parse_instruction(const std::string& m, std::string_view rest) {
        if (m == "exit") {
            if (!trim(rest).empty()) return fail("exit takes no operand");
            if (!first_exit_) first_exit_ = code_.size();
            emit(op_exit);
            return true;
        }
        if (m == "call") return parse_call(rest);
        if (m == "lock") return parse_atomic(rest);
        const auto ops = split_operands(rest);
        if (m == "lddw") return parse_lddw(ops);
        if (m == "ja" || m == "ja32" || m == "gotol") {
            if (!expect_count(ops, 1, m)) return false;
            const bool wide = m != "ja";
            emit(wide ? (cls_jmp32 | jmp_ja) : (cls_jmp | jmp_ja));
            return jump_target(ops[0], wide);
        }
        if (m.starts_with("ldxs")) {
            auto size = size_of_suffix(std::string_view(m).substr(4));
            if (!size || *size == size_dw) return fail("unknown mnemonic '" + m + "'");
            return parse_load(ops, static_cast<std::uint8_t>(cls_ldx | mode_memsx | *size), m);
        }
        if (m.starts_with("ldx")) {
            auto size = size_of_suffix(std::string_view(m).substr(3));
            if (!size) return fail("unknown mnemonic '" + m + "'");
            return parse_load(ops, static_cast<std::uint8_t>(cls_ldx | mode_mem | *size), m);
        }
        if (m.starts_with("stx")) {
            auto size = size_of_suffix(std::string_view(m).substr(3));
            if (!size) return fail("unknown mnemonic '" + m + "'");
            MemOperand mem;
            unsigned src = 0;
            if (!expect_count(ops, 2, m) || !mem_operand(ops[0], mem) || !reg_operand(ops[1], src)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls_stx | mode_mem | *size));
            i.set_dst(mem.reg);
            i.set_src(src);
            i.off = mem.off;
            return true;
        }
        if (m.size() >= 3 && m[0] == 's' && m[1] == 't' && size_of_suffix(std::string_view(m).substr(2))) {
            const auto size = *size_of_suffix(std::string_view(m).substr(2));
            MemOperand mem;
            std::int32_t imm = 0;
            if (!expect_count(ops, 2, m) || !mem_operand(ops[0], mem) || !imm_operand(ops[1], imm)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls_st | mode_mem | size));
            i.set_dst(mem.reg);
            i.off = mem.off;
            i.imm = imm;
            return true;
        }
        if (auto e = parse_endian(m, ops)) return *e;
        if (m.size() > 1 && m[0] == 'j') return parse_jump(m, ops);
        return parse_alu(m, ops);
    }

    bool parse_load(const std::vector<std::string_view>& ops, std::uint8_t code, const std::string& m) {
        unsigned dst = 0;
        MemOperand mem;
        if (!expect_count(ops, 2, m) || !reg_operand(ops[0], dst) || !mem_operand(ops[1], mem)) return false;
        Insn& i = emit(code);
        i.set_dst(dst);
        i.set_src(mem.reg);
        i.off = mem.off;
        return true;
    }

    bool parse_lddw(const std::vector<std::string_view>& ops) {
        unsigned dst = 0;
        if (!expect_count(ops, 2, "lddw") || !reg_operand(ops[0], dst)) return false;
        std::uint64_t value = 0;
        unsigned src = 0;
        std::string_view v = ops[1];
        if (v.starts_with("rodata")) {
            // "rodata" or "rodata+N": the address of the program's read-only data plus N.
            src = pseudo_rodata;
            v.remove_prefix(6);
            v = trim(v);
            if (!v.empty()) {
                if (v.front() != '+') return fail("expected rodata+OFFSET");
                auto off = parse_imm64(v.substr(1));
                if (!off) return fail("bad rodata offset '" + std::string(v.substr(1)) + "'");
                value = *off;
            }
        } else {
            auto imm = parse_imm64(v);
            if (!imm) return fail("'" + std::string(v) + "' is not a 64-bit immediate");
            value = *imm;
        }
        Insn& lo = emit(op_lddw);
        lo.set_dst(dst);
        lo.set_src(src);
        lo.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
        Insn& hi = emit(0);
        hi.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value >> 32));
        return true;
    }

    // be16/be32/be64, le16/..., bswap16/... (alias swap16/...).
    std::optional<bool> parse_endian(const std::string& m, const std::vector<std::string_view>& ops) {
        std::uint8_t code = 0;
        std::string_view width;
        std::string_view mv = m;
        if (mv.starts_with("bswap")) {
            code = cls_alu64 | alu_end | src_k;
            width = mv.substr(5);
        } else if (mv.starts_with("swap")) {
            code = cls_alu64 | alu_end | src_k;
            width = mv.substr(4);
        } else if (mv.starts_with("be")) {
            code = cls_alu | alu_end | src_x;
            width = mv.substr(2);
        } else if (mv.starts_with("le")) {
            code = cls_alu | alu_end | src_k;
            width = mv.substr(2);
        } else {
            return std::nullopt;
        }
        if (width != "16" && width != "32" && width != "64") return std::nullopt;
        unsigned dst = 0;
        if (!expect_count(ops, 1, m) || !reg_operand(ops[0], dst)) return false;
        Insn& i = emit(code);
        i.set_dst(dst);
        i.imm = width == "16" ? 16 : width == "32" ? 32 : 64;
        return true;
    }

    bool parse_jump(const std::string& m, const std::vector<std::string_view>& ops) {
        const Width w = split_width(m);
        const NamedOp* op = find_op(jmp_ops, w.base);
        if (!op) return fail("unknown mnemonic '" + m + "'");
        unsigned dst = 0;
        if (!expect_count(ops, 3, m) || !reg_operand(ops[0], dst)) return false;
        const std::uint8_t cls = w.is32 ? cls_jmp32 : cls_jmp;
        if (looks_like_register(ops[1])) {
            unsigned src = 0;
            if (!reg_operand(ops[1], src)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls | op->op | src_x));
            i.set_dst(dst);
            i.set_src(src);
        } else {
            std::int32_t imm = 0;
            if (!imm_operand(ops[1], imm)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls | op->op | src_k));
            i.set_dst(dst);
            i.imm = imm;
        }
        return jump_target(ops[2], false);
    }

    bool parse_alu(const std::string& m, const std::vector<std::string_view>& ops) {
        std::string_view base;
        bool is32 = false;
        std::int16_t off = 0;
        if (m.starts_with("movsx")) {
            // movsx<from><to>: 832, 1632 (class alu), 864, 1664, 3264 (class alu64).
            const std::string_view bits = std::string_view(m).substr(5);
            if (bits == "832") off = 8, is32 = true;
            else if (bits == "1632") off = 16, is32 = true;
            else if (bits == "864") off = 8;
            else if (bits == "1664") off = 16;
            else if (bits == "3264") off = 32;
            else return fail("unknown mnemonic '" + m + "' (movsx832, movsx1632, movsx864, movsx1664, movsx3264)");
            base = "mov";
        } else {
            const Width w = split_width(m);
            base = w.base;
            is32 = w.is32;
        }
        const NamedOp* op = find_op(alu_ops, base);
        if (!op) return fail("unknown mnemonic '" + m + "'");
        if (base == "sdiv" || base == "smod") off = 1;
        const std::uint8_t cls = is32 ? cls_alu : cls_alu64;
        unsigned dst = 0;
        if (op->op == alu_neg) {
            if (!expect_count(ops, 1, m) || !reg_operand(ops[0], dst)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls | alu_neg | src_k));
            i.set_dst(dst);
            return true;
        }
        if (!expect_count(ops, 2, m) || !reg_operand(ops[0], dst)) return false;
        if (looks_like_register(ops[1])) {
            unsigned src = 0;
            if (!reg_operand(ops[1], src)) return false;
            Insn& i = emit(static_cast<std::uint8_t>(cls | op->op | src_x));
            i.set_dst(dst);
            i.set_src(src);
            i.off = off;
            return true;
        }
        if (m.starts_with("movsx")) return fail(m + " takes a register source");
        std::int32_t imm = 0;
        if (!imm_operand(ops[1], imm)) return false;
        Insn& i = emit(static_cast<std::uint8_t>(cls | op->op | src_k));
        i.set_dst(dst);
        i.off = off;
        i.imm = imm;
        return true;
    }

    // call N / call helper N / call local target. An indirect call (call %rN)
    // is not part of what this machine runs.
    bool parse_call(std::string_view rest) {
        rest = trim(rest);
        std::string_view mode;
        std::string_view target = rest;
        if (const std::size_t sp = rest.find_first_of(" \t"); sp != std::string_view::npos) {
            mode = rest.substr(0, sp);
            target = trim(rest.substr(sp));
        }
        if (target.empty()) return fail("call needs a target");
        if (mode.empty() || mode == "helper") {
            if (looks_like_register(target)) return fail("indirect calls (call %rN) are not supported");
            Insn& i = emit(op_call);
            return imm_operand(target, i.imm);
        }
        if (mode == "local") {
            Insn& i = emit(op_call);
            i.set_src(pseudo_call);
            return jump_target(target, true);
        }
        return fail("unknown call kind '" + std::string(mode) + "' (helper or local)");
    }

    // lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [dst+off], src
    bool parse_atomic(std::string_view rest) {
        rest = trim(rest);
        bool fetch = false;
        if (rest.starts_with("fetch ") || rest.starts_with("fetch\t")) {
            fetch = true;
            rest = trim(rest.substr(5));
        }
        const std::size_t sp = rest.find_first_of(" \t");
        if (sp == std::string_view::npos) return fail("lock takes an operation, a memory operand and a register");
        const std::string name = lower(rest.substr(0, sp));
        const Width w = split_width(name);
        const NamedAtomic* op = find_op(atomic_ops, w.base);
        if (!op) return fail("unknown atomic operation '" + name + "'");
        std::int32_t imm = op->imm;
        if (fetch) {
            if ((imm & atomic_fetch) != 0) return fail("'" + name + "' always fetches; drop 'fetch'");
            imm |= atomic_fetch;
        }
        const auto ops = split_operands(rest.substr(sp));
        MemOperand mem;
        unsigned src = 0;
        if (!expect_count(ops, 2, "lock") || !mem_operand(ops[0], mem) || !reg_operand(ops[1], src)) return false;
        Insn& i = emit(static_cast<std::uint8_t>(cls_stx | mode_atomic | (w.is32 ? size_w : size_dw)));
        i.set_dst(mem.reg);
        i.set_src(src);
        i.off = mem.off;
        i.imm = imm;
        return true;
    }

    bool fix_jumps() {
        if (first_exit_ && !labels_.contains("exit")) labels_.emplace("exit", *first_exit_);
        for (const Fixup& f : fixups_) {
            line_ = f.line;
            auto it = labels_.find(f.label);
            if (it == labels_.end()) return fail("no label '" + f.label + "'");
            const std::int64_t delta = static_cast<std::int64_t>(it->second) - static_cast<std::int64_t>(f.pc) - 1;
            Insn& i = code_[f.pc];
            if (f.in_imm) {
                i.imm = static_cast<std::int32_t>(delta);
            } else {
                if (delta < std::numeric_limits<std::int16_t>::min() || delta > std::numeric_limits<std::int16_t>::max()) {
                    return fail("label '" + f.label + "' is too far for a 16-bit offset (use ja32)");
                }
                i.off = static_cast<std::int16_t>(delta);
            }
        }
        return true;
    }
};

// ---- the disassembler ------------------------------------------------------------

[[nodiscard]] std::string reg_name(unsigned r) { return "%r" + std::to_string(r); }

[[nodiscard]] std::string signed_offset(std::int64_t v) {
    std::string text = v >= 0 ? "+" : "";
    text += std::to_string(v);
    return text;
}

[[nodiscard]] std::string mem_text(unsigned reg, std::int16_t off) {
    if (off == 0) return "[" + reg_name(reg) + "]";
    return "[" + reg_name(reg) + signed_offset(off) + "]";
}

[[nodiscard]] std::string hex64(std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
    (void)ec;
    return "0x" + std::string(buf, end);
}

[[nodiscard]] std::string unknown(const Insn& i) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "<invalid code=0x%02x dst=%u src=%u off=%d imm=%d>", i.code, i.dst(), i.src(),
                  i.off, i.imm);
    return buf;
}

[[nodiscard]] std::string_view size_suffix(std::uint8_t code) {
    switch (size(code)) {
    case size_b: return "b";
    case size_h: return "h";
    case size_w: return "w";
    default: return "dw";
    }
}

[[nodiscard]] std::string disassemble_one(const Insn& i, std::optional<std::int32_t> hi) {
    const std::uint8_t c = i.code;
    const std::string dst = reg_name(i.dst());
    const std::string src = reg_name(i.src());
    switch (cls(c)) {
    case cls_alu:
    case cls_alu64: {
        const bool is32 = cls(c) == cls_alu;
        const std::string_view suffix = is32 ? "32" : "";
        if (op(c) == alu_end) {
            std::string_view name = cls(c) == cls_alu64 ? "bswap" : uses_src_reg(c) ? "be" : "le";
            if (cls(c) == cls_alu64 && uses_src_reg(c)) return unknown(i);
            return std::string(name) + std::to_string(i.imm) + " " + dst;
        }
        if (op(c) == alu_neg) return "neg" + std::string(suffix) + " " + dst;
        std::string name;
        for (const NamedOp& n : alu_ops) {
            if (n.op == op(c)) {
                name = std::string(n.name);
                break;
            }
        }
        if (name.empty()) return unknown(i);
        if ((op(c) == alu_div || op(c) == alu_mod) && i.off == 1) name = "s" + name;
        if (op(c) == alu_mov && i.off != 0 && uses_src_reg(c)) {
            return "movsx" + std::to_string(i.off) + (is32 ? "32 " : "64 ") + dst + ", " + src;
        }
        name += suffix;
        if (uses_src_reg(c)) return name + " " + dst + ", " + src;
        return name + " " + dst + ", " + std::to_string(i.imm);
    }
    case cls_jmp:
    case cls_jmp32: {
        const bool is32 = cls(c) == cls_jmp32;
        if (c == op_exit) return "exit";
        if (c == op_call) {
            if (i.src() == pseudo_call) return "call local " + signed_offset(i.imm);
            return "call " + std::to_string(i.imm);
        }
        if (op(c) == jmp_ja) return is32 ? "ja32 " + signed_offset(i.imm) : "ja " + signed_offset(i.off);
        for (const NamedOp& n : jmp_ops) {
            if (n.op == op(c)) {
                std::string text = std::string(n.name) + (is32 ? "32 " : " ") + dst + ", ";
                text += uses_src_reg(c) ? src : std::to_string(i.imm);
                return text + ", " + signed_offset(i.off);
            }
        }
        return unknown(i);
    }
    case cls_ld:
        if (c == op_lddw) {
            std::string value;
            const std::uint64_t lo = static_cast<std::uint32_t>(i.imm);
            const std::uint64_t v = hi ? lo | (std::uint64_t{static_cast<std::uint32_t>(*hi)} << 32) : lo;
            if (i.src() == pseudo_rodata) value = "rodata+" + std::to_string(v);
            else value = hex64(v);
            std::string text = "lddw " + dst + ", " + value;
            if (!hi) text += " # low half; the high half is in the next slot";
            return text;
        }
        return unknown(i);
    case cls_ldx:
        if (mode(c) == mode_mem) return "ldx" + std::string(size_suffix(c)) + " " + dst + ", " + mem_text(i.src(), i.off);
        if (mode(c) == mode_memsx && size(c) != size_dw) {
            return "ldxs" + std::string(size_suffix(c)) + " " + dst + ", " + mem_text(i.src(), i.off);
        }
        return unknown(i);
    case cls_st:
        if (mode(c) == mode_mem) {
            return "st" + std::string(size_suffix(c)) + " " + mem_text(i.dst(), i.off) + ", " + std::to_string(i.imm);
        }
        return unknown(i);
    case cls_stx:
        if (mode(c) == mode_mem) return "stx" + std::string(size_suffix(c)) + " " + mem_text(i.dst(), i.off) + ", " + src;
        if (mode(c) == mode_atomic && (size(c) == size_w || size(c) == size_dw)) {
            const std::string_view width = size(c) == size_w ? "32" : "";
            for (const NamedAtomic& a : atomic_ops) {
                const bool always_fetches = (a.imm & atomic_fetch) != 0;
                if (i.imm == a.imm || (!always_fetches && i.imm == (a.imm | atomic_fetch))) {
                    const bool fetch = !always_fetches && (i.imm & atomic_fetch) != 0;
                    return std::string("lock ") + (fetch ? "fetch " : "") + std::string(a.name) + std::string(width) +
                           " " + mem_text(i.dst(), i.off) + ", " + src;
                }
            }
        }
        return unknown(i);
    default:
        return unknown(i);
    }
}

}  // namespace

AsmResult assemble(std::string_view text) noexcept {
    try {
        return Assembler{}.run(text);
    } catch (const std::bad_alloc&) {
        AsmResult r;
        r.error = "out of memory";
        return r;
    }
}

namespace {

// The text, if it assembles back to exactly this instruction; otherwise the
// raw fields. That catches every non-canonical encoding (a reserved field
// that is not zero, an offset on an instruction that has none) in one place.
[[nodiscard]] std::string canonical_text(const Insn& i, std::optional<std::int32_t> hi) {
    std::string text = disassemble_one(i, hi);
    if (text.starts_with("<invalid")) return text;
    const AsmResult back = assemble(text);
    if (!back.error.empty() || back.code.empty()) return unknown(i);
    const Insn& b = back.code[0];
    if (b.code != i.code || b.regs != i.regs || b.off != i.off || b.imm != i.imm) return unknown(i);
    return text;
}

}  // namespace

std::string disassemble(const Insn& insn) { return canonical_text(insn, std::nullopt); }

std::string disassemble(std::span<const Insn> code, std::size_t pc) {
    if (pc >= code.size()) return "<pc out of range>";
    const Insn& i = code[pc];
    if (isa::is_lddw(i) && pc + 1 < code.size()) return canonical_text(i, code[pc + 1].imm);
    return canonical_text(i, std::nullopt);
}

std::string disassemble_program(std::span<const Insn> code) {
    std::string out;
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        out += std::to_string(pc) + ": " + disassemble(code, pc) + "\n";
        if (isa::is_lddw(code[pc])) ++pc;
    }
    return out;
}

}  // namespace mempool::vm
