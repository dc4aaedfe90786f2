// interpreter_test.cpp: what the conformance files cannot show: helper
// calls, read-only data, run-time heap checks, and the frame layout the
// verifier's frame_size dictates. The instruction semantics themselves are
// covered by conformance/*.data (conformance_test.cpp).
#include "assembler.hpp"
#include "conformance_file.hpp"
#include "interpreter.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace mempool::vm {
namespace {

VerifiedProgram program(std::string_view text) {
    AsmResult a = assemble(text);
    EXPECT_EQ(a.error, "");
    Program p;
    p.code = std::move(a.code);
    return conformance::hand_verified(p, 0);
}

std::uint64_t add5(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d, std::uint64_t e) {
    return a + 10 * b + 100 * c + 1000 * d + 10000 * e;
}
std::uint64_t ret7(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return 7; }

TEST(Interpreter, HelperCallsGetR1ToR5AndSetR0) {
    const VerifiedProgram p = program(R"(
        mov %r1, 1
        mov %r2, 2
        mov %r3, 3
        mov %r4, 4
        mov %r5, 5
        call 1
        mov %r6, %r0
        call 0
        add %r0, %r6
        exit)");
    const std::array<HelperFn, 2> helpers{ret7, add5};
    RunContext rc;
    // The second call sees whatever R1-R5 hold after the first (here unchanged).
    EXPECT_EQ(interpret(p, helpers, rc), 54321u + 7u);
}

TEST(Interpreter, RodataAddress) {
    VerifiedProgram p = program("lddw %r1, rodata+4\nldxw %r0, [%r1]\nldxb %r2, [%r1-1]\nlsh %r0, 8\nor %r0, %r2\nexit");
    p.program.rodata = {0x10, 0x20, 0x30, 0x40, 0x01, 0x02, 0x03, 0x04};
    RunContext rc;
    EXPECT_EQ(interpret(p, {}, rc), 0x0403020140u);
}

TEST(Interpreter, FlaggedAccessesAreCheckedAgainstTheHeap) {
    // R1 = heap pointer from the context, R2 = an index the verifier could not bound.
    VerifiedProgram p = program(R"(
        add %r1, %r2
        ldxw %r0, [%r1+0]
        stw [%r1+0], 9
        exit)");
    p.flags[1] = flag_heap_check;
    p.flags[2] = flag_heap_check;
    std::array<std::uint8_t, 16> heap{};
    heap[12] = 0x2a;
    RunContext rc;
    rc.heap = heap.data();
    rc.heap_size = heap.size();
    rc.r1 = reinterpret_cast<std::uintptr_t>(heap.data());

    rc.r2 = 12;  // the last 4 bytes: inside
    EXPECT_EQ(interpret(p, {}, rc), 0x2au);
    EXPECT_FALSE(rc.aborted());
    EXPECT_EQ(heap[12], 9);

    for (std::uint64_t bad : {std::uint64_t{13}, std::uint64_t{16}, ~std::uint64_t{0}, std::uint64_t{1} << 63}) {
        rc.r2 = bad;
        EXPECT_EQ(interpret(p, {}, rc), 0u) << bad;
        EXPECT_TRUE(rc.aborted()) << bad;
        EXPECT_EQ(rc.abort_pc, 1u);
    }
    // Below the arena.
    rc.r1 = reinterpret_cast<std::uintptr_t>(heap.data()) - 4;
    rc.r2 = 0;
    EXPECT_EQ(interpret(p, {}, rc), 0u);
    EXPECT_EQ(rc.abort_pc, 1u);
    // A later good run clears abort_pc.
    rc.r1 = reinterpret_cast<std::uintptr_t>(heap.data());
    rc.r2 = 0;
    (void)interpret(p, {}, rc);
    EXPECT_FALSE(rc.aborted());
}

TEST(Interpreter, FramesAreLaidOutDownwardsBySize) {
    // main (frame 64) -> f (frame 32) -> g (frame 16): each callee's R10 is its
    // caller's R10 minus the caller's frame size, and the whole chain fits
    // stack_size exactly.
    VerifiedProgram p = program(R"(
        mov %r6, %r10
        call local f
        exit
    f:
        mov %r7, %r10
        call local g
        exit
    g:
        mov %r0, %r6
        sub %r0, %r7
        lsh %r0, 16
        mov %r1, %r7
        sub %r1, %r10
        or %r0, %r1
        stb [%r10-16], 1
        exit)");
    ASSERT_EQ(p.program.function_starts.size(), 3u);
    p.frame_size = {64, 32, 16};
    p.stack_size = 64 + 32 + 16;
    RunContext rc;
    EXPECT_EQ(interpret(p, {}, rc), (64u << 16) | 32u);
}

TEST(Interpreter, AtomicsOnTheHeapAreChecked) {
    VerifiedProgram p = program("mov %r2, 5\nlock fetch add [%r1+0], %r2\nmov %r0, %r2\nexit");
    p.flags[1] = flag_heap_check;
    alignas(8) std::array<std::uint8_t, 8> heap{3};
    RunContext rc;
    rc.heap = heap.data();
    rc.heap_size = heap.size();
    rc.r1 = reinterpret_cast<std::uintptr_t>(heap.data());
    EXPECT_EQ(interpret(p, {}, rc), 3u);
    EXPECT_EQ(heap[0], 8);
    rc.heap_size = 7;
    EXPECT_EQ(interpret(p, {}, rc), 0u);
    EXPECT_EQ(rc.abort_pc, 1u);
}

TEST(Interpreter, MisalignedAtomicsAreDefined) {
    // RFC 9669 does not require alignment; Linux refuses misaligned atomics and
    // the checked interpreter reports them, but if a verifier lets one through
    // the interpreter must still compute it without undefined behaviour.
    const VerifiedProgram p = program(R"(
        lddw %r1, 0x1122334455667788
        stxdw [%r10-16], %r1
        stxdw [%r10-8], %r1
        mov %r2, 1
        lock fetch add [%r10-13], %r2
        lddw %r3, 0x6677881122334455
        jne %r2, %r3, fail
        mov %r0, 0x44556677
        mov32 %r4, 0x44332211
        lock cmpxchg32 [%r10-7], %r4
        jne %r0, 0x44556677, fail
        ldxdw %r0, [%r10-13]
        exit
    fail:
        mov %r0, 0
        exit)");
    RunContext rc;
    EXPECT_EQ(interpret(p, {}, rc), 0x2211881122334456u);
}

}  // namespace
}  // namespace mempool::vm
