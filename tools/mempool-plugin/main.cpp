// mempool-plugin: check and try plugin objects before deploying them.
//
//   mempool-plugin verify OBJECT [--section NAME]... [--interpreter]
//       Loads and verifies each section (default: every code section) as the
//       runtime would, with its helpers. Prints "ok" (with the proven
//       instruction bound) or every problem found, one per line, per
//       section; exit status 0 if all are good, 1 otherwise.
//   mempool-plugin verify OBJECT --xbgp [--function NAME]... [--heap BYTES]
//       An xBGP plugin (libxbgp's API, include/mempool/xbgp_compliant_api):
//       each entry function (default: every global function the object does
//       not call itself) is loaded by name from any code section, .text
//       included, with its .data/.bss globals, and verified against the xBGP
//       helper table (src/plugins/xbgp/helper_signatures.hpp), R1 = args_t,
//       heap addresses in memory allowed, loops the verifier cannot bound
//       bounded at run time (docs/verifier.md, "xBGP programs"). An object
//       whose code is all in .text is verified this way without --xbgp.
//   mempool-plugin list OBJECT
//       Prints each code section and the helpers it calls, marking those the
//       runtime does not provide.
//   mempool-plugin run OBJECT [--section S] [--interpreter] [--arg TYPE:VALUE]...
//                      [--state KEY=HEX]... [--json]
//       Runs a plugin once, as the runtime runs it at a point, with the given
//       arguments (u8:2, u32:0x10, u64:7, hex:0a0b, str:text) and the global
//       pool preloaded with KEY=HEX values; prints its return value and the
//       global pool after the run.
//   mempool-plugin run OBJECT [--section S] [--interpreter] --memory HEX
//       Raw mode, as the BPF ISA conformance suites and uBPF run programs: R1
//       points to a writable copy of the bytes (hex digits, spaces allowed;
//       '' gives an empty buffer), R2 holds their length, no argument struct.
//       The last line of standard output is R0 as 0x + 16 lowercase hex
//       digits; exit status 0. A refused program exits 1 with the
//       verifier's messages.
//   OBJECT is an eBPF ELF object, raw bytecode (8-byte instructions), the
//   same bytecode as hex text (two digits a byte, whitespace between them
//   ignored: what the BPF conformance runner writes) or, for `run` and
//   `verify`, assembly text (src/vm/assembler.hpp syntax). "-" reads it from
//   standard input, in raw mode and for `verify` of anything but ELF (the
//   runtime reads an ELF object from its path).
//   mempool-bpf-conformance-plugin, installed beside this tool, speaks the
//   plugin protocol of the bpf_conformance runner through raw mode.
#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include "assembler.hpp"
#include "elf_loader.hpp"
#include "exec.hpp"
#include "helper_signature.hpp"
#include "xbgp/helper_signatures.hpp"
#include "interpreter.hpp"
#include "read_file.hpp"
#include "verifier.hpp"
#ifdef MEMPOOL_HAVE_JIT
#include "jit_x86_64.hpp"
#endif

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

using Bytes = std::vector<std::uint8_t>;

// The object (or its text), read once and at most 256 MiB, as the runtime
// reads it: /dev/zero or an endless FIFO is an error, not a hang. "-" is
// standard input. On failure the reason is printed to `to`.
bool read_bytes(const std::string& path, Bytes& out, std::FILE* to) {
    namespace d = mempool::detail;
    std::string why;
    if (path == "-") {
        struct stat st {};
        const bool known = ::fstat(STDIN_FILENO, &st) == 0;
        const d::ReadOutcome r = d::read_fd_bounded(STDIN_FILENO, known ? &st : nullptr, out, d::max_object_bytes);
        if (r == d::ReadOutcome::ok) return true;
        why = r == d::ReadOutcome::too_big ? "cannot read standard input: larger than 256 MiB"
                                           : std::string("cannot read standard input: ") + std::strerror(errno);
    } else if (d::read_file_bounded(path, out, d::max_object_bytes, why)) {
        return true;
    }
    std::fprintf(to, "%s\n", why.c_str());
    return false;
}

