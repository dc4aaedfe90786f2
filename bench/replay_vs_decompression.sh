#!/usr/bin/env bash
# replay_vs_decompression.sh: mempool-bgp replay against `gzip -dc` /
# `bzip2 -dc` of the same file, two builds side by side in one hyperfine run
# per file (docs/benchmarks.md, "Replay against decompression").
#
#   bench/replay_vs_decompression.sh BEFORE AFTER RUNS FILE...
#   bench/replay_vs_decompression.sh --callgrind BEFORE AFTER FILE...
#
# Plugins A-D come from $MEMPOOL_BGP_PLUGINS when set (the same manifest for
# both builds), else each build's own. The first form prints one Markdown row per command: median wall ms, ratio
# to decompression, mean user and system ms. The second counts instructions
# per thread with callgrind (the same whatever the machine's load): for a
# build with a reader thread, the main thread's count is the critical path.
set -euo pipefail

if [[ ${1:-} == --callgrind ]]; then
    shift
    before=$1 after=$2
    shift 2
    out=$(mktemp -d)
    for f in "$@"; do
        n=$(basename "$f")
        case $f in *.bz2) dc=(bzip2 -dc "$f") ;; *) dc=(gzip -dc "$f") ;; esac
        valgrind --tool=callgrind --callgrind-out-file="$out/dc" "${dc[@]}" >/dev/null 2>"$out/dc.log"
        echo "| $n | decompress | $(grep -o 'Collected : [0-9]*' "$out/dc.log" | grep -o '[0-9]*') |"
        for mode in "--no-rib --plugins none" "--plugins none" ""; do
            for v in before after; do
                bin=$before
                [[ $v == after ]] && bin=$after
                rm -f "$out"/cg.*
                # shellcheck disable=SC2086
                valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg" \
                    "$bin" replay $mode "$f" >/dev/null 2>/dev/null
                per_thread=$(for t in "$out"/cg*; do grep -h '^summary:' "$t" | grep -o '[0-9]*'; done | paste -sd/)
                echo "| $n | $v replay ${mode:-(plugins A-D)} | $per_thread |"
            done
        done
    done
    rm -rf "$out"
    exit 0
fi

before=$1 after=$2 runs=$3
shift 3
for f in "$@"; do
    case $f in *.bz2) dc="bzip2 -dc $f" ;; *) dc="gzip -dc $f" ;; esac
    n=$(basename "$f")
    json=$(mktemp)
    hyperfine -N -w 2 -r "$runs" --export-json "$json" \
        -n "decompress" "$dc" \
        -n "before --no-rib" "$before replay --no-rib --plugins none $f" \
        -n "after --no-rib" "$after replay --no-rib --plugins none $f" \
        -n "before --plugins none" "$before replay --plugins none $f" \
        -n "after --plugins none" "$after replay --plugins none $f" \
        -n "before plugins A-D" "$before replay $f" \
        -n "after plugins A-D" "$after replay $f" >/dev/null
    python3 - "$json" "$n" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
base = statistics.median(results[0]["times"])
for r in results:
    m = statistics.median(r["times"])
    print(f"| {sys.argv[2]} | {r['command']} | {m * 1e3:.1f} | {m / base:.2f} | "
          f"{r['user'] * 1e3:.1f} | {r['system'] * 1e3:.1f} |")
PY
    rm -f "$json"
done
