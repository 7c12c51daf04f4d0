#!/usr/bin/env bash
# `npm run soak`: the soak of issue 18 (real control plane, controllers, targets in a network
# namespace, the scraper-proxy and Debian's Prometheus, left running with rotations, load and
# faults). Installs what is missing, builds, then runs e2e/dist/soak-cli.js with the given flags
# (`npm run soak -- --help`); writes e2e/results/soak.json. Needs root (network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
case " $* " in
  *" --help "*) ;;
  *)
    CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
    export CERTSCRAPE_K8S_BIN_DIR
    ;;
esac
echo "[soak] building the workspace" >&2
npx nx run-many -t build --output-style=stream >/tmp/certscrape-soak-build.log 2>&1 || { tail -40 /tmp/certscrape-soak-build.log >&2; exit 1; }
echo "[soak] uptime at start: $(uptime)" >&2
status=0
node e2e/dist/soak-cli.js "$@" || status=$?
echo "[soak] uptime at end: $(uptime)" >&2
exit "$status"
