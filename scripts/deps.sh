#!/usr/bin/env bash
# Installs the Debian 12 packages taskcenter needs to build, test and benchmark.
# Safe to run twice: asks apt only for what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost-dev libsimdjson-dev libhiredis-dev rapidjson-dev
  libtcmalloc-minimal4  # the server's malloc (CMakeLists.txt, TC_TCMALLOC)
  libgtest-dev libgmock-dev
  python3 redis-server redis-tools
  libssl-dev openssl
  prometheus    # promtool checks /metrics (tests/ops)
  python3-venv  # the wheel test's fresh virtual environment (tests/packaging)
  clang libclang-rt-14-dev
  chromium      # the dashboard's browser test (tests/browser), driven by playwright-core
)
# Node and npm run redocly on openapi.json (tests/openapi). Asked for only when the
# commands are missing: a Node installed another way (nodesource) ships its own npm,
# which Debian's npm package would conflict with.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
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
