#!/usr/bin/env bash
# `npm run e2e`: the end-to-end proof of issue 9 (real control plane, controllers, targets in a
# network namespace, Debian's Prometheus). Installs what is missing, builds, then runs the e2e
# target; writes e2e/results/latest.json. Needs root (network namespaces, iptables).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
export CERTSCRAPE_K8S_BIN_DIR
npx nx run-many -t build --output-style=stream
npx nx run @certscrape/e2e:e2e --output-style=stream
