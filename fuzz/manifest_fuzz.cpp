// Fuzzing of the plugin manifest loaders (src/plugins/manifest.cpp): any
// bytes are written as a manifest file and given to Runtime::load_manifest
// on a runtime set up as `mempool-bgp replay --plugins FILE` sets it up
// (tools/mempool-bgp/main.cpp: xBGP helpers, PluginInsertionPoints, the job
// helpers, SendPoints), so every point name and helper resolves. The input
// is up to three files, cut at the line "%%" ("\n%%\n"): the manifest,
// then a.plugin and b.meta beside it, which an `include` line may name (a
// file the input does not give is absent). The folder also holds the
// shipped plugins' objects (plugins/*.o, plugins/xbgp/*.o but rib_census.o,
// see copy_matching) and manifests (plugins.json, plugins/xbgp/*.plugin,
// *.meta) under their own names.
// Manifests are input: nothing may crash, hang, leak, throw or touch memory
// out of bounds (ASan+UBSan), and the report must keep its promises:
//   - every problem has a code and a message, none is `internal` (an
//     exception the loader did not turn into a reason);
//   - all or nothing: a report with problems leaves no plugin attached and
//     no job plugin; a clean one attached `attached` plugins, one entry each.
// A clean load is then run as mempool-bgp runs it: a small built-in sample
// replayed through the points (job plugins on its clock), the export of
// docs/export-example.json through the sending points, the report.
// Seeds: fuzz/corpus/manifest (the repo's manifests, a pre-2022 libxbgp
// manifest, multi-file inputs using a.plugin and b.meta); dictionary:
// fuzz/manifest_fuzz.dict. MANIFEST_FUZZ_VERBOSE=1 prints each load's report.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <mempool/runtime.hpp>

#include "exporter.hpp"
#include "plugin_points.hpp"
#include "replay.hpp"
#include "sample.hpp"
#include "xbgp/jobs.hpp"
#include "xbgp/plugin_figures.hpp"
#include "xbgp/send_points.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mempool::bgp;

[[noreturn]] void inconsistent(const char* what, const std::string& detail) {
    std::fprintf(stderr, "manifest_fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

struct Setup {
    fs::path dir;                       // the scratch folder: objects, manifests, the input's files
    std::vector<std::uint8_t> sample;   // a small MRT stream (sample.hpp)
    ExportConfig export_config;
    std::FILE* log = nullptr;           // /dev/null: plugins' log_msg / ebpf_print
    bool verbose = false;
};
Setup* setup = nullptr;

void remove_dir() {
    if (setup == nullptr) return;
    std::error_code ec;
    fs::remove_all(setup->dir, ec);
}

// rib_census.o is left out: its verification alone takes about 2.6 s in
// this build (0.1 s in a Release one), which would make every input naming
// it a near-timeout (job_probe.o is the job plugin here).
void copy_matching(const fs::path& from, const fs::path& to, std::initializer_list<const char*> extensions) {
    std::error_code ec;
    std::size_t copied = 0;
    for (const fs::directory_entry& e : fs::directory_iterator(from, ec)) {
        if (e.path().filename() == "rib_census.o") continue;
        const std::string ext = e.path().extension().string();
        for (const char* want : extensions)
            if (ext == want) {
                fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
                ++copied;
            }
    }
    if (ec || copied == 0) inconsistent("set-up", "nothing to copy from " + from.string() + " (build the plugins)");
}

void write_file(const fs::path& p, std::string_view bytes) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) inconsistent("cannot write", p.string());
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) inconsistent("cannot write", p.string());
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

xbgp::PeerData local_speaker() {
    // mempool-bgp's defaults: --local-as 0, --local-router-id 0.0.0.0
    xbgp::PeerData speaker;
    speaker.as = 0;
    speaker.peer_type = xbgp::kLocalSession;
    speaker.router_id = 0;
    return speaker;
}

std::string describe(const mempool::ManifestReport& r) {
    std::string s;
    for (const mempool::PluginError& e : r.problems) s += "\n  " + e.to_string();
    return s;
}

// What a clean load attached: every point, every anchor.
std::size_t attached_everywhere(const mempool::Runtime& rt) {
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < rt.point_count(); ++i) n += rt.attached_count(mempool::PointId{i});
    return n;
}

