// redteam2_test.cpp: hostile programs from the second red-team pass over the
// machine (docs/verifier.md, "What was tried"). Each test is an attack a
// hostile plugin could make: the ones that found a hole fail without their
// fix (named in the test's comment); the others prove the promise holds.
// Programs that the verifier accepts run through the interpreter, the
// checked interpreter (any violation is a verifier bug) and the JIT, which
// must agree.
#include "all_executors.hpp"
#include "assembler.hpp"
#include "verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mempool::vm {
namespace {

alignas(64) std::uint8_t arena[512];

// ctx_malloc(n): a block at the arena's start (one per run is enough here).
std::uint64_t ctx_malloc(std::uint64_t n, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    return n == 0 || n > sizeof arena ? 0 : reinterpret_cast<std::uintptr_t>(arena);
}
// show(s): a str_in; records what it may read (arg_room) and reads it.
RunContext* current = nullptr;
std::string shown;
std::uint64_t show(std::uint64_t s, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    shown.clear();
    const std::uint32_t room = current != nullptr ? current->arg_room[0] : 0;
    const auto* p = reinterpret_cast<const char*>(s);
    for (std::uint32_t i = 0; i < room && p[i] != 0; ++i) shown += p[i];
    return 0;
}
std::uint64_t get_number(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 5; }
// ctx_realloc(p, n) as the runtime's answers: p back if it is a block start
// in the arena (8-byte aligned, past the first header), else NULL.
std::uint64_t ctx_realloc(std::uint64_t p, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    const auto base = reinterpret_cast<std::uintptr_t>(arena);
    return p >= base + 8 && p < base + sizeof arena && p % 8 == 0 ? p : 0;
}

// copy(dst, src, n): ebpf_memcpy's shape (run-time sized buffers), returns dst.
std::uint64_t copy(std::uint64_t dst, std::uint64_t src, std::uint64_t n, std::uint64_t, std::uint64_t) {
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
    return dst;
}

const HelperFn helper_fns[] = {ctx_malloc, show, get_number, ctx_realloc, copy};

VerifyOptions options(bool xbgp = false) {
    VerifyOptions o;
    o.ctx_size = 64;
    o.heap_size = sizeof arena;
    o.heap_addresses = xbgp;
    HelperSignature m;
    m.name = "ctx_malloc";
    m.arg_count = 1;
    m.args[0] = ArgKind::size;
    m.ret = RetKind::heap_or_null;
    m.ret_size_arg = 0;
    HelperSignature s;
    s.name = "show";
    s.arg_count = 1;
    s.args[0] = ArgKind::str_in;
    HelperSignature n;
    n.name = "get_number";
    HelperSignature r;
    r.name = "ctx_realloc";
    r.arg_count = 2;
    r.args[0] = ArgKind::heap_or_null;
    r.args[1] = ArgKind::number;
    r.ret = RetKind::heap_or_null;
    r.ret_size_arg = 1;
    HelperSignature c;
    c.name = "copy";
    c.arg_count = 3;
    c.args = {ArgKind::mem_out_rt, ArgKind::mem_in_rt, ArgKind::size_rt};
    c.size_arg = {2, 2, -1, -1, -1};
    c.ret = RetKind::first_arg;
    o.helpers = {m, s, n, r, c};
    return o;
}

struct Verified {
    VerifyResult result;
    std::string messages;
    [[nodiscard]] bool refused_with(const std::string& text) const {
        return !result.ok() && messages.find(text) != std::string::npos;
    }
};

Verified check(std::string_view text, const VerifyOptions& o = options()) {
    AsmResult a = assemble(text);
    EXPECT_EQ(a.error, "") << text;
    Program p;
    p.code = std::move(a.code);
    p.function_starts = {0};
    for (std::size_t pc = 0; pc < p.code.size(); ++pc)  // functions named by `call local`
        if (p.code[pc].code == isa::op_call && p.code[pc].src() == isa::pseudo_call)
            p.function_starts.push_back(static_cast<std::uint32_t>(pc + 1 + p.code[pc].imm));
    std::sort(p.function_starts.begin(), p.function_starts.end());
    p.function_starts.erase(std::unique(p.function_starts.begin(), p.function_starts.end()), p.function_starts.end());
    Verified v{verify(std::move(p), o), {}};
    for (const Diagnostic& d : v.result.diagnostics) v.messages += d.to_string() + "\n";
    return v;
}

// One run by every executor, each on its own copy of a 64-byte context; they must agree.
using test::Ran;
Ran run_all(const VerifiedProgram& p, std::array<std::uint8_t, 64> ctx = {}) {
    return test::run_all_executors(p, {helper_fns, arena, &current}, ctx, test::ContextBytes::copied);
}

// ---- (A) comparisons that see where an address wraps or changes sign ------

// A binary search for the heap arena's address (xBGP mode, where a heap
// pointer may be moved by any number): q = p - guess is compared with 0 as
// a signed number, so each step learns one bit of p. Found by this pass:
// accepted, and R0 came back as the arena's address in every executor.
// The fix (branch() in transfer.cpp): a pointer takes part in a comparison
// only at offsets in [-2^16, 2^56]: with every region above the first 64 KiB
// of the address space and below 2^57, no such pointer wraps or changes
// sign, so the answer depends on offsets only.
constexpr const char* arena_search =
    "mov %r1, 8\n"
    "call 0\n"
    "jne %r0, 0, +1\n"
    "exit\n"
    "mov %r6, %r0\n"   // p: the arena's address
    "mov %r7, 0\n"     // what is known of it
    "mov %r8, 46\n"
    "loop:\n"
    "mov %r2, 1\n"
    "lsh %r2, %r8\n"
    "or %r2, %r7\n"    // candidate = known | 1 << bit
    "mov %r3, %r6\n"
    "sub %r3, %r2\n"   // p - candidate
    "jslt %r3, 0, +1\n"
    "mov %r7, %r2\n"   // p >= candidate: the bit is set
    "sub %r8, 1\n"
    "jsge %r8, 0, loop\n"
    "mov %r0, %r7\n"
    "exit\n";

TEST(Redteam2, BinarySearchForTheArenaAddressIsRefused) {
    const Verified v = check(arena_search, options(true));
    if (v.result.ok()) {
        const Ran r = run_all(v.result.program);
        ADD_FAILURE() << "accepted; R0 = " << std::hex << r.value << ", the arena is at "
                      << reinterpret_cast<std::uintptr_t>(arena);
        return;
    }
    EXPECT_TRUE(v.refused_with("(A) compares")) << v.messages;
}

// The same without xBGP: a stack pointer moved 2^15 times by 2^31 - 1 (each
// step a bounded one) is 2^46 below the frame; its sign tells whether the
// stack lies above 2^46.
TEST(Redteam2, ASignedComparisonOfAFarStackPointerWithZeroIsRefused) {
    const Verified v = check(
        "mov %r2, %r10\n"
        "mov %r3, 0\n"
        "loop:\n"
        "sub %r2, 0x7fffffff\n"
        "add %r3, 1\n"
        "jlt %r3, 32768, loop\n"
        "mov %r0, 0\n"
        "jsgt %r2, 0, +1\n"
        "mov %r0, 1\n"
        "exit\n");
    EXPECT_TRUE(v.refused_with("(A) compares")) << v.messages;
}

// Two pointers of one region compared as unsigned numbers: p - 2^46 < p
// unless the subtraction wrapped, that is unless p < 2^46.
TEST(Redteam2, AnUnsignedComparisonAcrossTheWrapIsRefused) {
    const Verified v = check(
        "mov %r2, %r10\n"
        "mov %r3, 0\n"
        "loop:\n"
        "sub %r2, 0x7fffffff\n"
        "add %r3, 1\n"
        "jlt %r3, 32768, loop\n"
        "mov %r0, 0\n"
        "jlt %r2, %r10, +1\n"
        "mov %r0, 1\n"
        "exit\n");
    EXPECT_TRUE(v.refused_with("(A) compares")) << v.messages;
}

// ---- (A) spilled pointers forgotten at a join -----------------------------

// One path spills a pointer at [r10-8], the other leaves the slot alone;
// after the join the slot is unreadable, but a helper reading a zeroed
// frame (str_in) may read bytes never written, as zeros, and must stop
// before any byte that may hold a pointer. Found by this pass: the join kept
// only the slots both paths had touched, so the spilled pointer's slot
// became "never written" and the room handed to the helper ran into it:
// "AAAAAAAA" followed by six bytes of the stack's address. The fix
// (abstract_state.cpp): a slot one path never touched joins as an untouched
// slot, so its pointer bytes stay tainted (and subsumption sees them).
TEST(Redteam2, AStringRunningIntoAPointerSpilledOnOnePathStopsBeforeIt) {
    const Verified v = check(
        "ldxb %r2, [%r1+0]\n"
        "jeq %r2, 0, +1\n"
        "stxdw [%r10-8], %r10\n"
        "lddw %r3, 0x4141414141414141\n"
        "stxdw [%r10-16], %r3\n"
        "mov %r1, %r10\n"
        "add %r1, -16\n"
        "call 1\n"
        "mov %r0, 0\n"
        "exit\n",
        options(true));
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 64> ctx{};
    ctx[0] = 1;  // the path that spills
    run_all(v.result.program, ctx);
    EXPECT_EQ(shown, "AAAAAAAA");
}

// ---- (A) a NULL check that teaches the wrong register ----------------------

// r2 is the heap pointer on one path and the constant 0 on the other; the
// join makes it "the object or NULL", with the object's identity, so that a
// NULL check of it teaches every copy of the object. Found by this pass:
// on the side where r2 == 0, r6 (the object itself, not NULL at all) became
// the number 0, and R0 = r6 handed the arena's address to the host. The fix
// (abstract_state.cpp): the join keeps the identity only when the state
// holding the 0 holds no pointer to the object (its NULL check turned every
// copy into 0); otherwise a NULL check of r2 teaches r2 alone.
TEST(Redteam2, ANullCheckOfAJoinedZeroDoesNotTurnTheObjectIntoANumber) {
    for (bool xbgp : {false, true}) {
        SCOPED_TRACE(xbgp);
        const Verified v = check(
            "ldxb %r7, [%r1+0]\n"
            "mov %r1, 8\n"
            "call 0\n"
            "mov %r6, %r0\n"
            "mov %r2, %r0\n"
            "jne %r7, 0, +1\n"
            "mov %r2, 0\n"
            "jne %r2, 0, +2\n"
            "mov %r0, %r6\n"
            "exit\n"
            "mov %r0, 0\n"
            "exit\n",
            options(xbgp));
        if (v.result.ok()) {
            const Ran r = run_all(v.result.program);
            ADD_FAILURE() << "accepted; R0 = " << std::hex << r.value << ", the arena is at "
                          << reinterpret_cast<std::uintptr_t>(arena);
            continue;
        }
        EXPECT_TRUE(v.refused_with("R0 at exit is")) << v.messages;
    }
}

// The same through a table of spilled values: one slot holds a copy of the
// object, the other 0, and a bounded index chooses.
TEST(Redteam2, ANullCheckOfASlotChosenByAnIndexTeachesNoCopy) {
    const Verified v = check(
        "ldxb %r7, [%r1+0]\n"
        "mov %r1, 8\n"
        "call 0\n"
        "mov %r6, %r0\n"
        "stxdw [%r10-8], %r0\n"
        "stdw [%r10-16], 0\n"
        "and %r7, 8\n"
        "mov %r2, %r10\n"
        "add %r2, -16\n"
        "add %r2, %r7\n"
        "ldxdw %r2, [%r2+0]\n"
        "jne %r2, 0, +2\n"
        "mov %r0, %r6\n"
        "exit\n"
        "mov %r0, 0\n"
        "exit\n");
    if (v.result.ok()) {
        const Ran r = run_all(v.result.program);
        ADD_FAILURE() << "accepted; R0 = " << std::hex << r.value;
        return;
    }
    EXPECT_TRUE(v.refused_with("R0 at exit is")) << v.messages;
}

// ---- (A) a helper that tells whether a number is a heap block -------------

// ctx_realloc(p, n) returns NULL unless p is a block of the arena: handed a
// number of the plugin's choosing, it is an oracle for guessed host
// addresses (a 60 KiB block makes each guess cover 60 KiB; tens of
// thousands of guesses fit in a run). Found by this pass: a number, or NULL
// moved by a number, was accepted as ctx_realloc's and ctx_free's argument.
// The fix (helpers_check.cpp): a heap pointer, NULL, or NULL moved by less
// than 64 KiB; in xBGP mode a number is a heap address, translated and
// checked against the arena before the call (NULL passes, exec.hpp).
constexpr const char* realloc_oracle =
    "ldxdw %r1, [%r1+0]\n"  // the guess
    "mov %r2, 8\n"
    "call 3\n"
    "mov %r6, 0\n"
    "jeq %r0, 0, +1\n"
    "mov %r6, 1\n"
    "mov %r0, %r6\n"
    "exit\n";

std::array<std::uint8_t, 64> guessing(std::uint64_t guess) {
    std::array<std::uint8_t, 64> ctx{};
    std::memcpy(ctx.data(), &guess, 8);
    return ctx;
}

TEST(Redteam2, ANumberIsNotAHeapPointerToRealloc) {
    const Verified v = check(realloc_oracle);
    if (v.result.ok()) {
        const std::uint64_t right = run_all(v.result.program, guessing(reinterpret_cast<std::uintptr_t>(arena) + 64)).value;
        const std::uint64_t wrong = run_all(v.result.program, guessing(0x7f0000000000)).value;
        ADD_FAILURE() << "accepted; a right guess gives " << right << ", a wrong one " << wrong;
        return;
    }
    EXPECT_TRUE(v.refused_with("expects a heap pointer or NULL")) << v.messages;
    // NULL moved by a number is one too.
    const Verified moved = check(
        "ldxdw %r6, [%r1+0]\n"
        "mov %r1, 8\n"
        "call 0\n"
        "mov %r1, %r0\n"
        "mov %r7, 0\n"
        "loop:\n"
        "add %r1, 0x7fffffff\n"
        "add %r7, 1\n"
        "jlt %r7, 4, loop\n"
        "mov %r2, 8\n"
        "call 3\n"
        "mov %r0, 0\n"
        "exit\n");
    EXPECT_TRUE(moved.refused_with("expects a heap pointer or NULL")) << moved.messages;
    // What a plugin honestly passes: the pointer, checked or not, and NULL.
    EXPECT_TRUE(check("mov %r1, 8\ncall 0\nmov %r1, %r0\nmov %r2, 16\ncall 3\nmov %r0, 0\nexit\n").result.ok());
    EXPECT_TRUE(check("mov %r1, 0\nmov %r2, 16\ncall 3\nmov %r0, 0\nexit\n").result.ok());
}

TEST(Redteam2, InXbgpModeANumberToReallocIsAHeapAddressOrStopsTheRun) {
    const Verified v = check(realloc_oracle, options(true));
    ASSERT_TRUE(v.result.ok()) << v.messages;
    // A heap address reaches its block.
    EXPECT_EQ(run_all(v.result.program, guessing(heap_address(64))).value, 1u);
    // NULL is NULL.
    const Ran null = run_all(v.result.program, guessing(0));
    EXPECT_EQ(null.abort_pc, UINT32_MAX);
    EXPECT_EQ(null.value, 0u);
    // A guessed host address outside the arena stops the run at the call.
    EXPECT_EQ(run_all(v.result.program, guessing(0x7f0000000000)).abort_pc, 2u);
}

// ---- (A) a helper's result that the executor translated -------------------

// xBGP: a heap address handed to a run-time sized buffer is translated into
// the arena's host address before the call, so a helper returning its first
// argument (ebpf_memcpy returns dst) returns the host address, while the
// verifier believed R0 was the number passed.
TEST(Redteam2, ATranslatedHeapAddressDoesNotComeBackAsANumber) {
    const Verified v = check(
        "lddw %r1, " + std::to_string(heap_address(0)) + "\n"
        "stdw [%r10-8], 0\n"
        "mov %r2, %r10\n"
        "add %r2, -8\n"
        "mov %r3, 8\n"
        "call 4\n"
        "exit\n",
        options(true));
    if (v.result.ok()) {
        const Ran r = run_all(v.result.program);
        EXPECT_EQ(r.value, heap_address(0)) << "the arena is at " << std::hex << reinterpret_cast<std::uintptr_t>(arena);
    } else {
        EXPECT_TRUE(v.refused_with("R0 at exit is")) << v.messages;
    }
}

// ---- executors agreeing --------------------------------------------------

// xBGP: one load reached with a heap pointer in one context (proven, no
// flag) and a heap address, a number, in another (flag_heap_address). The
// flag is per instruction, so every executor translated the pointer too:
// the run stopped there (safe, but an accepted program failing), and the
// checked interpreter saw a pointer used as a heap address (a verifier
// bug by its rules). Found by this pass; now refused (memory_check.cpp):
// such an access cannot be checked one way.
TEST(Redteam2, ALoadReachedWithAPointerAndAHeapAddressIsRefused) {
    const Verified v = check(
        "mov %r1, 8\n"
        "call 0\n"
        "jne %r0, 0, +1\n"
        "exit\n"
        "stb [%r0+0], 3\n"
        "mov %r1, %r0\n"
        "call local read\n"
        "mov %r6, %r0\n"
        "lddw %r1, " + std::to_string(heap_address(0)) + "\n"
        "call local read\n"
        "add %r0, %r6\n"
        "exit\n"
        "read:\n"
        "ldxb %r0, [%r1+0]\n"
        "exit\n",
        options(true));
    if (v.result.ok()) {
        run_all(v.result.program);  // the executors must agree
        ADD_FAILURE() << "accepted";
        return;
    }
    EXPECT_TRUE(v.refused_with("heap pointer on one path and a heap address")) << v.messages;
}

// The same with a run-time heap check: one function reads p[i] for a stack
// buffer (proven) and for a heap object too small to prove it (checked at
// run time, flag_heap_check): the check, made for every run of the
// instruction, stopped the stack buffer's run (plain mode too). Found by
// this pass; now refused like the one above.
TEST(Redteam2, ACheckedHeapAccessAlsoReachedWithTheStackIsRefused) {
    const Verified v = check(
        "ldxb %r8, [%r1+0]\n"
        "stdw [%r10-8], 0\n"
        "stdw [%r10-16], 7\n"
        "mov %r1, 8\n"
        "call 0\n"
        "jne %r0, 0, +1\n"
        "exit\n"
        "stdw [%r0+0], 0\n"
        "mov %r6, %r0\n"
        "mov %r1, %r10\n"
        "add %r1, -16\n"
        "mov %r2, %r8\n"
        "call local read\n"
        "mov %r7, %r0\n"
        "mov %r1, %r6\n"
        "mov %r2, %r8\n"
        "call local read\n"
        "add %r0, %r7\n"
        "exit\n"
        "read:\n"
        "and %r2, 15\n"
        "add %r1, %r2\n"
        "ldxb %r0, [%r1+0]\n"
        "exit\n");
    if (v.result.ok()) {
        const Ran r = run_all(v.result.program);
        ADD_FAILURE() << "accepted; the run stopped at pc " << r.abort_pc;
        return;
    }
    EXPECT_TRUE(v.refused_with("heap pointer on one path")) << v.messages;
}

// ---- a third pass: the rules of 72a7ceb, on random programs --------------

// Programs built for the two rules added after the second pass: pointers of
// one region (the frame, the context) compared with each other, signed and
// unsigned, and 1-3 exit tails (a helper reading a string, loads through a
// pointer) reached by jumps from paths that moved and stored through
// pointers differently. Every accepted program runs on four contexts under
// every executor (all_executors.hpp: the checked interpreter must find no
// access outside the regions and no address leaving, the executors must
// agree). The first version of the comparison rule narrowed an unsigned
// comparison of offsets as unsigned numbers (r10 - 8 < r10 read as false):
// 378 of 20,000 such programs went wrong, a red-team helper found.
// A number in [0, n) from the generators' seed (xorshift).
int pick_from(std::uint64_t& seed, int n) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<int>(seed % static_cast<std::uint64_t>(n));
}

