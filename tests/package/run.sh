#!/usr/bin/env bash
# Installs the build tree $1 into a scratch prefix and builds consumers
# against it: C++ with find_package, a host building its own plugin with the
# installed mempool_add_bpf_plugin() (when the runtime is part of the build),
# C with pkg-config, and (with the runtime) a C host that runs a plugin,
# linked with `pkg-config --libs mempool-runtime` alone and checked to load
# no DPDK library. Then runs them.
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

if find "$scratch/prefix" -name MempoolBpf.cmake | grep -q .; then
  cmake -S "$here/plugin" -B "$scratch/plugin" -DCMAKE_PREFIX_PATH="$scratch/prefix" > "$scratch/plugin.log"
  cmake --build "$scratch/plugin" >> "$scratch/plugin.log" 2>&1 || { cat "$scratch/plugin.log"; exit 1; }
  "$scratch/plugin/plugin_host"
fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$here/c/main.c" -o "$scratch/c_consumer" $(pkg-config --cflags --libs mempool)
LD_LIBRARY_PATH="$libdir" "$scratch/c_consumer"

if [[ -f "$libdir/pkgconfig/mempool-runtime.pc" ]]; then
  plugin=$(find "$scratch/prefix" -name count_updates.o | head -n1)
  cc -std=c11 -Wall -Wextra -Werror "$here/c_runtime/host.c" -o "$scratch/c_runtime_host" \
     $(pkg-config --cflags --libs mempool-runtime)
  LD_LIBRARY_PATH="$libdir" "$scratch/c_runtime_host" "$plugin"
  if LD_LIBRARY_PATH="$libdir" ldd "$scratch/c_runtime_host" | grep -Ei 'librte_|dpdk'; then
    echo "the C host links a DPDK library" >&2
    exit 1
  fi
fi
