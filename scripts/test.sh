#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors and runs every
# test; then does the same with AddressSanitizer + UndefinedBehaviorSanitizer.
# Tests labelled "nosanitize" are left out of the second pass.
# Safe to run twice. TC_SKIP_SANITIZE=1 skips the sanitizer pass (for quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTC_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600)

# --- release build (ops): the binary the container image ships, built by the same
# script as the Dockerfile's build stage (tests/packaging/test_deploy.py checks both).
scripts/build-release.sh
# --- end release build

if [[ "${TC_SKIP_SANITIZE:-0}" != 1 ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTC_WERROR=ON -DTC_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 900 -LE nosanitize)
fi
