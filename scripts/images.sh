#!/usr/bin/env bash
# `npm run images [-- [--push REGISTRY] [APP...]]`: builds the image of every certscrape bin (or of
# the APPs given) from the one Dockerfile with buildah, on this machine, without a registry:
#   1. installs buildah, podman, runc, mmdebstrap, skopeo, umoci when missing (Debian packages),
#   2. builds the base images once (scripts/build-base-image.sh: mmdebstrap + Node.js from npm),
#   3. buildah bud --build-arg APP=<app> -> localhost/certscrape/<app>:<version>, and prints sizes.
# --push REGISTRY (e.g. ghcr.io/certscrape) then copies each image to REGISTRY/<app>:<version> with
# skopeo (log in first: `skopeo login ghcr.io`); deploy/ references ghcr.io/certscrape/<app>:<version>,
# and a kustomize `images:` entry points it at another registry or tag.
# Needs root (rootful podman storage). Layers are cached: a second run rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node.sh

all_apps=(csr-approver monitoring-operator scraper-proxy target-auth)
push=
apps=()
while (($#)); do
  case "$1" in
    --push) push=${2:?--push needs a registry, e.g. ghcr.io/certscrape}; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "images: unknown option $1" >&2; exit 2 ;;
    *) apps+=("$1"); shift ;;
  esac
done
((${#apps[@]})) || apps=("${all_apps[@]}")

bash packages/local-cluster/scripts/ensure-debs.sh buildah podman runc mmdebstrap skopeo umoci
base=$(bash scripts/build-base-image.sh)
node_version=$(tr -d '[:space:]' <.node-version)
grep -q "^ARG NODE_VERSION=$node_version\$" Dockerfile || {
  echo "images: Dockerfile's ARG NODE_VERSION differs from .node-version ($node_version); update it" >&2
  exit 1
}
version=$(node -p "require('./package.json').version")
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# One snapshot of the sources for all images: the files git knows (tracked + untracked, not
# ignored) as they are now, so the four builds share the workspace build layers even while the
# tree keeps changing. Outside a git checkout the directory itself is the context.
context=.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  context=$(mktemp -d /var/tmp/certscrape-images-context.XXXXXX)
  trap 'rm -rf "$context"' EXIT
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -C "$context" -xf -
fi

# runc: crun 1.8 refuses some hosts' hybrid cgroups. Host network: no CNI needed for npm ci.
# The host's npm cache is lent to the build stage (a speed-up only; the Dockerfile works without).
mkdir -p "$HOME/.npm"
extra=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  # A network that re-signs TLS: the build stage's npm trusts what this host trusts.
  extra+=(--volume "$NODE_EXTRA_CA_CERTS:/run/certscrape-build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/certscrape-build-ca.crt)
fi
for app in "${apps[@]}"; do
  tag=localhost/certscrape/$app:$version
  echo "[images] buildah bud --build-arg APP=$app -t $tag (base $base)" >&2
  buildah bud --quiet --layers --runtime runc --network host \
    --volume "$HOME/.npm:/root/.npm" "${extra[@]}" \
    --build-arg APP="$app" --build-arg VERSION="$version" --build-arg REVISION="$revision" \
    --build-arg CREATED="$created" --build-arg NODE_VERSION="$node_version" \
    -f "$context/Dockerfile" -t "$tag" "$context" >/dev/null
done

printf '\n%-48s %10s\n' image size
for app in "${apps[@]}"; do
  tag=localhost/certscrape/$app:$version
  printf '%-48s %7s MB\n' "$tag" "$(( $(podman image inspect --format '{{.Size}}' "$tag") / 1000000 ))"
done
printf '%-48s %7s MB  (base, shared)\n' "$base" "$(( $(podman image inspect --format '{{.Size}}' "$base") / 1000000 ))"

if [ -n "$push" ]; then
  for app in "${apps[@]}"; do
    echo "[images] skopeo copy -> docker://$push/$app:$version" >&2
    skopeo copy "containers-storage:localhost/certscrape/$app:$version" "docker://$push/$app:$version"
  done
fi
