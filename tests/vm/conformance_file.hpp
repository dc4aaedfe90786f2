// conformance_file.hpp: reads a conformance test file (.data) and turns it
// into a program and its memory, for any executor that wants to run it.
//
// The format is the one of the public BPF conformance corpora:
//
//   -- asm              assembler text (assembler.hpp), '#' starts a comment
//   mov %r0, %r2
//   exit
//   -- mem              optional: the bytes R1 points to, in hex (R2 = their count)
//   00 01 02 03
//   -- result           the expected R0, hex (0x...) or decimal
//   0x4
//
// Also understood: `-- raw` (instructions as 64-bit hex words "0x..." or as
// groups of 8 hex bytes, used instead of `-- asm`), `-- error` (the run or
// the assembly is expected to fail), `-- rodata` (hex bytes of the program's
// read-only data, for `lddw %rN, rodata+K`), and `-- c` / `-- no register
// offset` sections, which are ignored.
//
//   auto c = conformance::parse(text);          // c.error says what is wrong
//   vm::VerifiedProgram p = conformance::hand_verified(c.program, c.memory.size());
//   std::vector<std::uint8_t> mem = c.memory;   // a writable copy per run
//   vm::RunContext rc{.r1 = (std::uintptr_t)mem.data(), .r2 = mem.size()};
//
// A test suite runs every file of a folder with
// INSTANTIATE_TEST_SUITE_P(..., ValuesIn(files_in(dir)), ...) named by
// test_name(), and compares R0 as hex() strings.
//
// hand_verified() fills a VerifiedProgram the way the verifier would for a
// raw-mode program, without verifying anything: functions found from the
// local calls, a 512-byte frame each, no flags, no instruction bound. It is
// the interim way to run a program until tests go through vm::verify().
#pragma once

#include "assembler.hpp"
#include "program.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::conformance {

struct Case {
    std::string name;                     // file stem
    std::string asm_text;                 // the -- asm section
    vm::Program program;                  // assembled (or raw) code, rodata
    std::vector<std::uint8_t> memory;     // -- mem
    std::optional<std::uint64_t> result;  // -- result
    std::optional<std::string> expected_error;  // -- error (may be empty text)
    std::string error;                    // why the file could not be read or assembled
};

namespace detail {

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

inline bool parse_u64(std::string_view s, std::uint64_t& out) {
    s = trim(s);
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc{} && end == s.data() + s.size();
}

// Hex bytes separated by white space ("00 ff 1a"), as in -- mem.
inline bool parse_hex_bytes(std::string_view text, std::vector<std::uint8_t>& out) {
    std::istringstream in{std::string(text)};
    std::string token;
    while (in >> token) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v, 16);
        if (ec != std::errc{} || end != token.data() + token.size() || v > 0xff) return false;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return true;
}

}  // namespace detail

// The functions of a program: 0 and every local call's target.
inline std::vector<std::uint32_t> function_starts(const std::vector<vm::Insn>& code) {
    std::vector<std::uint32_t> starts{0};
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        if (vm::isa::is_local_call(code[pc])) {
            const std::int64_t target = static_cast<std::int64_t>(pc) + 1 + code[pc].imm;
            if (target >= 0 && target < static_cast<std::int64_t>(code.size())) {
                starts.push_back(static_cast<std::uint32_t>(target));
            }
        }
        if (vm::isa::is_lddw(code[pc])) ++pc;
    }
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}

