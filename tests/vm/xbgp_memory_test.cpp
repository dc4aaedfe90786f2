// xbgp_memory_test.cpp: the machine's xBGP extensions against hostile and
// honest programs, each run by the interpreter, the checked interpreter and
// the JIT (docs/verifier.md, "xBGP programs"):
//   - heap addresses in memory (heap_address()): a number used as an address
//     reaches the arena or stops the run, whatever the number;
//   - writable globals (Program::data): read and written through LDDW
//     pseudo_data, kept across runs in RunContext::data, bounds proven;
//   - helper buffers of run-time size (HelperCheck): checked before the call;
//   - helpers that read a zeroed frame (obj_in, str_in, ptr_struct_in): never
//     handed a byte that may hold part of a pointer; their room recorded.
#include "all_executors.hpp"
#include "assembler.hpp"
#include "checked_interpreter.hpp"
#include "interpreter.hpp"
#include "verifier.hpp"
#ifdef MEMPOOL_HAVE_JIT
#include "jit_x86_64.hpp"
#endif

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mempool::vm {
namespace {

// ---- a little host: an arena, helpers over it ----------------------------

alignas(16) std::uint8_t arena[256];
std::uint8_t host_secret[64] = {42};  // host memory a plugin must never reach
RunContext* current = nullptr;        // the run in progress, for helpers that read RunContext
std::uint32_t seen_room = 0;
std::uint64_t seen_pointer = 0;

// get_route(): a 16-byte object at arena+64 whose first field is the heap
// address of arena+128 (as a host fills bgp_route.attr).
std::uint64_t get_route(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    const std::uint64_t inner = heap_address(128);
    std::memcpy(arena + 64, &inner, 8);
    arena[128] = 7;
    return reinterpret_cast<std::uintptr_t>(arena + 64);
}
std::uint64_t get_null(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 0; }
// copy(dst, src, n): a mem_out_rt, a mem_in_rt, their size_rt; returns dst.
std::uint64_t copy(std::uint64_t dst, std::uint64_t src, std::uint64_t n, std::uint64_t, std::uint64_t) {
    seen_pointer = src;
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
    return dst;
}
// show(s): a str_in; records the room the executor handed over.
std::uint64_t show(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) {
    seen_room = current != nullptr ? current->arg_room[0] : 0;
    return 0;
}
std::uint64_t take_object(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 0; }
// ctx_shmnew: a block of the shared arena (none here: the tests only verify).
std::uint64_t shmnew(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 0; }

const HelperFn helper_fns[] = {get_route, get_null, copy, show, take_object, shmnew};

VerifyOptions xbgp_options(bool heap_addresses = true) {
    VerifyOptions o;
    o.ctx_size = 16;
    o.heap_size = sizeof arena;
    o.heap_addresses = heap_addresses;
    HelperSignature route;
    route.name = "get_route";
    route.ret = RetKind::heap_or_null;
    route.ret_size = 16;
    HelperSignature null = route;
    null.name = "get_null";
    HelperSignature c;
    c.name = "copy";
    c.arg_count = 3;
    c.args = {ArgKind::mem_out_rt, ArgKind::mem_in_rt, ArgKind::size_rt};
    c.size_arg = {2, 2, -1, -1, -1};
    c.ret = RetKind::first_arg;
    HelperSignature s;
    s.name = "show";
    s.arg_count = 1;
    s.args[0] = ArgKind::str_in;
    HelperSignature t;
    t.name = "take_object";
    t.arg_count = 1;
    t.args[0] = ArgKind::obj_in;
    t.arg_size[0] = 8;
    HelperSignature shm = route;
    shm.name = "ctx_shmnew";
    o.helpers = {route, null, c, s, t, shm};
    return o;
}

struct Verified {
    VerifyResult result;
    std::string messages;
};

Verified check(std::string_view text, VerifyOptions o = xbgp_options(), std::vector<std::uint8_t> data = {},
               std::vector<std::size_t> data_lddw = {}) {
    AsmResult a = assemble(text);
    EXPECT_EQ(a.error, "") << text;
    Program p;
    p.code = std::move(a.code);
    p.function_starts = {0};
    p.data = std::move(data);
    for (std::size_t pc : data_lddw) p.code[pc].set_src(isa::pseudo_data);
    Verified v{verify(std::move(p), o), {}};
    for (const Diagnostic& d : v.result.diagnostics) v.messages += d.to_string() + "\n";
    return v;
}

// One run by every executor on the caller's context bytes; they must agree.
using test::Ran;
Ran run_all(const VerifiedProgram& p, std::array<std::uint8_t, 16>& ctx) {
    return test::run_all_executors(p, {helper_fns, arena, &current}, ctx, test::ContextBytes::shared);
}

// The globals executors share: interpret and JIT twice would double-count, so
// data runs go one executor at a time below.

TEST(XbgpMemory, AHeapAddressReadFromMemoryReachesTheArena) {
    // r0 = get_route(); r2 = *(u64 *)r0 (a heap address); r0 = *(u8 *)r2
    Verified v = check("call 0\njeq %r0, 0, +2\nldxdw %r2, [%r0+0]\nldxb %r0, [%r2+0]\nexit");
    ASSERT_TRUE(v.result.ok()) << v.messages;
    EXPECT_NE(v.result.program.flags[3] & flag_heap_address, 0);
    std::array<std::uint8_t, 16> ctx{};
    const Ran r = run_all(v.result.program, ctx);
    EXPECT_EQ(r.abort_pc, UINT32_MAX);
    EXPECT_EQ(r.value, 7u);
}

TEST(XbgpMemory, AForgedAddressIsStopped) {
    // Addresses a plugin might forge: host memory, just past the arena, just
    // below the virtual base, and a huge number that wraps.
    const std::uint64_t forged[] = {reinterpret_cast<std::uintptr_t>(host_secret), heap_address(sizeof arena),
                                    heap_address(0) - 1, ~std::uint64_t{0} - 3,
                                    reinterpret_cast<std::uintptr_t>(arena)};
    for (std::uint64_t address : forged) {
        SCOPED_TRACE(address);
        const std::string text = "lddw %r2, " + std::to_string(address) + "\nldxb %r0, [%r2+0]\nexit";
        Verified v = check(text);
        ASSERT_TRUE(v.result.ok()) << v.messages;
        std::array<std::uint8_t, 16> ctx{};
        const Ran r = run_all(v.result.program, ctx);
        EXPECT_EQ(r.abort_pc, 2u);
        EXPECT_EQ(r.value, 0u);
        // Stores too: the secret stays untouched.
        Verified w = check("lddw %r2, " + std::to_string(address) + "\nstb [%r2+0], 1\nmov %r0, 0\nexit");
        ASSERT_TRUE(w.result.ok()) << w.messages;
        EXPECT_EQ(run_all(w.result.program, ctx).abort_pc, 2u);
        EXPECT_EQ(host_secret[0], 42);
    }
    // The last byte of the arena by heap address is fine; one more is not.
    Verified last = check("lddw %r2, " + std::to_string(heap_address(sizeof arena - 1)) + "\nldxb %r0, [%r2+0]\nexit");
    std::array<std::uint8_t, 16> ctx{};
    arena[sizeof arena - 1] = 9;
    EXPECT_EQ(run_all(last.result.program, ctx).value, 9u);
    Verified wide = check("lddw %r2, " + std::to_string(heap_address(sizeof arena - 1)) + "\nldxh %r0, [%r2+0]\nexit");
    EXPECT_EQ(run_all(wide.result.program, ctx).abort_pc, 2u);
}

TEST(XbgpMemory, NumbersAreNotAddressesOutsideXbgpMode) {
    Verified v = check("lddw %r2, 4096\nldxb %r0, [%r2+0]\nexit", xbgp_options(false));
    EXPECT_FALSE(v.result.ok());
    EXPECT_NE(v.messages.find("which is not a pointer"), std::string::npos) << v.messages;
}

TEST(XbgpMemory, PointersNeverGoIntoMemoryButTheStack) {
    // A host address stored in the heap would be readable as a number (A).
    Verified v = check("call 0\njeq %r0, 0, +1\nstxdw [%r0+8], %r10\nmov %r0, 0\nexit");
    EXPECT_FALSE(v.result.ok());
    EXPECT_NE(v.messages.find("(A) stores a pointer into the stack outside the stack"), std::string::npos) << v.messages;
    // Nor through a heap address.
    Verified w = check("lddw %r2, " + std::to_string(heap_address(0)) + "\nstxdw [%r2+0], %r10\nmov %r0, 0\nexit");
    EXPECT_FALSE(w.result.ok());
    // Nor atomically through a number.
    Verified x = check("lddw %r2, " + std::to_string(heap_address(0)) + "\nmov %r1, 1\nlock add [%r2+0], %r1\nmov %r0, 0\nexit");
    EXPECT_FALSE(x.result.ok());
}

TEST(XbgpMemory, AMovedHeapPointerIsCheckedAndNeverCompared) {
    // heap pointer + a number from the context (unbounded): accesses are
    // checked at run time...
    Verified v = check("ldxdw %r6, [%r1+0]\ncall 0\njeq %r0, 0, +2\nadd %r0, %r6\nldxb %r0, [%r0+0]\nexit");
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 16> ctx{};
    const std::uint64_t far = reinterpret_cast<std::uintptr_t>(host_secret) - reinterpret_cast<std::uintptr_t>(arena + 64);
    std::memcpy(ctx.data(), &far, 8);
    EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, 4u);
    const std::uint64_t near = 64;  // arena + 128
    std::memcpy(ctx.data(), &near, 8);
    arena[128] = 3;
    const Ran ok = run_all(v.result.program, ctx);
    EXPECT_EQ(ok.abort_pc, UINT32_MAX);
    EXPECT_EQ(ok.value, 7u);  // get_route() wrote 7 there
    // ... but comparing it would show where the address wraps.
    Verified c = check("ldxdw %r6, [%r1+0]\ncall 0\njeq %r0, 0, +3\nadd %r0, %r6\njeq %r0, 0, +1\nmov %r0, 1\nmov %r0, 0\nexit");
    EXPECT_FALSE(c.result.ok());
    EXPECT_NE(c.messages.find("moved by an unbounded number"), std::string::npos) << c.messages;
}

TEST(XbgpMemory, ANullableHeapPointerIsCheckedAtRunTime) {
    // get_null() returns NULL: the access stops the run instead of being refused.
    Verified v = check("call 1\nldxb %r0, [%r0+0]\nexit");
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 16> ctx{};
    EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, 1u);
    Verified strict = check("call 1\nldxb %r0, [%r0+0]\nexit", xbgp_options(false));
    EXPECT_FALSE(strict.result.ok());
}

