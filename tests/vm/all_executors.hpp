// all_executors.hpp: one verified program run by every executor the build
// has, for tests that hold them to the same answer.
//
// The interpreter, the checked interpreter and the JIT (when the test is
// built with MEMPOOL_HAVE_JIT, as vm_hostile_test() in CMakeLists.txt does)
// each run the program once from a fresh RunContext over the test's heap
// arena. They must agree on R0 and on where a run-time check stopped the run
// (abort_pc), and the checked interpreter must see no violation: for a
// program the verifier accepted, one is a verifier bug. Any disagreement is
// a gtest failure in the calling test; the first executor's result is
// returned for the test's own expectations.
//
// What differs between tests is the context R1 points at: its bytes are
// either the caller's own, shared by every executor in turn (a store by one
// is seen by the next), or a fresh copy for each executor.
//
//   RunContext* current = nullptr;  // read by helpers that look at arg_room
//   const test::ExecutorHost host{helper_fns, arena, &current};
//   std::array<std::uint8_t, 16> ctx{};
//   const test::Ran r = test::run_all_executors(verified, host, ctx, test::ContextBytes::copied);
//   EXPECT_EQ(r.abort_pc, UINT32_MAX);
#pragma once

#include "checked_interpreter.hpp"
#include "interpreter.hpp"
#ifdef MEMPOOL_HAVE_JIT
#include "jit_x86_64.hpp"
#endif

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

namespace mempool::vm::test {

// What a run ended with: R0 and the pc a run-time check stopped it at
// (UINT32_MAX: it ran to its exit).
struct Ran {
    std::uint64_t value = 0;
    std::uint32_t abort_pc = UINT32_MAX;
};

// The host the program runs against: its helpers, its heap arena, and where
// helpers that read the RunContext (arg_room) find the run in progress
// (nullptr between runs; may itself be nullptr when no helper needs it).
struct ExecutorHost {
    std::span<const HelperFn> helpers;
    std::span<std::uint8_t> heap;
    RunContext** current = nullptr;
};

// Whether the executors run on the caller's context bytes one after the
// other, or each on its own copy of them.
enum class ContextBytes { shared, copied };

inline Ran run_all_executors(const VerifiedProgram& p, const ExecutorHost& host, std::span<std::uint8_t> ctx,
                             ContextBytes bytes) {
    std::vector<Ran> results;
    // One executor's run: its own copy of the context if asked, alive until it returns.
    const auto run_one = [&](auto&& execute) {
        std::vector<std::uint8_t> copy;
        std::uint8_t* at = ctx.data();
        if (bytes == ContextBytes::copied) {
            copy.assign(ctx.begin(), ctx.end());
            at = copy.data();
        }
        RunContext rc;
        rc.r1 = reinterpret_cast<std::uintptr_t>(at);
        rc.heap = host.heap.data();
        rc.heap_size = host.heap.size();
        if (host.current != nullptr) *host.current = &rc;
        const std::uint64_t value = execute(rc);
        results.push_back({value, rc.abort_pc});
    };
    run_one([&](RunContext& rc) { return interpret(p, host.helpers, rc); });
    run_one([&](RunContext& rc) {
        const CheckedResult c = interpret_checked(p, host.helpers, rc, ctx.size());
        EXPECT_FALSE(c.violation.has_value()) << c.violation->to_string();
        return c.value;
    });
#ifdef MEMPOOL_HAVE_JIT
    JitResult jit = jit_compile(p, host.helpers);
    EXPECT_TRUE(jit.code.has_value()) << jit.error;
    if (jit.code) run_one([&](RunContext& rc) { return (*jit.code)(rc); });
#endif
    if (host.current != nullptr) *host.current = nullptr;
    for (const Ran& r : results) {
        EXPECT_EQ(r.value, results.front().value);
        EXPECT_EQ(r.abort_pc, results.front().abort_pc);
    }
    return results.front();
}

}  // namespace mempool::vm::test
