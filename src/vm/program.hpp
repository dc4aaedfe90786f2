// program.hpp: what the loader hands the verifier, and what the verifier
// hands the interpreter and the JIT.
//
// The pipeline is  bytes --load--> Program --verify--> VerifiedProgram --> run
// (interpreter) or compile (JIT). Each stage takes the previous stage's
// output and nothing else: the bytes that were checked are the bytes that
// run, and the frame, regions and bounds a run may use are computed once, by
// the verifier.
//
//   vm::LoadResult loaded = vm::load_elf(bytes, "xbgp/filter", helper_names);
//   vm::VerifyResult v = vm::verify(loaded.program, options);
//   if (!v.ok()) for (auto& d : v.diagnostics) puts(d.to_string().c_str());
//   std::uint64_t r0 = vm::interpret(v.program, context);
//
// The machine knows nothing of pools or BGP: helpers are numbered functions
// with a signature (HelperSignature); the plugin runtime (src/plugins) maps
// names to numbers and numbers to host functions.
#pragma once

#include "isa.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mempool::vm {

// ---- the loader's output ---------------------------------------------------

// One source position, when the object carries line information.
struct SourceLine {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

// A loaded, not yet verified program. Invariants the loader guarantees (and
// the verifier re-checks, since a Program can also be built by hand):
//   - `code` is the entry function followed by every local function it can
//     reach, relocated into one array; local calls are CALL src=pseudo_call
//     with imm = target - (pc + 1);
//   - helper calls are CALL src=0 with imm = index into the helper table
//     given to the loader;
//   - the only LDDWs with src != 0 are src=pseudo_rodata, imm64 = an offset
//     into `rodata`, and src=pseudo_data, imm64 = an offset into `data`
//     (bounds are the verifier's job);
//   - function_starts is sorted and begins with 0.
struct Program {
    std::string name;                        // section (or file) it came from
    std::vector<Insn> code;
    std::vector<std::uint32_t> function_starts;
    std::vector<std::uint8_t> rodata;         // read-only data sections, concatenated
    // Writable globals (.data, .bss: C globals and statics), concatenated:
    // the initial image. A run reads and writes a copy the host keeps per
    // loaded plugin (RunContext::data), initialised from this once and kept
    // across runs, as xBGP's uBPF does.
    std::vector<std::uint8_t> data;
    std::vector<std::uint32_t> line_of;       // pc -> index into `lines` + 1, 0: unknown (empty if no debug info)
    std::vector<SourceLine> lines;
};

// ---- what the verifier needs to know ---------------------------------------

// How a helper argument is checked. The size of a mem_in/mem_out argument is
// the value of the argument that follows it, which must be of kind `size`;
// that of a mem_in_rt/mem_out_rt argument is argument size_arg[i] (the next
// one when -1), of kind size_rt. Kinds after heap_or_null exist for the
// xBGP plugin API (src/plugins/xbgp/helper_signatures.hpp), whose helpers
// take C structures, strings and lengths known only at run time.
enum class ArgKind : std::uint8_t {
    number,     // any initialised scalar (never a pointer: that would leak an address)
    mem_in,     // readable memory, every byte initialised; size in the next argument
    mem_out,    // writable memory, initialised by the call; size in the next argument
    mem_fixed,  // readable and writable memory of `fixed_size` bytes, initialised (legacy buffers)
    size,       // the byte count of the previous mem_in/mem_out argument: a scalar
                // with a proven upper bound of at most max_helper_size
    heap_or_null,  // what a heap_or_null helper returned, NULL included (ctx_free's
                   // argument): a heap pointer or a number, never a pointer into another
                   // region (its address would leak); the helper checks it lies in the arena
                   // (a number may be a heap address read from memory: heap_address())
    size_rt,    // the byte count of a mem_in_rt/mem_out_rt argument, known only at run
                // time: any number; the executor checks the buffer before the call
    mem_in_rt,  // readable memory of size_rt bytes: the verifier proves what it can and
                // flags the call (flag_helper_check); the executor stops the run if the
                // buffer leaves its region (heap: the arena; stack, rodata, ctx: the bytes
                // the verifier proved usable after the pointer, for mem_in initialised ones)
    mem_out_rt, // writable memory of size_rt bytes, checked likewise; nothing becomes
                // initialised on the stack but what the size's proven minimum covers
    in_fixed,   // readable memory of arg_size[i] bytes, every one initialised
    in_fixed_or_null,  // the same, or the number 0 (an optional argument)
    out_fixed,  // writable memory of arg_size[i] bytes, initialised by the call
    obj_in,     // a structure of at least arg_size[i] readable, initialised bytes whose
                // true size is in the structure (a flexible array: path_attribute): the
                // helper reads past arg_size[i] only inside the run's regions (RunContext)
    obj_out,    // the same for a structure the helper fills (vrf_info and its name)
    str_in,     // a NUL-terminated string: a pointer to at least one readable byte; the
                // helper reads up to the NUL or the end of the pointer's region, never past
    ptr_struct_in,  // readable, initialised memory of arg_size[i] bytes that may hold
                    // pointers the plugin stored (struct vargs, struct bgp_message): the
                    // helper follows each only after checking it against the run's regions;
                    // the plugin cannot read a stored pointer back as a number, so nothing leaks
};

enum class RetKind : std::uint8_t {
    number,        // a scalar in R0
    heap_or_null,  // a pointer into the calling plugin's heap, or 0; the
                   // object's size is ret_size, or the value of argument
                   // ret_size_arg (its proven minimum) when that is >= 0.
                   // The size is a minimum: accesses past it are checked
                   // against the arena at run time (flexible arrays)
    first_arg,     // R1 as it was passed (ebpf_memcpy returns its destination)
};

inline constexpr std::uint32_t max_helper_size = 1u << 16;

struct HelperSignature {
    std::string name;
    std::uint8_t arg_count = 0;  // 0..5
    std::array<ArgKind, 5> args{};
    std::uint32_t fixed_size = 0;  // for mem_fixed
    RetKind ret = RetKind::number;
    std::uint32_t ret_size = 0;
    std::int8_t ret_size_arg = -1;
    std::array<std::uint32_t, 5> arg_size{};  // bytes, for in_fixed, out_fixed, obj_*, ptr_struct_in
    std::array<std::int8_t, 5> size_arg{-1, -1, -1, -1, -1};  // mem_*_rt: its size_rt argument (-1: the next)
};

// The memory a run is given, as the verifier must assume it: its limits
// and modes (VerifyLimits), and the helpers it may call.
struct VerifyLimits {
    std::uint32_t ctx_size = 0;        // bytes R1 points to at entry (readable, writable)
    bool r2_is_ctx_size = false;       // raw mode: R2 holds ctx_size at entry
    std::uint32_t heap_size = 0;       // the plugin's heap arena (0: no heap)
    std::uint64_t max_instructions = 1'000'000;  // bound a run must be proven to stay within
    std::uint32_t max_frame = 512;     // bytes per function frame
    std::uint32_t max_stack = 8192;    // bytes over the deepest chain of local calls
    std::uint32_t max_call_depth = 8;  // local calls nested
    // xBGP: a number used as an address is a heap address (heap_address()):
    // accepted, translated into the arena and checked at run time
    // (flag_heap_address). Off: dereferencing a number is refused.
    bool heap_addresses = false;
    // xBGP: a loop the analysis cannot bound (its exit depends on a length
    // read from memory) is accepted once its states reach a fixpoint
    // (widening); every back edge then pays its loop's length from a budget
    // of max_instructions at run time (flag_loop_budget). Off: refused (T).
    bool loop_budget = false;
};

struct VerifyOptions : VerifyLimits {
    std::vector<HelperSignature> helpers;  // indexed by a helper CALL's imm
};

// How a pointer into the heap arena is written in memory the plugin can read
// (a host filling bgp_route.attr, for instance): a fixed base plus the offset
// in the arena, so the number says nothing about where the host put the
// arena. The executors translate such a number back when the plugin
// dereferences it (VerifyOptions::heap_addresses).
inline constexpr std::uint64_t heap_address_base = std::uint64_t{1} << 44;
[[nodiscard]] constexpr std::uint64_t heap_address(std::uint64_t arena_offset) noexcept {
    return heap_address_base + arena_offset;
}

// ---- the verifier's output ---------------------------------------------------

struct Diagnostic {
    std::uint32_t pc = 0;
    std::string message;  // what is wrong, in plain words
    std::string hint;     // how to fix it, may be empty
    SourceLine where;     // empty file when unknown
    [[nodiscard]] std::string to_string() const;  // "pc 12 (filter.c:40): message; hint"
};

// Per-instruction facts the executors rely on.
enum InsnFlag : std::uint8_t {
    flag_heap_check = 1u << 0,    // a load/store through a heap pointer whose bounds were
                                  // not proven: check it against the arena (or the shared
                                  // arena) at run time
    flag_heap_address = 1u << 1,  // a load/store through a number: a heap address, translated
                                  // into the arena and checked at run time
    flag_helper_check = 1u << 2,  // a helper call with buffers of run-time size: see
                                  // VerifiedProgram::helper_checks
    flag_frame_bounds = 1u << 3,  // a helper call that follows pointers: set RunContext's
                                  // frame_lo/frame_hi and rodata/rodata_size first
    flag_loop_budget = 1u << 4,   // a back-edge jump: pays VerifiedProgram::loop_costs from the
                                  // run's budget (max_instructions) before it jumps; an empty
                                  // budget stops the run
};

// What a flagged back-edge jump costs: its loop's length in instructions.
struct LoopCost {
    std::uint32_t pc = 0;
    std::uint32_t cost = 0;
};

// One pointer argument of a flagged helper call, handled before the call:
//   heap:    [ptr, ptr + size) must lie in the heap arena or the shared arena;
//            a heap address (a number, heap_address()) is translated into the
//            arena first and the register holds the real address for the call;
//   bounded: size <= limit (the bytes the verifier proved usable after the
//            pointer in its region: stack, read-only data, context, globals);
//   room:    no check: RunContext::arg_room[ptr_reg - 1] = limit, the bytes a
//            helper may read or write from that pointer (obj_*, str_in);
//   heap_fixed: as heap, for `limit` bytes (a structure argument that is a
//            heap address, or a heap object not proven large enough); with
//            limit 0 (a heap_or_null argument that is a number), NULL too.
// A failed check stops the run like a failed heap check.
struct HelperCheck {
    enum class Mode : std::uint8_t { heap, bounded, room, heap_fixed };
    std::uint32_t pc = 0;
    std::uint8_t ptr_reg = 0;   // R1-R5
    std::uint8_t size_reg = 0;  // R1-R5 (heap, bounded)
    Mode mode = Mode::bounded;
    std::uint32_t limit = 0;
};

// A program the verifier accepted, with everything an executor needs. Only
// verify() makes one; the executors take nothing else.
struct VerifiedProgram {
    Program program;
    std::vector<std::uint32_t> frame_size;  // per function (same order as function_starts), bytes, multiple of 16
    std::uint32_t stack_size = 0;           // deepest chain of frames, bytes
    std::uint64_t instruction_bound = 0;    // proven maximum instructions per run
    std::vector<std::uint8_t> flags;        // per pc, InsnFlag bits
    std::vector<HelperCheck> helper_checks; // sorted by pc (several per pc possible)
    // Zero every frame at function entry: some helper follows pointers the
    // plugin stored or reads a string to its end, so stale bytes of the host
    // stack (the JIT runs on it) must not be found there.
    bool zero_frames = false;
    // Some store, atomic or helper may write the context (R1). A host that
    // hands one context buffer to several plugins in turn must clean it
    // after such a plugin: what it wrote past the bytes the host fills
    // again would otherwise reach the next plugin.
    bool writes_context = false;
    std::vector<LoopCost> loop_costs;       // sorted by pc; non-empty: loops bounded at run time
    // What it was verified against: every limit, and the signatures of the
    // helpers it calls (at their indices; the others are left empty).
    VerifyOptions options;
};

}  // namespace mempool::vm
