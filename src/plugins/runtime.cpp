// runtime.cpp: helper table, points, loading (read once -> load_elf ->
// verify -> jit_compile, all in this process), attach.
#include <mempool/runtime.hpp>

#include "builtin_helpers.hpp"
#include "elf_loader.hpp"
#include "helper_signature.hpp"
#include "xbgp/host.hpp"
#include "xbgp/shared_memory.hpp"
#include "program_impl.hpp"
#include "read_file.hpp"
#include "verifier.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>

namespace mempool {

const char* to_string(PluginErrc e) noexcept {
    switch (e) {
    case PluginErrc::none: return "no error";
    case PluginErrc::cannot_read: return "cannot read the object file";
    case PluginErrc::not_bpf_object: return "not an eBPF object";
    case PluginErrc::missing_section: return "missing section";
    case PluginErrc::loop: return "loop";
    case PluginErrc::global_variable: return "global variable";
    case PluginErrc::non_inlined_call: return "non-inlined function";
    case PluginErrc::unknown_helper: return "unknown helper";
    case PluginErrc::out_of_bounds: return "out-of-bounds access";
    case PluginErrc::stack_too_large: return "stack too large";
    case PluginErrc::rejected: return "rejected by the verifier";
    case PluginErrc::validator_timeout: return "validation timed out";
    case PluginErrc::validator_crashed: return "validator crashed";
    case PluginErrc::unknown_point: return "unknown insertion point";
    case PluginErrc::bad_manifest: return "bad manifest";
    case PluginErrc::duplicate: return "duplicate name";
    case PluginErrc::invalid_argument: return "invalid argument";
    case PluginErrc::internal: return "internal error";
    case PluginErrc::uninitialized: return "uninitialised memory";
    case PluginErrc::too_complex: return "too complex";
    case PluginErrc::pointer_leak: return "pointer leak";
    }
    return "unknown error";
}

std::string PluginError::to_string() const {
    if (plugin.empty()) return message;
    return "plugin '" + plugin + "' rejected: " + message;
}

Program::Program() noexcept = default;
Program::~Program() = default;

Runtime::Runtime(RuntimeOptions options) noexcept : options_(options) {
    // The built-in helpers, in the order of their numbers: pool, heap, xBGP.
    // Registered from the constant tables (builtin_helpers.hpp) without
    // register_helper's checks: they are constant, and
    // RuntimeTest.BuiltInHelpersPassTheChecks registers every entry one by
    // one through those checks (well formed, names distinct across the
    // three tables). Checking them here was a tenth of what loading a
    // manifest costs at process start.
    try {
        const auto pool = detail::pool_helper_table();
        const auto heap = detail::heap_helper_table();
        std::size_t total = 0;
        if (options_.pool_helpers) total += pool.size();
        if (options_.heap_helpers) total += heap.size();
        if (options_.xbgp_helpers) total += detail::xbgp_implementations().size();
        helpers_.reserve(total + 32);  // and room for a host's own (mempool-bgp adds about 20)
        if (options_.pool_helpers) detail::append_specs(helpers_, pool);
        if (options_.heap_helpers) detail::append_specs(helpers_, heap);
        if (options_.xbgp_helpers) detail::append_xbgp_specs(helpers_);
    } catch (const std::bad_alloc&) {
        // Out of memory: the helpers copied so far stay; a plugin calling a
        // missing one is refused at load (unknown helper).
    }
}

Runtime::~Runtime() = default;

namespace {

PluginStatus fail(PluginErrc code, std::string plugin, std::string message) {
    PluginStatus s;
    s.error.code = code;
    s.error.plugin = std::move(plugin);
    s.error.message = std::move(message);
    return s;
}


}  // namespace

PluginStatus Runtime::register_helper(HelperSpec spec) noexcept {
    try {
        if (std::string why; !detail::check_helper_spec(spec, why))
            return fail(PluginErrc::invalid_argument, {}, why);
        // Lengths and first letters first: most names differ there, and
        // the table holds a few dozen names (no memcmp for most of them).
        const std::size_t size = spec.name.size();
        const char first = spec.name.front();
        for (const HelperSpec& h : helpers_)
            if (h.name.size() == size && h.name.front() == first && h.name == spec.name)
                return fail(PluginErrc::duplicate, {}, "helper '" + spec.name + "' is already registered");
        helpers_.push_back(std::move(spec));
        return {};
    } catch (const std::bad_alloc&) {
        return fail(PluginErrc::internal, {}, "out of memory");
    }
}

PointId Runtime::point(std::string_view name) noexcept {
    if (PointId p = find_point(name); p.valid()) return p;
    try {
        // Room for the next point in both lists first (busy_'s push_back
        // then cannot fail), by 32 at a time: a host declares its points one
        // by one at start-up (mempool-bgp about 22), and growing both lists
        // for each one moved every point each time.
        const std::size_t room = (points_.size() / 32 + 1) * 32;
        busy_.reserve(room);
        points_.reserve(room);
        std::string owned(name);  // the one step that can fail: before the lists change
        points_.emplace_back().name = std::move(owned);
        busy_.push_back(0);
    } catch (const std::bad_alloc&) {
        return {};
    }
    return PointId{static_cast<std::uint32_t>(points_.size() - 1)};
}

PointId Runtime::find_point(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < points_.size(); ++i)
        if (points_[i].name == name) return PointId{static_cast<std::uint32_t>(i)};
    return {};
}

