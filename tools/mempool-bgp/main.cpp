// mempool-bgp: replays BGP data (MRT files) through the BGP host, keeping an
// Adj-RIB-In per peer with an attribute pool on every route, and reports per
// peer figures. See `mempool-bgp --help`.
#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "exporter.hpp"
#include "mapped_array.hpp"
#include "replay.hpp"
#include "rib_dump.hpp"
#include "sample.hpp"

#ifdef MEMPOOL_BGP_WITH_PLUGINS
#include "plugin_points.hpp"
#include "xbgp/send_points.hpp"
#include "xbgp/jobs.hpp"
#include "xbgp/plugin_figures.hpp"
#endif

namespace {

using namespace mempool::bgp;

// The first 96 KiB of the heap, populated in one system call before the
// start-up's allocations (the command line's, the plugins' load, the first
// records') spread over them: a replay of a small file touched 20 heap pages
// one fault at a time (28 with the shipped plugins), each about 10 us on a
// virtual machine. Freed at once into malloc's top chunk, which keeps at
// least 128 KiB (glibc's M_TOP_PAD), so the pages stay for what comes next.
void populate_startup_heap() {
    constexpr std::size_t bytes = std::size_t{96} << 10;  // below malloc's mmap threshold: the heap's own pages
    if (void* warm = std::malloc(bytes)) {
        mapped_storage::populate_for_write(warm, bytes);
        std::free(warm);
    }
}

// A progress bar on stderr, only when stderr is a terminal.
class Progress {
public:
    Progress() : enabled_(isatty(STDERR_FILENO) == 1) {}
    [[nodiscard]] bool enabled() const { return enabled_; }
    void update(const std::string& name, const ByteSource& src) {
        const auto now = std::chrono::steady_clock::now();
        const bool done = src.total() != 0 && src.consumed() >= src.total();
        if (!done && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        const double f = src.total() ? static_cast<double>(src.consumed()) / static_cast<double>(src.total()) : 0.0;
        const int width = 30;
        const int fill = static_cast<int>(f * width);
        std::string bar(static_cast<std::size_t>(fill), '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\r%-40.40s [%s] %3d%%", name.c_str(), bar.c_str(), static_cast<int>(f * 100));
        shown_ = true;
    }
    void finish() {
        if (shown_) std::fputs("\r\033[K", stderr);
    }

private:
    bool enabled_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

#ifdef MEMPOOL_BGP_WITH_PLUGINS
// Who the local speaker is, for xBGP plugins (ubpf_peer_info.local_bgp_session):
// --local-as and --local-router-id.
struct LocalSpeaker {
    std::uint32_t as = 0;
    std::string router_id = "0.0.0.0";
};
LocalSpeaker local_speaker;

// --max-instructions: a run's instruction bound (RuntimeOptions). A job
// that walks a full table (RIB iterator helpers) needs more than the
// default allows a policy plugin.
std::uint64_t max_plugin_instructions = mempool::RuntimeOptions{}.max_instructions;
#endif

struct RibOut {
    std::string path;  // empty: no dump
    RibDumpOptions options;
};

// --export-to and what goes with it (docs/export.md).
struct ExportOut {
    std::string config;       // empty: no export
    std::string updates;      // --updates-out
    std::string adj_rib_out;  // --adj-rib-out
};

// Opens `path` ('-': stdout), runs `write`, closes; false with errno set on failure.
template <typename Write>
bool write_to(const std::string& path, Write&& write) {
    std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
    if (!f) return false;
    const bool ok = write(f) >= 0;
    if (f != stdout) return std::fclose(f) == 0 && ok;
    return ok;
}

int run_replay(const std::vector<std::string>& files, const std::string& plugins, bool json, bool no_rib,
               bool interpreter, const SampleOptions& sample, const RibOut& rib_out, const ExportOut& export_out) {
    InsertionPoints* hooks = nullptr;
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    std::unique_ptr<mempool::Runtime> runtime;
    std::unique_ptr<PluginInsertionPoints> points;
    std::unique_ptr<xbgp::SendPoints> send_points;
    if (plugins != "none") {
        const std::string manifest = plugins.empty() ? default_plugin_manifest() : plugins;
        if (manifest.empty()) {
            std::fprintf(stderr, "mempool-bgp: note: no default plugin manifest found (set MEMPOOL_BGP_PLUGINS or "
                                 "--plugins); replaying without plugins\n");
        } else {
            mempool::RuntimeOptions ro;
            ro.jit = !interpreter;
            ro.max_instructions = max_plugin_instructions;
            ro.xbgp_helpers = true;  // next, get_arg, ctx_*, logging, time... for libxbgp manifests
            runtime = std::make_unique<mempool::Runtime>(ro);
            points = std::make_unique<PluginInsertionPoints>(*runtime);
            xbgp::XbgpJobs::register_helpers(*runtime);  // reschedule_plugin, RIB iterators (job plugins)
            send_points = std::make_unique<xbgp::SendPoints>(*runtime);  // declared before the manifest names them
            const mempool::ManifestReport rep = runtime->load_manifest(manifest);
            if (!rep.ok()) {
                std::fprintf(stderr, "mempool-bgp: cannot use plugin manifest %s:\n", manifest.c_str());
                for (const auto& p : rep.problems) std::fprintf(stderr, "  %s\n", p.to_string().c_str());
                return 2;
            }
            points->set_plugin_names(rep.entries);
            xbgp::PeerData speaker;
            speaker.as = local_speaker.as;
            speaker.peer_type = xbgp::kLocalSession;
            in_addr id{};
            if (inet_pton(AF_INET, local_speaker.router_id.c_str(), &id) != 1) {
                std::fprintf(stderr, "mempool-bgp: --local-router-id %s is not an IPv4 address\n",
                             local_speaker.router_id.c_str());
                return 2;
            }
            speaker.router_id = ntohl(id.s_addr);
            std::memcpy(speaker.ip.bytes.data(), &id.s_addr, 4);
            points->set_local_speaker(speaker);
            hooks = points.get();
        }
    }
#else
    (void)interpreter;
    if (!plugins.empty() && plugins != "none") {
        std::fprintf(stderr,
                     "mempool-bgp: this build has no plugin runtime (MEMPOOL_BUILD_PLUGINS=OFF); only '--plugins none' "
                     "is accepted (got '%s')\n",
                     plugins.c_str());
        return 2;
    }
    if (plugins.empty())
        std::fprintf(stderr, "mempool-bgp: note: built without the plugin runtime; replaying without plugins "
                             "(the built-in selection rule applies, 'updates' is not reported)\n");
#endif
    Progress progress;
    ReplayOptions opts;
    opts.keep_rib = !no_rib;
    opts.hooks = hooks;
    if (progress.enabled())
        opts.progress = [&progress](const std::string& name, const ByteSource& src) { progress.update(name, src); };
    Replay replay(opts);
    std::unique_ptr<UpdatesWriter> updates;
    std::unique_ptr<Exporter> exporter;
    if (!export_out.config.empty()) {
        ExportConfig config;
        std::string why;
        if (!load_export_config(export_out.config, config, why)) {
            std::fprintf(stderr, "mempool-bgp: --export-to: %s\n", why.c_str());
            return 2;
        }
        if (!export_out.updates.empty()) {
            updates = std::make_unique<UpdatesWriter>();
            if (!updates->open(export_out.updates, why)) {
                std::fprintf(stderr, "mempool-bgp: cannot write %s: %s\n", export_out.updates.c_str(), why.c_str());
                return 1;
            }
        }
        ExportPoints* sending = nullptr;
#ifdef MEMPOOL_BGP_WITH_PLUGINS
        if (send_points && send_points->active()) {
            send_points->set_local_speaker(Neighbours(config).local());
            sending = send_points.get();
        }
#endif
        exporter = std::make_unique<Exporter>(config, replay, hooks, sending, updates.get());
#ifdef MEMPOOL_BGP_WITH_PLUGINS
        if (send_points)
            send_points->set_message_sink(
                [e = exporter.get()](const IpAddress& a, std::uint8_t type, Bytes body) { return e->send_message(a, type, body); });
#endif
    }
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    else if (send_points && send_points->active()) {
        std::fprintf(stderr, "mempool-bgp: note: the manifest attaches plugins at sending-side points, which run "
                             "only with --export-to\n");
    }
#endif
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    if (points) points->set_peers(&replay.peer_identities());  // for the xBGP helpers
    std::unique_ptr<xbgp::XbgpJobs> jobs;  // job plugins on the MRT clock (xbgp/jobs.hpp)
    if (points && !runtime->jobs().empty()) {
        xbgp::PeerData speaker;
        speaker.as = local_speaker.as;
        speaker.peer_type = xbgp::kLocalSession;
        in_addr id{};
        if (inet_pton(AF_INET, local_speaker.router_id.c_str(), &id) == 1) {
            speaker.router_id = ntohl(id.s_addr);
            std::memcpy(speaker.ip.bytes.data(), &id.s_addr, 4);
        }
        jobs = std::make_unique<xbgp::XbgpJobs>(*runtime, replay, *points, &points->xbgp_points(), speaker);
        replay.set_record_clock(jobs.get());
    }
#endif
    bool open_failed = false;
    std::vector<std::uint8_t> stream;
    if (files.empty()) {
        std::fprintf(stderr,
                     "mempool-bgp: no FILE given: replaying the built-in sample (%u peers, %u prefixes, %u updates, "
                     "seed %llu)\n",
                     sample.peers, sample.prefixes, sample.updates, static_cast<unsigned long long>(sample.seed));
        stream = sample_stream(sample);
        replay.replay_source(memory_byte_source(stream.data(), stream.size()), "<built-in sample>");
    } else {
        for (const auto& f : files) open_failed |= !replay.replay_file(f);
    }
    progress.finish();
    if (exporter) exporter->finish();
    ReplayReport report = replay.finish();
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    if (runtime) report.plugin_figures = xbgp::plugin_figures(*runtime);  // failures per plugin
#endif
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    if (jobs)
        for (const xbgp::XbgpJobs::Figures& j : jobs->figures())
            std::fprintf(stderr, "mempool-bgp: job %s: %llu runs (every %llu s of MRT time), %llu failed, %llu skipped%s\n",
                         j.name.c_str(), static_cast<unsigned long long>(j.runs),
                         static_cast<unsigned long long>(j.interval), static_cast<unsigned long long>(j.failed),
                         static_cast<unsigned long long>(j.skipped),
                         j.pending ? (", next due at " + std::to_string(*j.pending) + ", not reached").c_str() : "");
#endif
    report.builtin_sample = files.empty();
    if (exporter) {
        exporter->add_to(report);
        std::string why;
        if (updates && !updates->close(why)) {
            std::fprintf(stderr, "mempool-bgp: %s: %s\n", why.c_str(), std::strerror(errno));
            return 1;
        }
        if (!export_out.adj_rib_out.empty() &&
            !write_to(export_out.adj_rib_out, [&](std::FILE* f) {
                return exporter->write_adj_rib_out(f, Exporter::kAllNeighbours, rib_out.options.format);
            })) {
            std::fprintf(stderr, "mempool-bgp: cannot write the Adj-RIB-Out dump to %s: %s\n",
                         export_out.adj_rib_out.c_str(), std::strerror(errno));
            return 1;
        }
    }
    if (!rib_out.path.empty()) {
        std::FILE* f = rib_out.path == "-" ? stdout : std::fopen(rib_out.path.c_str(), "w");
        const std::int64_t lines = f ? write_rib_dump(replay, f, rib_out.options) : -1;
        if (f && f != stdout && std::fclose(f) != 0) f = nullptr;
        if (!f || lines < 0) {
            std::fprintf(stderr, "mempool-bgp: cannot write the RIB dump to %s: %s\n", rib_out.path.c_str(),
                         std::strerror(errno));
            return 1;
        }
    }
    if (json) {
        std::cout << to_json(report).dump(2) << '\n';
    } else {
        if (report.builtin_sample) std::cout << "Built-in sample (no FILE given)\n";
        std::cout << to_table(report);
        const std::size_t show = std::min<std::size_t>(report.errors.size(), 10);
        for (std::size_t i = 0; i < show; ++i) {
            const auto& e = report.errors[i];
            std::fprintf(stderr, "%s: offset %llu, record %llu: %s (%s, %s)\n", e.file.c_str(),
                         static_cast<unsigned long long>(e.offset), static_cast<unsigned long long>(e.record),
                         e.reason.c_str(), diag_code_name(e.code), diag_action_name(e.action));
        }
        if (report.error_count > show)
            std::fprintf(stderr, "... and %llu more errors (see --json)\n",
                         static_cast<unsigned long long>(report.error_count - show));
    }
    // The report is the run's result: one that did not reach its reader (a
    // full disk, a closed pipe) fails the run rather than ending it quietly.
    std::cout.flush();
    if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "mempool-bgp: cannot write the report: %s\n", std::strerror(errno));
        return 1;
    }
    // The report is out and nothing is pending (the exporter and the
    // updates writer are closed above, stdout flushed): the process ends
    // here rather than tear the table down, a million route lists and
    // attribute sets freed one by one that the kernel takes back at once.
#if !defined(__SANITIZE_ADDRESS__)
    std::fflush(nullptr);
    std::_Exit(open_failed ? 1 : 0);
#endif
    return open_failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    populate_startup_heap();
    CLI::App app{
        "mempool-bgp: replays BGP data from MRT files (RFC 6396), keeps an Adj-RIB-In per peer with an attribute\n"
        "pool on every route, selects the best route of each prefix, and reports figures per peer."};
    app.require_subcommand(1);

    std::vector<std::string> files;
    std::string plugins;
    bool json = false, no_rib = false;
    SampleOptions sample;
    auto* replay = app.add_subcommand(
        "replay",
        "Replay MRT files in order (gzip, bzip2 or plain, detected from their first bytes): BGP4MP and BGP4MP_ET\n"
        "messages and state changes (2/4-byte AS, add-path), TABLE_DUMP, TABLE_DUMP_V2 (add-path RIBs too).\n"
        "With no FILE, replays a built-in sample generated in memory (several peers, IPv4 and IPv6, 4-byte ASes,\n"
        "prepending, withdrawals, a session reset) and says so. Malformed records are reported (file, byte offset,\n"
        "record number, reason) and skipped. A progress bar is drawn on stderr when it is a terminal.\n"
        "Figures per peer: updates (from plugin A; absent without it), announced_v4/v6, withdrawn_v4/v6,\n"
        "state_changes, rib_entries, routes (Adj-RIB-In size at the end), best_routes (prefixes where its route\n"
        "is best: lower 4*L+origin, then lower peer IP, peer AS, add-path id).");
    replay->add_option("FILE", files, "MRT files, replayed in order into one RIB ('-': standard input)")
        ->check(CLI::Validator(
            [](std::string& f) { return f == "-" ? std::string() : CLI::ExistingFile(f); }, "FILE or -"));
    bool interpreter = false;
#ifdef MEMPOOL_BGP_WITH_PLUGINS
    replay->add_option("--plugins", plugins,
                       "plugin manifest: ours (JSON, plugins.json), libxbgp's (x.plugin) or a libxbgp meta-manifest "
                       "(`include x.plugin` lines), or 'none'. Default: $MEMPOOL_BGP_PLUGINS, else the shipped "
                       "manifest (plugins A-D) of the build tree or of the installation");
    replay->add_flag("--interpreter", interpreter, "run plugins in the eBPF interpreter instead of the JIT");
    replay->add_option("--local-as", local_speaker.as,
                       "xBGP plugins: the local speaker's AS (peers of that AS are iBGP sessions)")
        ->capture_default_str();
    replay->add_option("--local-router-id", local_speaker.router_id, "xBGP plugins: the local speaker's BGP identifier")
        ->capture_default_str();
    replay->add_option("--max-instructions", max_plugin_instructions,
                       "the most instructions one plugin run may execute (proven by the verifier, or counted at run "
                       "time for xBGP loops it cannot bound); raise it for jobs that walk a full table")
        ->capture_default_str()
        ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{0xffffffff}));
#else
    replay->add_option("--plugins", plugins,
                       "plugin manifest, or 'none'. This build has no plugin runtime (MEMPOOL_BUILD_PLUGINS=OFF): "
                       "only 'none' is accepted, and without the option the replay runs without plugins");
#endif
    replay->add_flag("--json", json, "print the report as one JSON object instead of a table");
    replay->add_flag("--no-rib", no_rib, "count only: keep no Adj-RIB-In, no route selection (routes, best_routes absent)");
    RibOut rib_out;
    std::string rib_format = "bgpdump";
    replay->add_option("--rib-out", rib_out.path,
                       "write the final Adj-RIB-In to FILE ('-': standard output), one route per line "
                       "(see docs/rib-dump.md)");
    replay->add_option("--rib-format", rib_format,
                       "bgpdump: the line `bgpdump -m` prints for a TABLE_DUMP_V2 RIB entry; jsonl: one JSON object "
                       "per route with every attribute decoded, \"best\" and the route's pool")
        ->check(CLI::IsMember({"bgpdump", "jsonl"}))
        ->capture_default_str();
    replay->add_flag("--rib-best-only", rib_out.options.best_only,
                     "write only the best route of each prefix (the mark of the best route in the bgpdump format)");
    ExportOut export_out;
    replay->add_option("--export-to", export_out.config,
                       "send the routes to the virtual neighbours of this JSON configuration (local AS, router id, "
                       "cluster id, neighbours; see docs/export.md): best-route tracking, RFC 4271/4456 export "
                       "rules, an Adj-RIB-Out per neighbour; per-neighbour figures join the report")
        ->check(CLI::ExistingFile);
    replay->add_option("--updates-out", export_out.updates,
                       "with --export-to: write every UPDATE sent as a BGP4MP_MESSAGE_AS4 record (peer = the "
                       "neighbour, local = this speaker), gzip if FILE ends in .gz");
    replay->add_option("--adj-rib-out", export_out.adj_rib_out,
                       "with --export-to: write every neighbour's final Adj-RIB-Out, one route per line in the "
                       "--rib-format, as replaying --updates-out shows it ('-': standard output)");
    replay->add_option("--sample-peers", sample.peers, "built-in sample: number of peers")->capture_default_str();
    replay->add_option("--sample-prefixes", sample.prefixes, "built-in sample: number of prefixes")->capture_default_str();
    replay->add_option("--sample-updates", sample.updates, "built-in sample: number of later updates")->capture_default_str();

