// vm_diff.cpp: libFuzzer target, interpreter against JIT on programs built
// from the input (see vm_diff_core.hpp). A refusal by the verifier or any
// difference between the two runs prints the program and aborts.
//
//   build/fuzz/fuzz/vm_diff -max_total_time=60 fuzz/corpus/vm_diff
#include "vm_diff_core.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static mempool::fuzz::DiffChecker checker;
    if (auto bad = checker.check(data, size)) {
        std::fprintf(stderr, "vm_diff: %s\n", bad->c_str());
        std::abort();
    }
    return 0;
}