LoadResult Runtime::load(const std::string& object_path, const std::string& section, std::string name) noexcept {
    try {
        const PluginSource source{object_path, section, std::move(name)};
        std::vector<LoadResult> r = load_impl({&source, 1}, true);
        if (!r.empty()) return std::move(r.front());
    } catch (const std::bad_alloc&) {
    }
    return fail(PluginErrc::internal, {}, "out of memory").error;
}

LoadResult Runtime::load(const PluginSource& source) noexcept {
    std::vector<LoadResult> r = load_impl({&source, 1}, true);
    if (!r.empty()) return std::move(r.front());
    return fail(PluginErrc::internal, {}, "out of memory").error;
}

std::vector<LoadResult> Runtime::load_batch(std::span<const PluginSource> sources) noexcept {
    return load_impl(sources, true);
}

PluginStatus Runtime::verify(const std::string& object_path, const std::string& section) noexcept {
    PluginStatus s;
    try {
        const PluginSource source{object_path, section, {}};
        std::vector<LoadResult> r = load_impl({&source, 1}, false);
        if (!r.empty()) {
            s.error = r.front().error();
            return s;
        }
    } catch (const std::bad_alloc&) {
    }
    return fail(PluginErrc::internal, {}, "out of memory");
}

namespace {

bool contains(const std::string& text, const char* words) { return text.find(words) != std::string::npos; }

// What a loader diagnostic means, as a PluginErrc.
PluginErrc loader_code(const vm::Diagnostic& d) {
    const std::string& m = d.message;
    if (contains(m, "does not provide")) return PluginErrc::unknown_helper;
    if (contains(m, "global variable") || contains(m, "maps are not supported") || contains(m, "COMMON") ||
        contains(m, "which is not read-only data") || contains(m, "which the object does not define"))
        return PluginErrc::global_variable;
    if (contains(m, "no section")) return PluginErrc::missing_section;
    if (contains(m, "not a usable eBPF object") || contains(m, "not an ELF") || contains(m, "not BPF") || contains(m, "built for machine") ||
        contains(m, "ELF") || contains(m, "section table") || contains(m, "outside the file") ||
        contains(m, "sections are named") || contains(m, "relocatable"))
        return PluginErrc::not_bpf_object;
    return PluginErrc::rejected;
}

// What a verifier diagnostic means, as a PluginErrc. The verifier tags each
// finding with the invariant it serves: (M) memory, (A) addresses, (I)
// initialisation, (T) termination.
PluginErrc verifier_code(const vm::Diagnostic& d) {
    const std::string& m = d.message;
    const std::string& h = d.hint;
    if (contains(m, "gave up") || contains(m, "a run may execute more than")) return PluginErrc::too_complex;
    if (contains(m, "(T)") || contains(m, "loop") || contains(h, "bound the loop")) return PluginErrc::loop;
    if (contains(m, "(A)") || contains(m, "give the host an address")) return PluginErrc::pointer_leak;
    if (contains(m, "(I)") || contains(h, "initialise")) return PluginErrc::uninitialized;
    if (contains(h, "use less stack") || contains(m, "deepest chain") || contains(h, "fewer nested calls"))
        return PluginErrc::stack_too_large;
    if (contains(m, "(M)")) return PluginErrc::out_of_bounds;
    if (contains(m, "helper #") || contains(m, "helper number")) return PluginErrc::unknown_helper;
    return PluginErrc::rejected;
}

// Every diagnostic into `err`; the message is the first one (one line) and
// how many more there are.
void explain(PluginError& err, const std::vector<vm::Diagnostic>& diagnostics, PluginErrc (*code_of)(const vm::Diagnostic&)) {
    err.diagnostics.clear();
    for (const vm::Diagnostic& d : diagnostics) err.diagnostics.push_back(d.to_string());
    err.code = diagnostics.empty() ? PluginErrc::rejected : code_of(diagnostics.front());
    err.message = err.diagnostics.empty() ? "refused" : err.diagnostics.front();
    if (err.diagnostics.size() > 1)
        err.message += " (and " + std::to_string(err.diagnostics.size() - 1) + " more problem" +
                       (err.diagnostics.size() > 2 ? "s" : "") + ")";
    for (char& c : err.message)
        if (c == '\n') c = ' ';
}

// Loads the plugin's code from the object's bytes. An xBGP code (as
// manifests name them) has its entry in a code section under its function's
// name, writable globals allowed: section ".text" means the object's one
// entry function; another section name is loaded as a section, or failing
// that as a function name. Our plugins: the named section.
vm::LoadResult load_section(std::span<const std::uint8_t> bytes, const PluginSource& src,
                            std::span<const std::string_view> names, PluginError& err) {
    if (src.abi != PluginAbi::xbgp) return vm::load_elf(bytes, src.section, names);
    vm::LoadOptions lo;
    lo.writable_globals = true;
    if (src.section == ".text") {
        const std::vector<std::string> entries = vm::entry_functions(bytes);
        if (entries.size() == 1) return vm::load_elf_function(bytes, entries.front(), names, lo);
        vm::LoadResult r;
        std::string list;
        for (const std::string& e : entries) list += (list.empty() ? "" : ", ") + e;
        vm::Diagnostic d;
        d.message = entries.empty() ? "not a usable eBPF object: no entry function in its code sections"
                                    : "no section '.text' entry: the object has several entry functions (" + list +
                                          "); name one";
        r.errors.push_back(std::move(d));
        (void)err;
        return r;
    }
    vm::LoadResult r = vm::load_elf(bytes, src.section, names, lo);
    if (!r.ok() && !r.errors.empty() && r.errors.front().message.find("no section") != std::string::npos) {
        vm::LoadResult f = vm::load_elf_function(bytes, src.section, names, lo);
        if (f.ok()) return f;
    }
    return r;
}

// The permission words of a manifest, for messages ("read, usr_ptr").
std::string permission_words(std::uint8_t bits) {
    std::string words;
    for (auto [bit, word] : {std::pair{permission_read, "read"}, std::pair{permission_write, "write"},
                             std::pair{permission_usr_ptr, "usr_ptr"}})
        if ((bits & bit) != 0) words += (words.empty() ? "" : ", ") + std::string(word);
    return words.empty() ? "none" : words;
}

// xBGP's rule: a helper needing a permission the code was not granted is not
// linked. Every such call is a problem, named with the helper and the
// permission it needs.
bool check_permissions(const vm::Program& program, std::uint8_t granted, const std::vector<HelperSpec>& helpers,
                       PluginError& err) {
    std::vector<std::string> problems;
    std::vector<bool> reported(helpers.size(), false);
    for (std::size_t pc = 0; pc < program.code.size(); ++pc) {
        const vm::Insn& insn = program.code[pc];
        if (!vm::isa::is_helper_call(insn) || insn.imm < 0 || static_cast<std::size_t>(insn.imm) >= helpers.size()) continue;
        const auto index = static_cast<std::size_t>(insn.imm);
        const std::uint8_t missing = static_cast<std::uint8_t>(helpers[index].permissions & ~granted);
        if (missing == 0 || reported[index]) continue;
        reported[index] = true;
        problems.push_back("pc " + std::to_string(pc) + ": calls helper '" + helpers[index].name + "', which needs the '" +
                           permission_words(missing) + "' permission" + (std::popcount(missing) > 1 ? "s" : "") +
                           "; the code is granted: " + permission_words(granted));
    }
    if (problems.empty()) return true;
    err.code = PluginErrc::unknown_helper;
    err.diagnostics = problems;
    err.message = problems.front();
    if (problems.size() > 1)
        err.message += " (and " + std::to_string(problems.size() - 1) + " more problem" + (problems.size() > 2 ? "s" : "") + ")";
    return false;
}

}  // namespace

