#!/usr/bin/env bash
# The dashboard's browser test (dashboard_test.js). Installs the pinned playwright-core
# from package-lock.json into tests/browser/node_modules with `npm ci` when it is missing
# or the lock file changed (no browser download: the test drives Debian's chromium);
# once installed it runs offline. Environment: TC_BINARY (the server), TC_SCREENSHOT_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
stamp=node_modules/.package-lock.json
if [[ ! -d node_modules/playwright-core || ! -f $stamp || package-lock.json -nt $stamp ]]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
exec node dashboard_test.js
