// bench_vm: the eBPF machine's own costs, without the plugin runtime around
// it (issue 8, "An interpreter and a JIT with the same semantics").
//
//   BM_PluginA/jit|interp|native   the specification's plugin A as clang
//                                  compiles it (get_arg, one get, one set),
//                                  with helpers that do minimal work, so
//                                  that the figure is the VM's call cost
//   BM_Hash/jit|interp|native      40 arithmetic instructions, no calls
//   BM_EmptyRun/jit|interp         `mov r0, 0; exit`: the fixed cost of a run
//   BM_Compile/<program>/<jumps>   jit_compile() of plugin A, of the hash,
//                                  and of a 1,000- and 4,000-instruction
//                                  program, short or near jumps
//
// Run: build/bench/bench_vm --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "assembler.hpp"
#include "interpreter.hpp"
#include "jit_x86_64.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace mempool::vm;

// ---- plugin A ---------------------------------------------------------------

struct Args {
    const void* arg[4];
};
std::uint64_t state[8];

[[gnu::noinline]] std::uint64_t get_arg(std::uint64_t index, std::uint64_t args, std::uint64_t, std::uint64_t, std::uint64_t) {
    if (index >= 4) return 0;
    return reinterpret_cast<std::uint64_t>(reinterpret_cast<const Args*>(args)->arg[index]);
}
[[gnu::noinline]] std::uint64_t get_state_u64(std::uint64_t key, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    return key < 8 ? state[key] : 0;
}
[[gnu::noinline]] std::uint64_t set_state(std::uint64_t key, std::uint64_t value, std::uint64_t, std::uint64_t, std::uint64_t) {
    if (key >= 8) return static_cast<std::uint64_t>(-1);
    state[key] = value;
    return 0;
}
const HelperFn plugin_helpers[] = {get_arg, get_state_u64, set_state};

// What clang -O2 makes of the specification's plugin A (tests/plugins/probes/spec_plugin_a.c).
const char* plugin_a_text = R"(
    mov %r2, %r1
    mov %r1, 0
    call 0
    mov %r6, 1
    jeq %r0, 0, out
    ldxw %r1, [%r0+0]
    mov %r6, 0
    jne %r1, 2, out
    mov %r1, 2
    call 1
    add %r0, 1
    mov %r1, 2
    mov %r2, %r0
    call 2
    mov %r6, 1
    jne %r0, 0, out
    mov %r6, 0
out:
    mov %r0, %r6
    exit
)";

// The same in C, calling the same helpers.
[[gnu::noinline]] std::uint64_t native_plugin_a(const Args* args) {
    const auto* type = reinterpret_cast<const int*>(get_arg(0, reinterpret_cast<std::uint64_t>(args), 0, 0, 0));
    if (type == nullptr) return 1;
    if (*type != 2) return 0;
    const std::uint64_t seen = get_state_u64(2, 0, 0, 0, 0) + 1;
    return set_state(2, seen, 0, 0, 0) == 0 ? 0 : 1;
}

// ---- a straight-line hash ---------------------------------------------------

std::string hash_text() {
    std::string t = "ldxdw %r0, [%r1+0]\nldxdw %r2, [%r1+8]\n";
    for (int k = 0; k < 6; ++k) {
        t += "mov %r3, %r0\nrsh %r3, 29\nxor %r0, %r3\nlddw %r4, 0xbf58476d1ce4e5b9\nmul %r0, %r4\nadd %r0, %r2\n";
    }
    t += "exit\n";
    return t;
}

[[gnu::noinline]] std::uint64_t native_hash(const std::uint64_t* in) {
    std::uint64_t x = in[0];
    const std::uint64_t y = in[1];
    for (int k = 0; k < 6; ++k) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        x += y;
        benchmark::DoNotOptimize(x);  // keep the six rounds, as the program has them
    }
    return x;
}

// ---- programs as the verifier would hand them --------------------------------

VerifiedProgram verified(const std::string& text) {
    AsmResult a = assemble(text);
    if (!a.error.empty()) {
        std::fprintf(stderr, "bench_vm: %s\n", a.error.c_str());
        std::abort();
    }
    VerifiedProgram p;
    p.program.code = std::move(a.code);
    p.program.function_starts = {0};
    p.frame_size = {64};
    p.stack_size = 64;
    p.flags.assign(p.program.code.size(), 0);
    return p;
}

