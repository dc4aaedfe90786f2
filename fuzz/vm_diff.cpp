// vm_diff.cpp: libFuzzer target, interpreter against JIT on programs built
// from the input (see vm_diff_core.hpp). A refusal by the verifier or any
// difference between the runs prints the program and aborts; at exit it
// prints how many programs were compared.
//
//   build/fuzz/fuzz/vm_diff -max_total_time=60 fuzz/corpus/vm_diff
#include "vm_diff_core.hpp"

#include <cstdio>
#include <cstdlib>

namespace {

mempool::fuzz::DiffStats stats;

void report() {
    std::printf("vm_diff: %llu programs compared (%llu instructions), no divergence\n",
                static_cast<unsigned long long>(stats.programs), static_cast<unsigned long long>(stats.instructions));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static mempool::fuzz::DiffChecker checker;
    static const bool registered = std::atexit(report) == 0;
    (void)registered;
    if (auto bad = checker.check(data, size, &stats)) {
        std::fprintf(stderr, "vm_diff: %s\n", bad->c_str());
        std::abort();
    }
    return 0;
}
