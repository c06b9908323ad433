#!/usr/bin/env bash
# Prints, last, where each failed test failed: the lines of ctest's log that name a failed
# assertion, with the lines after them. A CI log is often cut in the middle, and ctest
# prints a failed test's output when it ends, long before the summary, so without this the
# reason can be lost from what CI shows. Usage: failure_digest.sh BUILD_DIR
set -uo pipefail
log="$1/Testing/Temporary/LastTest.log"
[[ -f "$log" ]] || exit 0
echo "=== where the failed tests failed ($log) ==="
awk '/^(---- )?(FAIL|ERROR): |: Failure$|^\[  FAILED  \] [A-Za-z]|^(Traceback|AssertionError)|ERROR: AddressSanitizer|runtime error: / {left = 14}
     left > 0 {print; left--}' "$log" | head -n 240