    std::string out;
    SampleOptions synth_opts;
    auto* synth = app.add_subcommand(
        "synth", "Write the deterministic sample stream as an MRT file (BGP4MP_MESSAGE_AS4 and STATE_CHANGE_AS4\n"
                 "records), gzip-compressed if FILE ends in .gz; for scale tests.");
    synth->add_option("-o,--output", out, "the MRT file to write")->required();
    synth->add_option("--peers", synth_opts.peers, "number of peers")->capture_default_str()->check(CLI::Range(1u, 60000u));
    synth->add_option("--prefixes", synth_opts.prefixes, "prefixes in each peer's table (4 in 5 IPv4)")->capture_default_str();
    synth->add_option("--updates", synth_opts.updates, "events after the initial tables")->capture_default_str();
    synth->add_option("--seed", synth_opts.seed, "seed of the generator")->capture_default_str();

    CLI11_PARSE(app, argc, argv);

    if (*replay) {
        rib_out.options.format = rib_format == "jsonl" ? RibDumpFormat::jsonl : RibDumpFormat::bgpdump;
        if (no_rib && !rib_out.path.empty()) {
            std::fprintf(stderr, "mempool-bgp: --rib-out needs the RIB: it cannot go with --no-rib\n");
            return 2;
        }
        if (export_out.config.empty() && (!export_out.updates.empty() || !export_out.adj_rib_out.empty())) {
            std::fprintf(stderr, "mempool-bgp: --updates-out and --adj-rib-out need --export-to\n");
            return 2;
        }
        if (no_rib && !export_out.config.empty()) {
            std::fprintf(stderr, "mempool-bgp: --export-to needs the RIB: it cannot go with --no-rib\n");
            return 2;
        }
        return run_replay(files, plugins, json, no_rib, interpreter, sample, rib_out, export_out);
    }
    std::string why;
    std::uint64_t n = 0;
    if (!write_sample_file(out, synth_opts, why, &n)) {
        std::fprintf(stderr, "mempool-bgp synth: %s: %s\n", out.c_str(), why.c_str());
        return 1;
    }
    std::fprintf(stderr, "mempool-bgp synth: wrote %llu records to %s\n", static_cast<unsigned long long>(n), out.c_str());
    return 0;
}