// An accepted random program on four contexts (all zero, then random
// bytes) through every executor; false once one of them failed.
bool runs_clean(const VerifiedProgram& program, std::uint64_t& seed) {
    for (int run = 0; run < 4; ++run) {
        std::array<std::uint8_t, 64> ctx{};
        if (run != 0)
            for (auto& b : ctx) b = static_cast<std::uint8_t>(pick_from(seed, 256));
        (void)run_all(program, ctx);
        if (::testing::Test::HasFailure()) return false;
    }
    return true;
}

std::string random_program(std::uint64_t& seed) {
    const auto pick = [&](int n) { return pick_from(seed, n); };
    std::string out;
    const auto line = [&](const std::string& l) { out += l + "\n"; };
    for (int k = 1; k <= 8; ++k)
        if (pick(3) != 0) line("stdw [%r10-" + std::to_string(8 * k) + "], " + std::to_string(pick(100)));
    // r2, r3, r6 into the frame; r4, r5, r7 into the context; r8, r9 numbers
    for (const char* l : {"mov %r2, %r10", "add %r2, -8", "mov %r3, %r10", "mov %r4, %r1", "mov %r5, %r1",
                          "add %r5, 8", "mov %r6, %r10", "mov %r7, %r1", "mov %r9, 3"})
        line(l);
    line("ldxb %r8, [%r1+" + std::to_string(pick(8)) + "]");
    const char* frame[] = {"%r2", "%r3", "%r6"};
    const char* context[] = {"%r4", "%r5", "%r7"};
    const auto pointer = [&] { return std::string(pick(2) ? frame[pick(3)] : context[pick(3)]); };
    const auto number = [&] { return std::string(pick(2) ? "%r8" : "%r9"); };
    const auto same_region_pair = [&] {
        return pick(2) ? std::string(frame[pick(3)]) + ", " + frame[pick(3)]
                       : std::string(context[pick(3)]) + ", " + context[pick(3)];
    };
    const char* jumps[] = {"jeq", "jne", "jsgt", "jsge", "jslt", "jsle", "jgt", "jge", "jlt", "jle"};
    const int tails = 1 + pick(3);
    const bool loop = pick(3) == 0;
    int labels = 0;
    if (loop) line("loop:");
    for (int i = 0, n = 8 + pick(24); i < n; ++i) {
        switch (pick(13)) {
        case 0: line("mov " + std::string(frame[pick(3)]) + ", %r10"); break;
        case 1: line("mov " + std::string(context[pick(3)]) + ", %r1"); break;
        case 2: line("add " + pointer() + ", " + std::to_string(pick(80) - 72)); break;
        case 3: line("add " + pointer() + ", " + std::to_string(pick(80))); break;
        case 4: {
            const std::string r = number();
            line("ldxb " + r + ", [%r1+" + std::to_string(pick(64)) + "]");
            line("and " + r + ", " + std::to_string(1 + pick(31)));
            break;
        }
        case 5: {
            const std::string r = number();
            line("and " + r + ", 31");
            line("add " + pointer() + ", " + r);
            line("add " + pointer() + ", -16");
            break;
        }
        case 6: case 7: line(std::string(jumps[pick(10)]) + " " + same_region_pair() + ", L" + std::to_string(labels)); break;
        case 8: line("ja T" + std::to_string(pick(tails))); break;
        case 9: line("ldxdw %r0, [" + pointer() + (pick(2) ? "+" : "-") + std::to_string(8 * pick(3)) + "]"); break;
        case 10: line("stxdw [" + pointer() + "-" + std::to_string(8 * pick(3)) + "], " + number()); break;
        case 11: line("stb [" + pointer() + "+" + std::to_string(pick(8)) + "], 1"); break;
        case 12: line("L" + std::to_string(labels++) + ":"); break;
        }
    }
    line("L" + std::to_string(labels) + ":");
    if (loop) {
        line("sub %r9, 1");
        line("jne %r9, 0, loop");
    }
    line("mov %r0, 0");
    line("ja T0");
    for (int t = 0; t < tails; ++t) {
        line("T" + std::to_string(t) + ":");
        switch (pick(4)) {
        case 0: line("mov %r1, " + pointer()); line("call 1"); line("mov %r0, 0"); break;  // show: a str_in
        case 1: line("ldxdw %r0, [" + pointer() + "]"); break;
        case 2: line("mov %r0, " + number()); break;
        case 3: line("ldxb %r0, [" + pointer() + "+" + std::to_string(pick(8)) + "]"); break;
        }
        line("exit");
    }
    return out;
}

