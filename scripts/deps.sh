#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those missing.
# Sourced or run by scripts/demo and scripts/test; needs root (or sudo).
set -euo pipefail

packages=(
  cmake make g++ clang lld libclang-rt-14-dev pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  libabsl-dev libboost1.81-dev
  nlohmann-json3-dev libcli11-dev
  zlib1g-dev libbz2-dev libdeflate-dev
  valgrind bgpdump
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q >&2
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