TEST(XbgpMemory, GlobalsPersistAcrossRunsAndStayInBounds) {
    // counter++ in the globals; r0 = counter.
    const char* text = "lddw %r2, 8\nldxdw %r0, [%r2+0]\nadd %r0, 1\nstxdw [%r2+0], %r0\nexit";
    std::vector<std::uint8_t> image(16, 0);
    image[8] = 40;
    Verified v = check(text, xbgp_options(), image, {0});
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::vector<std::uint8_t> globals = image;  // the host's copy, kept across runs
    std::array<std::uint8_t, 16> ctx{};
    for (std::uint64_t expect = 41; expect <= 43; ++expect) {
        RunContext rc;
        rc.r1 = reinterpret_cast<std::uintptr_t>(ctx.data());
        rc.data = globals.data();
        EXPECT_EQ(interpret(v.result.program, helper_fns, rc), expect);
    }
    {
        RunContext rc;
        rc.r1 = reinterpret_cast<std::uintptr_t>(ctx.data());
        rc.data = globals.data();
        const CheckedResult c = interpret_checked(v.result.program, helper_fns, rc, ctx.size());
        EXPECT_FALSE(c.violation.has_value()) << c.violation->to_string();
        EXPECT_EQ(c.value, 44u);
    }
#ifdef MEMPOOL_HAVE_JIT
    JitResult jit = jit_compile(v.result.program, helper_fns);
    ASSERT_TRUE(jit.code.has_value()) << jit.error;
    RunContext rc;
    rc.r1 = reinterpret_cast<std::uintptr_t>(ctx.data());
    rc.data = globals.data();
    EXPECT_EQ((*jit.code)(rc), 45u);
#endif
    EXPECT_EQ(globals[8], 45);
    // A host that gives no copy of the globals: every executor stops at entry.
    EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, 0u);
    // Out of bounds, and a pointer stored into the globals: refused.
    Verified out = check("lddw %r2, 12\nldxdw %r0, [%r2+0]\nexit", xbgp_options(), image, {0});
    EXPECT_FALSE(out.result.ok());
    EXPECT_NE(out.messages.find("writable globals"), std::string::npos) << out.messages;
    Verified ptr = check("lddw %r2, 0\nstxdw [%r2+0], %r10\nmov %r0, 0\nexit", xbgp_options(), image, {0});
    EXPECT_FALSE(ptr.result.ok());
}

