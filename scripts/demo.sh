#!/usr/bin/env bash
# `npm run demo [-- --keep]`: the e2e scenario narrated for a person (see e2e/src/demo.ts).
# On a fresh machine it first installs and builds everything it needs, with progress.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
if [ "$(id -u)" != 0 ]; then
  echo "certscrape demo: needs root (network namespaces, iptables); run it as root or in a disposable VM" >&2
  exit 3
fi
echo "[demo] checking dependencies (first run: Debian packages + a one-time kube-apiserver build, several minutes)" >&2
CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
export CERTSCRAPE_K8S_BIN_DIR
echo "[demo] building the workspace" >&2
npx nx run-many -t build --output-style=stream >/tmp/certscrape-demo-build.log 2>&1 || { tail -40 /tmp/certscrape-demo-build.log >&2; exit 1; }
exec node e2e/dist/demo.js "$@"
