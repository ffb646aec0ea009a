#!/usr/bin/env bash
# Writes the monthly cost estimate of one checkout (`npm run cost -- --json`, every environment) to
# <out-file>, for the pull request comment's before/after table. Installs the checkout's dependencies
# when it has none. A checkout without `npm run cost` (a base branch older than it) gets a notice and
# no file: the comment then says "no estimate" for that side.
# Usage: scripts/pipeline/cost.sh <checkout-dir> <out-file>     (e.g. base cost/before.json)
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <checkout-dir> <out-file>" >&2
  exit 2
fi
checkout=$1
mkdir -p "$(dirname "$2")"
out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
rm -f "$out"
cd "$checkout"
if ! node -e 'process.exit(require("./package.json").scripts?.cost ? 0 : 1)'; then
  echo "::notice title=no cost estimate::$checkout has no npm run cost (it predates it): the comment shows no estimate for it"
  exit 0
fi
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
# stdout is the JSON; warnings (a stale price table, a region without one) go to stderr, in the job's log.
npm run --silent cost -- --json >"$out.tmp"
mv "$out.tmp" "$out"
echo "cost.sh: $out written"
