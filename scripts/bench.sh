#!/usr/bin/env bash
# `npm run bench`: side-by-side benchmarks (not part of `npm test`). Installs nginx-light
# when missing, builds, then runs bench/dist/main.js. Pass --quick for a shorter run,
# --no-cluster to skip the benchmarks that need the local control plane.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
export CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
# Keep TypeScript project references in step with package.json dependencies.
npx nx sync >/dev/null
if ! command -v nginx >/dev/null; then
  bash packages/local-cluster/scripts/ensure-debs.sh nginx-light
  if command -v systemctl >/dev/null; then systemctl stop nginx 2>/dev/null || true; fi
  pkill -x nginx 2>/dev/null || true
fi
out=$(npx nx run-many -t build --output-style=stream 2>&1) || { echo "$out" >&2; exit 1; }
node bench/dist/main.js "$@"
