// jobs.hpp: the job plugins of xBGP manifests ("job_plugins") run on the
// replay's clock, with reschedule_plugin and the RIB iterator helpers
// (rib_iterator.hpp).
//
// libxbgp runs a job plugin on a thread of its own: `schedule` seconds after
// it is loaded, then never again unless the run calls reschedule_plugin(),
// which queues it once more `schedule` seconds after that moment (a new
// interval if the argument is not NULL, which then stays). mempool-bgp keeps
// those semantics on MRT time instead of the machine's clock:
//
// - A job is due `schedule` seconds after the first record replayed.
// - Before each MRT record, every job whose due time is at or before the
//   record's time runs (so it sees the RIB of every record before that
//   time and none after), jobs in manifest order. get_time() gives the due
//   time during the run. A record that jumps over several due times (a gap
//   in the data) gets the runs of each, at most kMaxCatchUp per job and
//   record; beyond that the job's due time moves to the first one after the
//   record and the runs passed over are counted as skipped.
// - After its run a job is idle until reschedule_plugin(): due again at the
//   run's time + the interval. reschedule_plugin returns 0, or -1 when the
//   caller is not a job, when it was rescheduled already in this run, or for
//   an interval under 1 second (libxbgp would loop on the spot: refused
//   here, nothing changes).
// - At the end of the replay a pending job does not run: MRT time stops at
//   the last record and never reaches its due time (figures() says when it
//   was due).
// - MRT time going backwards (files out of order) runs nothing until the
//   clock reaches the due time again.
//
// Each job is its manifest code attached as the one replace plugin of a
// point of its own ("xbgp_job:<plugin>/<code>"); its result is not used.
//
//   XbgpJobs::register_helpers(rt);        // before loading manifests
//   rt.load_manifest("rib_census.plugin");
//   XbgpJobs jobs(rt, replay, hooks, &xbgp_points, local_speaker);
//   replay.set_record_clock(&jobs);
//   replay.replay_file("updates.gz");
//   for (const auto& j : jobs.figures()) ...
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <mempool/runtime.hpp>

#include "heap_objects.hpp"
#include "replay.hpp"
#include "rib_iterator.hpp"
#include "route_attributes.hpp"
#include "xbgp_points.hpp"

namespace mempool::bgp::xbgp {

class XbgpJobs;

// What the helpers of a job run find through CallContext::job.
struct JobRun {
    RibIterators iterators;
    XbgpJobs* jobs = nullptr;
    std::size_t job = 0;       // index in XbgpJobs
    std::int64_t time = 0;     // the due time it runs at
    bool rescheduled = false;
};

class XbgpJobs final : public RecordClock {
public:
    static constexpr std::uint32_t kMaxCatchUp = 1000;

    // Registers reschedule_plugin and the RIB iterator helpers (the
    // runtime's xBGP signatures), so that manifests calling them load.
    static void register_helpers(mempool::Runtime& rt);

    // Attaches rt.jobs() to points of their own. `points` (may be null)
    // shows get_time() the job's time; `local` is the local speaker.
    XbgpJobs(mempool::Runtime& rt, Replay& replay, InsertionPoints& hooks, XbgpPoints* points,
             const PeerData& local);

    // Replay's call before each record.
    void record_time(std::uint32_t seconds) noexcept override;

    struct Figures {
        std::string name;                     // plugin/code
        std::uint64_t interval = 0;           // seconds, as last set
        std::uint64_t runs = 0;
        std::uint64_t failed = 0;             // runs whose plugin aborted or failed
        std::uint64_t skipped = 0;            // due times passed over (kMaxCatchUp)
        std::optional<std::int64_t> pending;  // due time not reached at the end
    };
    [[nodiscard]] std::vector<Figures> figures() const;
    [[nodiscard]] bool empty() const noexcept { return jobs_.empty(); }

    // reschedule_plugin for the job of `run`; `interval` null: keep it.
    [[nodiscard]] int reschedule(JobRun& run, const std::int64_t* interval) noexcept;

private:
    struct Job {
        std::string name;
        mempool::PointId point;
        std::uint64_t interval = 0;
        std::int64_t due = 0;
        bool active = true;
        std::uint64_t runs = 0, failed = 0, skipped = 0;
    };
    void run(std::size_t index, std::int64_t at) noexcept;
    void refresh_peers();

    mempool::Runtime& rt_;
    Replay& replay_;
    InsertionPoints& hooks_;
    XbgpPoints* points_;
    PeerData local_;
    std::vector<Job> jobs_;
    std::vector<PeerData> peer_data_;
    RouteAttributes scratch_;
    bool started_ = false;
};

}  // namespace mempool::bgp::xbgp
