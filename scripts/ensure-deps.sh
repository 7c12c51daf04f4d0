#!/usr/bin/env bash
# Installs everything `npm test`, `npm run demo` and `npm run e2e` need on a fresh
# Debian bookworm machine, and nothing when it is all there already:
#   - npm packages (npm ci when node_modules is missing or older than the lockfile),
#   - Debian packages used by tests (prometheus, node-exporter, openssl, iproute2, iptables,
#     chromium for the e2e report picture test),
#   - the local control plane binaries (built once from Debian's kubernetes source, cached).
# Prints the kube bin dir on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[deps] %s\n' "$*" >&2; }

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.certscrape-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  if [ -d node_modules ] && npm ls --all >/dev/null 2>&1; then
    : # installed tree already satisfies the lockfile (e.g. after a local npm install)
  else
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  echo "$lock_hash" > node_modules/.certscrape-lock-hash
fi

debs=(prometheus prometheus-node-exporter openssl iproute2 iptables nftables curl procps chromium)
bash packages/local-cluster/scripts/ensure-debs.sh "${debs[@]}"
# The Debian packages start system services; tests start their own instances.
for svc in prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done

bash packages/local-cluster/scripts/provision.sh
