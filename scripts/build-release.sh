#!/usr/bin/env bash
# Builds the release binary: the one build recipe of the container image (Dockerfile)
# and of CI (scripts/test.sh runs it), so what ships is what CI built.
#   scripts/build-release.sh                  # -> build-release/taskcenter
#   scripts/build-release.sh --install DIR    # and copies it to DIR/bin/taskcenter
# Environment: TC_RELEASE_BUILD_DIR (default build-release), CMAKE_CXX_COMPILER_LAUNCHER
# (e.g. ccache), TC_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TC_RELEASE_BUILD_DIR:-build-release}
install_dir=
if [[ "${1:-}" == "--install" ]]; then
  install_dir=${2:?"--install needs a directory"}
fi
launcher=()
if [[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER")
fi
# Every option explicit: a cache left by another command cannot change this build.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTC_TESTS=OFF \
  -DTC_WERROR=ON -DTC_SANITIZE=OFF "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "${TC_JOBS:-$(nproc)}" --target taskcenter
"$build_dir/taskcenter" --version
if [[ -n "$install_dir" ]]; then
  install -D -m 0755 "$build_dir/taskcenter" "$install_dir/bin/taskcenter"
fi
