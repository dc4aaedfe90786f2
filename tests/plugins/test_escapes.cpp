// Issue 8, as regression tests: each escape and each refusal of honest code
// found against the librte_bpf runtime, expressed as a plugin or an object
// and run through the whole runtime (read once, load_elf, verify, JIT or
// interpreter), in both modes.
//
//   escapes: JIT shift immediates, JSET immediates, div/mod with src == dst;
//            three ELF reader disagreements; a helper buffer below the frame;
//            uninitialised stack into set_state_buf; the file swapped after
//            the check; a plugin appending until the host runs out of memory
//   refusals of honest code: byte swaps, an acyclic backward jump, 26
//            sequential ifs, a bounded loop, the heap
#include "test_support.hpp"

#include "elf_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace mempool::test {
namespace {

std::string escapes(const char* file) { return std::string(MEMPOOL_TEST_ESCAPES_DIR) + "/" + file; }

class Escapes : public ::testing::TestWithParam<bool> {
protected:
    Escapes() : rt(options_for(GetParam())) { rt.set_global_pool(&global); }
    void SetUp() override {
        static int serial = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mempool_escapes_" + std::to_string(::getpid()) + "_" + std::to_string(++serial));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string file(const char* name) const { return (dir_ / name).string(); }

    // Loads a plugin (raw code in an object, or a built one) and runs it once.
    LoadResult load_code(const std::vector<Insn>& code) {
        const std::string f = file("raw.o");
        write_file(f, bpf_object(code, "plugin/raw"));
        return rt.load(f, "plugin/raw");
    }
    std::uint64_t run_once(const ProgramPtr& p, std::initializer_list<Arg> args = {}) {
        PointId point = rt.point("escape");
        rt.detach_all();
        EXPECT_TRUE(rt.attach(point, p).ok());
        RunResult r = rt.run(point, args);
        EXPECT_EQ(r.aborted, 0u);
        return r.value;
    }
    std::uint64_t run_code(const std::vector<Insn>& code) {
        LoadResult r = load_code(code);
        EXPECT_TRUE(r) << r.error().to_string();
        if (!r) return ~std::uint64_t{0};
        EXPECT_EQ(r.value()->jitted(), GetParam());
        return run_once(r.value());
    }
    std::uint64_t run_built(const char* stem, std::initializer_list<Arg> args = {}) {
        LoadResult r = rt.load(escapes((std::string(stem) + ".o").c_str()), std::string("plugin/") + stem);
        EXPECT_TRUE(r) << r.error().to_string();
        if (!r) return ~std::uint64_t{0};
        EXPECT_EQ(r.value()->jitted(), GetParam());
        return run_once(r.value(), args);
    }

    Pool global;
    Runtime rt;
    std::filesystem::path dir_;
};

constexpr std::uint8_t alu32 = 0x04, alu64 = 0x07, jmp = 0x05;
constexpr std::uint8_t op_rsh = 0x70, op_arsh = 0xc0, op_jset = 0x40;

// ---- escape 1: JIT code generation -------------------------------------

// librte_bpf encoded a shift by an immediate outside 0-63 with a 4-byte
// immediate after an opcode taking one: three bytes of the immediate ran as
// x86 code (0x050f is `syscall`). RFC 9669 masks the amount.
TEST_P(Escapes, ShiftByLargeImmediatesIsMaskedNotExecuted) {
    EXPECT_EQ(run_code({mov64_imm(0, 1), alu64_imm(op_lsh, 0, 70), exit_insn()}), 1u << 6);
    EXPECT_EQ(run_code({mov64_imm(0, 1), alu64_imm(op_lsh, 0, 0x00050f07), exit_insn()}), 1u << 7);
    EXPECT_EQ(run_code({mov64_imm(0, -1), alu64_imm(op_rsh, 0, 0x7fffff3f), exit_insn()}), 1u);
    EXPECT_EQ(run_code({mov64_imm(0, -256), alu64_imm(op_arsh, 0, -1), exit_insn()}), ~std::uint64_t{0});
    // 32-bit shifts mask to 31.
    EXPECT_EQ(run_code({mov64_imm(0, 1), insn(alu32 | op_lsh, 0, 0, 0, 40), exit_insn()}), 1u << 8);
    EXPECT_EQ(run_code({mov64_imm(0, 1), insn(alu32 | op_lsh, 0, 0, 0, 0x0f05eb00 | 33), exit_insn()}), 2u);
}

// JSET with an immediate was emitted with the wrong immediate width: the JIT
// and the interpreter disagreed, and the next instruction's bytes ran.
TEST_P(Escapes, JsetWithAnImmediateTestsTheBits) {
    auto jset = [&](std::int32_t value, std::int32_t mask) {
        return run_code({mov64_imm(0, 0), mov64_imm(1, value), insn(jmp | op_jset, 1, 0, 1, mask), exit_insn(),
                         mov64_imm(0, 1), exit_insn()});
    };
    EXPECT_EQ(jset(0x100, 0x100), 1u);
    EXPECT_EQ(jset(0x100, 0x0ff), 0u);
    EXPECT_EQ(jset(0x40000000, 0x40000000), 1u);
    EXPECT_EQ(jset(1, 0x7fffff00), 0u);
    EXPECT_EQ(jset(-1, static_cast<std::int32_t>(0x90909090)), 1u);
}

// div/mod whose source and destination are the same register used a scratch
// register the program had set: SIGFPE, or an unchecked address.
TEST_P(Escapes, DivAndModOfARegisterByItself) {
    // Every register the old JIT used as scratch holds a "pointer-like" value.
    std::vector<Insn> prologue;
    for (unsigned r = 1; r <= 9; ++r) prologue.push_back(mov64_imm(r, 0x1000 * static_cast<std::int32_t>(r)));
    auto with = [&](std::vector<Insn> body) {
        std::vector<Insn> p = prologue;
        p.insert(p.end(), body.begin(), body.end());
        p.push_back(exit_insn());
        return run_code(p);
    };
    EXPECT_EQ(with({mov64_imm(0, 7), alu64_reg(op_div, 0, 0)}), 1u);
    EXPECT_EQ(with({mov64_imm(0, 0), alu64_reg(op_div, 0, 0)}), 0u);  // x / 0 = 0
    EXPECT_EQ(with({mov64_imm(0, 7), alu64_reg(op_mod, 0, 0)}), 0u);
    EXPECT_EQ(with({mov64_imm(0, 0), alu64_reg(op_mod, 0, 0)}), 0u);  // x % 0 = x
    EXPECT_EQ(with({mov64_imm(3, 9), alu64_reg(op_div, 3, 3), mov64_reg(0, 3)}), 1u);
    EXPECT_EQ(with({mov64_imm(0, 9), insn(alu32 | op_div | 0x08, 0, 0, 0, 0)}), 1u);
    EXPECT_EQ(with({mov64_imm(0, 9), insn(alu32 | op_mod | 0x08, 0, 0, 0, 0)}), 0u);
    EXPECT_EQ(with({mov64_imm(2, 0), mov64_imm(0, 9), alu64_reg(op_mod, 0, 2)}), 9u);
}

// ---- escape 2: two ELF readers that disagreed --------------------------

// A good clang object, mangled the three ways that made our check and
// librte_bpf resolve different helpers. The one loader refuses each.
std::vector<unsigned char> count_updates_bytes() { return read_file(shipped("count_updates.o")); }

Elf64_Shdr* sections_of(std::vector<unsigned char>& b) {
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
    return reinterpret_cast<Elf64_Shdr*>(b.data() + eh->e_shoff);
}
int section_index(std::vector<unsigned char>& b, std::uint32_t type) {
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
    for (int i = 0; i < eh->e_shnum; ++i)
        if (sections_of(b)[i].sh_type == type) return i;
    return -1;
}

TEST_P(Escapes, ARelocationTableLinkedToSomethingElseThanTheSymbolTable) {
    std::vector<unsigned char> b = count_updates_bytes();
    const int rel = section_index(b, SHT_REL), symtab = section_index(b, SHT_SYMTAB);
    ASSERT_GT(rel, 0);
    ASSERT_GT(symtab, 0);
    sections_of(b)[rel].sh_link = sections_of(b)[symtab].sh_link;  // the string table
    write_file(file("rel_link.o"), b);
    LoadResult r = rt.load(file("rel_link.o"), "plugin/count_updates");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("is not the symbol table"), std::string::npos) << r.error().to_string();
}

TEST_P(Escapes, SymbolNamesFromAnotherTable) {
    std::vector<unsigned char> b = count_updates_bytes();
    const int symtab = section_index(b, SHT_SYMTAB), rel = section_index(b, SHT_REL);
    ASSERT_GT(symtab, 0);
    sections_of(b)[symtab].sh_link = static_cast<std::uint32_t>(rel);  // not a string table
    write_file(file("sym_names.o"), b);
    LoadResult r = rt.load(file("sym_names.o"), "plugin/count_updates");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("is not a string table"), std::string::npos) << r.error().to_string();
}

