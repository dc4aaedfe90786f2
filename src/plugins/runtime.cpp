// runtime.cpp: helper table, points, loading (check -> child -> load), attach.
#include <mempool/runtime.hpp>

#include "bpf_backend.hpp"
#include "bytecode_check.hpp"
#include "child_validation.hpp"
#include "diagnose.hpp"
#include "elf_object.hpp"
#include "helper_signature.hpp"

#include <algorithm>
#include <cstdint>
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
    case PluginErrc::rejected: return "rejected by the validator";
    case PluginErrc::validator_timeout: return "validation timed out";
    case PluginErrc::validator_crashed: return "validator crashed";
    case PluginErrc::unknown_point: return "unknown insertion point";
    case PluginErrc::bad_manifest: return "bad manifest";
    case PluginErrc::duplicate: return "duplicate name";
    case PluginErrc::invalid_argument: return "invalid argument";
    case PluginErrc::internal: return "internal error";
    }
    return "unknown error";
}

std::string PluginError::to_string() const {
    if (plugin.empty()) return message;
    return "plugin '" + plugin + "' rejected: " + message;
}

Program::~Program() { detail::bpf_destroy(bpf_); }

Runtime::Runtime(RuntimeOptions options) noexcept : options_(options) {
    if (options_.pool_helpers) {
        for (const HelperSpec& h : pool_helpers()) (void)register_helper(h);
    }
    if (options_.heap_helpers) {
        for (const HelperSpec& h : heap_helpers()) (void)register_helper(h);
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

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

}  // namespace

PluginStatus Runtime::register_helper(HelperSpec spec) noexcept {
    try {
        if (std::string why; !detail::check_helper_spec(spec, why))
            return fail(PluginErrc::invalid_argument, {}, why);
        for (const HelperSpec& h : helpers_)
            if (h.name == spec.name)
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
        busy_.reserve(points_.size() + 1);
        points_.push_back(Point{std::string(name), {}});
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

// Four steps: every file is checked here (readable, BPF, has the section);
// its bytecode goes through our own check (bytecode_check.hpp), which closes
// the holes of librte_bpf's validator; the good ones are validated together
// in one forked child; each one the
// child passes is loaded (and JIT-compiled) here as soon as its verdict
// arrives, while the child goes on with the next ones.
std::vector<LoadResult> Runtime::load_impl(std::span<const PluginSource> sources, bool keep) noexcept {
    std::vector<LoadResult> results;
    try {
        struct Pending {
            detail::ElfObject object;
            PluginError err;  // plugin name filled; code none while the plugin is still in the running
        };
        std::vector<Pending> pending(sources.size());
        results.reserve(sources.size());
        std::vector<detail::ChildJob> jobs;
        std::vector<std::size_t> job_of;  // source index -> job index (SIZE_MAX: none)
        jobs.reserve(sources.size());
        job_of.assign(sources.size(), SIZE_MAX);
        for (std::size_t i = 0; i < sources.size(); ++i) {
            const PluginSource& src = sources[i];
            Pending& p = pending[i];
            p.err.plugin = src.name.empty() ? src.section : src.name;
            if (src.limits.heap.value_or(options_.heap_size) > max_heap_size) {
                p.err.code = PluginErrc::invalid_argument;
                p.err.message = "heap of " + std::to_string(src.limits.heap.value_or(options_.heap_size)) +
                                " bytes, more than the " + std::to_string(max_heap_size) + " allowed";
                continue;
            }
            if (!p.object.open(src.object_path, p.err)) continue;
            if (!p.object.has_code_section(src.section)) {
                p.err.code = PluginErrc::missing_section;
                p.err.message = "no code section '" + src.section + "' in '" + src.object_path + "' (it has: " +
                                join(p.object.code_sections()) + ")";
                continue;
            }
            if (const std::size_t n = p.object.sections_named(src.section); n != 1) {
                p.err.code = PluginErrc::not_bpf_object;
                p.err.message = "'" + src.object_path + "' is not an eBPF object we can trust: " +
                                std::to_string(n) + " sections are named '" + src.section +
                                "' (the checked one might not be the loaded one)";
                continue;
            }
            PluginError checked = detail::check_bytecode(p.object.instructions(src.section),
                                                         p.object.relocations(src.section), helpers_);
            if (checked.code != PluginErrc::none) {
                checked.plugin = std::move(p.err.plugin);
                p.err = std::move(checked);
                continue;
            }
            job_of[i] = jobs.size();
            jobs.push_back(detail::ChildJob{&src.object_path, &src.section});
        }

        std::lock_guard<std::mutex> lock(detail::bpf_load_mutex());
        // The host's own loads, one per job; each done as soon as the child
        // has passed the plugin, while the child validates the next ones.
        // Destroyed here unless handed to a Program.
        struct HostLoads {
            std::vector<detail::BpfLoad> loads;
            std::vector<std::uint8_t> tried;
            const Runtime* rt = nullptr;
            std::span<const detail::ChildJob> jobs;
            ~HostLoads() {
                for (detail::BpfLoad& l : loads) detail::bpf_destroy(l.bpf);
            }
            void load(std::size_t j) noexcept {
                loads[j] = detail::bpf_load_explained(*jobs[j].path, *jobs[j].section, rt->helpers(), rt->options().jit);
                tried[j] = 1;
            }
        } host;
        host.loads.resize(jobs.size());
        host.tried.assign(jobs.size(), 0);
        host.rt = this;
        host.jobs = jobs;

        std::vector<detail::ChildOutcome> outcomes;
        if (options_.validate_in_child && !jobs.empty()) {
            detail::VerdictSink sink;
            if (keep) {
                sink.context = &host;
                sink.fn = [](void* context, std::size_t j, const detail::ChildOutcome& o) noexcept {
                    if (o.kind == detail::ChildOutcome::Kind::loaded) static_cast<HostLoads*>(context)->load(j);
                };
            }
            outcomes = detail::validate_in_children(jobs, helpers_, options_.jit, options_.validation_timeout, sink);
            if (outcomes.size() != jobs.size()) throw std::bad_alloc();
        }

        for (std::size_t i = 0; i < sources.size(); ++i) {
            const PluginSource& src = sources[i];
            Pending& p = pending[i];
            PluginError& err = p.err;
            auto explain = [&](std::string_view log, int error) {
                PluginError d = detail::diagnose(log, error, p.object, src.section);
                d.plugin = err.plugin;
                return d;
            };
            if (job_of[i] == SIZE_MAX) {
                results.emplace_back(std::move(err));
                continue;
            }
            if (!outcomes.empty()) {
                const detail::ChildOutcome& c = outcomes[job_of[i]];
                bool judged = false;
                switch (c.kind) {
                case detail::ChildOutcome::Kind::loaded: break;
                case detail::ChildOutcome::Kind::rejected:
                    err = explain(c.log, c.error);
                    judged = true;
                    break;
                case detail::ChildOutcome::Kind::timeout:
                    err.code = PluginErrc::validator_timeout;
                    err.message = "validation did not finish within " +
                                  std::to_string(options_.validation_timeout.count()) +
                                  " ms (too many data-dependent branches in a row?)";
                    judged = true;
                    break;
                case detail::ChildOutcome::Kind::crashed:
                    err.code = PluginErrc::validator_crashed;
                    err.message = "the validator crashed" +
                                  (c.error != 0 ? " (signal " + std::to_string(c.error) + ", " +
                                                      strsignal(c.error) + ")"
                                                : std::string()) +
                                  "; the object is malformed or hostile";
                    judged = true;
                    break;
                case detail::ChildOutcome::Kind::failed:
                    err.code = PluginErrc::internal;
                    err.message = std::string("cannot start the validating process: ") + std::strerror(c.error);
                    judged = true;
                    break;
                }
                if (judged) {
                    results.emplace_back(std::move(err));
                    continue;
                }
                if (!keep) {  // verify only: the child's word is enough
                    results.emplace_back(PluginError{});
                    continue;
                }
            }

            const std::size_t j = job_of[i];
            if (host.tried[j] == 0) host.load(j);
            detail::BpfLoad& r = host.loads[j];
            if (r.bpf == nullptr) {
                results.emplace_back(explain(r.log, r.error));
                continue;
            }
            std::shared_ptr<Program> prog(new Program());
            prog->bpf_ = r.bpf;  // owned from here: ~Program destroys it
            prog->jit_ = r.jit;
            r.bpf = nullptr;
            prog->name_ = err.plugin;
            prog->section_ = src.section;
            prog->instructions_ = static_cast<std::uint32_t>(p.object.instructions(src.section).size());
            prog->budget_.heap_size = src.limits.heap.value_or(options_.heap_size);
            prog->budget_.global_limit = src.limits.global_pool_bytes.value_or(options_.global_pool_limit);
            prog->budget_.object_limit = src.limits.object_pool_bytes.value_or(options_.object_pool_limit);
            if (!keep) {
                results.emplace_back(PluginError{});
                continue;
            }
            results.emplace_back(ProgramPtr(std::move(prog)));
        }
        return results;
    } catch (const std::bad_alloc&) {
        return {};
    }
}

PluginStatus Runtime::attach(PointId point, ProgramPtr program, std::int32_t order) noexcept {
    if (program == nullptr) return fail(PluginErrc::invalid_argument, {}, "no program to attach");
    if (point.index >= points_.size())
        return fail(PluginErrc::unknown_point, program->name(), "no such insertion point");
    try {
        auto& entries = points_[point.index].entries;
        auto at = std::upper_bound(entries.begin(), entries.end(), order,
                                   [](std::int32_t o, const Attached& a) { return o < a.order; });
        const auto jit = program->jit_;
        const void* bpf = program->bpf_;
        const detail::PluginBudget* budget = &program->budget_;
        entries.insert(at, Attached{std::move(program), order, jit, bpf, budget});
        update_busy(point.index);
        return {};
    } catch (const std::bad_alloc&) {
        return fail(PluginErrc::internal, program->name(), "out of memory");
    }
}

std::size_t Runtime::detach(PointId point, std::string_view name) noexcept {
    if (point.index >= points_.size()) return 0;
    auto& entries = points_[point.index].entries;
    const auto before = entries.size();
    std::erase_if(entries, [&](const Attached& a) { return a.program->name() == name; });
    update_busy(point.index);
    return before - entries.size();
}

void Runtime::detach_all() noexcept {
    for (Point& p : points_) p.entries.clear();
    std::fill(busy_.begin(), busy_.end(), std::uint8_t{0});
}

}  // namespace mempool
