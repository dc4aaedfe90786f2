#!/usr/bin/env bash
# Installs the build tree $1 into a scratch prefix and builds two consumers
# against it: C++ with find_package, C with pkg-config. Then runs them.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cmake --install "$build" --prefix "$scratch/prefix" > "$scratch/install.log"
libdir=$(find "$scratch/prefix" -name 'libmempool.so' -printf '%h\n' | head -n1)

cmake -S "$here/cxx" -B "$scratch/cxx" -DCMAKE_PREFIX_PATH="$scratch/prefix" > "$scratch/cxx.log"
cmake --build "$scratch/cxx" >> "$scratch/cxx.log"
LD_LIBRARY_PATH="$libdir" "$scratch/cxx/consumer"
"$scratch/cxx/consumer_static"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$here/c/main.c" -o "$scratch/c_consumer" $(pkg-config --cflags --libs mempool)
LD_LIBRARY_PATH="$libdir" "$scratch/c_consumer"
