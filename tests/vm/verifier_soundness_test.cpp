// verifier_soundness_test.cpp: programs the verifier accepts, run under the
// checked interpreter (src/vm/checked_interpreter.hpp), which checks every
// step against the invariant of docs/verifier.md. Any violation is a
// verifier bug. The programs are random (mostly well-formed encodings after
// a prologue that sets the registers and four stack slots), so that the
// accepted ones cover what hand-written tests do not think of; helpers are
// small host functions that honour their signatures (a bump allocator for
// the heap ones).
#include <gtest/gtest.h>

#include <cstring>
#include <ctime>
#include <random>

#include "checked_interpreter.hpp"
#include "insn_builder.hpp"
#include "random_program.hpp"
#include "isa_table.hpp"
#include "verifier.hpp"
namespace mempool::vm {
namespace {
using namespace test;
using namespace isa;
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
enum Helper : std::int32_t { get_number, set_state_buf, read_into, ctx_malloc, get_fixed, get_attr };
VerifyOptions options() {
    VerifyOptions o;
    o.ctx_size = 64;
    o.heap_size = 4096;
    o.max_instructions = 100000;
    auto sig = [](std::string name, std::initializer_list<ArgKind> args) {
        HelperSignature h;
        h.name = name;
        h.arg_count = args.size();
        std::size_t i = 0;
        for (ArgKind a : args) h.args[i++] = a;
        return h;
    };
    o.helpers.push_back(sig("get_number", {ArgKind::number}));
    o.helpers.push_back(sig("set_state_buf", {ArgKind::number, ArgKind::mem_in, ArgKind::size}));
    o.helpers.push_back(sig("read_into", {ArgKind::mem_out, ArgKind::size}));
    HelperSignature m = sig("ctx_malloc", {ArgKind::size});
    m.ret = RetKind::heap_or_null;
    m.ret_size_arg = 0;
    o.helpers.push_back(m);
    HelperSignature f = sig("get_fixed", {ArgKind::mem_fixed});
    f.fixed_size = 16;
    o.helpers.push_back(f);
    HelperSignature a = sig("get_attr", {});
    a.ret = RetKind::heap_or_null;
    a.ret_size = 8;
    o.helpers.push_back(a);
    return o;
}
std::uint8_t heap_arena[4096];
std::size_t heap_used = 0;
std::uint64_t h_get_number(std::uint64_t a, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    return a * 3;
}
std::uint64_t h_set_state_buf(std::uint64_t, std::uint64_t b, std::uint64_t n, std::uint64_t, std::uint64_t) {
    std::uint64_t s = 0;
    for (std::uint64_t i = 0; i < n; ++i) s += ((std::uint8_t*)b)[i];
    return s;
}
std::uint64_t h_read_into(std::uint64_t b, std::uint64_t n, std::uint64_t, std::uint64_t, std::uint64_t) {
    std::memset((void*)b, 7, n);
    return n;
}
std::uint64_t h_ctx_malloc(std::uint64_t n, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    if (n > 256 || heap_used + n > sizeof heap_arena) return 0;
    auto p = heap_arena + heap_used;
    heap_used += (n + 7) & ~7ull;
    return (std::uint64_t)p;
}
std::uint64_t h_get_fixed(std::uint64_t b, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    ((std::uint8_t*)b)[3] ^= 1;
    return 1;
}
std::uint64_t h_get_attr(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    if (heap_used + 8 > sizeof heap_arena) return 0;
    auto p = heap_arena + heap_used;
    heap_used += 8;
    return (std::uint64_t)p;
}
const HelperFn fns[] = {h_get_number, h_set_state_buf, h_read_into, h_ctx_malloc, h_get_fixed, h_get_attr};
VerifyResult check(std::vector<Insn> c, std::vector<std::uint32_t> starts, std::vector<std::uint8_t> ro,
                   VerifyOptions o) {
    Program p;
    p.code = std::move(c);
    p.function_starts = std::move(starts);
    p.rodata = std::move(ro);
    return verify(std::move(p), o);
}
std::size_t violations = 0;
void run_checked(const VerifyResult& r, std::mt19937& rng) {
    for (int t = 0; t < 3; ++t) {
        std::uint8_t ctx[64];
        for (auto& b : ctx) b = rng() % 4 == 0 ? 0 : rng();
        heap_used = 0;
        RunContext rc;
        rc.r1 = (std::uint64_t)ctx;
        rc.heap = heap_arena;
        rc.heap_size = sizeof heap_arena;
        auto res = interpret_checked(r.program, fns, rc, sizeof ctx);
        if (res.violation) {
            ++violations;
            if (violations < 6) {
                std::printf("VIOLATION: %s\n", res.violation->to_string().c_str());
                for (std::size_t i = 0; i < r.program.program.code.size(); ++i) {
                    auto& in = r.program.program.code[i];
                    std::printf("  %2zu: %02x d%u s%u off %d imm %d\n", i, in.code, in.dst(), in.src(), in.off, in.imm);
                }
            }
            return;
        }
    }
}
TEST(VerifierSoundness, AcceptedRandomProgramsRunWithoutViolation) {
    // Hostile input: random encodings (mostly valid opcodes, random fields,
    // short jumps, a second function now and then). verify() must return,
    // quickly, and whatever it accepts must carry consistent facts.
    std::mt19937 rng(4242);
    VerifyOptions o = options();
    o.max_instructions = 5'000;
    std::size_t accepted = 0;
    const double start = cpu_ms();
    for (int round = 0; round < 8000; ++round) {
        const RandomProgram p = random_program(rng, 16);
        const std::vector<Insn>& c = p.code;
        const std::vector<std::uint32_t>& starts = p.starts;
        auto r = check(c, starts, {1, 2, 3, 4, 5, 6, 7, 8}, o);
        ASSERT_LE(r.diagnostics.size(), 64u);
        if (!r.ok()) {
            continue;
        }
        ++accepted;
        EXPECT_LE(r.program.instruction_bound, o.max_instructions);
        EXPECT_EQ(r.program.frame_size.size(), starts.size());
        for (std::uint32_t f : r.program.frame_size) EXPECT_EQ(f % 16, 0u);
        run_checked(r, rng);
        EXPECT_LE(r.program.stack_size, o.max_stack);
    }
    EXPECT_EQ(violations, 0u);
    EXPECT_GT(accepted, 100u);
    std::printf("random programs: %zu violations, %zu of 8000 accepted, %.1f ms of CPU\n", violations, accepted,
                cpu_ms() - start);
}

TEST(VerifierSoundness, AcceptedRandomProgramsRunWithoutViolationInXbgpMode) {
    // The same with xBGP's relaxations on: numbers used as addresses (heap
    // addresses, translated and checked), NULL-able and unboundedly moved
    // heap pointers checked at run time, loops bounded at run time.
    std::mt19937 rng(9090);
    VerifyOptions o = options();
    o.max_instructions = 5'000;
    o.heap_addresses = true;
    o.loop_budget = true;
    std::size_t accepted = 0, translated = 0, budgeted = 0;
    violations = 0;
    for (int round = 0; round < 8000; ++round) {
        const RandomProgram p = random_program(rng, 16);
        auto r = check(p.code, p.starts, {1, 2, 3, 4, 5, 6, 7, 8}, o);
        ASSERT_LE(r.diagnostics.size(), 64u);
        if (!r.ok()) continue;
        ++accepted;
        EXPECT_LE(r.program.instruction_bound, o.max_instructions);
        for (std::uint8_t f : r.program.flags) translated += (f & flag_heap_address) != 0;
        budgeted += !r.program.loop_costs.empty();
        run_checked(r, rng);
    }
    EXPECT_EQ(violations, 0u);
    EXPECT_GT(accepted, 100u);
    std::printf("xBGP mode: %zu violations, %zu of 8000 accepted, %zu accesses through heap addresses, %zu budgeted\n",
                violations, accepted, translated, budgeted);
}

}  // namespace
}  // namespace mempool::vm
