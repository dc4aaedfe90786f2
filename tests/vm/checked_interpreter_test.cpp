// checked_interpreter_test.cpp: each violation the checked interpreter must
// report (one small program per kind), that it reports none on honest
// programs, and that it ends runs exactly as the interpreter does (R0, heap
// aborts, memory).
#include "assembler.hpp"
#include "checked_interpreter.hpp"
#include "conformance_file.hpp"
#include "interpreter.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace mempool::vm {
namespace {

VerifiedProgram program(std::string_view text, std::size_t ctx_size = 16) {
    AsmResult a = assemble(text);
    EXPECT_EQ(a.error, "") << text;
    Program p;
    p.code = std::move(a.code);
    return conformance::hand_verified(p, ctx_size);
}

struct Outcome {
    CheckedResult result;
    std::array<std::uint8_t, 16> ctx{};
};

Outcome run(const VerifiedProgram& p, std::span<const HelperFn> helpers = {}, RunContext* rc_in = nullptr) {
    Outcome r;
    RunContext rc;
    if (rc_in != nullptr) rc = *rc_in;
    else {
        rc.r1 = reinterpret_cast<std::uintptr_t>(r.ctx.data());
        rc.r2 = r.ctx.size();
    }
    r.result = interpret_checked(p, helpers, rc, rc_in != nullptr ? rc.r2 : r.ctx.size());
    if (rc_in != nullptr) *rc_in = rc;
    return r;
}

// The violation's message contains `fragment`, at instruction `pc`.
void expect_violation(const VerifiedProgram& p, std::string_view fragment, std::uint32_t pc,
                      std::span<const HelperFn> helpers = {}) {
    const Outcome r = run(p, helpers);
    ASSERT_TRUE(r.result.violation.has_value()) << "no violation; expected: " << fragment;
    EXPECT_NE(r.result.violation->message.find(fragment), std::string::npos) << r.result.violation->to_string();
    EXPECT_EQ(r.result.violation->pc, pc) << r.result.violation->to_string();
    EXPECT_EQ(r.result.value, 0u);
}

TEST(CheckedInterpreter, UninitialisedRegisterAndStack) {
    expect_violation(program("mov %r0, %r3\nexit"), "R3 is read before it is written", 0);
    expect_violation(program("ldxdw %r0, [%r10-8]\nexit"), "uninitialised stack byte at R10-8", 0);
    expect_violation(program("stw [%r10-8], 1\nldxdw %r0, [%r10-8]\nexit"), "uninitialised stack byte at R10-4", 1);
    expect_violation(program("mov %r1, 1\nexit"), "R0 is not set at exit", 1);
    // R2 is the context size only in raw mode.
    VerifiedProgram p = program("mov %r0, %r2\nexit");
    p.options.r2_is_ctx_size = false;
    expect_violation(p, "R2 is read before it is written", 0);
}

TEST(CheckedInterpreter, AccessesOutsideTheRegions) {
    expect_violation(program("stdw [%r10-520], 1\nmov %r0, 0\nexit"), "write of 8 bytes at R10-520", 0);
    expect_violation(program("stb [%r10+0], 1\nmov %r0, 0\nexit"), "outside every region", 0);
    expect_violation(program("ldxw %r0, [%r1+14]\nexit"), "read of 4 bytes at ctx+14", 0);
    expect_violation(program("ldxb %r0, [%r1-1]\nexit"), "ctx-1", 0);
    expect_violation(program("mov %r1, 4096\nldxb %r0, [%r1]\nexit"), "holds a number, not a pointer", 1);
    expect_violation(program("mov %r10, 0\nexit"), "R10 is read-only", 0);
    expect_violation(program("mov %r2, %r10\nadd %r2, -15\nlock add [%r2+0], %r1\nmov %r0, 0\nexit"),
                     "is not aligned", 2);
    VerifiedProgram ro = program("lddw %r1, rodata+0\nstb [%r1+0], 1\nmov %r0, 0\nexit");
    ro.program.rodata = {1, 2, 3, 4};
    expect_violation(ro, "write to read-only data", 2);
    VerifiedProgram ro2 = program("lddw %r1, rodata+2\nldxw %r0, [%r1+0]\nexit");
    ro2.program.rodata = {1, 2, 3, 4};
    expect_violation(ro2, "rodata+2", 2);
}

TEST(CheckedInterpreter, PointerLeaks) {
    expect_violation(program("mov %r0, %r10\nexit"), "R0 holds a pointer at exit", 1);
    expect_violation(program("mov %r0, %r1\nand %r0, 4095\nexit"), "R0 holds a pointer at exit", 2);
    expect_violation(program("mov32 %r0, %r10\nexit"), "R0 holds a pointer at exit", 1);
    expect_violation(program("stxdw [%r1+0], %r10\nmov %r0, 0\nexit"), "a pointer is stored into the context", 0);
    expect_violation(program("stxdw [%r10-8], %r10\nldxw %r0, [%r10-8]\nexit"), "R0 holds a pointer at exit", 2);
    // Two pointers into different regions: their difference is an address.
    expect_violation(program("mov %r0, %r1\nsub %r0, %r10\nexit"), "R0 holds a pointer at exit", 2);
    // Into the same region: a plain number.
    const Outcome same = run(program("mov %r0, %r10\nadd %r0, -8\nsub %r0, %r10\nexit"));
    EXPECT_FALSE(same.result.violation.has_value()) << same.result.violation->to_string();
    EXPECT_EQ(same.result.value, static_cast<std::uint64_t>(-8));
}

std::uint64_t sum_bytes(std::uint64_t p, std::uint64_t n, std::uint64_t, std::uint64_t, std::uint64_t) {
    std::uint64_t s = 0;
    for (std::uint64_t k = 0; k < n; ++k) s += reinterpret_cast<const std::uint8_t*>(p)[k];
    return s;
}
std::uint64_t fill_bytes(std::uint64_t p, std::uint64_t n, std::uint64_t, std::uint64_t, std::uint64_t) {
    for (std::uint64_t k = 0; k < n; ++k) reinterpret_cast<std::uint8_t*>(p)[k] = static_cast<std::uint8_t>(k + 1);
    return 0;
}
std::uint64_t identity(std::uint64_t a, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t) { return a; }

HelperSignature signature(std::string name, std::initializer_list<ArgKind> args) {
    HelperSignature s;
    s.name = std::move(name);
    s.arg_count = static_cast<std::uint8_t>(args.size());
    std::copy(args.begin(), args.end(), s.args.begin());
    return s;
}

TEST(CheckedInterpreter, HelperArguments) {
    const std::array<HelperFn, 3> helpers{sum_bytes, fill_bytes, identity};
    auto with_sigs = [](VerifiedProgram p) {
        p.options.helpers = {signature("sum", {ArgKind::mem_in, ArgKind::size}),
                             signature("fill", {ArgKind::mem_out, ArgKind::size}),
                             signature("identity", {ArgKind::number})};
        return p;
    };
    // A pointer passed as a number.
    expect_violation(with_sigs(program("mov %r1, %r10\ncall 2\nexit")), "passed to identity as a number", 1, helpers);
    // Reading stack the program never wrote.
    expect_violation(with_sigs(program("mov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 0\nexit")),
                     "uninitialised stack byte", 3, helpers);
    // Memory outside the frame.
    expect_violation(with_sigs(program("mov %r1, %r10\nadd %r1, -8\nmov %r2, 16\ncall 1\nmov %r0, 0\nexit")),
                     "is outside every region", 3, helpers);
    // A size above the limit.
    expect_violation(with_sigs(program("mov %r1, %r10\nadd %r1, -8\nlddw %r2, 0x100000\ncall 1\nmov %r0, 0\nexit")),
                     "exceeds", 4, helpers);
    // After a call R1-R5 are gone.
    expect_violation(with_sigs(program("mov %r1, 3\ncall 2\nmov %r0, %r1\nexit")), "R1 is read before", 2, helpers);
    // An unregistered helper.
    expect_violation(program("call 7\nexit"), "helper 7, which is not registered", 0, helpers);

    // mem_out initialises the bytes; mem_in then reads them.
    const Outcome ok = run(with_sigs(program(R"(
        mov %r1, %r10
        add %r1, -8
        mov %r2, 8
        call 1
        mov %r1, %r10
        add %r1, -8
        mov %r2, 8
        call 0
        exit)")),
                       helpers);
    EXPECT_FALSE(ok.result.violation.has_value()) << ok.result.violation->to_string();
    EXPECT_EQ(ok.result.value, 36u);
}

TEST(CheckedInterpreter, ControlFlow) {
    expect_violation(program("ja +5\nexit"), "jump to 6, outside the program", 0);
    expect_violation(program("mov %r0, 0\nja -3\nexit"), "jump to -1", 1);
    expect_violation(program("ja +1\nlddw %r0, 1\nexit"), "second half of the lddw", 0);
    expect_violation(program("mov %r0, 1"), "runs past the last instruction", 0);
    expect_violation(program("call local +5\nexit"), "outside the program", 0);

    VerifiedProgram bounded = program("mov %r0, 0\nadd %r0, 1\nadd %r0, 1\nadd %r0, 1\nexit");
    bounded.instruction_bound = 4;
    expect_violation(bounded, "more than the proven bound of 4", 4);
    bounded.instruction_bound = 5;
    EXPECT_FALSE(run(bounded).result.violation.has_value());

    VerifiedProgram endless = program("mov %r0, 0\nja -1");
    endless.options.max_instructions = 1000;
    expect_violation(endless, "more than max_instructions (1000)", 1);
}

TEST(CheckedInterpreter, BadEncodings) {
    VerifiedProgram p = program("mov %r0, 0\nexit");
    p.program.code[0].set_src(3);  // mov imm with a source register
    expect_violation(p, "invalid instruction", 0);
    p = program("mov %r0, 0\nexit");
    p.program.code[0].code = 0xff;
    expect_violation(p, "invalid instruction", 0);
    p = program("mov %r0, 0\nexit");
    p.program.code[1].imm = 1;  // exit with an immediate
    expect_violation(p, "invalid instruction: exit fields", 1);
    p = program("mov %r0, 0\nexit");
    p.program.code[0].code = 0x20;  // legacy packet load
    expect_violation(p, "invalid instruction", 0);
    p = program("lddw %r0, 1\nexit");
    p.program.code[1].code = 0x18;  // second half with an opcode
    expect_violation(p, "lddw second half", 0);
}

TEST(CheckedInterpreter, LocalCalls) {
    // Recursion: the depth limit (with room on the stack).
    VerifiedProgram rec = program("call local f\nexit\nf:\ncall local f\nexit");
    rec.stack_size = 512 * 20;
    expect_violation(rec, "call depth beyond 8", 2);
    // The same without room: the frames do not fit stack_size.
    expect_violation(program("call local f\nexit\nf:\ncall local f\nexit"), "exceeds stack_size", 2);
    // A callee starts with R6-R9 and R0 unset.
    expect_violation(program("mov %r6, 1\ncall local f\nexit\nf:\nmov %r0, %r6\nexit"), "R6 is read before", 3);
    // A pointer into a dead frame.
    expect_violation(program(R"(
        call local f
        ldxdw %r0, [%r0+0]
        exit
    f:
        stdw [%r10-8], 5
        mov %r0, %r10
        add %r0, -8
        exit)"),
                     "outside every region", 1);
    // A caller's frame is live for its callees.
    const Outcome ok = run(program(R"(
        stdw [%r10-8], 5
        mov %r1, %r10
        add %r1, -8
        call local f
        exit
    f:
        stdw [%r10-8], 6
        ldxdw %r0, [%r1+0]
        exit)"));
    EXPECT_FALSE(ok.result.violation.has_value()) << ok.result.violation->to_string();
    EXPECT_EQ(ok.result.value, 5u);
    // A callee's frame starts uninitialised on every call, whatever an earlier callee left there.
    expect_violation(program(R"(
        call local f
        call local g
        exit
    f:
        stdw [%r10-8], 6
        mov %r0, 0
        exit
    g:
        ldxdw %r0, [%r10-8]
        exit)"),
                     "uninitialised stack byte at R10-8", 6);
}

TEST(CheckedInterpreter, HeapChecksAbortLikeTheInterpreter) {
    VerifiedProgram p = program("add %r1, %r2\nldxb %r0, [%r1+0]\nexit");
    p.flags[1] = flag_heap_check;
    std::array<std::uint8_t, 8> heap{1, 2, 3, 4, 5, 6, 7, 8};
    for (std::uint64_t index : {std::uint64_t{3}, std::uint64_t{8}, std::uint64_t{100}}) {
        RunContext rc;
        rc.heap = heap.data();
        rc.heap_size = heap.size();
        rc.r1 = reinterpret_cast<std::uintptr_t>(heap.data());
        rc.r2 = index;
        RunContext rc2 = rc;
        const CheckedResult checked = interpret_checked(p, {}, rc, 0);
        const std::uint64_t plain = interpret(p, {}, rc2);
        EXPECT_FALSE(checked.violation.has_value()) << checked.violation->to_string();
        EXPECT_EQ(checked.value, plain);
        EXPECT_EQ(rc.abort_pc, rc2.abort_pc);
        EXPECT_EQ(rc.aborted(), index >= 8);
    }
}

TEST(CheckedInterpreter, AgreesWithTheInterpreterOnAtomicsAndHelpers) {
    const std::array<HelperFn, 3> helpers{sum_bytes, fill_bytes, identity};
    const VerifiedProgram p = program(R"(
        lddw %r2, 0xffffffff00000001
        stxdw [%r10-8], %r2
        mov %r3, 7
        lock fetch add32 [%r10-8], %r3
        mov %r7, %r3
        mov %r0, 1
        lock cmpxchg [%r10-8], %r3
        mov %r6, %r0
        ldxdw %r1, [%r10-8]
        call 2
        add %r0, %r6
        add %r0, %r7
        exit)");
    std::array<std::uint8_t, 16> a{}, b{};
    RunContext rc1, rc2;
    rc1.r1 = reinterpret_cast<std::uintptr_t>(a.data());
    rc2.r1 = reinterpret_cast<std::uintptr_t>(b.data());
    const CheckedResult checked = interpret_checked(p, helpers, rc1, a.size());
    ASSERT_FALSE(checked.violation.has_value()) << checked.violation->to_string();
    EXPECT_EQ(checked.value, interpret(p, helpers, rc2));
    EXPECT_EQ(checked.executed, 13u);
}

}  // namespace
}  // namespace mempool::vm
