// verifier.hpp: the one authority on whether a program may run.
//
// verify() takes a Program (from the ELF loader or built by hand) and the
// memory a run will be given (VerifyOptions), and either accepts it, with
// the frame sizes, stack size, instruction bound and per-instruction flags
// the interpreter and the JIT rely on, or refuses it with every problem it
// found. What it proves, and how, is written in docs/verifier.md; in short:
// no load or store leaves the regions given to the plugin, no host address
// becomes a number the plugin can see, and every run ends within
// `instruction_bound` instructions.
//
//   vm::VerifyOptions options;
//   options.ctx_size = sizeof(Args);
//   options.helpers = runtime_helper_signatures();
//   vm::VerifyResult v = vm::verify(std::move(program), options);
//   if (!v.ok()) for (const auto& d : v.diagnostics) log(d.to_string());
//   else run(v.program);
//
// It is linear in the program's size for loop-free code (states are joined
// where paths meet; paths are never enumerated) and proportional to the
// instruction bound for loops (each loop is unrolled abstractly, once per
// iteration, with all paths of an iteration merged).
#pragma once

#include "program.hpp"

#include <vector>

namespace mempool::vm {

struct VerifyResult {
    VerifiedProgram program;               // meaningful only when ok()
    std::vector<Diagnostic> diagnostics;   // every problem found (at most 64)
    [[nodiscard]] bool ok() const noexcept { return diagnostics.empty(); }
};

// Verifies `program` against `options`. Never throws: running out of memory
// is reported as a diagnostic.
[[nodiscard]] VerifyResult verify(Program program, const VerifyOptions& options) noexcept;

}  // namespace mempool::vm
