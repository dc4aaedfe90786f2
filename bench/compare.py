#!/usr/bin/env python3
"""Prints mempool's times against its competitors from bench_pool's JSON.

    build/bench/bench_pool --benchmark_repetitions=3 \
        --benchmark_out=bench.json --benchmark_out_format=json
    python3 bench/compare.py bench.json            # Markdown tables
    python3 bench/compare.py bench.json --csv      # one row per case

Case names are <case>/<container>, e.g. lookup_hit/pools100000x4/random/absl_flat_hash_map.
The time of a case is ns per item (lookup, overwrite or list element),
1e9 / items_per_second, from CPU time; with repetitions, the median.
A ratio is mempool's time divided by the competitor's: below 1 mempool is
faster. Only the standard library is used.
"""
import argparse
import json
import sys
from collections import OrderedDict

MEMPOOL = ("mempool_c", "mempool_c_runs", "mempool_cpp", "mempool_cpp_range", "mempool_cpp_for_each")
COMPETITORS = ("absl_flat_hash_map", "boost_unordered_flat_map", "std_unordered_map", "std_vector",
               "boost_ordinal_floor")
SHORT = {
    "mempool_c": "mempool C",
    "mempool_c_runs": "C runs",
    "mempool_cpp": "Pool C++",
    "mempool_cpp_range": "ListView range",
    "mempool_cpp_for_each": "for_each<u32>",
    "absl_flat_hash_map": "absl",
    "boost_unordered_flat_map": "boost",
    "std_unordered_map": "std::unordered_map",
    "std_vector": "std::vector",
    "boost_ordinal_floor": "floor",
}
# Targets of issue 2 in ns per item, for the cases with an absolute target.
ABSOLUTE_TARGETS = {"list_append": 8.0, "list_iterate": 1.0}


FAMILIES = ("lookup_hit", "lookup_miss", "update", "list_append", "list_iterate")
WORKLOADS = ("pools100000x4", "pools10000x64", "single4096", "single1000000")
CONTAINERS = MEMPOOL + ("std_unordered_map", "absl_flat_hash_map", "boost_unordered_flat_map",
                        "boost_ordinal_floor", "std_vector")


def sort_key(name):
    """Case order of the tables, whatever order the runs were in (e.g. with
    --benchmark_enable_random_interleaving)."""
    parts = name.split("/")
    rank = lambda seq, x: seq.index(x) if x in seq else len(seq)
    return (rank(FAMILIES, parts[0]), rank(WORKLOADS, parts[1]) if len(parts) > 1 else 0,
            "/".join(parts[2:-1]), rank(CONTAINERS, parts[-1]), name)


def load(path):
    """{case: {container: ns_per_item}} in the order of the file."""
    with open(path) as f:
        data = json.load(f)
    runs = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            print(f"warning: {b['name']}: {b.get('error_message')}", file=sys.stderr)
            continue
        run_type = b.get("run_type", "iteration")
        if run_type == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        ns = 1e9 / b["items_per_second"]
        runs.setdefault(name, {"median": None, "samples": []})
        if run_type == "aggregate":
            runs[name]["median"] = ns
        else:
            runs[name]["samples"].append(ns)
    cases = OrderedDict()
    for name, r in sorted(runs.items(), key=lambda kv: sort_key(kv[0])):
        if r["median"] is None:
            s = sorted(r["samples"])
            r["median"] = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        case, _, container = name.rpartition("/")
        cases.setdefault(case, OrderedDict())[container] = r["median"]
    return data.get("context", {}), cases


def verdict(case, times):
    """Against issue 2's target for the case, judged on the C API's time."""
    family = case.split("/")[0]
    mine = times.get("mempool_c")
    if family in ABSOLUTE_TARGETS:
        limit = ABSOLUTE_TARGETS[family]
        best = min(v for k, v in times.items() if k in MEMPOOL)
        return f"C {'met' if mine <= limit else 'missed'}, best {'met' if best <= limit else 'missed'} (<= {limit:g} ns)"
    flat = [times[k] for k in ("absl_flat_hash_map", "boost_unordered_flat_map") if k in times]
    if mine is None or not flat:
        return ""
    ratio = mine / min(flat)
    if ratio <= 1.0:
        return f"met ({ratio:.2f}x the best flat map)"
    if ratio <= 1.05:
        return f"within noise ({ratio:.2f}x)"
    floor = times.get("boost_ordinal_floor")
    if floor:
        return f"missed ({ratio:.2f}x the best flat map; {mine / floor:.2f}x the stable-pointer floor)"
    return f"missed ({ratio:.2f}x the best flat map)"


def markdown(cases):
    families = OrderedDict()
    for case, times in cases.items():
        families.setdefault(case.split("/")[0], []).append((case, times))
    out = []
    for family, rows in families.items():
        containers = []
        for _, times in rows:
            containers += [c for c in times if c not in containers]
        mine = [c for c in containers if c in MEMPOOL]
        others = [c for c in containers if c not in MEMPOOL]
        head = ["case"] + [f"{SHORT.get(c, c)} ns" for c in containers]
        head += [f"C / {SHORT.get(o, o)}" for o in others]
        head += ["target"]
        out.append(f"### {family}\n")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 2) + ["---"]) + "|")
        for case, times in rows:
            cells = [case.split("/", 1)[1]]
            cells += [f"{times[c]:.2f}" if c in times else "" for c in containers]
            base = times.get("mempool_c")
            cells += [f"{base / times[o]:.2f}" if base and o in times else "" for o in others]
            cells.append(verdict(case, times))
            out.append("| " + " | ".join(cells) + " |")
        if len(mine) > 1:
            out.append(f"\n(Ratios use the C API, `mempool C`; the other mempool columns are the C++ API.)")
        out.append("")
    return "\n".join(out)


def csv(cases):
    out = ["case,container,ns_per_item"]
    for case, times in cases.items():
        for c, ns in times.items():
            out.append(f"{case},{c},{ns:.4f}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="bench_pool --benchmark_out file")
    ap.add_argument("--csv", action="store_true", help="print CSV instead of Markdown")
    args = ap.parse_args()
    context, cases = load(args.json)
    if args.csv:
        print(csv(cases))
        return
    print(f"<!-- {context.get('date', '')}, {context.get('num_cpus', '?')} CPUs, "
          f"load {context.get('load_avg', '?')} -->\n")
    print(markdown(cases))


if __name__ == "__main__":
    main()
