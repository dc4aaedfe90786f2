#!/bin/sh
# Regenerates tests/bgp/expected/*.json from the MRT files with Debian's
# bgpdump (an independent oracle; see make_expected.py for how each figure
# is derived). Run from anywhere:
#   tests/bgp/make_expected.sh [DATA_DIR]
# DATA_DIR defaults to $MEMPOOL_MRT_DATA, then ../shared/data/mrt beside the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-${MEMPOOL_MRT_DATA:-$here/../../../shared/data/mrt}}
command -v bgpdump >/dev/null || { echo "bgpdump is needed (apt-get install bgpdump)" >&2; exit 1; }
exec python3 "$here/make_expected.py" "$data" "$here/expected"
