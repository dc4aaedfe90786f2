#!/usr/bin/env bash
# Compiles api_check.c (an xBGP-style plugin) against an xBGP API include
# folder in both ways xBGP plugins are built, and checks the helpers the
# object calls.
# Usage: api_check.sh <folder holding xbgp_compliant_api/> [scratch dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
include=$1
out=${2:-$(mktemp -d)}
mkdir -p "$out"
CLANG=${CLANG:-clang}
LLC=${LLC:-llc}
NM=${NM:-$(command -v llvm-nm-14 || command -v llvm-nm)}
flags=(-O2 -Wall -Wextra -Wshadow -Wwrite-strings -Wcast-qual -Wmissing-prototypes
       -Wmissing-declarations -Wpointer-arith -Wbad-function-cast -fno-stack-protector -Werror
       -I"$include")
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

# 1. As the collection's Makefiles: IR for the build machine, lowered by llc.
"$CLANG" "${flags[@]}" -emit-llvm -c "$here/api_check.c" -o "$out/api_check.bc"
"$LLC" -O2 -march=bpf -mcpu=v2 -filetype=obj "$out/api_check.bc" -o "$out/api_check_llc.o"
# 2. In one step for the BPF target (glibc's LP64 headers).
"$CLANG" "${flags[@]}" -target bpf -mcpu=v2 -I"/usr/include/$multiarch" -D__x86_64__ \
  -c "$here/api_check.c" -o "$out/api_check_bpf.o"

expected="ebpf_bvsnprintf ebpf_print_intern get_arg get_attr_from_code get_src_peer_info next super_log"
status=0
for object in "$out/api_check_llc.o" "$out/api_check_bpf.o"; do
  called=$("$NM" -u "$object" | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')
  if [[ $called != "$expected" ]]; then
    echo "$(basename "$object") calls: $called" >&2
    echo "expected:           $expected" >&2
    status=1
  fi
done
[[ $status == 0 ]] && echo "api_check: both objects call exactly: $expected"
exit $status