TEST(Redteam3, PointerComparisonsAndExitTailsHoldOnRandomPrograms) {
    std::uint64_t seed = 0x9e3779b97f4a7c15ull;
    int accepted = 0;
    for (int i = 0; i < 800; ++i) {
        const std::string text = random_program(seed);
        const Verified v = check(text);
        if (!v.result.ok()) continue;
        ++accepted;
        SCOPED_TRACE(text);
        if (!runs_clean(v.result.program, seed)) return;
    }
    EXPECT_GT(accepted, 150);  // the rules are exercised, not only refused
}

// ---- a fourth pass: xBGP mode, heap pointers, local calls ----------------

VerifyOptions xbgp_budgeted() {
    VerifyOptions o = options(true);
    o.loop_budget = true;
    return o;
}

// A callee stores p or 0 (an unrelated zero) into the caller's slot, while
// the caller's R6 still holds p. The callee's states do not hold the
// caller's R6-R9 (cleared at the call), so their join took the 0 for p's
// NULL: back in the caller the reloaded slot was "p or NULL" beside R6 = p.
// Compared with R6 (the same object: narrowed, 0 == 0 always taken), the
// other side, returning R6, was never analysed; R0 came back as the
// arena's address. Subtracted from R6 (R0 = -address), or NULL-checked
// (the NULL side turned R6 into a number), the same. The fix (local_call):
// such a value names no object once R6-R9 come back.
constexpr const char* callee_joins_an_unrelated_zero =
    "ldxb %r7, [%r1+0]\n"
    "mov %r1, 8\n"
    "call 0\n"
    "jne %r0, 0, +2\n"
    "mov %r0, 0\n"
    "exit\n"
    "mov %r6, %r0\n"
    "stdw [%r10-8], 0\n"
    "mov %r1, %r6\n"
    "mov %r2, %r10\n"
    "add %r2, -8\n"
    "mov %r3, %r7\n"
    "call local f\n"
    "ldxdw %r7, [%r10-8]\n"
    "USE\n"
    "f:\n"
    "jeq %r3, 0, zero\n"
    "stxdw [%r2], %r1\n"
    "mov %r0, 0\n"
    "exit\n"
    "zero:\n"
    "mov %r1, 0\n"
    "stdw [%r2], 0\n"
    "mov %r0, 0\n"
    "exit\n";