TEST_P(Escapes, SectionHeaderZeroTypedAsRelocations) {
    std::vector<unsigned char> b = count_updates_bytes();
    const int rel = section_index(b, SHT_REL);
    ASSERT_GT(rel, 0);
    sections_of(b)[0] = sections_of(b)[rel];  // a second relocation table, at index 0
    write_file(file("shdr0.o"), b);
    LoadResult r = rt.load(file("shdr0.o"), "plugin/count_updates");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("it must be SHT_NULL"), std::string::npos) << r.error().to_string();
}

// ---- escape 3: a helper buffer below the frame ---------------------------

TEST_P(Escapes, AHelperBufferBelowTheFrameIsRefused) {
    // get_state_buf(1, r10 - 600, 64): the old check allowed [R10-512, R10),
    // the JIT reserved less; here the frame is what the verifier proves.
    LoadResult r = load_code({mov64_reg(2, 10), alu64_imm(op_add, 2, -600), mov64_imm(1, 1), mov64_imm(3, 64),
                              call_helper(3), exit_insn()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::stack_too_large) << r.error().to_string();
    // ... and 8 bytes too low at the edge of the frame too.
    r = load_code({mov64_reg(2, 10), alu64_imm(op_add, 2, -512), mov64_imm(1, 1), mov64_imm(3, 520), call_helper(3),
                   exit_insn()});
    ASSERT_FALSE(r);
}

// ---- escape 4: uninitialised stack ----------------------------------------

TEST_P(Escapes, UninitialisedStackIsNeverHandedToAHelper) {
    LoadResult r = rt.load(escapes("uninit_stack.o"), "plugin/uninit_stack");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::uninitialized) << r.error().to_string();
    EXPECT_FALSE(global.contains(1));
    // The raw form: 64 bytes of a frame never written.
    r = load_code({mov64_reg(2, 10), alu64_imm(op_add, 2, -64), mov64_imm(1, 1), mov64_imm(3, 64), call_helper(4),
                   exit_insn()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PluginErrc::uninitialized) << r.error().to_string();
}

// ---- escape 5: the file swapped after the check --------------------------

// The object is read exactly once: through a FIFO, a second open would find
// the hostile object the writer offers after the good one. The load gets
// the good one, and nobody opens the FIFO again.
TEST_P(Escapes, TheBytesLoadedAreTheBytesReadOnce) {
    const std::string fifo = file("plugin.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::vector<unsigned char> good = bpf_object({mov64_imm(0, 7), exit_insn()}, "plugin/raw");
    const std::vector<unsigned char> evil = bpf_object({mov64_imm(0, 666), exit_insn()}, "plugin/raw");
    std::atomic<int> second_reads{0};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        int fd = ::open(fifo.c_str(), O_WRONLY);  // waits for the runtime's open
        if (fd >= 0) {
            (void)!::write(fd, good.data(), good.size());
            ::close(fd);
        }
        // Until the runtime has closed its end, an open succeeds on that same
        // read; after it (ENXIO: no reader), any open is a second read, and
        // gets the swapped file.
        bool first_closed = false;
        while (!stop) {
            fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd < 0) {
                first_closed = true;
            } else {
                if (first_closed) {
                    ++second_reads;
                    (void)!::write(fd, evil.data(), evil.size());
                }
                ::close(fd);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    LoadResult r = rt.load(fifo, "plugin/raw");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
    writer.join();
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(run_once(r.value()), 7u);
    EXPECT_EQ(second_reads.load(), 0);
}

// ---- resources: appending until the host runs out --------------------------

TEST_P(Escapes, AppendingInALoopStopsAtTheLimitAndTheHostKeepsItsMemory) {
    PluginSource src{escapes("append_loop.o"), "plugin/append_loop", "greedy"};
    src.limits.global_pool_bytes = 4096;
    LoadResult r = rt.load(src);
    ASSERT_TRUE(r) << r.error().to_string();
    const std::uint64_t v = run_once(r.value());
    const std::uint64_t ok = v & 0xffffffffu, err = v >> 32;
    EXPECT_EQ(err, MEMPOOL_ERR_LIMIT);
    EXPECT_EQ(ok, (4096u - 32u) / 64u);
    EXPECT_EQ(global.list(99).value().size(), ok);
    // Later runs add nothing more.
    EXPECT_EQ(run_once(r.value()), std::uint64_t{MEMPOOL_ERR_LIMIT} << 32);
    EXPECT_LE(r.value()->global_pool_added(), 4096u);
}

// ---- honest code librte_bpf refused ---------------------------------------

TEST_P(Escapes, ByteSwapsAreAccepted) {
    const std::uint64_t a = 0x0102030405060708, b = 0x11223344, c = 0xaabb;
    EXPECT_EQ(run_built("bswap", {Arg::u64(a), Arg::u32(b), Arg::u16(c)}),
              __builtin_bswap64(a) ^ __builtin_bswap32(b) ^ __builtin_bswap16(c));
    // The raw encodings: be16/be32/be64 (class alu, to big-endian) and le16.
    EXPECT_EQ(run_code({mov64_imm(0, 0x11223344), insn(alu32 | 0xd0 | 0x08, 0, 0, 0, 32), exit_insn()}), 0x44332211u);
    EXPECT_EQ(run_code({mov64_imm(0, 0x11223344), insn(alu32 | 0xd0 | 0x08, 0, 0, 0, 16), exit_insn()}), 0x4433u);
    EXPECT_EQ(run_code({mov64_imm(0, 0x11223344), insn(alu32 | 0xd0, 0, 0, 0, 16), exit_insn()}), 0x3344u);
    EXPECT_EQ(run_code({mov64_imm(0, 0x11223344), insn(alu64 | 0xd0, 0, 0, 0, 32), exit_insn()}), 0x44332211u);
}

// Acyclic code laid out with a backward jump (a shared tail): not a loop.
TEST_P(Escapes, AnAcyclicBackwardJumpIsAccepted) {
    // 0: r0 = 5; 1: if r1 != 0 goto 4; 2: r0 += 1; 3: goto 6 (the tail)
    // 4: r0 += 2; 5: goto 6 ... laid out with the tail first:
    //   0 r0 = 5; 1 ja +2 (to 4); 2 r0 *= 3 (tail); 3 exit; 4 r0 += 1; 5 ja -4 (back to 2)
    EXPECT_EQ(run_code({mov64_imm(0, 5), ja(2), alu64_imm(op_mul, 0, 3), exit_insn(), alu64_imm(op_add, 0, 1), ja(-4)}),
              18u);
}

TEST_P(Escapes, TwentySixSequentialIfsLoadFast) {
    const auto start = std::chrono::steady_clock::now();
    LoadResult r = rt.load(escapes("ifs26.o"), "plugin/ifs26");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_LT(took, std::chrono::milliseconds(50)) << "about a millisecond expected";
    std::uint64_t acc = 1;
    const std::uint64_t x = 0x2a5a5a5;
    for (int i = 0; i < 26; ++i)
        if (x & (1ull << i)) acc = acc * 3 + static_cast<std::uint64_t>(i);
    EXPECT_EQ(run_once(r.value(), {Arg::u64(x)}), acc);
}

TEST_P(Escapes, ABoundedLoopLoadsAndRuns) {
    std::string bytes(MEMPOOL_ARG_SIZE, '\x02');
    LoadResult r = rt.load(escapes("bounded_loop.o"), "plugin/bounded_loop");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_GE(r.value()->instruction_bound(), 128u * 3u);
    EXPECT_EQ(run_once(r.value(), {Arg::bytes(as_bytes(bytes)), Arg::u64(10)}), 20u);
    EXPECT_EQ(run_once(r.value(), {Arg::bytes(as_bytes(bytes)), Arg::u64(1000)}), 2u * MEMPOOL_ARG_SIZE);
}

TEST_P(Escapes, TheHeapGivesPointersThePluginCanUse) {
    EXPECT_EQ(run_built("heap", {Arg::u64(10)}), 45u + 1000u);
    EXPECT_EQ(run_built("heap", {Arg::u64(64)}), 2016u + 1000u);
    // A heap of 32 bytes: ctx_malloc(64) fails, and the plugin says so.
    PluginSource src{escapes("heap.o"), "plugin/heap", "small"};
    src.limits.heap = 32;
    LoadResult r = rt.load(src);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(run_once(r.value(), {Arg::u64(10)}), 0xffffu);
}

INSTANTIATE_TEST_SUITE_P(Modes, Escapes, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace mempool::test
