#!/bin/sh
# Instructions, simulated conditional-branch mispredictions and last-level
# data-cache misses per operation, from callgrind over build/bench/profile_ops
# (see docs/benchmarks.md, "Why: profiles"). Usage: bench/profile.sh [BUILD_DIR]
set -eu
build=${1:-build}
ops=200000
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '| case | container | Ir/op | mispredicted branches/op | D1 misses/op | LL misses/op |\n'
printf '|---|---|---:|---:|---:|---:|\n'
run() {  # op pools keys kind container
    valgrind --tool=callgrind --collect-atstart=no --branch-sim=yes --cache-sim=yes \
        --callgrind-out-file="$out/cg" "$build/bench/profile_ops" "$1" "$2" "$3" "$4" "$5" $ops \
        >/dev/null 2>&1
    # summary: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
    if [ "$2" = - ]; then label="$1 (per element)"; else label="$1 $2x$3 $4"; fi
    awk -v c="$label" -v k="$5" -v n=$ops '/^summary:/ {
        printf "| %s | %s | %.1f | %.2f | %.2f | %.2f |\n", c, k, $2/n, ($12+$14)/n, ($6+$7)/n, ($9+$10)/n }' "$out/cg"
}
for case in "lookup_hit 1 4096 random" "lookup_miss 1 4096 random" "update 1 4096 random" \
            "lookup_hit 1 4096 sequential" "lookup_hit 10000 64 random" "lookup_hit 1 1000000 random" \
            "lookup_miss 1 1000000 random" "lookup_hit 100000 4 random"; do
    for c in mempool_c absl_flat_hash_map boost_unordered_flat_map boost_ordinal_floor; do
        # shellcheck disable=SC2086
        run $case $c
    done
done
for op in list_append list_iterate_c list_iterate_c_runs list_iterate_for_each; do
    run $op - - - mempool
done
