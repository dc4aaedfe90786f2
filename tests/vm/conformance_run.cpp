// conformance_run.cpp: runs conformance .data files (ours, or a public
// corpus such as bpf_conformance's tests/ folder) and prints one line per
// file and a summary.
//
//   vm_conformance_run tests/vm/conformance
//   vm_conformance_run ~/bpf_conformance/tests/ldxh.data ...
//
// Each program runs in raw mode under the checked interpreter first (which
// stops at anything outside the regions, so a foreign program cannot crash
// this tool), then, when that found nothing, under the interpreter; both R0
// values are compared with -- result. Files expecting `-- error` pass when
// they do not assemble or when the checked run reports a violation. Calls to
// helpers cannot run here (no helpers are registered) and are counted apart.
// Exit status: 0 when every file passed or was skipped, 1 otherwise.
#include "checked_interpreter.hpp"
#include "conformance_file.hpp"
#include "interpreter.hpp"

#include <cstdio>
#include <string>
#include <vector>

using namespace mempool;

namespace {

enum class Outcome { pass, fail, skip };

Outcome run_one(const std::filesystem::path& file, std::string& detail) {
    const conformance::Case c = conformance::load(file);
    if (!c.error.empty()) {
        if (c.expected_error) {
            detail = "expected error: " + c.error;
            return Outcome::pass;
        }
        detail = c.error;
        return Outcome::fail;
    }
    for (const vm::Insn& i : c.program.code) {
        if (vm::isa::is_helper_call(i)) {
            detail = "calls helper " + std::to_string(i.imm) + " (none registered here)";
            return Outcome::skip;
        }
    }
    const vm::VerifiedProgram p = conformance::hand_verified(c.program, c.memory.size());

    std::vector<std::uint8_t> mem_checked = c.memory;
    vm::RunContext rc_checked;
    rc_checked.r1 = reinterpret_cast<std::uintptr_t>(mem_checked.data());
    rc_checked.r2 = mem_checked.size();
    const vm::CheckedResult checked = vm::interpret_checked(p, {}, rc_checked, mem_checked.size());
    if (checked.violation) {
        if (c.expected_error) {
            detail = "expected error: " + checked.violation->to_string();
            return Outcome::pass;
        }
        detail = "checked interpreter: " + checked.violation->to_string();
        return Outcome::fail;
    }
    if (c.expected_error) {
        detail = "ran to the end, an error was expected";
        return Outcome::fail;
    }

    std::vector<std::uint8_t> mem = c.memory;
    vm::RunContext rc;
    rc.r1 = reinterpret_cast<std::uintptr_t>(mem.data());
    rc.r2 = mem.size();
    const std::uint64_t r0 = vm::interpret(p, {}, rc);
    char buf[160];
    std::snprintf(buf, sizeof buf, "R0 0x%llx (checked 0x%llx), expected 0x%llx, %llu instructions",
                  static_cast<unsigned long long>(r0), static_cast<unsigned long long>(checked.value),
                  static_cast<unsigned long long>(*c.result), static_cast<unsigned long long>(checked.executed));
    detail = buf;
    if (r0 != *c.result || checked.value != *c.result || mem != mem_checked) return Outcome::fail;
    return Outcome::pass;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> files;
    for (int a = 1; a < argc; ++a) {
        const std::filesystem::path arg = argv[a];
        if (std::filesystem::is_directory(arg)) {
            for (auto& f : conformance::files_in(arg)) files.push_back(f);
        } else {
            files.push_back(arg);
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: %s FILE.data|DIR...\n", argv[0]);
        return 2;
    }
    int pass = 0, fail = 0, skip = 0;
    for (const auto& f : files) {
        std::string detail;
        const Outcome o = run_one(f, detail);
        const char* word = o == Outcome::pass ? "PASS" : o == Outcome::fail ? "FAIL" : "SKIP";
        (o == Outcome::pass ? pass : o == Outcome::fail ? fail : skip)++;
        std::printf("%s %s: %s\n", word, f.filename().string().c_str(), detail.c_str());
    }
    std::printf("%d passed, %d failed, %d skipped of %zu\n", pass, fail, skip, files.size());
    return fail == 0 ? 0 : 1;
}
