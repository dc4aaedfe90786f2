#!/bin/sh
# Issue 8 and issue 10's replay ratios, side by side in one run: on every
# visible RIS update file, mempool-bgp replay with --plugins none, with the
# pass_next manifest (receiving points whose plugins only call next(); issue
# 10: at most 1.25x) and with the shipped manifest (plugins A-D; issue 8:
# at most 1.2x), interleaved (bench/interleaved_runs.py), REPEATS times.
# Usage: bench/issue_ratios.sh [BUILD_DIR] [ROUNDS] [REPEATS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
rounds=${2:-200}
repeats=${3:-3}
data=${MEMPOOL_MRT_DATA:-$root/../shared/data/mrt}
tool=$build/tools/mempool-bgp/mempool-bgp
plugins=$build/plugins
for f in updates.20020722.2238.gz updates.20071015.1505.gz updates.20100722.2015.gz \
         updates.long_withdrawal.gz updates.nlri_mask_trailing_bits.gz; do
  i=1
  while [ "$i" -le "$repeats" ]; do
    echo "== $f, run $i of $repeats"
    python3 "$root/bench/interleaved_runs.py" "$rounds" \
      "none=$tool replay --plugins none $data/$f" \
      "pass_next=$tool replay --plugins $plugins/xbgp/pass_next.plugin $data/$f" \
      "shipped=$tool replay --plugins $plugins/plugins.json $data/$f" | tail -n 3
    i=$((i + 1))
  done
done