// The loaded plugins at work, as run_replay in mempool-bgp runs them.
void run_loaded(mempool::Runtime& rt, PluginInsertionPoints& points, xbgp::SendPoints& send,
                const mempool::ManifestReport& rep) {
    points.set_plugin_names(rep.entries);
    points.set_local_speaker(local_speaker());
    ReplayOptions opts;
    opts.hooks = &points;
    Replay replay(opts);
    std::unique_ptr<Exporter> exporter;
    ExportPoints* sending = nullptr;
    if (send.active()) {
        send.set_local_speaker(Neighbours(setup->export_config).local());
        sending = &send;
    }
    exporter = std::make_unique<Exporter>(setup->export_config, replay, &points, sending, nullptr);
    send.set_message_sink(
        [e = exporter.get()](const IpAddress& a, std::uint8_t type, Bytes body) { return e->send_message(a, type, body); });
    points.set_peers(&replay.peer_identities());
    std::unique_ptr<xbgp::XbgpJobs> jobs;
    if (!rt.jobs().empty()) {
        jobs = std::make_unique<xbgp::XbgpJobs>(rt, replay, points, &points.xbgp_points(), local_speaker());
        replay.set_record_clock(jobs.get());
    }
    replay.replay_source(memory_byte_source(setup->sample.data(), setup->sample.size()), "<sample>");
    exporter->finish();
    ReplayReport report = replay.finish();
    report.plugin_figures = xbgp::plugin_figures(rt);
    exporter->add_to(report);
    if (jobs) (void)jobs->figures();
    send.set_message_sink({});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    setup = new Setup;
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/manifest_fuzz.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) inconsistent("set-up", "mkdtemp " + templ);
    setup->dir = templ;
    std::atexit(remove_dir);
    const fs::path plugins = MEMPOOL_FUZZ_PLUGINS_DIR;
    copy_matching(plugins, setup->dir, {".o", ".json"});
    copy_matching(plugins / "xbgp", setup->dir, {".o", ".plugin", ".meta"});
    SampleOptions so;
    so.peers = 3;
    so.prefixes = 24;
    so.updates = 40;
    so.seed = 7;
    setup->sample = sample_stream(so);
    std::string why;
    if (!load_export_config(MEMPOOL_FUZZ_EXPORT_CONFIG, setup->export_config, why))
        inconsistent("set-up", "export configuration: " + why);
    setup->log = std::fopen("/dev/null", "w");
    setup->verbose = std::getenv("MANIFEST_FUZZ_VERBOSE") != nullptr;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The input's files: the manifest, a.plugin, b.meta.
    static constexpr std::string_view cut = "\n%%\n";
    static const char* const names[] = {"fuzz.manifest", "a.plugin", "b.meta"};
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t from = 0;
    for (std::size_t i = 0; i < std::size(names); ++i) {
        const fs::path p = setup->dir / names[i];
        if (from == std::string_view::npos) {
            ::unlink(p.c_str());
            continue;
        }
        const std::size_t at = i + 1 < std::size(names) ? input.find(cut, from) : std::string_view::npos;
        write_file(p, input.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
        from = at == std::string_view::npos ? at : at + cut.size();
    }

    // mempool-bgp replay --plugins FILE, as run_replay sets it up.
    mempool::RuntimeOptions ro;
    ro.xbgp_helpers = true;
    mempool::Runtime rt(ro);
    rt.set_log_stream(setup->log);
    PluginInsertionPoints points(rt);
    xbgp::XbgpJobs::register_helpers(rt);
    xbgp::SendPoints send(rt);
    const mempool::ManifestReport rep = rt.load_manifest((setup->dir / names[0]).string());
    if (setup->verbose)  // MANIFEST_FUZZ_VERBOSE=1: what the load said, for looking at seeds
        std::fprintf(stderr, "manifest_fuzz: %zu attached, %zu jobs, %zu problems%s\n", rep.attached, rt.jobs().size(),
                     rep.problems.size(), describe(rep).c_str());

    for (const mempool::PluginError& e : rep.problems) {
        if (e.code == mempool::PluginErrc::none) inconsistent("problem without a code", e.to_string());
        if (e.message.empty()) inconsistent("problem without a message", e.to_string());
        if (e.code == mempool::PluginErrc::internal) inconsistent("internal error", e.to_string());
    }
    const std::size_t attached = attached_everywhere(rt);
    if (!rep.ok()) {
        if (attached != 0 || !rt.jobs().empty())
            inconsistent("a manifest with problems left plugins attached",
                         std::to_string(attached) + " attached, " + std::to_string(rt.jobs().size()) + " jobs:" +
                             describe(rep));
        return 0;
    }
    if (attached != rep.attached) inconsistent("attached", std::to_string(attached) + " != " + std::to_string(rep.attached));
    if (rep.entries.size() != rep.attached)
        inconsistent("entries", std::to_string(rep.entries.size()) + " != " + std::to_string(rep.attached));
    run_loaded(rt, points, send, rep);
    return 0;
}
