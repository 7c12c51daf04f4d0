#!/usr/bin/env bash
# `npm run test:images`: builds the images (scripts/images.sh, cached layers), then runs each with
# podman against the local control plane (e2e/src/images.podman.test.ts): --version/--help, the
# approver and operator issuing the scraper certificate, the target-auth and scraper-proxy images
# serving a scrape, SIGTERM exits. Not part of `npm test`: a first run builds the base image and
# four images (about 10-15 minutes on 2 cores); later runs take a few minutes. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
export CERTSCRAPE_K8S_BIN_DIR="${CERTSCRAPE_K8S_BIN_DIR:-$(bash scripts/ensure-deps.sh)}"
bash scripts/images.sh
# The local-cluster global setup loads the workspace packages' built output (as npm test's
# integration step does after its build step).
npx nx run-many -t build --output-style=stream >/dev/null
cd e2e
npx vitest run -c vitest.images.config.ts