std::string with_use(const char* use) {
    std::string t = callee_joins_an_unrelated_zero;
    t.replace(t.find("USE\n"), 4, use);
    return t;
}

// A callee leaves a pointer to its own frame in the caller's frame; the slot
// was erased at the return as never written, so a string helper reading a
// zeroed frame read the address's bytes. The fix: erased, and tainted.
constexpr const char* callee_frame_pointer_left_behind =
    "mov %r1, %r10\n"
    "add %r1, -16\n"
    "call local f\n"
    "mov %r1, %r10\n"
    "add %r1, -16\n"
    "call 1\n"
    "mov %r0, 0\n"
    "exit\n"
    "f:\n"
    "mov %r2, %r10\n"
    "add %r2, -8\n"
    "stxdw [%r1], %r2\n"
    "mov %r0, 0\n"
    "exit\n";

// A string at a heap pointer moved before its object: its first byte was
// read 7 bytes before the arena. The fix: a string's first byte must be in
// the object, proven, or (xBGP) checked at run time.
constexpr const char* string_before_its_heap_object =
    "mov %r1, 64\n"
    "call 0\n"
    "jne %r0, 0, +2\n"
    "mov %r0, 0\n"
    "exit\n"
    "mov %r1, %r0\n"
    "add %r1, -7\n"
    "call 1\n"
    "mov %r0, 0\n"
    "exit\n";

