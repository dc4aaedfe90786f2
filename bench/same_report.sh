#!/usr/bin/env bash
# same_report.sh: checks that two mempool-bgp binaries print byte-identical
# --json reports (and the same exit status) on every MRT file of a folder, in
# the three modes the replay is measured in: --plugins none, the default
# (shipped) plugins, and --no-rib --plugins none. A change made for speed
# (linking, start-up, the input path) must not change a single byte.
#
# Usage: bench/same_report.sh BEFORE AFTER [DIR]
#   e.g. bench/same_report.sh /tmp/mempool-bgp-before build/rel/tools/mempool-bgp/mempool-bgp
# DIR defaults to $MEMPOOL_MRT_DATA, else /work/shared/data/mrt. Exit 0 when
# every report matches, 1 otherwise (the differing runs are listed).
set -uo pipefail
before=${1:?usage: same_report.sh BEFORE AFTER [DIR]}
after=${2:?usage: same_report.sh BEFORE AFTER [DIR]}
dir=${3:-${MEMPOOL_MRT_DATA:-/work/shared/data/mrt}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
modes=("none:--plugins none" "default:" "no-rib:--no-rib --plugins none")
runs=0 diffs=0
for f in "$dir"/*.gz "$dir"/*.bz2 "$dir"/*.mrt; do
  [[ -e $f ]] || continue
  for m in "${modes[@]}"; do
    name=${m%%:*}
    read -r -a args <<<"${m#*:}"
    "$before" replay --json "${args[@]}" "$f" >"$tmp/b" 2>/dev/null; sb=$?
    "$after" replay --json "${args[@]}" "$f" >"$tmp/a" 2>/dev/null; sa=$?
    runs=$((runs + 1))
    if [[ $sb -ne $sa ]] || ! cmp -s "$tmp/b" "$tmp/a"; then
      echo "DIFFERS: $name $(basename "$f") (status $sb / $sa)"
      diffs=$((diffs + 1))
    fi
  done
done
echo "$runs runs, $diffs differ"
[[ $diffs -eq 0 && $runs -gt 0 ]]
