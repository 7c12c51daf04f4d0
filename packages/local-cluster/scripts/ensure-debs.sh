#!/usr/bin/env bash
# ensure-debs.sh <package>...: installs the Debian packages that are missing (apt-get, as root),
# and does nothing when all are installed. The one apt installer of the repository: provision.sh
# (beside it, so this package provisions itself standalone), and the root scripts ensure-deps.sh
# (npm test/demo/e2e), images.sh (the container tools) and bench.sh (nginx) all call it.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "certscrape: missing Debian packages; as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 3
fi
printf '[deps] apt-get install %s\n' "${missing[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
