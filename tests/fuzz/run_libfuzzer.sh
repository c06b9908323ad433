#!/bin/sh
# Coverage-guided fuzzing of every fuzz target (tests/fuzz/*_fuzz.cpp) with clang's
# libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
#
# Usage: tests/fuzz/run_libfuzzer.sh [SECONDS_PER_TARGET [TARGET...]]
#   SECONDS_PER_TARGET  default 15 (the test command's time box); longer by hand, e.g. 600
#   TARGET              requests codec token_file http_request log_record log_replay (default: all)
# Environment: FUZZ_BUILD_DIR (default <repo>/build-fuzz).
#
# Each target starts from its checked-in corpus (tests/fuzz/corpus/<target>/, read only);
# what it finds goes to $FUZZ_BUILD_DIR/corpus/<target>/ (kept between runs). A crash or a
# broken invariant leaves the input in $FUZZ_BUILD_DIR/artifacts/ and fails the script: copy
# it into tests/fuzz/corpus/<target>/ and add a unit test (docs/fuzzing.md).
# Prints one line per target: executions per second and libFuzzer's coverage (cov: edges).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-15}
[ $# -gt 0 ] && shift
targets=${*:-requests codec token_file http_request log_record log_replay}

cxx=clang++
command -v ccache >/dev/null 2>&1 && cxx="ccache clang++"
# clang 14 does not announce coroutines to Boost 1.74's Asio by itself.
flags="-std=c++20 -O1 -g -fno-omit-frame-pointer -DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1 -DBOOST_ASIO_NO_DEPRECATED -DBOOST_BEAST_USE_STD_STRING_VIEW"
flags="$flags -DBOOST_ENABLE_ASSERT_DEBUG_HANDLER -I$root/src -I$out/generated $(pkg-config --cflags simdjson)"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

mkdir -p "$out/obj" "$out/generated/core" "$out/artifacts"
rm -f "$out/artifacts/"*  # only this run's findings
printf '#pragma once\n#include <string_view>\n#define TC_VERSION "fuzz"\nnamespace tc { std::string_view build_time() noexcept; }\n' > "$out/generated/core/build_info.hpp"

# The pure parts the targets use, in one archive: each target links only what it needs.
sources="core/base64.cpp core/cursor.cpp core/errors.cpp core/boost_assert.cpp
  http/requests.cpp http/request_fields.cpp http/json_span.cpp http/json_writer.cpp
  auth/scope.cpp auth/token_table.cpp
  store/log/record.cpp store/log/replay.cpp store/log/segments.cpp store/log/crc32c.cpp
  core/retry_delay.cpp core/task_view.cpp
  $(cd "$root/src" && ls store/memory/*.cpp)"
# (every file of the memory engine: MemoryState's methods are spread over several)
objects=""
for s in $sources; do
  o="$out/obj/$(echo "$s" | tr / _).o"
  objects="$objects $o"
  if [ ! -f "$o" ] || [ "$root/src/$s" -nt "$o" ] || [ -n "$(find "$root/src" -name '*.hpp' -newer "$o" | head -1)" ]; then
    echo "compiling $s" >&2
    nice $cxx $flags $sanitize -fsanitize=fuzzer-no-link -c "$root/src/$s" -o "$o"
  fi
done
rm -f "$out/libtc_fuzz.a"
ar rcs "$out/libtc_fuzz.a" $objects

status=0
summary=""
for t in $targets; do
  echo "building ${t}_fuzz" >&2
  nice $cxx $flags $sanitize -fsanitize=fuzzer "$root/tests/fuzz/${t}_fuzz.cpp" "$out/libtc_fuzz.a" \
    $(pkg-config --libs simdjson) -o "$out/${t}_fuzz"
  mkdir -p "$out/corpus/$t"
  log="$out/${t}_fuzz.log"
  echo "fuzzing $t for ${seconds}s" >&2
  if (cd "$out" && nice "./${t}_fuzz" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/${t}-" \
        "$out/corpus/$t" "$root/tests/fuzz/corpus/$t") >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log and $out/artifacts/)"
    status=1
    tail -40 "$log" >&2
  fi
  # The last status line: "#N DONE cov: C ft: F corp: ..." and the final stats.
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  line=$(printf '%-13s %6ss %10s execs %8s exec/s  cov %6s  ft %6s  %s' "$t" "$seconds" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result")
  summary="$summary$line
"
done
printf '%s' "$summary"
exit $status