TEST(XbgpMemory, RunTimeSizedHelperBuffersAreCheckedBeforeTheCall) {
    // copy(r10-16, heap object, n) with n from the context: 16 bytes of room.
    const char* text =
        "ldxdw %r6, [%r1+0]\nstdw [%r10-16], 0\nstdw [%r10-8], 0\ncall 0\njeq %r0, 0, +5\n"
        "mov %r1, %r10\nadd %r1, -16\nmov %r2, %r0\nmov %r3, %r6\ncall 2\nmov %r0, 0\nexit";
    Verified v = check(text);
    ASSERT_TRUE(v.result.ok()) << v.messages;
    EXPECT_FALSE(v.result.program.helper_checks.empty());
    std::array<std::uint8_t, 16> ctx{};
    for (std::uint64_t n : {0u, 8u, 16u}) {
        std::memcpy(ctx.data(), &n, 8);
        EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, UINT32_MAX) << n;
    }
    for (std::uint64_t n : {17u, 4096u, ~0u}) {
        std::memcpy(ctx.data(), &n, 8);
        EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, 9u) << n;
    }
    // A heap address as the source: translated before the call, checked
    // against the arena's end.
    const std::string from_address = "ldxdw %r6, [%r1+0]\nstdw [%r10-16], 0\nstdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -16\n"
                                     "lddw %r2, " + std::to_string(heap_address(sizeof arena - 8)) +
                                     "\nmov %r3, %r6\ncall 2\nmov %r0, 0\nexit";
    Verified a = check(from_address);
    ASSERT_TRUE(a.result.ok()) << a.messages;
    std::uint64_t n = 8;
    std::memcpy(ctx.data(), &n, 8);
    EXPECT_EQ(run_all(a.result.program, ctx).abort_pc, UINT32_MAX);
    EXPECT_EQ(seen_pointer, reinterpret_cast<std::uintptr_t>(arena + sizeof arena - 8));
    n = 9;
    std::memcpy(ctx.data(), &n, 8);
    EXPECT_EQ(run_all(a.result.program, ctx).abort_pc, 8u);
}

