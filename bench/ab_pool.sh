#!/bin/sh
# Two builds of bench_pool side by side: rounds of the same cases, the two
# binaries alternating, each round's medians kept; prints, per case, the C
# API's median time in each build and its ratio to the best flat map
# (absl, boost) measured in the same process. For a shared, noisy machine:
# only ratios within one process, and their medians over rounds, mean much.
#
#   bench/ab_pool.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [ROUNDS] [FILTER] [IMPL]
#
# IMPL is the mempool column compared: mempool_c (the default) or
# mempool_cpp (mempool::Pool); FILTER must select it.
set -eu
before=$1 after=$2 rounds=${3:-3} impl=${5:-mempool_c}
export IMPL=$impl
filter=${4:-'(update|lookup_hit|lookup_miss)/(pools100000x4|single4096|pools10000x64)/random/(mempool_c|absl_flat_hash_map|boost_unordered_flat_map)$|list_iterate/1000000/(mempool_c|std_vector)$'}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
r=1
while [ "$r" -le "$rounds" ]; do
    for side in before after; do
        eval dir=\$$side
        "$dir/bench/bench_pool" --benchmark_filter="$filter" --benchmark_repetitions=3 \
            --benchmark_min_time=0.05 --benchmark_enable_random_interleaving=true \
            --benchmark_report_aggregates_only=true \
            --benchmark_out="$out/$side.$r.json" --benchmark_out_format=json >/dev/null
    done
    r=$((r + 1))
done
python3 - "$out" <<'PY'
import collections, glob, json, os, statistics, sys
runs = collections.defaultdict(lambda: collections.defaultdict(list))
for side in ("before", "after"):
    for path in glob.glob(f"{sys.argv[1]}/{side}.*.json"):
        for b in json.load(open(path))["benchmarks"]:
            if b.get("aggregate_name") == "median":
                runs[side][b["run_name"]].append(1e9 / b["items_per_second"])
med = lambda side, name: statistics.median(runs[side][name]) if runs[side].get(name) else None
def best(side, case):
    xs = [med(side, f"{case}/{c}") for c in ("absl_flat_hash_map", "boost_unordered_flat_map")]
    xs = [x for x in xs if x] or [med(side, f"{case}/std_vector")]
    return min(xs)
print(f"| case | before: {os.environ['IMPL']} ns | after ns | after / before | before / best | after / best |")
print("|---|---:|---:|---:|---:|---:|")
for case in sorted({n.rsplit("/", 1)[0] for n in runs["after"]}):
    impl = os.environ["IMPL"]
    b, a = med("before", f"{case}/{impl}"), med("after", f"{case}/{impl}")
    print(f"| {case} | {b:.2f} | {a:.2f} | {a / b:.2f} | {b / best('before', case):.2f} | {a / best('after', case):.2f} |")
PY
