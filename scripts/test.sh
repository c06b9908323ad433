#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, the configuration scripts/serve.sh
# runs, warnings as errors, into build-test/) and runs every test; then builds everything
# again in Debug with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# the tests there. Tests labelled "nosanitize" are left out of the second pass.
#
# Each pass has its own build folder, configured with every option given, so no other
# command's cache (scripts/serve.sh's TC_TESTS=OFF, a developer's build/) can change what
# is built; and ctest fails when it finds no tests instead of passing with none run.
# Safe to run twice. TC_SKIP_SANITIZE=1 skips the sanitizer pass (for quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
# ccache (installed by deps.sh) lets the three builds below share what they have in common
# and a second run reuse the first's objects; paths are taken relative to the checkout, so
# another clone of the same tree hits too. Without a cache it only costs a lookup.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export CMAKE_CXX_COMPILER_LAUNCHER=ccache

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DTC_TESTS=ON -DTC_WERROR=ON -DTC_SANITIZE=OFF >/dev/null
cmake --build build-test -j "$jobs"
(cd build-test && ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 600) ||
  { scripts/failure_digest.sh build-test; exit 8; }

# --- release build (ops): the binary the container image ships, built by the same
# script as the Dockerfile's build stage (tests/packaging/test_deploy.py checks both).
scripts/build-release.sh
# --- end release build

if [[ "${TC_SKIP_SANITIZE:-0}" != 1 ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DTC_TESTS=ON -DTC_WERROR=ON -DTC_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 900 -LE nosanitize) ||
    { scripts/failure_digest.sh build-asan; exit 8; }
fi
