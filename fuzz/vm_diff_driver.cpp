// vm_diff_driver.cpp: the differential check of vm_diff_core.hpp without
// libFuzzer, for throughput: programs from a seeded pseudo-random byte
// stream, for a number of seconds or programs, with a summary line.
//
//   vm_diff_driver --seconds 300 --jobs 2   # the 10-million run
//   vm_diff_driver --programs 100000 --seed 7
//
// --jobs N forks N workers with seeds seed, seed+1, ...; each prints its own
// line and the parent adds them up. Exit status 0 when every program
// verified and all executors agreed, 1 on a divergence (printed with the
// program), 2 on bad arguments.
#include "vm_diff_core.hpp"

#include <sys/wait.h>
#include <unistd.h>

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

// One worker: programs until the deadline or the count; 0 or 1 as main returns.
int run(double seconds, std::uint64_t max_programs, std::uint64_t seed, int result_fd) {
    mempool::fuzz::DiffChecker checker;
    mempool::fuzz::DiffStats stats;
    std::vector<std::uint8_t> bytes(512);
    std::uint64_t state = seed;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    for (;;) {
        if (max_programs != 0 && stats.programs >= max_programs) break;
        if ((stats.programs & 255) == 0 && std::chrono::steady_clock::now() >= deadline) break;
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
    std::printf("vm_diff_driver: seed %llu: %llu programs (%llu instructions, %llu stopped by a heap check) in %.1f s, "
                "%.0f programs/s, no divergence\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(stats.programs),
                static_cast<unsigned long long>(stats.instructions), static_cast<unsigned long long>(stats.aborted),
                elapsed, static_cast<double>(stats.programs) / elapsed);
    std::fflush(stdout);
    if (result_fd >= 0) {
        const std::uint64_t n = stats.programs;
        if (write(result_fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::uint64_t max_programs = 0;  // 0: no limit
    std::uint64_t seed = 1;
    int jobs = 1;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        if (a == "--seconds" && k + 1 < argc) {
            seconds = std::strtod(argv[++k], nullptr);
        } else if (a == "--programs" && k + 1 < argc) {
            max_programs = std::strtoull(argv[++k], nullptr, 10);
        } else if (a == "--seed" && k + 1 < argc) {
            seed = std::strtoull(argv[++k], nullptr, 10);
        } else if (a == "--jobs" && k + 1 < argc) {
            jobs = std::atoi(argv[++k]);
            if (jobs < 1 || jobs > 64) jobs = 0;
        } else {
            jobs = 0;
        }
    }
    if (jobs == 0) {
        std::fprintf(stderr, "usage: vm_diff_driver [--seconds S] [--programs N] [--seed K] [--jobs 1-64]\n");
        return 2;
    }
    if (jobs == 1) return run(seconds, max_programs, seed, -1);
    int fds[2];
    if (pipe(fds) != 0) return 2;
    std::vector<pid_t> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int j = 0; j < jobs; ++j) {
        const pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            _exit(run(seconds, max_programs, seed + static_cast<std::uint64_t>(j), fds[1]));
        }
        if (pid > 0) workers.push_back(pid);
    }
    close(fds[1]);
    std::uint64_t total = 0, n = 0;
    while (read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) total += n;
    int status = 0;
    for (pid_t pid : workers) {
        int st = 0;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) status = 1;
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("vm_diff_driver: %d jobs: %llu programs in %.1f s, %.0f programs/s, %s\n", jobs,
                static_cast<unsigned long long>(total), elapsed, static_cast<double>(total) / elapsed,
                status == 0 && static_cast<int>(workers.size()) == jobs ? "no divergence" : "FAILED");
    return status == 0 && static_cast<int>(workers.size()) == jobs ? 0 : 1;
}
