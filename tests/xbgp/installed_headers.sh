#!/usr/bin/env bash
# The xBGP headers as installed: installs the build tree $1 into a scratch
# prefix, compiles api_check.c against the installed xbgp_compliant_api/ (both
# recipes, see api_check.sh), and builds and runs the C test of
# xbgp_mempool.h against the installed header and library.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build" --prefix "$scratch/prefix" > "$scratch/install.log"
include="$scratch/prefix/include"
for h in xbgp_plugin_api.h xbgp_defs.h xbgp_common.h xbgp_common_vm.h xbgp_common_vm_defs.h; do
  [[ -f $include/mempool/xbgp_compliant_api/$h ]] || { echo "not installed: xbgp_compliant_api/$h" >&2; exit 1; }
done
"$here/api_check.sh" "$include/mempool" "$scratch/api_check"

libdir=$(find "$scratch/prefix" -name 'libmempool.so' -printf '%h\n' | head -n1)
cc -std=c11 -Wall -Wextra -Werror "$here/../capi/xbgp_mempool_test.c" -I"$include" -L"$libdir" -lmempool \
   -o "$scratch/xbgp_mempool_test"
LD_LIBRARY_PATH="$libdir" "$scratch/xbgp_mempool_test"
