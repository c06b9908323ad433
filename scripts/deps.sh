#!/usr/bin/env bash
# Installs the Debian 12 packages taskcenter needs to build, test and benchmark.
# Safe to run twice: asks apt only for what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev libsimdjson-dev libhiredis-dev rapidjson-dev
  libgtest-dev libgmock-dev
  python3 redis-server redis-tools
  clang libclang-rt-14-dev
)
if [[ "${1:-}" == "--bench" ]]; then packages+=(wrk nginx-light); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