// Per plugin, in this process: read the file once, load the section from
// those bytes (the only ELF reader), verify it against the helpers and the
// plugin's heap (the only authority). Then the batch's verified plugins are
// compiled together (one mapping for all their native code, see
// vm::jit_compile_batch) or kept for the interpreter. Nothing else reads the
// file, and no child is forked.
std::vector<LoadResult> Runtime::load_impl(std::span<const PluginSource> sources, bool keep, detail::AcceptedFiles objects) noexcept {
    std::vector<LoadResult> results;
    try {
        results.reserve(sources.size());
        // The helper table as the loader and the verifier see it, made once
        // per batch; each plugin's options differ only in the fields set below.
        // The names are views of helpers_, which nothing changes during the
        // batch. A signature is made when a loaded program first calls its
        // helper (the verifier reads no other), and the verifier's table
        // ends at the highest helper called so far: sized for every host
        // helper, it was 9.5 KB to fill in mempool-bgp (108 helpers) for
        // the 5 the shipped plugins call.
        std::vector<std::string_view> names;
        std::vector<vm::HelperFn> fns;
        vm::VerifyOptions vo;
        names.reserve(helpers_.size());
        fns.reserve(helpers_.size());
        for (const HelperSpec& h : helpers_) {
            names.push_back(h.name);
            fns.push_back(h.fn);
        }
        vo.ctx_size = sizeof(bpf_full_args_t);
        vo.max_instructions = options_.max_instructions;

        // Verified, waiting for the JIT: results[slot] is a placeholder until then.
        struct Verified {
            std::size_t slot;
            const PluginSource* src;
            std::string name;
            std::uint32_t heap;
            std::uint32_t instructions;
            std::unique_ptr<detail::ProgramImpl> impl;
        };
        std::vector<Verified> verified_plugins;
        std::vector<std::uint8_t> bytes;
        for (const PluginSource& src : sources) {
            PluginError err;
            err.plugin = src.name.empty() ? src.section : src.name;
            // The whole file, read once: these bytes are the ones loaded,
            // verified and run (a file swapped on disk afterwards changes
            // nothing), up to max_object_bytes: a device that never ends is
            // not read past that.
            detail::OpenedFile file(src.object_path);
            if (objects == detail::AcceptedFiles::regular_only && file.not_a_regular_file()) {
                err.code = PluginErrc::cannot_read;
                err.message = "object '" + src.object_path + "' is not a regular file";
                results.emplace_back(std::move(err));
                continue;
            }
            const std::uint32_t heap = src.limits.heap.value_or(options_.heap_size);
            if (heap > max_heap_size) {
                err.code = PluginErrc::invalid_argument;
                err.message = "heap of " + std::to_string(heap) + " bytes, more than the " +
                              std::to_string(max_heap_size) + " allowed";
                results.emplace_back(std::move(err));
                continue;
            }
            if (!file.read_bounded(bytes, detail::max_object_bytes, err.message)) {
                err.code = PluginErrc::cannot_read;
                results.emplace_back(std::move(err));
                continue;
            }
            if (!vm::looks_like_elf(bytes)) {
                err.code = PluginErrc::not_bpf_object;
                err.message = "'" + src.object_path + "' is not an eBPF object: not an ELF file";
                results.emplace_back(std::move(err));
                continue;
            }
            vm::LoadResult loaded = load_section(bytes, src, names, err);
            if (!loaded.ok()) {
                explain(err, loaded.errors, &loader_code);
                if (err.code == PluginErrc::not_bpf_object || err.code == PluginErrc::missing_section)
                    err.message = "'" + src.object_path + "': " + err.message;
                results.emplace_back(std::move(err));
                continue;
            }
            if (src.permissions && !check_permissions(loaded.program, *src.permissions, helpers_, err)) {
                results.emplace_back(std::move(err));
                continue;
            }
            vo.heap_size = heap;
            // docs/verifier.md, "xBGP programs": the collection's plugins run
            // with the same options `mempool-plugin verify --xbgp` checks them with.
            vo.heap_addresses = src.abi == PluginAbi::xbgp;
            // An xBGP code's R1 is exec_info_t, the 24 bytes the anchored
            // runner writes before it: the rest of the level's argument
            // struct holds what earlier plugins (of any group) left there,
            // which it must not read, nor write for a later one to read.
            vo.ctx_size = src.abi == PluginAbi::xbgp ? xbgp_context_size : sizeof(bpf_full_args_t);
            vo.loop_budget = src.abi == PluginAbi::xbgp;
            for (const vm::Insn& insn : loaded.program.code) {
                if (!vm::isa::is_helper_call(insn) || insn.imm < 0 || static_cast<std::size_t>(insn.imm) >= helpers_.size())
                    continue;
                const auto index = static_cast<std::size_t>(insn.imm);
                if (index >= vo.helpers.size()) vo.helpers.resize(index + 1);
                if (vo.helpers[index].name.empty()) vo.helpers[index] = detail::signature_of(helpers_[index]);
            }
            const auto instructions = static_cast<std::uint32_t>(loaded.program.code.size());
            vm::VerifyResult verified = vm::verify(std::move(loaded.program), vo);
            if (!verified.ok()) {
                explain(err, verified.diagnostics, &verifier_code);
                results.emplace_back(std::move(err));
                continue;
            }
            results.emplace_back(PluginError{});
            if (!keep) continue;
            auto impl = std::make_unique<detail::ProgramImpl>();
            impl->verified = std::move(verified.program);
            impl->writes.outside_blocks = detail::may_write_outside_blocks(impl->verified);
            impl->writes.context = detail::may_write_context(impl->verified);
            impl->helpers = fns;
            verified_plugins.push_back(Verified{results.size() - 1, &src, std::move(err.plugin), heap, instructions,
                                                std::move(impl)});
        }

#ifdef MEMPOOL_HAVE_JIT
        // Native code for every plugin that asks for it, in one mapping.
        if (options_.jit) {
            std::vector<vm::JitRequest> requests;
            std::vector<detail::ProgramImpl*> requested;
            for (Verified& v : verified_plugins) {
                if (!v.src->jit) continue;
                requests.push_back(vm::JitRequest{&v.impl->verified, v.impl->helpers});
                requested.push_back(v.impl.get());
            }
            if (!requests.empty()) {
                std::vector<vm::JitResult> jit = vm::jit_compile_batch(requests);
                if (jit.size() != requests.size()) throw std::bad_alloc();
                for (std::size_t i = 0; i < jit.size(); ++i) {
                    if (jit[i].code)
                        requested[i]->jit.emplace(std::move(*jit[i].code));
                    else
                        requested[i]->jit_error = std::move(jit[i].error);
                }
            }
        }
#endif

        for (Verified& v : verified_plugins) {
            const PluginSource& src = *v.src;
            std::shared_ptr<Program> prog(new Program());
            prog->name_ = std::move(v.name);
            prog->section_ = src.section;
            prog->instructions_ = v.instructions;
            prog->stack_size_ = v.impl->verified.stack_size;
            prog->instruction_bound_ = v.impl->verified.instruction_bound;
            prog->jit_ = v.impl->jit ? v.impl->jit->entry() : nullptr;
            prog->impl_ = std::move(v.impl);
            prog->budget_.heap_size = v.heap;
            prog->budget_.global_limit = src.limits.global_pool_bytes.value_or(options_.global_pool_limit);
            prog->budget_.object_limit = src.limits.object_pool_bytes.value_or(options_.object_pool_limit);
            prog->abi_ = src.abi;
            prog->data_ = prog->impl_->verified.program.data;
            prog->permissions_ = src.permissions;
            prog->group_ = src.group;
            if (const std::uint32_t shared = src.limits.shared_memory.value_or(0); shared != 0 || !src.group.empty()) {
                // The group's shared memory: made by its first code (whose
                // shared_memory sets the limit), found by the others.
                detail::XbgpHost* host = xbgp_host();
                if (host == nullptr) throw std::bad_alloc();
                std::shared_ptr<detail::SharedMemory>& slot =
                    src.group.empty() ? prog->shared_ : host->shared[src.group];
                // A group whose programs were all released (only this map
                // holds its memory) starts again from empty memory: a code
                // loaded later under that name, maybe another author's, must
                // not find what the released ones kept (libxbgp frees a
                // plugin's shared memory with the plugin).
                if (slot == nullptr || slot.use_count() == 1) slot = std::make_shared<detail::SharedMemory>(shared);
                prog->shared_ = slot;
                prog->budget_.shared = slot.get();
            }
            results[v.slot] = LoadResult(ProgramPtr(std::move(prog)));
        }
        return results;
    } catch (const std::bad_alloc&) {
        return {};
    }
}

