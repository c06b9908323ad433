#!/usr/bin/env bash
# Lints src/web/openapi.json with Redocly's recommended rules (errors and warnings both
# fail). Installs the pinned @redocly/cli from package-lock.json into
# tests/openapi/node_modules with `npm ci` when it is missing or the lock file changed;
# once installed it runs offline.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
stamp=node_modules/.package-lock.json
if [[ ! -x node_modules/.bin/redocly || ! -f $stamp || package-lock.json -nt $stamp ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/redocly lint --format=stylish --max-problems=100 \
  --lint-config=error ../../src/web/openapi.json 2>&1 | tee lint.out
# `redocly lint` exits non-zero on errors only; a warning fails this check too.
if grep -q "warning" lint.out; then
  echo "openapi.json: redocly reported warnings" >&2
  rm -f lint.out
  exit 1
fi
rm -f lint.out