TEST(XbgpMemory, HelpersReadingAZeroedFrameNeverSeePointerBytes) {
    // A pointer spilled, one byte of it overwritten, the slot handed over as
    // an object: its other seven bytes are an address (A).
    Verified v = check("stxdw [%r10-8], %r10\nstb [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\ncall 4\nmov %r0, 0\nexit");
    EXPECT_FALSE(v.result.ok());
    EXPECT_NE(v.messages.find("may hold part of a pointer"), std::string::npos) << v.messages;
    // Padding never written is fine: the frame is zeroed.
    Verified p = check("stb [%r10-8], 1\nmov %r1, %r10\nadd %r1, -8\ncall 4\nmov %r0, 0\nexit");
    ASSERT_TRUE(p.result.ok()) << p.messages;
    EXPECT_TRUE(p.result.program.zero_frames);
    std::array<std::uint8_t, 16> ctx{};
    EXPECT_EQ(run_all(p.result.program, ctx).abort_pc, UINT32_MAX);
    // A string on the stack: the helper learns how far it may read (to the
    // frame's top here: 8 bytes).
    Verified s = check("stdw [%r10-8], 0x636261\nmov %r1, %r10\nadd %r1, -8\ncall 3\nmov %r0, 0\nexit");
    ASSERT_TRUE(s.result.ok()) << s.messages;
    seen_room = 0;
    run_all(s.result.program, ctx);
    EXPECT_EQ(seen_room, 8u);
    // With a pointer spilled right after it, the room stops before it.
    Verified t = check("stxdw [%r10-8], %r10\nstdw [%r10-16], 0x636261\nmov %r1, %r10\nadd %r1, -16\ncall 3\nmov %r0, 0\nexit");
    ASSERT_TRUE(t.result.ok()) << t.messages;
    run_all(t.result.program, ctx);
    EXPECT_EQ(seen_room, 8u);
}

