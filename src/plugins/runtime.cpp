// runtime.cpp: helper table, points, loading (check -> child -> load), attach.
#include <mempool/runtime.hpp>

#include "bpf_backend.hpp"
#include "child_validation.hpp"
#include "diagnose.hpp"
#include "elf_object.hpp"

#include <algorithm>
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
        if (spec.name.empty() || spec.fn == nullptr || spec.arg_count > 5)
            return fail(PluginErrc::invalid_argument, {}, "helper needs a name, a function and at most 5 arguments");
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
    return load_impl(object_path, section, std::move(name), true);
}

PluginStatus Runtime::verify(const std::string& object_path, const std::string& section) noexcept {
    LoadResult r = load_impl(object_path, section, {}, false);
    PluginStatus s;
    s.error = r.error();
    return s;
}

LoadResult Runtime::load_impl(const std::string& path, const std::string& section, std::string name,
                              bool keep) noexcept {
    PluginError err;
    try {
        err.plugin = name.empty() ? section : name;
        detail::ElfObject object;
        if (!object.open(path, err)) return err;
        if (!object.has_code_section(section)) {
            err.code = PluginErrc::missing_section;
            err.message = "no code section '" + section + "' in '" + path + "' (it has: " +
                          join(object.code_sections()) + ")";
            return err;
        }

        std::lock_guard<std::mutex> lock(detail::bpf_load_mutex());
        auto explain = [&](std::string_view log, int error) {
            PluginError d = detail::diagnose(log, error, object, section);
            d.plugin = err.plugin;
            return d;
        };

        if (options_.validate_in_child) {
            detail::ChildOutcome c =
                detail::validate_in_child(path, section, helpers_, options_.jit, options_.validation_timeout);
            switch (c.kind) {
            case detail::ChildOutcome::Kind::loaded:
                if (!keep) return LoadResult(PluginError{});  // verify only: the child's word is enough
                break;
            case detail::ChildOutcome::Kind::rejected: return explain(c.log, c.error);
            case detail::ChildOutcome::Kind::timeout:
                err.code = PluginErrc::validator_timeout;
                err.message = "validation did not finish within " +
                              std::to_string(options_.validation_timeout.count()) +
                              " ms (too many data-dependent branches in a row?)";
                return err;
            case detail::ChildOutcome::Kind::crashed:
                err.code = PluginErrc::validator_crashed;
                err.message = "the validator crashed" +
                              (c.error != 0 ? " (signal " + std::to_string(c.error) + ", " + strsignal(c.error) + ")"
                                            : std::string()) +
                              "; the object is malformed or hostile";
                return err;
            case detail::ChildOutcome::Kind::failed:
                err.code = PluginErrc::internal;
                err.message = std::string("cannot start the validating process: ") + std::strerror(c.error);
                return err;
            }
        }

        detail::BpfLoad r = detail::bpf_load(path, section, helpers_, options_.jit);
        if (r.bpf == nullptr) return explain(r.log, r.error);
        std::shared_ptr<Program> p(new Program());
        p->bpf_ = r.bpf;  // owned from here: ~Program destroys it
        p->jit_ = r.jit;
        p->name_ = err.plugin;
        p->section_ = section;
        p->instructions_ = static_cast<std::uint32_t>(object.instructions(section).size());
        if (!keep) return LoadResult(PluginError{});
        return LoadResult(ProgramPtr(std::move(p)));
    } catch (const std::bad_alloc&) {
        err.code = PluginErrc::internal;
        err.message = "out of memory";
        return err;
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
        entries.insert(at, Attached{std::move(program), order});
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