PluginStatus Runtime::attach(PointId point, ProgramPtr program, std::int32_t order) noexcept {
    return attach(point, std::move(program), Anchor::pre, order);
}

PluginStatus Runtime::attach(PointId point, ProgramPtr program, Anchor anchor, std::int32_t order) noexcept {
    if (program == nullptr) return fail(PluginErrc::invalid_argument, {}, "no program to attach");
    if (point.index >= points_.size())
        return fail(PluginErrc::unknown_point, program->name(), "no such insertion point");
    if (anchor != Anchor::pre && anchor != Anchor::replace && anchor != Anchor::post)
        return fail(PluginErrc::invalid_argument, program->name(), "unknown anchor");
    Point& p = points_[point.index];
    if (anchor == Anchor::replace && p.replace.size() >= max_replace_plugins)
        return fail(PluginErrc::invalid_argument, program->name(),
                    "point '" + p.name + "' already has " + std::to_string(max_replace_plugins) + " replace plugins");
    try {
        auto& entries = anchor == Anchor::pre ? p.entries : anchor == Anchor::replace ? p.replace : p.post;
        auto at = std::upper_bound(entries.begin(), entries.end(), order,
                                   [](std::int32_t o, const Attached& a) { return o < a.order; });
        const auto jit = program->jit_;
        const detail::ProgramImpl* impl = program->impl_.get();
        const detail::PluginBudget* budget = &program->budget_;
        detail::AnchoredCode code;
        code.heap_size = budget->heap_size;
        if (const detail::SharedMemory* shared = budget->shared; shared != nullptr) {
            code.shared = shared->arena();
            code.shared_size = shared->limit();
        }
        code.data = program->data_.empty() ? nullptr : program->data_.data();
        code.program = &impl->verified.program;
        code.abi = program->abi_;
        code.writes_outside_blocks = impl->writes.outside_blocks;
        // A plugin run without the JIT (RuntimeOptions::jit) has no native code.
        code.sets_call_regions = jit == nullptr || detail::may_set_call_regions(*impl);
        // An xBGP code's context is exec_info_t, written whole before each
        // plugin: only a mempool-ABI plugin reaches bytes the next one reads.
        code.writes_arguments = code.abi == PluginAbi::mempool && impl->writes.context;
        entries.insert(at, Attached{std::move(program), order, jit, impl, budget, code});
        update_busy(point.index);
        return {};
    } catch (const std::bad_alloc&) {
        return fail(PluginErrc::internal, program->name(), "out of memory");
    }
}