TEST(XbgpMemory, LoopsBoundedOnlyByDataPayAtRunTime) {
    // for (i = 0; i < n; i++) with n a 64-bit number from the context: no
    // bound can be proven; with loop_budget the loop is accepted and every
    // back edge pays its length.
    const char* text = "ldxdw %r2, [%r1+0]\nmov %r0, 0\nloop:\njge %r0, %r2, +2\nadd %r0, 1\nja loop\nexit";
    VerifyOptions strict = xbgp_options();
    strict.max_instructions = 10'000;
    Verified refused = check(text, strict);
    EXPECT_FALSE(refused.result.ok());
    VerifyOptions o = xbgp_options();
    o.loop_budget = true;
    o.max_instructions = 10'000;
    Verified v = check(text, o);
    ASSERT_TRUE(v.result.ok()) << v.messages;
    EXPECT_FALSE(v.result.program.loop_costs.empty());
    EXPECT_EQ(v.result.program.instruction_bound, 10'000u);
    std::array<std::uint8_t, 16> ctx{};
    std::uint64_t n = 100;
    std::memcpy(ctx.data(), &n, 8);
    const Ran ok = run_all(v.result.program, ctx);
    EXPECT_EQ(ok.abort_pc, UINT32_MAX);
    EXPECT_EQ(ok.value, 100u);
    n = ~std::uint64_t{0};  // would run for ever: the budget stops it at the back edge
    std::memcpy(ctx.data(), &n, 8);
    const Ran stopped = run_all(v.result.program, ctx);
    EXPECT_EQ(stopped.abort_pc, 4u);
    EXPECT_EQ(stopped.value, 0u);
}

TEST(XbgpMemory, StructureArgumentsFromMemoryAreCheckedBeforeTheCall) {
    // take_object(heap address) is translated and checked for its 8 bytes.
    const std::string ok = "lddw %r1, " + std::to_string(heap_address(sizeof arena - 8)) + "\ncall 4\nmov %r0, 0\nexit";
    Verified v = check(ok);
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 16> ctx{};
    EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, UINT32_MAX);
    const std::string past = "lddw %r1, " + std::to_string(heap_address(sizeof arena - 7)) + "\ncall 4\nmov %r0, 0\nexit";
    Verified w = check(past);
    ASSERT_TRUE(w.result.ok()) << w.messages;
    EXPECT_EQ(run_all(w.result.program, ctx).abort_pc, 2u);
    const std::string host = "lddw %r1, " + std::to_string(reinterpret_cast<std::uintptr_t>(host_secret)) +
                             "\ncall 4\nmov %r0, 0\nexit";
    Verified x = check(host);
    ASSERT_TRUE(x.result.ok()) << x.messages;
    EXPECT_EQ(run_all(x.result.program, ctx).abort_pc, 2u);
}

