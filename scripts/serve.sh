#!/usr/bin/env bash
# Installs what is missing, builds the server (Release) and runs it on 127.0.0.1:8000
# with the embedded store. Extra arguments go to the server (see ./build/taskcenter --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTC_TESTS=OFF >/dev/null
cmake --build build --target taskcenter
exec ./build/taskcenter "$@"