TEST(Redteam4, HolesFoundByTheFourthPassAreRefused) {
    for (const VerifyOptions& o : {options(), xbgp_budgeted()}) {
        EXPECT_FALSE(check(with_use("jeq %r7, %r6, ok\nmov %r0, %r6\nexit\nok:\nmov %r0, 1\nexit\n"), o).result.ok());
        EXPECT_FALSE(check(with_use("sub %r7, %r6\nmov %r0, %r7\nexit\n"), o).result.ok());
        EXPECT_FALSE(check(callee_frame_pointer_left_behind, o).result.ok());
    }
    // R6 unchecked (NULL-able): the NULL check of the reloaded slot taught R6 it was 0.
    std::string unchecked = with_use("jne %r7, 0, ok\nmov %r0, %r6\nexit\nok:\nmov %r0, 1\nexit\n");
    unchecked.replace(unchecked.find("jne %r0, 0, +2\nmov %r0, 0\nexit\n"), 30, "");
    for (const VerifyOptions& o : {options(), xbgp_budgeted()}) EXPECT_FALSE(check(unchecked, o).result.ok());
    EXPECT_FALSE(check(string_before_its_heap_object).result.ok());
    const Verified x = check(string_before_its_heap_object, xbgp_budgeted());
    ASSERT_TRUE(x.result.ok()) << x.messages;
    EXPECT_EQ(run_all(x.result.program).abort_pc, 7u);  // xBGP: stopped at the call
}

