#!/usr/bin/env bash
# Verifies xBGP plugins with `mempool-plugin verify --xbgp`, the check the
# runtime makes when it loads them:
#   1. our own xBGP-style sources (tests/xbgp/plugins/*.c: an entry in .text,
#      .bss/.data globals, a flexible array walked in a loop, pointers stored
#      in heap objects, strings logged by pointer, run-time sized copies),
#      compiled against our headers with both recipes (clang -emit-llvm | llc
#      -march=bpf, and clang -target bpf): every one must verify;
#   2. when a copy of the public collection is available (env
#      MEMPOOL_XBGP_PLUGINS, else the second argument: a checkout or a bare
#      repository), every source compiles against our headers
#      (compile_collection.sh) and the objects listed in
#      tests/xbgp/collection_verified.txt must verify; an object verifying
#      that is not listed fails too (the list is kept exact, docs/plugins.md
#      cites it).
#
# Usage: verify_xbgp.sh MEMPOOL_PLUGIN_TOOL [COLLECTION]
# Needs clang and llc (CLANG=, LLC= to choose). Exit 0 when all is as listed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${1:?usage: verify_xbgp.sh MEMPOOL_PLUGIN_TOOL [COLLECTION]}
collection=${MEMPOOL_XBGP_PLUGINS:-${2:-}}
CLANG=${CLANG:-clang}
LLC=${LLC:-llc}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

# 1. Our own sources, in a tree laid out like the collection's.
mkdir -p "$scratch/tree/own"
cp -a "$root/include/mempool/xbgp_compliant_api" "$scratch/tree/"
cp "$here"/plugins/*.c "$scratch/tree/own/"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
cflags=(-O2 -Wall -Wextra -Werror -fno-stack-protector)
for src in "$scratch"/tree/own/*.c; do
  name=$(basename "$src" .c)
  for recipe in llc target; do
    obj="$scratch/tree/own/$name.$recipe.o"
    if [[ $recipe == llc ]]; then
      "$CLANG" "${cflags[@]}" -emit-llvm -c "$src" -o "$scratch/$name.bc" &&
        "$LLC" -O2 -march=bpf -mcpu=v2 -filetype=obj -o "$obj" "$scratch/$name.bc"
    else
      "$CLANG" "${cflags[@]}" -target bpf -mcpu=v2 -I"/usr/include/$multiarch" -D__x86_64__ -c "$src" -o "$obj"
    fi
    if out=$("$tool" verify --xbgp "$obj" 2>&1); then
      echo "ok       own/$name.c ($recipe): $out"
    else
      echo "REFUSED  own/$name.c ($recipe):"; echo "$out" | sed 's/^/    /'
      failures=$((failures + 1))
    fi
  done
done

# 2. The public collection, when there is one.
if [[ -n $collection && -d $collection ]]; then
  out="$scratch/collection"
  CLANG=$CLANG LLC=$LLC "$here/compile_collection.sh" --out "$out" --verify "$tool" \
    --known-failures bgp_security/prefix_validation/prefix_validator.c "$collection" ||
    { echo "the collection did not compile as expected"; failures=$((failures + 1)); }
  expected=$(grep -v '^#' "$here/collection_verified.txt" | sed '/^$/d' | sort)
  accepted=$( (grep '^accepted ' "$out/verify.txt" || true) | cut -d' ' -f2 | sort)
  missing=$(comm -23 <(echo "$expected") <(echo "$accepted") | sed '/^$/d')
  extra=$(comm -13 <(echo "$expected") <(echo "$accepted") | sed '/^$/d')
  if [[ -n $missing ]]; then
    echo "listed in collection_verified.txt but refused:"; echo "$missing" | sed 's/^/    /'
    for m in $missing; do n=${m//\//__}; sed 's/^/        /' "$out/${n%.c}.verify" | head -5; done
    failures=$((failures + 1))
  fi
  if [[ -n $extra ]]; then
    echo "verified but not listed in collection_verified.txt (add them):"; echo "$extra" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
  echo "collection: $(echo "$accepted" | sed '/^$/d' | wc -l) objects verified"
else
  echo "collection: not available (set MEMPOOL_XBGP_PLUGINS to a checkout or bare repository); own sources only"
fi
exit $((failures != 0))
