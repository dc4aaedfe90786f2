#!/usr/bin/env bash
# Compiles every plugin of an xBGP plugin collection (pluginized-protocols/
# xbgp_plugins or a tree laid out like it) against mempool's xBGP API
# headers, the way the collection's Makefiles do, and prints one line per
# source: whether it compiled, its warnings, and the first error if not.
#
# The collection is copied to a scratch directory and its xbgp_compliant_api/
# folder replaced by ours (include/mempool/xbgp_compliant_api); its other
# headers (../byte_manip.h, ../prove_stuffs/prove.h, per-folder headers) are
# the collection's own and stay. Nothing is written into the collection.
#
# Each folder with a plugin Makefile is built like its Makefile: the sources
# it lists in SRC, or else every *.c under it, each as
#     clang $CFLAGS -emit-llvm -c x.c -o x.bc       (CFLAGS as in the Makefiles)
#     llc -O2 -march=bpf -mcpu=$MCPU -filetype=obj -o x.o x.bc
# with the system's libc headers (<netinet/in.h>, <arpa/inet.h>,
# <arpa/nameser.h>, <sys/socket.h>, ...: Debian's libc6-dev).
#
# Usage:
#   tests/xbgp/compile_collection.sh [options] <collection>
#     <collection>     a checkout, or a bare git repository (its HEAD is used)
#   --out DIR          keep objects and logs in DIR (default: a scratch dir, removed)
#   --upstream         keep the collection's own xbgp_compliant_api/ (to compare)
#   --mcpu CPU         llc -mcpu (default v2)
#   --target-bpf       compile in one step, `clang -target bpf -mcpu=CPU -c`, with
#                      glibc's LP64 x86-64 headers (-I/usr/include/<multiarch>
#                      -D__x86_64__: BPF is LP64 too, and without it glibc asks
#                      for gnu/stubs-32.h)
#   --known-failures LIST  comma-separated sources (as printed) expected not
#                      to compile; with it, the exit status is 1 when any
#                      other source fails or a listed one compiles
#   --verify TOOL      also run `TOOL verify --xbgp <object>` (every entry
#                      function, against the xBGP helper table) on each object,
#                      report how many helpers it lacks and its other problems,
#                      and write "accepted|refused <source>" lines to
#                      DIR/verify.txt (with --out)
# Prints a table (status, source, warnings, detail) and a summary line; exits 0
# when it could run (whatever the plugins did, unless --known-failures is
# given), and 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ours="$root/include/mempool/xbgp_compliant_api"
out="" upstream=0 mcpu=v2 verify="" collection="" target_bpf=0 known=""
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --upstream) upstream=1; shift ;;
    --mcpu) mcpu=$2; shift 2 ;;
    --target-bpf) target_bpf=1; shift ;;
    --verify) verify=$2; shift 2 ;;
    --known-failures) known=",$2,"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) collection=$1; shift ;;
  esac
