// bench_read.cpp: how fast mempool-bgp's input path turns a compressed MRT
// file into bytes, against the inflaters alone (docs/benchmarks.md, "Replay
// against decompression").
//
// For each file, every way is run in turn, round after round (so that a
// burst of load from other processes hits them all alike), and the median
// wall and CPU time per way is printed:
//
//   zlib stream       open_byte_source with libdeflate off and no reader
//                     thread: the reader before issue 12
//   libdeflate        members inflated whole by libdeflate, no thread
//                     (straight into the reader's buffer when the trailer
//                     says the file fits it)
//   read-ahead        the default: libdeflate (or zlib past the limits) on a
//                     reader thread, the bytes copied out as MrtReader does
//   raw libdeflate    the file read into memory and inflated in one call,
//                     nothing else: the floor (gzip only)
//
//   build/h-replay/bench/bench_read [--rounds N] FILE...
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "byte_source.hpp"

namespace {

using mempool::bgp::ByteSourceOptions;

struct Sample {
    double wall_ms;
    double cpu_ms;
};

double cpu_now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Reads the whole source as MrtReader does: into a buffer of the size the
// source expects (a small gzip file, inflated straight into it), else in
// 256 KiB calls; a fresh buffer each time, its pages faulted in as the
// reader's are. Returns the byte count, or -1 on an error.
long long drain(const std::string& path, const ByteSourceOptions& options) {
    std::string why;
    auto src = mempool::bgp::open_byte_source(path, why, options);
    if (!src) return -1;
    const std::uint64_t expected = src->expected_size();
    const std::size_t size = expected != 0 && expected < (std::uint64_t{64} << 20) ? expected + 1 : 256u << 10;
    const auto buf = std::make_unique_for_overwrite<std::uint8_t[]>(size);
    long long total = 0;
    for (;;) {
        const std::ptrdiff_t r = src->read(buf.get(), size);
        if (r < 0) return -1;
        if (r == 0) return total;
        total += r;
    }
}

long long raw_libdeflate(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return -1;
    std::vector<std::uint8_t> in;
    std::uint8_t chunk[1 << 16];
    std::size_t r;
    while ((r = std::fread(chunk, 1, sizeof chunk, f)) > 0) in.insert(in.end(), chunk, chunk + r);
    std::fclose(f);
    if (in.size() < 18 || in[0] != 0x1f || in[1] != 0x8b) return -1;
    const std::size_t isize = std::size_t{in[in.size() - 4]} | (std::size_t{in[in.size() - 3]} << 8) |
                              (std::size_t{in[in.size() - 2]} << 16) | (std::size_t{in[in.size() - 1]} << 24);
    std::vector<std::uint8_t> out(isize);
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    std::size_t used_out = 0;
    const auto rc = libdeflate_gzip_decompress(d, in.data(), in.size(), out.data(), out.size(), &used_out);
    libdeflate_free_decompressor(d);
    return rc == LIBDEFLATE_SUCCESS ? static_cast<long long>(used_out) : -1;  // one-member files only
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 11;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else files.emplace_back(argv[i]);
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: bench_read [--rounds N] FILE...\n");
        return 2;
    }
    ByteSourceOptions zlib_only;
    zlib_only.gzip_max_window = 0;
    zlib_only.read_ahead_depth = 0;
    ByteSourceOptions deflate_only;
    deflate_only.read_ahead_depth = 0;
    const ByteSourceOptions defaults;

    struct Way {
        const char* name;
        std::function<long long(const std::string&)> run;
    };
    const std::vector<Way> ways = {
        {"zlib stream", [&](const std::string& p) { return drain(p, zlib_only); }},
        {"libdeflate", [&](const std::string& p) { return drain(p, deflate_only); }},
        {"read-ahead (default)", [&](const std::string& p) { return drain(p, defaults); }},
        {"raw libdeflate", raw_libdeflate},
    };

    std::printf("| file | way | MB out | wall ms | CPU ms | MB/s out |\n|---|---|---:|---:|---:|---:|\n");
    for (const auto& file : files) {
        std::vector<std::vector<Sample>> samples(ways.size());
        std::vector<long long> bytes(ways.size(), -1);
        for (int round = 0; round < rounds; ++round) {
            for (std::size_t w = 0; w < ways.size(); ++w) {
                const double c0 = cpu_now_ms();
                const auto t0 = std::chrono::steady_clock::now();
                bytes[w] = ways[w].run(file);
                const auto t1 = std::chrono::steady_clock::now();
                const double c1 = cpu_now_ms();
                samples[w].push_back({std::chrono::duration<double, std::milli>(t1 - t0).count(), c1 - c0});
            }
        }
        const std::string base = file.substr(file.find_last_of('/') + 1);
        for (std::size_t w = 0; w < ways.size(); ++w) {
            if (bytes[w] < 0) continue;  // raw libdeflate on a bzip2 file
            std::vector<double> wall, cpu;
            for (const auto& s : samples[w]) {
                wall.push_back(s.wall_ms);
                cpu.push_back(s.cpu_ms);
            }
            const double mw = median(wall);
            std::printf("| %s | %s | %.1f | %.2f | %.2f | %.0f |\n", base.c_str(), ways[w].name, bytes[w] / 1e6, mw,
                        median(cpu), bytes[w] / 1e3 / mw);
        }
    }
    return 0;
}