// Assembly text: printable characters and whitespace only, not ELF.
bool looks_like_text(const Bytes& b) {
    if (b.empty()) return false;
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) {
        return c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f);
    });
}

template <class Text>
std::optional<Bytes> parse_hex(const Text& text) {
    Bytes out;
    int nibble = -1;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return std::nullopt;
        if (nibble < 0) {
            nibble = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
            nibble = -1;
        }
    }
    if (nibble >= 0) return std::nullopt;
    return out;
}

// read_bytes, then hex text (digits and whitespace only) turned into the
// bytes it spells: bytecode or an ELF object written out, as the BPF
// conformance runner hands them over. Assembly is never all hex digits (its
// `exit` is not).
// `*from_hex` (if given) says whether it was hex.
bool read_file(const std::string& path, Bytes& out, std::FILE* to, bool* from_hex = nullptr) {
    if (from_hex != nullptr) *from_hex = false;
    if (!read_bytes(path, out, to)) return false;
    if (looks_like_text(out)) {
        if (std::optional<Bytes> decoded = parse_hex(out); decoded && !decoded->empty()) {
            out = std::move(*decoded);
            if (from_hex != nullptr) *from_hex = true;
        }
    }
    return true;
}

std::string to_hex(std::span<const std::byte> b) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (std::byte x : b) {
        s += digits[std::to_integer<unsigned>(x) >> 4];
        s += digits[std::to_integer<unsigned>(x) & 15];
    }
    return s;
}

// What the runtime would give a program: its helpers, names and signatures.
struct HelperTable {
    explicit HelperTable(const mempool::Runtime& rt) {
        for (const mempool::HelperSpec& h : rt.helpers()) {
            names.push_back(h.name);
            signatures.push_back(mempool::detail::signature_of(h));
            fns.push_back(h.fn);
        }
    }
    std::vector<std::string_view> names;  // views of the runtime's helpers (which outlive the table)
    std::vector<mempool::vm::HelperSignature> signatures;
    std::vector<mempool::vm::HelperFn> fns;
};

// A program from OBJECT: an ELF section, raw bytecode or assembly.
struct Loaded {
    bool ok = false;
    mempool::vm::Program program;
    std::vector<std::string> problems;
};

