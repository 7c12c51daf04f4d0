#!/usr/bin/env bash
# Provisions what the local control plane needs on a Debian bookworm host:
#   1. Debian packages (etcd-server, golang-go, rsync, jq, dpkg-dev, iproute2, iptables, openssl),
#   2. kube-apiserver + kube-controller-manager built once from Debian's `kubernetes`
#      source package and cached under $CERTSCRAPE_CACHE_DIR/kubernetes/<version>/bin.
# Idempotent: a second run with everything in place returns in well under a second.
# Prints progress lines "[provision +Ns] step" on stderr and the bin dir on stdout.
set -euo pipefail

start=$(date +%s)
say() { printf '[provision +%ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

cache_root="${CERTSCRAPE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certscrape}"
packages=(etcd-server golang-go rsync jq dpkg-dev iproute2 iptables openssl make)

apt_install() {
  bash "$(dirname "${BASH_SOURCE[0]}")/ensure-debs.sh" "$@"
}

ensure_deb_src() {
  if apt-cache showsrc kubernetes >/dev/null 2>&1 && [ -n "$(apt-cache showsrc kubernetes 2>/dev/null)" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || { echo "certscrape: add a deb-src entry for bookworm (as root) to build kubernetes" >&2; exit 3; }
  say "adding deb-src entry for bookworm"
  cat > /etc/apt/sources.list.d/certscrape-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
}

apt_install "${packages[@]}"

if [ -n "${CERTSCRAPE_K8S_BIN_DIR:-}" ]; then
  for b in kube-apiserver kube-controller-manager; do
    [ -x "$CERTSCRAPE_K8S_BIN_DIR/$b" ] || { echo "certscrape: CERTSCRAPE_K8S_BIN_DIR=$CERTSCRAPE_K8S_BIN_DIR has no executable $b" >&2; exit 4; }
  done
  echo "$CERTSCRAPE_K8S_BIN_DIR"
  exit 0
fi

# Fast path: any cached build is fine when apt has no opinion yet (offline start).
version="${CERTSCRAPE_K8S_VERSION:-}"
if [ -z "$version" ]; then
  version=$( (apt-cache showsrc kubernetes 2>/dev/null || true) | awk '/^Version:/ {print $2; exit}')
fi
if [ -z "$version" ]; then
  cached=$(ls -1d "$cache_root"/kubernetes/*/bin 2>/dev/null | tail -n1 || true)
  if [ -n "$cached" ] && [ -x "$cached/kube-apiserver" ]; then echo "$cached"; exit 0; fi
  ensure_deb_src
  version=$( (apt-cache showsrc kubernetes 2>/dev/null || true) | awk '/^Version:/ {print $2; exit}')
  [ -n "$version" ] || { echo "certscrape: apt knows no source package 'kubernetes'" >&2; exit 4; }
fi
bin_dir="$cache_root/kubernetes/$version/bin"
if [ -x "$bin_dir/kube-apiserver" ] && [ -x "$bin_dir/kube-controller-manager" ]; then
  echo "$bin_dir"
  exit 0
fi

ensure_deb_src
mkdir -p "$cache_root/kubernetes/$version"
work="$cache_root/kubernetes/$version/src"
exec 9>"$cache_root/kubernetes/$version/.lock"
flock 9
if [ -x "$bin_dir/kube-apiserver" ] && [ -x "$bin_dir/kube-controller-manager" ]; then echo "$bin_dir"; exit 0; fi
rm -rf "$work"; mkdir -p "$work"
say "apt-get source kubernetes=$version (first run only; the binaries are cached)"
( cd "$work" && apt-get source -qq --download-only "kubernetes=$version" >/dev/null 2>&1 || apt-get source --download-only "kubernetes=$version" >&2 )
say "unpacking source"
( cd "$work" && dpkg-source -x --skip-patches ./*.dsc tree >/dev/null 2>&1 || dpkg-source -x ./*.dsc tree >/dev/null )
tree="$work/tree"
mkdir -p "$tree/.go/src/k8s.io"
ln -sfn "$tree" "$tree/.go/src/k8s.io/kubernetes"
say "building kube-apiserver and kube-controller-manager (about 6 minutes on 2 cores)"
(
  cd "$tree/.go/src/k8s.io/kubernetes"
  export GOPATH="$tree/.go" GO111MODULE=off GOFLAGS= GOCACHE="$work/.gocache"
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >"$work/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do sleep 30; kill -0 "$pid" 2>/dev/null && say "still building…"; done
  wait "$pid" || { tail -n 40 "$work/build.log" >&2; exit 5; }
)
out=$(find "$tree/_output" -type f -name kube-apiserver -perm -u+x | head -n1)
mkdir -p "$bin_dir.tmp"
cp "$(dirname "$out")/kube-apiserver" "$(dirname "$out")/kube-controller-manager" "$bin_dir.tmp/"
rm -rf "$bin_dir"; mv "$bin_dir.tmp" "$bin_dir"
rm -rf "$work"
say "cached in $bin_dir"
echo "$bin_dir"
