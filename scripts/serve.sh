#!/usr/bin/env bash
# Installs what is missing, builds the server (Release, into build-serve/) and runs it on
# 127.0.0.1:8000 with the embedded store. Extra arguments go to the server
# (scripts/serve.sh --help lists them).
#
# The build folder is this command's own, configured with every option given, so that
# scripts/test.sh (build-test/) and a developer's build/ never inherit its settings.
# Warnings are not errors here: serving should not fail on a warning a newer compiler
# invents; scripts/test.sh builds the same Release configuration with -Werror.
# Build output goes to stderr, so `scripts/serve.sh --help` prints only the help.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-serve -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTC_TESTS=OFF -DTC_WERROR=OFF -DTC_SANITIZE=OFF >/dev/null
cmake --build build-serve --target taskcenter >&2
exec ./build-serve/taskcenter "$@"