// Random programs of the same families, plain and xBGP (heap addresses, a
// loop budget): two ctx_malloc results, NULL-checked or not, moved, compared
// in every way with each other, the frame and themselves, spilled and
// reloaded, set to 0; local functions that get a pointer into the caller's
// frame and store a pointer, 0 or their own frame's address there; exit
// tails that hand pointers to the string and copy helpers; a loop closed by
// a counter or by `p < end`. Every accepted program runs through every
// executor (the checked interpreter included) on four contexts.
std::string random_heap_program(std::uint64_t& seed) {
    const auto pick = [&](int n) { return pick_from(seed, n); };
    std::string out;
    const auto line = [&](const std::string& l) { out += l + "\n"; };
    int labels = 0;
    const auto label = [&] { return "L" + std::to_string(labels); };
    const int tails = 1 + pick(3);
    const int functions = pick(3);
    line("ldxb %r8, [%r1+" + std::to_string(pick(8)) + "]");
    line("ldxb %r9, [%r1+" + std::to_string(8 + pick(8)) + "]");
    for (int k = 1; k <= 6; ++k)
        if (pick(2) != 0) line("stdw [%r10-" + std::to_string(8 * k) + "], " + std::to_string(pick(100)));
    line("mov %r1, 64");
    line("call 0");
    line("mov %r6, %r0");
    if (pick(3) == 0) {
        line("mov %r1, 64");
        line("call 0");
    }
    line("mov %r7, %r0");
    for (const char* r : {"%r6", "%r7"})
        if (pick(2)) {
            line(std::string("jne ") + r + ", 0, +2");
            line("mov %r0, 0");
            line("exit");
        }
    // r2-r5 move, r6 and r7 heap objects, r8 and r9 numbers
    for (const char* l : {"mov %r2, %r10", "add %r2, -8", "mov %r3, %r6", "mov %r4, %r7", "mov %r5, %r10"}) line(l);
    const char* pointers[] = {"%r2", "%r3", "%r4", "%r5", "%r6", "%r7"};
    const auto pointer = [&] { return std::string(pointers[pick(6)]); };
    const auto number = [&] { return std::string(pick(2) ? "%r8" : "%r9"); };
    const auto slot = [&] { return "[%r10-" + std::to_string(8 * (1 + pick(6))) + "]"; };
    const char* jumps[] = {"jeq", "jne", "jsgt", "jsge", "jslt", "jsle", "jgt", "jge", "jlt", "jle"};
    const bool loop = pick(3) == 0;
    if (loop) line("loop:");
    for (int i = 0, n = 8 + pick(24); i < n; ++i) {
        switch (pick(19)) {
        case 0: line("mov " + pointer() + ", " + pointer()); break;
        case 1: line("add " + pointer() + ", " + std::to_string(pick(24) - 8)); break;
        case 2: {
            const std::string r = number();
            line("and " + r + ", 15");
            line("add " + pointer() + ", " + r);
            break;
        }
        case 3: case 4: line(std::string(jumps[pick(10)]) + " " + pointer() + ", " + pointer() + ", " + label()); break;
        case 5: line(std::string(pick(2) ? "jeq " : "jne ") + pointer() + ", 0, " + label()); break;
        case 6: line("L" + std::to_string(labels++) + ":"); break;
        case 7: line("stxdw " + slot() + ", " + pointer()); break;
        case 8: line("ldxdw " + pointer() + ", " + slot()); break;
        case 9: line("mov " + pointer() + ", 0"); break;
        case 10: line("ldxdw %r0, [" + pointer() + "+" + std::to_string(8 * pick(3)) + "]"); break;
        case 11: line("stxb [" + pointer() + "+" + std::to_string(pick(8)) + "], " + number()); break;
        case 12: line("ja T" + std::to_string(pick(tails))); break;
        case 13:
            if (functions == 0) break;
            line("mov %r1, " + pointer());
            line("mov %r2, %r10");
            line("add %r2, -" + std::to_string(8 * (1 + pick(6))));
            line("mov %r3, " + number());
            line("mov %r4, " + pointer());
            line("call local F" + std::to_string(pick(functions)));
            for (const char* l : {"mov %r2, %r10", "add %r2, -8", "mov %r3, %r6", "mov %r4, %r7", "mov %r5, %r10"})
                line(l);
            break;
        case 14: line("mov " + pointer() + ", %r10"); break;
        case 15: line("mov %r0, " + pointer()); line("exit"); break;
        case 16: line("ldxdw " + number() + ", " + slot()); break;
        case 17: line("jgt " + number() + ", " + std::to_string(pick(20)) + ", " + label()); break;
        case 18: line("mov %r0, " + number()); line("exit"); break;
        }
    }
    line("L" + std::to_string(labels) + ":");
    if (loop) {
        if (pick(2)) {
            line("sub %r9, 1");
            line("jne %r9, 0, loop");
        } else {
            line("add %r3, 1");
            line("jlt %r3, %r4, loop");
        }
    }
    line("mov %r0, 0");
    line("ja T0");
    for (int t = 0; t < tails; ++t) {
        line("T" + std::to_string(t) + ":");
        switch (pick(6)) {
        case 0: line("mov %r1, " + pointer()); line("call 1"); line("mov %r0, 0"); break;  // show (a string)
        case 1: line("ldxdw %r0, [" + pointer() + "]"); break;
        case 2: line("mov %r0, " + number()); break;
        case 3:  // copy(dst, src, n): run-time checked buffers
            line("mov %r1, " + pointer());
            line("mov %r2, " + pointer());
            line("mov %r3, " + number());
            line("call 4");
            line("mov %r0, 0");
            break;
        case 4: line("mov %r0, " + pointer()); break;
        case 5:
            if (functions != 0) {
                line("mov %r1, " + pointer());
                line("mov %r2, %r10");
                line("add %r2, -16");
                line("mov %r3, " + number());
                line("mov %r4, " + pointer());
                line("call local F0");
            }
            line("mov %r0, 1");
            break;
        }
        line("exit");
    }
    // F(p, slot in the caller's frame, n, q): stores and compares, exits early
    const char* in_f[] = {"%r1", "%r4", "%r5", "%r0"};
    for (int f = 0; f < functions; ++f) {
        const std::string name = "G" + std::to_string(f) + "_";
        int local = 0;
        line("F" + std::to_string(f) + ":");
        for (const char* l : {"mov %r5, %r10", "add %r5, -8", "stdw [%r10-8], 7", "mov %r0, 0"}) line(l);
        for (int i = 0, n = 3 + pick(10); i < n; ++i) {
            switch (pick(11)) {
            case 0: line("jeq %r3, " + std::to_string(pick(4)) + ", " + name + std::to_string(local)); break;
            case 1: line("stxdw [%r2], " + std::string(in_f[pick(4)])); break;
            case 2: line("stdw [%r2], 0"); break;
            case 3: line("mov " + std::string(in_f[pick(4)]) + ", 0"); break;
            case 4:
                line(std::string(jumps[pick(10)]) + " " + in_f[pick(4)] + ", " + in_f[pick(4)] + ", " + name +
                     std::to_string(local));
                break;
            case 5: line(name + std::to_string(local++) + ":"); break;
            case 6: line("ldxdw " + std::string(in_f[pick(4)]) + ", [%r2]"); break;
            case 7: line("mov %r0, 0"); line("exit"); break;
            case 8: line("jne " + std::string(in_f[pick(4)]) + ", 0, " + name + std::to_string(local)); break;
            case 9: line("mov %r4, %r1"); break;
            case 10: line("add " + std::string(in_f[pick(3)]) + ", " + std::to_string(pick(16) - 4)); break;
            }
        }
        line(name + std::to_string(local) + ":");
        line("mov %r0, 0");
        line("exit");
    }
    return out;
}

TEST(Redteam4, HeapPointersCallsAndTailsHoldOnRandomPrograms) {
    std::uint64_t seed = 0x1234567887654320ull;
    int accepted = 0;
    for (int i = 0; i < 600; ++i) {
        const std::string text = random_heap_program(seed);
        for (const bool xbgp : {false, true}) {
            VerifyOptions o = xbgp ? xbgp_budgeted() : options();
            o.max_instructions = 2000;
            const Verified v = check(text, o);
            if (!v.result.ok()) continue;
            ++accepted;
            SCOPED_TRACE(text);
            SCOPED_TRACE(xbgp ? "xBGP mode" : "plain mode");
            if (!runs_clean(v.result.program, seed)) return;
        }
    }
    EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace mempool::vm