namespace {
// The attached entries of every anchor of `p` that `match`, removed; how many.
template <class Point, class Match>
std::size_t erase_attached(Point& p, Match match) {
    std::size_t removed = 0;
    for (auto* entries : {&p.entries, &p.replace, &p.post}) removed += std::erase_if(*entries, match);
    return removed;
}
}  // namespace

std::size_t Runtime::detach(PointId point, std::string_view name) noexcept {
    if (point.index >= points_.size()) return 0;
    const std::size_t removed =
        erase_attached(points_[point.index], [&](const Attached& a) { return a.program->name() == name; });
    update_busy(point.index);
    return removed;
}

void Runtime::detach_program(PointId point, const Program* program) noexcept {
    if (point.index >= points_.size()) return;
    (void)erase_attached(points_[point.index], [program](const Attached& a) { return a.program.get() == program; });
    update_busy(point.index);
}

void Runtime::detach_all() noexcept {
    for (Point& p : points_) {
        p.entries.clear();
        p.replace.clear();
        p.post.clear();
        p.xbgp = false;
        p.replace_only = false;
    }
    std::fill(busy_.begin(), busy_.end(), std::uint8_t{0});
}

std::size_t Runtime::attached_count(PointId p, Anchor a) const noexcept {
    if (p.index >= points_.size()) return 0;
    const Point& pt = points_[p.index];
    switch (a) {
    case Anchor::pre: return pt.entries.size();
    case Anchor::replace: return pt.replace.size();
    case Anchor::post: return pt.post.size();
    }
    return 0;
}

PluginStatus Runtime::set_result_check(PointId point, ResultCheck check) noexcept {
    if (point.index >= points_.size()) return fail(PluginErrc::unknown_point, {}, "no such insertion point");
    points_[point.index].check = check;
    return {};
}

// A point runs on the fast path (run_attached) while it has only pre plugins
// of the mempool ABI without shared memory; replace or post plugins, an xBGP
// plugin (whose R1 is an exec_info_t) or shared memory (its arena is set for
// the executors there) send it to run_anchored.
void Runtime::update_busy(std::uint32_t index) noexcept {
    Point& p = points_[index];
    p.xbgp = false;
    for (const auto* entries : {&p.entries, &p.replace, &p.post})
        for (const Attached& a : *entries)
            p.xbgp = p.xbgp || a.program->abi() == PluginAbi::xbgp || a.program->budget_.shared != nullptr ||
                     !a.program->data_.empty();
    p.replace_only = !p.replace.empty() && p.entries.empty() && p.post.empty();
    if (p.entries.empty() && p.replace.empty() && p.post.empty())
        busy_[index] = 0;
    else if (p.replace.empty() && p.post.empty() && !p.xbgp)
        busy_[index] = 1;
    else
        busy_[index] = 2;
}

}  // namespace mempool
