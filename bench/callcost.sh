#!/bin/sh
# Instructions per plugin call, from callgrind (exact whatever the load):
# each case of `bench_runtime --calls` twice, with N and 2N calls, callgrind
# collecting only around the loop; the difference divided by N is one call,
# loop included, start-up and first-call effects cancelled.
# Usage: bench/callcost.sh [BUILD_DIR] [N] [CASE...]
set -eu
build=${1:-build}
n=${2:-100000}
shift 2 2>/dev/null || shift $#
cases=${*:-"spec_a spec_a_c native_spec_a plugin_a plugin_a_c native_a"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() {  # case count
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg" \
        "$build/bench/bench_runtime" --calls "$2" "$1" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
    awk '/^summary:/ { print $2 }' "$out/cg"
}
printf '| case | instructions per call |\n|---|---:|\n'
for c in $cases; do
    one=$(ir "$c" "$n")
    two=$(ir "$c" $((2 * n)))
    awk -v c="$c" -v a="$one" -v b="$two" -v n="$n" 'BEGIN { printf "| %s | %.1f |\n", c, (b - a) / n }'
done
