#!/bin/sh
# Real coverage-guided fuzzing of the request parsers with clang's libFuzzer + ASan/UBSan.
# Usage: tests/fuzz/run_libfuzzer.sh [seconds]   (default 60; corpus kept in build-fuzz/corpus)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD_DIR:-$root/build-fuzz}
mkdir -p "$out/corpus" "$out/generated/core"
# The shape of the generated build_info.hpp (src/core/build_info.hpp.in), for any include of it.
printf '#pragma once\n#include <string_view>\n#define TC_VERSION "fuzz"\nnamespace tc { std::string_view build_time() noexcept; }\n' > "$out/generated/core/build_info.hpp"
clang++ -std=c++20 -O1 -g -DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1 -fsanitize=fuzzer,address,undefined -I"$root/src" -I"$out/generated" \
  $(pkg-config --cflags simdjson) \
  "$root/tests/fuzz/requests_fuzz.cpp" "$root/src/http/requests.cpp" "$root/src/http/request_fields.cpp" \
  "$root/src/http/json_span.cpp" "$root/src/http/json_writer.cpp" "$root/src/core/base64.cpp" \
  "$root/src/core/cursor.cpp" "$root/src/core/errors.cpp" \
  $(pkg-config --libs simdjson) -o "$out/requests_fuzz"
"$out/requests_fuzz" -max_total_time="${1:-60}" -max_len=4096 "$out/corpus"
