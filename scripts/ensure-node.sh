#!/usr/bin/env bash
# Prints the bin dir of the Node.js release this project runs on (the version in .node-version,
# or $CERTSCRAPE_NODE_VERSION), installing it once into ~/.cache/certscrape/node/<version>.
#
# The binary is the official build that the npm registry ships as `node-linux-<arch>`; `npm pack`
# checks it against the registry's integrity hash. Any system Node (e.g. Debian's 18/20) is only
# used to run `npm pack` here; callers put the printed dir first on PATH, so everything after
# (npm ci, nx, vitest, the apps) runs on this Node. Usage: PATH="$(bash scripts/ensure-node.sh):$PATH"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${CERTSCRAPE_NODE_VERSION:-$(tr -d '[:space:]' <"$root/.node-version")}
version=${version#v}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "certscrape: no node-linux package for $(uname -m)" >&2; exit 3 ;;
esac
cache_root=${CERTSCRAPE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certscrape}/node
dir=$cache_root/$version
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then
  echo "$dir/bin"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "certscrape: npm is needed once to fetch Node.js $version (apt-get install npm, or any Node.js with npm)" >&2
  exit 3
fi
mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.fetch-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "[node] fetching node-linux-$arch@$version from the npm registry (once; cached in $dir)" >&2
(cd "$tmp" && npm pack "node-linux-$arch@$version" --silent >/dev/null)
mkdir -p "$tmp/out/bin"
tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$tmp" package/bin/node package/LICENSE
mv "$tmp/package/bin/node" "$tmp/out/bin/node"
mv "$tmp/package/LICENSE" "$tmp/out/LICENSE"
[ "$("$tmp/out/bin/node" --version)" = "v$version" ] || { echo "certscrape: fetched node is not v$version" >&2; exit 1; }
# Atomic publish: a concurrent caller either sees no dir or a complete one.
rm -rf "$dir.old" && { [ ! -e "$dir" ] || mv "$dir" "$dir.old"; }
mv "$tmp/out" "$dir" && rm -rf "$dir.old"
echo "$dir/bin"