TEST(XbgpMemory, HeapPointersOfTwoObjectsAreComparedInTheArena) {
    // clang's overlap check before a vectorised copy (decode_cluster_list):
    // dst >= src + n, with dst and src two heap objects, n bounded. Both
    // certainly in the heap arena at offsets in [0, 2^32]: the comparison
    // is one of arena offsets.
    const std::string overlap =
        "ldxb %r7, [%r1+0]\ncall 0\njeq %r0, 0, +9\nmov %r6, %r0\ncall 0\njeq %r0, 0, +6\n"
        "mov %r3, %r6\nadd %r3, %r7\nmov %r4, 1\njge %r0, %r3, +1\nmov %r4, 2\nmov %r0, %r4\nexit";
    Verified v = check(overlap);
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 16> ctx{};
    const Ran r = run_all(v.result.program, ctx);  // both calls return arena + 64: equal, so >=
    EXPECT_EQ(r.abort_pc, UINT32_MAX);
    EXPECT_EQ(r.value, 1u);
    // Not after an unbounded move (where the sum wraps would show)...
    Verified far = check("ldxdw %r7, [%r1+0]\ncall 0\njeq %r0, 0, +7\nmov %r6, %r0\ncall 0\njeq %r0, 0, +4\n"
                         "mov %r3, %r6\nadd %r3, %r7\njge %r0, %r3, +0\nmov %r0, 0\nexit");
    EXPECT_FALSE(far.result.ok());
    // ... nor at a negative offset (below the arena, the address could wrap)...
    Verified below = check("call 0\njeq %r0, 0, +7\nmov %r6, %r0\ncall 0\njeq %r0, 0, +4\n"
                           "mov %r3, %r6\nadd %r3, -8\njge %r0, %r3, +0\nmov %r0, 0\nexit");
    EXPECT_FALSE(below.result.ok());
    EXPECT_NE(below.messages.find("different regions or objects"), std::string::npos) << below.messages;
    // ... nor before the NULL check (NULL is no arena offset)...
    Verified null = check("call 0\nmov %r6, %r0\ncall 0\njeq %r0, 0, +2\njge %r0, %r6, +0\nmov %r0, 0\nexit");
    EXPECT_FALSE(null.result.ok());
    // ... nor with shared memory (another arena: the distance is host layout)...
    Verified shared = check("call 5\njeq %r0, 0, +5\nmov %r6, %r0\ncall 0\njeq %r0, 0, +2\njge %r0, %r6, +0\n"
                            "mov %r0, 0\nexit");
    EXPECT_FALSE(shared.result.ok());
    // ... nor with jset (the common bits of two addresses), nor subtracted.
    Verified bits = check("call 0\njeq %r0, 0, +5\nmov %r6, %r0\ncall 0\njeq %r0, 0, +2\njset %r0, %r6, +0\n"
                          "mov %r0, 0\nexit");
    EXPECT_FALSE(bits.result.ok());
    Verified diff = check("call 0\njeq %r0, 0, +5\nmov %r6, %r0\ncall 0\njeq %r0, 0, +2\nsub %r0, %r6\nexit\n"
                          "mov %r0, 0\nexit");
    EXPECT_FALSE(diff.result.ok());
    // Outside xBGP mode, different objects are never compared.
    EXPECT_FALSE(check(overlap, xbgp_options(false)).result.ok());
}