done
[[ -n $collection && -d $collection ]] || { echo "usage: $0 [options] <xbgp_plugins checkout>" >&2; exit 2; }
CLANG=${CLANG:-clang}
LLC=${LLC:-llc}
command -v "$CLANG" >/dev/null && command -v "$LLC" >/dev/null ||
  { echo "needs clang and llc (CLANG=, LLC= to choose)" >&2; exit 2; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tree="$scratch/tree"
mkdir -p "$tree"
if [[ $(git -C "$collection" rev-parse --is-bare-repository 2>/dev/null || echo false) == true ]]; then
  git -C "$collection" archive HEAD | tar -x -C "$tree"
else
  cp -a "$collection/." "$tree/"
  rm -rf "$tree/.git"
fi
if ((!upstream)); then
  rm -rf "$tree/xbgp_compliant_api"
  cp -a "$ours" "$tree/xbgp_compliant_api"
fi
[[ -n $out ]] || out="$scratch/out"
mkdir -p "$out"
rm -f "$out/verify.txt"

# The collection's Makefiles' flags (no -target: clang compiles for the build
# machine and llc lowers the IR to eBPF).
cflags=(-O2 -Wall -Wshadow -Wextra -Wwrite-strings -Wcast-qual -Wmissing-prototypes
        -Wmissing-declarations -Wpointer-arith -Wbad-function-cast -fno-stack-protector)

multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
compile() {  # dir, source, object stem: 0 when the object was written
  if ((target_bpf)); then
    (cd "$1" && "$CLANG" "${cflags[@]}" -target bpf -mcpu="$mcpu" -I"/usr/include/$multiarch" -D__x86_64__ \
       -c "$2" -o "$3.o")
  else
    (cd "$1" && "$CLANG" "${cflags[@]}" -emit-llvm -c "$2" -o "$3.bc") &&
      "$LLC" -O2 -march=bpf -mcpu="$mcpu" -filetype=obj -o "$3.o" "$3.bc"
  fi
}

ok=0 failed=0 verified=0 refused=0 surprises=0
printf '%-8s %-62s %s\n' status source detail
while IFS= read -r makefile; do
  dir=$(dirname "$makefile")
  grep -q -- '-emit-llvm' "$makefile" || continue   # not a plugin Makefile
  listed=$(sed -nE 's/^SRC[[:space:]]*\+?=[[:space:]]*([^$][^[:space:]]*\.c)[[:space:]]*$/\1/p' "$makefile")
  if [[ -n $listed ]]; then sources=$listed
  else sources=$(cd "$dir" && find . -name '*.c' | sed 's|^\./||' | sort); fi
  for src in $sources; do
    # the source's path in the collection (a Makefile at its root included)
    rel=${dir#"$tree"}; rel=${rel#/}; rel=${rel:+$rel/}$src
    name=${rel//\//__}; name=${name%.c}
    log="$out/$name.log"
    if compile "$dir" "$src" "$out/$name" > "$log" 2>&1; then
      ok=$((ok + 1))
      detail="$(grep -c 'warning:' "$log" || true) warnings"
      if [[ -n $verify ]]; then
        if "$verify" verify --xbgp "$out/$name.o" > "$out/$name.verify" 2>&1; then
          verified=$((verified + 1)); detail+="; verify: accepted"
          echo "accepted $rel" >> "$out/verify.txt"
        else
          echo "refused $rel" >> "$out/verify.txt"
          refused=$((refused + 1))
          lacking=$( (grep -o "calls '[^']*', which the host does not provide" "$out/$name.verify" || true) |
                    sort -u | wc -l)
          other=$( (grep -v "which the host does not provide" "$out/$name.verify" || true) |
                  sed -E 's/^pc [0-9]+[^:]*: //' | sort -u | awk 'NR <= 3' | tr '\n' ';' | cut -c1-200)
          detail+="; verify: refused, $lacking unknown helpers${other:+; $other}"
        fi
      fi
      printf '%-8s %-62s %s\n' ok "$rel" "$detail"
      if [[ $known == *",$rel,"* ]]; then surprises=$((surprises + 1)); echo "  (listed as a known failure)"; fi
    else
      failed=$((failed + 1))
      printf '%-8s %-62s %s\n' FAILED "$rel" "$(grep -m1 'error' "$log" | sed "s|$tree/||g" | cut -c1-200)"
      if [[ -n $known && $known != *",$rel,"* ]]; then surprises=$((surprises + 1)); fi
    fi
  done
done < <(find "$tree" -name Makefile -not -path '*/docs/*' -not -path '*/prove_stuffs/*' | sort)

echo "compiled: $ok, failed: $failed$( [[ -n $verify ]] && echo ", verify accepted: $verified, refused: $refused")"
echo "headers: $( ((upstream)) && echo "the collection's own" || echo "$ours");" \
     "$( ((target_bpf)) && echo "clang -target bpf" || echo "clang -emit-llvm | llc -march=bpf") -mcpu=$mcpu; objects in $out"
if [[ -n $known ]] && ((surprises)); then
  echo "$surprises source(s) did not do what --known-failures says" >&2
  exit 1
fi