inline Case parse(std::string_view text, std::string name = {}) {
    Case c;
    c.name = std::move(name);
    enum class Section { none, assembly, raw, memory, result, error, rodata, ignored } section = Section::none;
    std::string raw, mem, result, rodata;
    bool has_asm = false, has_raw = false;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        const std::string_view t = detail::trim(line);
        if (t.starts_with("--")) {
            const std::string_view d = detail::trim(t.substr(2));
            if (d == "asm") section = Section::assembly, has_asm = true;
            else if (d == "raw") section = Section::raw, has_raw = true;
            else if (d == "mem") section = Section::memory;
            else if (d == "result") section = Section::result;
            else if (d == "error") section = Section::error, c.expected_error = std::string{};
            else if (d == "rodata") section = Section::rodata;
            else if (d == "c" || d == "no register offset") section = Section::ignored;
            else {
                c.error = "unknown section '-- " + std::string(d) + "'";
                return c;
            }
            continue;
        }
        switch (section) {
        case Section::assembly: c.asm_text += std::string(line) + "\n"; break;
        case Section::raw: raw += std::string(t) + " "; break;
        case Section::memory: mem += std::string(t) + " "; break;
        case Section::result: result += std::string(t); break;
        case Section::error:
            if (!t.empty()) *c.expected_error += std::string(t);
            break;
        case Section::rodata: rodata += std::string(t) + " "; break;
        default: break;
        }
    }
    if (!detail::parse_hex_bytes(mem, c.memory)) {
        c.error = "bad -- mem bytes";
        return c;
    }
    if (!detail::parse_hex_bytes(rodata, c.program.rodata)) {
        c.error = "bad -- rodata bytes";
        return c;
    }
    if (!detail::trim(result).empty()) {
        std::uint64_t v = 0;
        if (!detail::parse_u64(result, v)) {
            c.error = "bad -- result '" + result + "'";
            return c;
        }
        c.result = v;
    }
    if (has_raw) {
        // 64-bit words ("0x...") or groups of 8 bytes, little-endian as in memory.
        std::istringstream in(raw);
        std::string token;
        std::vector<std::uint8_t> bytes;
        while (in >> token) {
            std::uint64_t word = 0;
            if (token.starts_with("0x") || token.starts_with("0X")) {
                if (!detail::parse_u64(token, word)) {
                    c.error = "bad -- raw word '" + token + "'";
                    return c;
                }
                for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<std::uint8_t>(word >> (8 * b)));
            } else if (!detail::parse_hex_bytes(token, bytes)) {
                c.error = "bad -- raw byte '" + token + "'";
                return c;
            }
        }
        if (bytes.size() % 8 != 0) {
            c.error = "-- raw is not a whole number of instructions";
            return c;
        }
        c.program.code.resize(bytes.size() / 8);
        for (std::size_t k = 0; k < c.program.code.size(); ++k) {
            vm::Insn& i = c.program.code[k];
            const std::uint8_t* b = bytes.data() + 8 * k;
            i.code = b[0];
            i.regs = b[1];
            i.off = static_cast<std::int16_t>(static_cast<std::uint16_t>(b[2] | (b[3] << 8)));
            i.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(b[4]) | (std::uint32_t{b[5]} << 8) |
                                              (std::uint32_t{b[6]} << 16) | (std::uint32_t{b[7]} << 24));
        }
    } else if (has_asm) {
        vm::AsmResult a = vm::assemble(c.asm_text);
        if (!a.error.empty()) {
            c.error = "assembler: " + a.error;
            return c;
        }
        c.program.code = std::move(a.code);
    } else {
        c.error = "no -- asm or -- raw section";
        return c;
    }
    if (!c.result && !c.expected_error) c.error = "no -- result or -- error section";
    c.program.name = c.name;
    c.program.function_starts = function_starts(c.program.code);
    return c;
}

inline Case load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        Case c;
        c.name = file.stem().string();
        c.error = "cannot open " + file.string();
        return c;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.stem().string());
}

// Every *.data file of a folder, sorted by name.
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".data") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The name a file's test gets in a suite parameterised over files_in(): the
// file's stem with every character gtest refuses in a name made '_', so
// --gtest_filter='*sdiv64*' picks a family.
inline std::string test_name(const std::filesystem::path& file) {
    std::string name = file.stem().string();
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

// A 64-bit value as 0x..., for comparing R0 with -- result: a mismatch then
// prints as the bit patterns the files are written in.
inline std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// A VerifiedProgram as the verifier would make it for a raw-mode run over
// `ctx_size` bytes (see the comment at the top).
inline vm::VerifiedProgram hand_verified(const vm::Program& program, std::size_t ctx_size) {
    vm::VerifiedProgram v;
    v.program = program;
    if (v.program.function_starts.empty()) v.program.function_starts = function_starts(v.program.code);
    const std::size_t functions = v.program.function_starts.size();
    v.frame_size.assign(functions, 512);
    v.options.ctx_size = static_cast<std::uint32_t>(ctx_size);
    v.options.r2_is_ctx_size = true;
    // Without recursion a chain of calls visits each function once at most.
    const std::size_t chain = std::min<std::size_t>(functions, v.options.max_call_depth + 1u);
    v.stack_size = static_cast<std::uint32_t>(512 * chain);
    v.instruction_bound = 0;
    v.flags.assign(v.program.code.size(), 0);
    return v;
}

}  // namespace mempool::conformance
