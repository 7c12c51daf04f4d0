#!/usr/bin/env bash
# `npm test`: installs what it needs, then runs every check in the workspace:
# build, lint, typecheck, unit tests, integration tests (local control plane), e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
export CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
# Keep TypeScript project references in step with package.json dependencies.
npx nx sync >/dev/null

step() { printf '\n=== %s ===\n' "$*"; }
rm -rf .test-results
step "build"
npx nx run-many -t build --output-style=stream
step "lint, typecheck, unit tests"
npx nx run-many -t lint typecheck test --output-style=stream --skip-nx-cache
step "integration tests (local control plane)"
npx nx run-many -t integration --parallel=1 --output-style=stream --skip-nx-cache
step "e2e"
npx nx run-many -t e2e --parallel=1 --output-style=stream

step "summary"
node scripts/summarize-tests.mjs
