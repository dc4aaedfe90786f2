#!/usr/bin/env bash
# The pool and the plugin runtime build without the BGP host: configures the
# source tree $1 with MEMPOOL_BUILD_BGP=OFF (plugins ON or OFF as $2 says),
# refusing zlib, bzip2 and CLI11 outright (and nlohmann-json too when the
# runtime is off, since only the runtime's manifest reader still uses it, as
# a header-only build dependency), builds what installs, checks that nothing
# links zlib, bzip2 or libdeflate, and then runs the package consumers of
# run.sh against it: C++ with find_package, C with pkg-config and, with the
# runtime, a C host running a plugin.
set -euo pipefail
source_dir=$(cd "$1" && pwd)
plugins=${2:-ON}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

refuse=(-DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_BZip2=ON
        -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON)
if [[ $plugins != ON ]]; then refuse+=(-DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON); fi
cmake -S "$source_dir" -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release \
      -DMEMPOOL_BUILD_BGP=OFF -DMEMPOOL_BUILD_PLUGINS="$plugins" -DMEMPOOL_BUILD_TESTS=OFF \
      -DMEMPOOL_BUILD_BENCH=OFF -DMEMPOOL_BUILD_TOOLS=OFF -DMEMPOOL_INSTALL=ON \
      "${refuse[@]}" > "$scratch/configure.log" 2>&1 || { cat "$scratch/configure.log"; exit 1; }
if grep -Ei '^(ZLIB|BZIP2|LIBDEFLATE)_' "$scratch/build/CMakeCache.txt"; then
  echo "the build without mempool-bgp still looked for zlib, bzip2 or libdeflate" >&2
  exit 1
fi
cmake --build "$scratch/build" -j2 > "$scratch/build.log" 2>&1 || { tail -50 "$scratch/build.log"; exit 1; }
if [[ -e "$scratch/build/src/bgp" ]]; then
  echo "src/bgp was configured although MEMPOOL_BUILD_BGP=OFF" >&2
  exit 1
fi
for lib in $(find "$scratch/build" -name 'libmempool.so*' -type f); do
  if ldd "$lib" | grep -E 'libz\.|libbz2|libdeflate'; then
    echo "$lib links a compression library" >&2
    exit 1
  fi
done
"$here/run.sh" "$scratch/build"
echo "pool and runtime (plugins $plugins) built, installed and consumed without mempool-bgp"
