#!/usr/bin/env bash
# startup_vs_gzip.sh: issue 12's figures, `mempool-bgp replay FILE` against
# `gzip -dc FILE` (the target: no slower), for two builds, on every file of a
# folder, in the three modes (--no-rib --plugins none, --plugins none, the
# default shipped plugins). One bench/interleaved_runs.py run per file, all
# seven commands in turns, so that the load of a shared machine falls on all
# of them alike; the load average is printed before and after each.
#
# Usage: bench/startup_vs_gzip.sh BEFORE AFTER [ROUNDS] [DIR]
#   e.g. bench/startup_vs_gzip.sh /tmp/mempool-bgp-before build/rel/tools/mempool-bgp/mempool-bgp 30
# ROUNDS defaults to 30; DIR to $MEMPOOL_MRT_DATA, else /work/shared/data/mrt
# (its *.gz files).
set -euo pipefail
before=${1:?usage: startup_vs_gzip.sh BEFORE AFTER [ROUNDS] [DIR]}
after=${2:?usage: startup_vs_gzip.sh BEFORE AFTER [ROUNDS] [DIR]}
rounds=${3:-30}
dir=${4:-${MEMPOOL_MRT_DATA:-/work/shared/data/mrt}}
here=$(cd "$(dirname "$0")" && pwd)
for f in "$dir"/*.gz; do
  echo "== $(basename "$f") ($(stat -c %s "$f") bytes); load $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$here/interleaved_runs.py" "$rounds" "gzip=gzip -dc $f" \
    "b-norib=$before replay --no-rib --plugins none $f" "a-norib=$after replay --no-rib --plugins none $f" \
    "b-none=$before replay --plugins none $f" "a-none=$after replay --plugins none $f" \
    "b-shipped=$before replay $f" "a-shipped=$after replay $f"
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