TEST(XbgpMemory, RegistersSixToNineStartAtZeroInEveryExecutor) {
    // `asn` set on one path only, read where the paths agree by a relation
    // the verifier does not track (filter_odd_as): R6-R9 are 0 at entry in
    // every executor, the JIT included, so the read sees 0 or the value.
    Verified v = check("ldxb %r2, [%r1+0]\njeq %r2, 0, +1\nmov %r8, 5\nmov %r0, %r8\nadd %r0, %r6\nadd %r0, %r7\n"
                       "add %r0, %r9\nexit");
    ASSERT_TRUE(v.result.ok()) << v.messages;
    std::array<std::uint8_t, 16> ctx{};
    EXPECT_EQ(run_all(v.result.program, ctx).value, 0u);
    ctx[0] = 1;
    EXPECT_EQ(run_all(v.result.program, ctx).value, 5u);
    // R0, R3-R5 stay unset at entry, and a helper call still clobbers R1-R5.
    EXPECT_FALSE(check("mov %r0, %r3\nexit").result.ok());
    Verified clobbered = check("mov %r3, 1\ncall 1\nmov %r0, 0\nadd %r0, %r3\nexit");
    EXPECT_FALSE(clobbered.result.ok());
    EXPECT_NE(clobbered.messages.find("R3 is used"), std::string::npos) << clobbered.messages;
}

TEST(XbgpMemory, ALoopClosedByFallingIntoItsHeadPaysAtItsBackwardJump) {
    // The loop's head (jge) is entered by a jump from before it and closed
    // by the body falling into it; the ja back into the body pays.
    const char* text = "ldxdw %r2, [%r1+0]\nmov %r0, 0\nja head\nbody:\nadd %r0, 1\nhead:\njge %r0, %r2, +1\n"
                       "ja body\nexit";
    VerifyOptions o = xbgp_options();
    o.loop_budget = true;
    o.max_instructions = 10'000;
    Verified v = check(text, o);
    ASSERT_TRUE(v.result.ok()) << v.messages;
    ASSERT_EQ(v.result.program.loop_costs.size(), 1u);
    EXPECT_EQ(v.result.program.loop_costs[0].pc, 5u);
    std::array<std::uint8_t, 16> ctx{};
    std::uint64_t n = 100;
    std::memcpy(ctx.data(), &n, 8);
    const Ran ok = run_all(v.result.program, ctx);
    EXPECT_EQ(ok.abort_pc, UINT32_MAX);
    EXPECT_EQ(ok.value, 100u);
    n = ~std::uint64_t{0};
    std::memcpy(ctx.data(), &n, 8);
    EXPECT_EQ(run_all(v.result.program, ctx).abort_pc, 5u);
    // Without a budget it stays refused (T).
    VerifyOptions strict = xbgp_options();
    strict.max_instructions = 10'000;
    EXPECT_FALSE(check(text, strict).result.ok());
}

// VerifiedProgram::writes_context: a host that hands one context buffer to
// plugin after plugin cleans it after those that may have written it (the
// runtime's argument struct, run.cpp). Every way of writing counts: a store,
// an atomic, a helper's output buffer; reading does not.
TEST(XbgpMemory, WritingTheContextIsReportedWhateverTheWay) {
    const auto writes = [](std::string_view text) {
        Verified v = check(text);
        EXPECT_TRUE(v.result.ok()) << text << "\n" << v.messages;
        return v.result.program.writes_context;
    };
    EXPECT_FALSE(writes("ldxdw %r0, [%r1+8]\nexit"));
    EXPECT_FALSE(writes("mov %r2, %r1\nmov %r1, %r10\nadd %r1, -8\nmov %r3, 8\ncall 2\nmov %r0, 0\nexit"));
    EXPECT_TRUE(writes("stdw [%r1+8], 1\nmov %r0, 0\nexit"));
    EXPECT_TRUE(writes("mov %r2, 1\nstxdw [%r1+0], %r2\nmov %r0, 0\nexit"));
    EXPECT_TRUE(writes("mov %r2, 1\nlock add [%r1+8], %r2\nmov %r0, 0\nexit"));
    EXPECT_TRUE(writes("stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\ncall 2\nmov %r0, 0\nexit"));
}

}  // namespace
}  // namespace mempool::vm