// A long loop-free program: arithmetic on R0-R9, forward jumps, stack traffic.
VerifiedProgram long_program(std::size_t n) {
    std::string t;
    for (int r = 0; r < 10; ++r) t += "mov %r" + std::to_string(r) + ", " + std::to_string(r * 7 + 1) + "\n";
    for (std::size_t k = 0; t.size() < 40 * n && k < n; ++k) {
        const int a = static_cast<int>(k % 10), b = static_cast<int>((k * 7 + 3) % 10);
        switch (k % 8) {
        case 0: t += "add %r" + std::to_string(a) + ", %r" + std::to_string(b) + "\n"; break;
        case 1: t += "xor32 %r" + std::to_string(a) + ", " + std::to_string(k * 2654435761u % 100000) + "\n"; break;
        case 2: t += "jgt %r" + std::to_string(a) + ", %r" + std::to_string(b) + ", +2\n"; break;
        case 3: t += "stxdw [%r10-" + std::to_string(8 * (1 + k % 8)) + "], %r" + std::to_string(a) + "\n"; break;
        case 4: t += "ldxdw %r" + std::to_string(a) + ", [%r10-" + std::to_string(8 * (1 + (k + 5) % 8)) + "]\n"; break;
        case 5: t += "div %r" + std::to_string(a) + ", %r" + std::to_string(b) + "\n"; break;
        case 6: t += "lsh %r" + std::to_string(a) + ", 3\n"; break;
        default: t += "mul %r" + std::to_string(a) + ", 3\n"; break;
        }
    }
    // Every stack slot read above was written first.
    std::string init;
    for (int s = 1; s <= 8; ++s) init += "stdw [%r10-" + std::to_string(8 * s) + "], 0\n";
    return verified(init + t + "exit\n");
}

JitCode compiled(const VerifiedProgram& p, std::span<const HelperFn> helpers) {
    JitResult r = jit_compile(p, helpers);
    if (!r.code) {
        std::fprintf(stderr, "bench_vm: %s\n", r.error.c_str());
        std::abort();
    }
    return std::move(*r.code);
}

enum Mode : int { jit = 0, interp = 1, native = 2 };

void BM_PluginA(benchmark::State& s) {
    const VerifiedProgram p = verified(plugin_a_text);
    const JitCode code = compiled(p, plugin_helpers);
    int type = 2;
    Args args{{&type, nullptr, nullptr, nullptr}};
    state[2] = 0;
    RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(&args)};
    for (auto _ : s) {
        std::uint64_t r;
        switch (s.range(0)) {
        case jit: r = code(rc); break;
        case interp: r = interpret(p, plugin_helpers, rc); break;
        default: r = native_plugin_a(&args); break;
        }
        benchmark::DoNotOptimize(r);
    }
    if (state[2] != static_cast<std::uint64_t>(s.iterations())) s.SkipWithError("plugin A miscounted");
}
BENCHMARK(BM_PluginA)->Arg(jit)->Arg(interp)->Arg(native)->ArgName("jit0_interp1_native2");

void BM_Hash(benchmark::State& s) {
    const VerifiedProgram p = verified(hash_text());
    const JitCode code = compiled(p, {});
    std::uint64_t in[2] = {0x1234, 0x9876};
    RunContext rc{.r1 = reinterpret_cast<std::uint64_t>(in)};
    const std::uint64_t want = native_hash(in);
    for (auto _ : s) {
        std::uint64_t r;
        switch (s.range(0)) {
        case jit: r = code(rc); break;
        case interp: r = interpret(p, {}, rc); break;
        default: r = native_hash(in); break;
        }
        benchmark::DoNotOptimize(r);
        if (r != want) {
            s.SkipWithError("wrong hash");
            break;
        }
    }
}
BENCHMARK(BM_Hash)->Arg(jit)->Arg(interp)->Arg(native)->ArgName("jit0_interp1_native2");

void BM_EmptyRun(benchmark::State& s) {
    const VerifiedProgram p = verified("mov %r0, 0\nexit\n");
    const JitCode code = compiled(p, {});
    RunContext rc;
    for (auto _ : s) {
        const std::uint64_t r = s.range(0) == jit ? code(rc) : interpret(p, {}, rc);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_EmptyRun)->Arg(jit)->Arg(interp)->ArgName("jit0_interp1");

// Compile time: program 0 plugin A, 1 hash, 2 a 1,000-instruction program,
// 3 a 4,000-instruction one; jumps 1 short where they fit, 0 all near.
void BM_Compile(benchmark::State& s) {
    VerifiedProgram p;
    switch (s.range(0)) {
    case 0: p = verified(plugin_a_text); break;
    case 1: p = verified(hash_text()); break;
    case 2: p = long_program(1000); break;
    default: p = long_program(4000); break;
    }
    const JitOptions options{.short_jumps = s.range(1) != 0};
    std::size_t bytes = 0;
    for (auto _ : s) {
        JitResult r = jit_compile(p, plugin_helpers, options);
        if (!r.code) {
            s.SkipWithError(r.error.c_str());
            break;
        }
        bytes = r.code->code().size();
        benchmark::DoNotOptimize(r);
    }
    s.counters["insns"] = static_cast<double>(p.program.code.size());
    s.counters["code_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Compile)->ArgsProduct({{0, 1, 2, 3}, {1, 0}})->ArgNames({"program", "short"});

}  // namespace

BENCHMARK_MAIN();