Loaded load_program(const Bytes& bytes, const std::string& section, const HelperTable& helpers) {
    namespace vm = mempool::vm;
    Loaded out;
    vm::LoadResult r;
    if (vm::looks_like_elf(bytes)) {
        r = vm::load_elf(bytes, section, helpers.names);
    } else if (looks_like_text(bytes)) {
        vm::AsmResult a = vm::assemble(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        if (!a.error.empty()) {
            out.problems.push_back("assembly: " + a.error);
            return out;
        }
        Bytes raw(a.code.size() * sizeof(vm::Insn));
        if (!raw.empty()) std::memcpy(raw.data(), a.code.data(), raw.size());
        r = vm::load_raw(raw, helpers.names.size());
    } else {
        r = vm::load_raw(bytes, helpers.names.size());
    }
    for (const vm::Diagnostic& d : r.errors) out.problems.push_back(d.to_string());
    out.ok = r.ok();
    if (out.ok) out.program = std::move(r.program);
    return out;
}

// The runtime loads an ELF object from its path, as it is there: one that
// came from standard input or as hex text cannot be handed to it.
bool elf_not_in_file(const std::string& object, const Bytes& bytes, bool from_hex, std::FILE* to) {
    if ((object != "-" && !from_hex) || !mempool::vm::looks_like_elf(bytes)) return false;
    std::fprintf(to, "an ELF object is loaded from its file by the runtime: give the object file itself%s\n",
                 object == "-" ? ", not '-'" : ", not its hex");
    return true;
}

// Verifies the entry functions of an xBGP plugin object against the xBGP
// helper table.
int verify_xbgp(const Bytes& bytes, const std::string& object, std::vector<std::string> functions,
                std::uint32_t heap_size) {
    namespace vm = mempool::vm;
    std::vector<std::string_view> names;
    vm::VerifyOptions vo;
    for (const mempool::detail::XbgpHelper& h : mempool::detail::xbgp_helpers()) {
        names.push_back(h.name);
        vo.helpers.push_back(h.signature);
    }
    vo.ctx_size = mempool::xbgp_context_size;  // exec_info_t, as the runtime verifies it
    vo.heap_size = heap_size;
    vo.heap_addresses = true;
    vo.loop_budget = true;
    if (functions.empty()) functions = vm::entry_functions(bytes);
    if (functions.empty()) {
        std::printf("'%s' has no global function to verify\n", object.c_str());
        return 1;
    }
    vm::LoadOptions lo;
    lo.writable_globals = true;
    bool all_ok = true;
    for (const std::string& f : functions) {
        const std::string prefix = functions.size() == 1 ? std::string() : f + ": ";
        vm::LoadResult l = vm::load_elf_function(bytes, f, names, lo);
        if (!l.ok()) {
            all_ok = false;
            for (const vm::Diagnostic& d : l.errors) std::printf("%s%s\n", prefix.c_str(), d.to_string().c_str());
            continue;
        }
        const std::size_t globals = l.program.data.size();
        vm::VerifyResult v = vm::verify(std::move(l.program), vo);
        if (!v.ok()) {
            all_ok = false;
            for (const vm::Diagnostic& d : v.diagnostics) std::printf("%s%s\n", prefix.c_str(), d.to_string().c_str());
            continue;
        }
        std::printf("%sok (at most %" PRIu64 " instructions per run%s; %zu run-time helper checks%s)\n", prefix.c_str(),
                    v.program.instruction_bound,
                    v.program.loop_costs.empty() ? "" : ", loops bounded at run time",
                    v.program.helper_checks.size(),
                    globals != 0 ? ("; " + std::to_string(globals) + " bytes of globals").c_str() : "");
    }
    return all_ok ? 0 : 1;
}

int verify(const std::string& object, std::vector<std::string> sections, bool interpreter, bool xbgp,
           const std::vector<std::string>& functions, std::uint32_t heap_size) {
    namespace vm = mempool::vm;
    mempool::RuntimeOptions options;
    options.jit = !interpreter;
    mempool::Runtime rt(options);
    Bytes bytes;
    bool from_hex = false;
    if (!read_file(object, bytes, stdout, &from_hex) || elf_not_in_file(object, bytes, from_hex, stdout)) return 1;
    if (!vm::looks_like_elf(bytes)) {
        // Raw bytecode or assembly: one program, verified as the runtime
        // would verify a plugin (R1 = the argument struct).
        HelperTable helpers(rt);
        Loaded l = load_program(bytes, {}, helpers);
        if (!l.ok) {
            for (const std::string& p : l.problems) std::printf("%s\n", p.c_str());
            return 1;
        }
        vm::VerifyOptions vo;
        vo.ctx_size = sizeof(bpf_full_args_t);
        vo.heap_size = options.heap_size;
        vo.max_instructions = options.max_instructions;
        vo.helpers = helpers.signatures;
        vm::VerifyResult v = vm::verify(std::move(l.program), vo);
        if (!v.ok()) {
            for (const vm::Diagnostic& d : v.diagnostics) std::printf("%s\n", d.to_string().c_str());
            return 1;
        }
        std::printf("ok (at most %" PRIu64 " instructions per run)\n", v.program.instruction_bound);
        return 0;
    }
    if (xbgp || !functions.empty()) return verify_xbgp(bytes, object, functions, heap_size);
    if (sections.empty()) {
        vm::ObjectSummary summary = vm::summarize_elf(bytes);
        // Code only in .text: an xBGP plugin (its manifest names the function).
        if (summary.sections.empty() && summary.errors.empty() && !vm::entry_functions(bytes).empty())
            return verify_xbgp(bytes, object, functions, heap_size);
        for (const auto& s : summary.sections) sections.push_back(s.name);
        if (sections.empty()) {
            for (const vm::Diagnostic& d : summary.errors) std::printf("%s\n", d.to_string().c_str());
            std::printf("'%s' has no code section\n", object.c_str());
            return 1;
        }
    }
    bool all_ok = true;
    for (const std::string& section : sections) {
        mempool::LoadResult r = rt.load(mempool::PluginSource{object, section, {}, {}});
        const std::string prefix = sections.size() == 1 ? std::string() : section + ": ";
        if (r) {
            std::printf("%sok (at most %" PRIu64 " instructions per run)\n", prefix.c_str(),
                        r.value()->instruction_bound());
            continue;
        }
        all_ok = false;
        if (r.error().diagnostics.empty())
            std::printf("%s%s\n", prefix.c_str(), r.error().message.c_str());
        for (const std::string& d : r.error().diagnostics) std::printf("%s%s\n", prefix.c_str(), d.c_str());
    }
    return all_ok ? 0 : 1;
}

int list(const std::string& object) {
    namespace vm = mempool::vm;
    Bytes bytes;
    if (!read_file(object, bytes, stdout)) return 1;
    vm::ObjectSummary summary = vm::summarize_elf(bytes);
    mempool::Runtime rt;
    std::vector<std::string> known;
    for (const mempool::HelperSpec& h : rt.helpers()) known.push_back(h.name);
    for (const vm::Diagnostic& d : summary.errors) std::printf("%s\n", d.to_string().c_str());
    for (const auto& s : summary.sections) {
        std::printf("%s (%zu instructions)\n", s.name.c_str(), s.instructions);
        for (const std::string& h : s.helpers) {
            const bool provided = std::find(known.begin(), known.end(), h) != known.end();
            std::printf("  %s%s\n", h.c_str(), provided ? "" : "  (not provided by the runtime)");
        }
    }
    return summary.sections.empty() && !summary.errors.empty() ? 1 : 0;
}

// Raw mode: R1 = a writable copy of `memory`, R2 = its length.
int run_raw(const std::string& object, const std::string& section, bool interpreter, const std::string& memory) {
    namespace vm = mempool::vm;
    std::optional<Bytes> mem = parse_hex(memory);
    if (!mem) {
        std::fprintf(stderr, "--memory: not hex digits\n");
        return 2;
    }
    Bytes bytes;
    if (!read_file(object, bytes, stderr)) return 1;
    mempool::RuntimeOptions options;
    mempool::Runtime rt(options);
    HelperTable helpers(rt);
    std::string chosen = section;
    if (chosen.empty() && vm::looks_like_elf(bytes)) {
        vm::ObjectSummary summary = vm::summarize_elf(bytes);
        // Code only in .text (what the conformance runner's --elf writes, a
        // `main` there): that section.
        if (summary.sections.empty() && summary.errors.empty() && !vm::entry_functions(bytes).empty())
            summary.sections.push_back({".text", 0, {}});
        if (summary.sections.size() != 1) {
            std::printf("'%s' has %zu code sections: choose one with --section\n", object.c_str(),
                        summary.sections.size());
            return 1;
        }
        chosen = summary.sections.front().name;
    }
    Loaded l = load_program(bytes, chosen, helpers);
    if (!l.ok) {
        for (const std::string& p : l.problems) std::printf("%s\n", p.c_str());
        return 1;
    }
    vm::VerifyOptions vo;
    vo.ctx_size = static_cast<std::uint32_t>(mem->size());
    vo.r2_is_ctx_size = true;
    vo.max_instructions = options.max_instructions;
    vo.helpers = helpers.signatures;
    vm::VerifyResult v = vm::verify(std::move(l.program), vo);
    if (!v.ok()) {
        for (const vm::Diagnostic& d : v.diagnostics) std::printf("%s\n", d.to_string().c_str());
        return 1;
    }
    // At least one byte so that R1 is a real address even for ''.
    Bytes buffer(*mem);
    buffer.reserve(buffer.size() + 1);
    vm::RunContext rc;
    rc.r1 = reinterpret_cast<std::uint64_t>(buffer.data());
    rc.r2 = buffer.size();
    std::uint64_t r0 = 0;
#ifdef MEMPOOL_HAVE_JIT
    if (!interpreter) {
        vm::JitResult jit = vm::jit_compile(v.program, helpers.fns);
        if (!jit.code) {
            std::printf("JIT: %s\n", jit.error.c_str());
            return 1;
        }
        r0 = (*jit.code)(rc);
    } else {
        r0 = vm::interpret(v.program, helpers.fns, rc);
    }
#else
    (void)interpreter;
    r0 = vm::interpret(v.program, helpers.fns, rc);
#endif
    if (rc.aborted()) std::printf("aborted by a run-time check at pc %u\n", rc.abort_pc);
    std::printf("0x%016" PRIx64 "\n", r0);
    return 0;
}

std::optional<mempool::Arg> parse_arg(const std::string& spec, std::vector<Bytes>& storage) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string type = spec.substr(0, colon), value = spec.substr(colon + 1);
    if (type == "hex" || type == "str") {
        Bytes b;
        if (type == "hex") {
            std::optional<Bytes> h = parse_hex(value);
            if (!h) return std::nullopt;
            b = std::move(*h);
        } else {
            b.assign(value.begin(), value.end());
        }
        storage.push_back(std::move(b));
        const Bytes& s = storage.back();
        return mempool::Arg::bytes({reinterpret_cast<const std::byte*>(s.data()), s.size()});
    }
    std::uint64_t n = 0;
    try {
        std::size_t used = 0;
        n = std::stoull(value, &used, 0);
        if (used != value.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (type == "u8") return mempool::Arg::u8(static_cast<std::uint8_t>(n));
    if (type == "u16") return mempool::Arg::u16(static_cast<std::uint16_t>(n));
    if (type == "u32") return mempool::Arg::u32(static_cast<std::uint32_t>(n));
    if (type == "u64") return mempool::Arg::u64(n);
    return std::nullopt;
}

int run(const std::string& object, std::string section, bool interpreter, const std::vector<std::string>& arg_specs,
        const std::vector<std::string>& states, bool json) {
    namespace vm = mempool::vm;
    if (object == "-") {  // the runtime loads a plugin from its path
        std::fprintf(stderr, "a plugin is run from its path (the runtime reads it); '-' is read in raw mode (--memory)\n");
        return 2;
    }
    mempool::RuntimeOptions options;
    options.jit = !interpreter;
    mempool::Runtime rt(options);
    mempool::Pool global;
    rt.set_global_pool(&global);
    for (const std::string& s : states) {
        const auto eq = s.find('=');
        std::optional<Bytes> value = eq == std::string::npos ? std::nullopt : parse_hex(s.substr(eq + 1));
        std::uint64_t key = 0;
        try {
            key = std::stoull(s.substr(0, eq), nullptr, 0);
        } catch (const std::exception&) {
            value.reset();
        }
        if (!value || value->empty() || key > UINT32_MAX ||
            !global.assign(static_cast<mempool::Key>(key),
                           {reinterpret_cast<const std::byte*>(value->data()), value->size()})) {
            std::fprintf(stderr, "--state %s: expected KEY=HEX (a 32-bit key, at least one byte)\n", s.c_str());
            return 2;
        }
    }
    std::vector<Bytes> storage;
    storage.reserve(arg_specs.size());
    std::vector<mempool::Arg> args;
    for (const std::string& a : arg_specs) {
        std::optional<mempool::Arg> arg = parse_arg(a, storage);
        if (!arg) {
            std::fprintf(stderr, "--arg %s: expected u8|u16|u32|u64:NUMBER, hex:HEX or str:TEXT\n", a.c_str());
            return 2;
        }
        args.push_back(*arg);
    }
    Bytes bytes;
    if (!read_file(object, bytes, stderr)) return 1;
    if (section.empty() && vm::looks_like_elf(bytes)) {
        vm::ObjectSummary summary = vm::summarize_elf(bytes);
        if (summary.sections.size() != 1) {
            std::fprintf(stderr, "'%s' has %zu code sections: choose one with --section\n", object.c_str(),
                         summary.sections.size());
            return 2;
        }
        section = summary.sections.front().name;
    }
    mempool::LoadResult r = rt.load(mempool::PluginSource{object, section, {}, {}});
    if (!r) {
        if (r.error().diagnostics.empty()) std::printf("%s\n", r.error().message.c_str());
        for (const std::string& d : r.error().diagnostics) std::printf("%s\n", d.c_str());
        return 1;
    }
    const mempool::PointId point = rt.point("run");
    if (!rt.attach(point, r.value())) return 1;
    const mempool::RunResult result = rt.run(point, args);
    if (json) {
        std::printf("{\"return\": %" PRIu64 ", \"aborted\": %s, \"jit\": %s, \"instruction_bound\": %" PRIu64
                    ", \"global\": {",
                    result.value, result.aborted != 0 ? "true" : "false", r.value()->jitted() ? "true" : "false",
                    r.value()->instruction_bound());
        bool first = true;
        for (const mempool::EntryView e : global) {
            std::printf("%s\"%u\": ", first ? "" : ", ", e.key);
            first = false;
            if (e.kind == mempool::Kind::list) {
                std::printf("[");
                bool f = true;
                for (std::span<std::byte> el : e.list) {
                    std::printf("%s\"%s\"", f ? "" : ", ", to_hex(el).c_str());
                    f = false;
                }
                std::printf("]");
            } else {
                std::printf("\"%s\"", to_hex(e.bytes).c_str());
            }
        }
        std::printf("}}\n");
        return 0;
    }
    std::printf("global pool after the run:\n");
    for (const mempool::EntryView e : global) {
        if (e.kind == mempool::Kind::list) {
            std::printf("  %u: list of %zu\n", e.key, e.list.size());
            for (std::span<std::byte> el : e.list) std::printf("    %s\n", to_hex(el).c_str());
        } else if (e.kind == mempool::Kind::value) {
            std::printf("  %u = %s\n", e.key, to_hex(e.bytes).c_str());
        }
    }
    if (result.aborted != 0) std::printf("aborted by a run-time check\n");
    std::printf("returned 0x%016" PRIx64 " (%" PRIu64 ")\n", result.value, result.value);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Check and try mempool eBPF plugin objects"};
    app.require_subcommand(1);

    std::string object;
    std::vector<std::string> sections;
    bool interpreter = false;
    int timeout_ms = 10000;
    CLI::App* v = app.add_subcommand("verify", "verify plugin sections; prints ok or every problem");
    v->add_option("OBJECT", object, "plugin object (.o), raw bytecode or assembly")->required();
    v->add_option("--section", sections, "section to check (repeatable; default: all)");
    v->add_flag("--interpreter", interpreter, "verify for the interpreter (no JIT)");
    v->add_option("--timeout", timeout_ms, "ignored (verification is linear; kept for old scripts)");
    bool xbgp = false;
    std::vector<std::string> functions;
    std::uint32_t xbgp_heap = 1u << 16;
    v->add_flag("--xbgp", xbgp, "an xBGP plugin: entries by function name, xBGP helpers, globals allowed");
    v->add_option("--function", functions, "xBGP entry function to check (repeatable; default: every entry)");
    v->add_option("--heap", xbgp_heap, "xBGP: the heap arena's size (the manifest's extra_mem)");

    std::string list_object;
    CLI::App* l = app.add_subcommand("list", "show sections and the helpers each calls");
    l->add_option("OBJECT", list_object, "plugin object (.o)")->required();

    std::string run_object, run_section, memory;
    bool run_interpreter = false, json = false;
    std::vector<std::string> run_args, states;
    CLI::App* r = app.add_subcommand("run", "run a plugin once; print its return value and the global pool");
    r->add_option("OBJECT", run_object, "plugin object (.o), raw bytecode or assembly")->required();
    r->add_option("--section", run_section, "the section to run (default: the only one)");
    r->add_flag("--interpreter", run_interpreter, "interpret instead of compiling");
    r->add_option("--arg", run_args, "an argument: u8|u16|u32|u64:NUMBER, hex:HEX, str:TEXT (repeatable)");
    r->add_option("--state", states, "preload the global pool: KEY=HEX (repeatable)");
    r->add_flag("--json", json, "print the result as JSON");
    CLI::Option* mem = r->add_option("--memory", memory, "raw mode: R1 = these bytes (hex), R2 = their length");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (*v) return verify(object, sections, interpreter, xbgp, functions, xbgp_heap);
    if (*l) return list(list_object);
    if (mem->count() != 0) return run_raw(run_object, run_section, run_interpreter, memory);
    return run(run_object, run_section, run_interpreter, run_args, states, json);
}
