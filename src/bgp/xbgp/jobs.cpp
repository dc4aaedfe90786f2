// jobs.cpp: job plugins on the replay's clock (see jobs.hpp).
#include "jobs.hpp"

#include <cstring>

#include "bgp_helpers.hpp"
#include "call_context.hpp"
#include "layouts.hpp"
#include "plugin_memory.hpp"

namespace mempool::bgp::xbgp {
namespace {

using u64 = std::uint64_t;
constexpr u64 kFail = static_cast<u64>(-1);

// t + seconds, or INT64_MAX (a due time never reached) when that does not
// fit: a job that asked for an interval of INT64_MAX seconds (or a manifest
// schedule above it) wrapped to a due time in the past and ran 1000 times
// per MRT record (redteam4_holes_test.cpp). `t` is an MRT time, >= 0.
std::int64_t later(std::int64_t t, std::uint64_t seconds) noexcept {
    constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
    if (t < 0 || seconds > kMax - static_cast<std::uint64_t>(t)) return INT64_MAX;
    return t + static_cast<std::int64_t>(seconds);
}

// reschedule_plugin(time_t *time): the signature (in_fixed_or_null of a
// time_t) has the verifier prove 8 readable bytes or NULL.
u64 h_reschedule_plugin(u64 a1, u64, u64, u64, u64) noexcept {
    const mempool::CallFrame* f = mempool::current_call();
    auto* ctx = f != nullptr ? static_cast<CallContext*>(f->scope.user) : nullptr;
    if (ctx == nullptr || ctx->job == nullptr || ctx->job->jobs == nullptr) return kFail;
    if (a1 == 0) return static_cast<u64>(static_cast<std::int64_t>(ctx->job->jobs->reschedule(*ctx->job, nullptr)));
    std::int64_t seconds = 0;
    std::memcpy(&seconds, reinterpret_cast<const void*>(host_address(a1)), sizeof seconds);
    return static_cast<u64>(static_cast<std::int64_t>(ctx->job->jobs->reschedule(*ctx->job, &seconds)));
}

}  // namespace

void XbgpJobs::register_helpers(mempool::Runtime& rt) {
    static constexpr HelperImplementation reschedule[] = {{"reschedule_plugin", &h_reschedule_plugin}};
    register_xbgp_helpers(rt, reschedule);
    register_xbgp_helpers(rt, rib_iterator_helpers());
}

XbgpJobs::XbgpJobs(mempool::Runtime& rt, Replay& replay, InsertionPoints& hooks, XbgpPoints* points,
                   const PeerData& local)
    : rt_(rt), replay_(replay), hooks_(hooks), points_(points), local_(local) {
    for (const mempool::JobPlugin& j : rt_.jobs()) {
        Job job;
        job.name = j.plugin + "/" + j.code;
        job.point = rt_.point("xbgp_job:" + job.name);
        job.interval = j.schedule_seconds;
        if (!rt_.attach(job.point, j.program, mempool::Anchor::replace, 0)) continue;
        jobs_.push_back(std::move(job));
    }
}

void XbgpJobs::refresh_peers() {
    const std::vector<PeerIdentity>& ids = replay_.peer_identities();
    while (peer_data_.size() < ids.size()) peer_data_.push_back(peer_data_of(ids[peer_data_.size()], local_.as));
}

void XbgpJobs::record_time(std::uint32_t seconds) noexcept {
    const std::int64_t now = seconds;
    if (!started_) {
        started_ = true;
        for (Job& j : jobs_) j.due = later(now, j.interval);
    }
    bool ran = false;
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
        std::uint32_t runs = 0;
        while (jobs_[i].active && jobs_[i].due <= now) {
            Job& j = jobs_[i];
            if (runs == kMaxCatchUp && j.interval > 0) {
                // due <= now here, both MRT times: no overflow below (later saturates).
                const std::uint64_t missed = static_cast<std::uint64_t>(now - j.due) / j.interval + 1;
                j.skipped += missed;
                j.due = missed > UINT64_MAX / j.interval ? INT64_MAX : later(j.due, missed * j.interval);
                break;
            }
            ++runs;
            ran = true;
            run(i, j.due);
        }
    }
    if (ran && points_ != nullptr) points_->set_time(seconds, 0);  // the record's own time again
}

void XbgpJobs::run(std::size_t index, std::int64_t at) noexcept {
    Job& j = jobs_[index];
    j.active = false;  // idle until reschedule_plugin
    ++j.runs;
    try {
        refresh_peers();
    } catch (...) {  // std::bad_alloc: the run goes without the new peers
    }
    JobRun run{RibIterators(replay_.rib(), replay_.peer_identities(), hooks_), this, index, at, false};
    CallContext ctx;
    ctx.peers = peer_data_;
    ctx.local = &local_;
    ctx.time_seconds = at;
    ctx.scratch = &scratch_;
    ctx.job = &run;
    if (points_ != nullptr) points_->set_time(static_cast<std::uint32_t>(at), 0);
    mempool::CallScope scope;
    scope.user = &ctx;
    auto host = []() noexcept -> u64 { return 0; };  // a job's result is not used
    const mempool::RunResult r = rt_.run(j.point, std::span<const mempool::Arg>(), scope, mempool::DefaultCode::of(host));
    if (r.aborted != 0 || r.failed != 0) ++jobs_[index].failed;
}

int XbgpJobs::reschedule(JobRun& run, const std::int64_t* interval) noexcept {
    if (run.job >= jobs_.size() || run.rescheduled) return -1;
    Job& j = jobs_[run.job];
    if (j.active) return -1;  // queued already
    const std::int64_t seconds = interval != nullptr ? *interval : static_cast<std::int64_t>(j.interval);
    if (seconds < 1) return -1;
    j.interval = static_cast<std::uint64_t>(seconds);
    j.due = later(run.time, j.interval);
    j.active = true;
    run.rescheduled = true;
    return 0;
}

std::vector<XbgpJobs::Figures> XbgpJobs::figures() const {
    std::vector<Figures> out;
    for (const Job& j : jobs_) {
        Figures f{j.name, j.interval, j.runs, j.failed, j.skipped, std::nullopt};
        if (j.active) f.pending = j.due;
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace mempool::bgp::xbgp
