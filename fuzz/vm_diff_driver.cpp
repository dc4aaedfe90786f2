// vm_diff_driver.cpp: the differential check of vm_diff_core.hpp without
// libFuzzer, for throughput: programs from a seeded pseudo-random byte
// stream, for a number of seconds or programs, with a summary line.
//
//   vm_diff_driver --seconds 300            # the 10-million run
//   vm_diff_driver --programs 100000 --seed 7
//
// Exit status 0 when every program verified and both executors agreed, 1
// on the first divergence (printed with the program), 2 on bad arguments.
#include "vm_diff_core.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::uint64_t max_programs = 0;  // 0: no limit
    std::uint64_t seed = 1;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        if (a == "--seconds" && k + 1 < argc) {
            seconds = std::strtod(argv[++k], nullptr);
        } else if (a == "--programs" && k + 1 < argc) {
            max_programs = std::strtoull(argv[++k], nullptr, 10);
        } else if (a == "--seed" && k + 1 < argc) {
            seed = std::strtoull(argv[++k], nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: vm_diff_driver [--seconds S] [--programs N] [--seed K]\n");
            return 2;
        }
    }
    mempool::fuzz::DiffChecker checker;
    mempool::fuzz::DiffStats stats;
    std::vector<std::uint8_t> bytes(512);
    std::uint64_t state = seed;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    for (;;) {
        if (max_programs != 0 && stats.programs >= max_programs) break;
        if ((stats.programs & 255) == 0 && (max_programs == 0 || seconds > 0) && std::chrono::steady_clock::now() >= deadline)
            break;
        // A random length too, so that programs end at every point.
        const std::size_t n = 16 + splitmix(state) % (bytes.size() - 16);
        for (std::size_t k = 0; k < n; k += 8) {
            const std::uint64_t v = splitmix(state);
            std::memcpy(&bytes[k], &v, std::min<std::size_t>(8, bytes.size() - k));
        }
        if (auto bad = checker.check(bytes.data(), n, &stats)) {
            std::fprintf(stderr, "vm_diff_driver: program %llu (seed %llu): %s\n",
                         static_cast<unsigned long long>(stats.programs), static_cast<unsigned long long>(seed),
                         bad->c_str());
            return 1;
        }
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("vm_diff_driver: %llu programs (%llu instructions) in %.1f s, %.0f programs/s, no divergence\n",
                static_cast<unsigned long long>(stats.programs), static_cast<unsigned long long>(stats.instructions),
                elapsed, static_cast<double>(stats.programs) / elapsed);
    return 0;
}
