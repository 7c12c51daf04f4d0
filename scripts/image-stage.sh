#!/usr/bin/env bash
# image-stage.sh <app> <out>: assembles, from a built workspace (cwd = repository root), the
# runtime tree of one app for its image, and nothing of the other workspaces:
#   <out>/package.json, package-lock.json       provenance (versions exactly as locked)
#   <out>/node_modules                          production dependencies of <app> only
#                                               (npm ci --omit=dev -w <app>), without .d.ts/.map/.ts
#   <out>/<apps|packages>/<ws>/{package.json,dist,bin}   <app> and the workspaces it depends on
#   <out>/main.js -> <app>'s one bin           what the image's ENTRYPOINT runs
# <app> is a workspace directory name under apps/ or packages/ (csr-approver, target-auth, ...).
# Used by the Dockerfile's build stage; runs anywhere with node + npm.
set -euo pipefail
app=${1:?usage: image-stage.sh <app> <out>}
out=${2:?usage: image-stage.sh <app> <out>}
log() { printf '[stage] %s\n' "$*" >&2; }

ws_dir=
for d in apps/"$app" packages/"$app"; do [ -f "$d/package.json" ] && ws_dir=$d; done
[ -n "$ws_dir" ] || { echo "image-stage: no workspace apps/$app or packages/$app" >&2; exit 2; }

# The workspaces <app> needs at run time: the closure over "dependencies" (not devDependencies).
closure=$(node --input-type=module - "$ws_dir" <<'JS'
import { readFileSync, existsSync, globSync } from 'node:fs';
const root = JSON.parse(readFileSync('package.json', 'utf8'));
const dirs = root.workspaces.flatMap((w) => globSync(w)).filter((d) => existsSync(`${d}/package.json`));
const byName = new Map(dirs.map((d) => [JSON.parse(readFileSync(`${d}/package.json`, 'utf8')).name, d]));
const need = new Set();
const visit = (dir) => {
  if (need.has(dir)) return;
  need.add(dir);
  const deps = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).dependencies ?? {};
  for (const name of Object.keys(deps)) if (byName.has(name)) visit(byName.get(name));
};
visit(process.argv[2]);
console.log([...need].join('\n'));
JS
)
name=$(node -p "require('./$ws_dir/package.json').name")
bin=$(node -p "const b = require('./$ws_dir/package.json').bin; const v = typeof b === 'string' ? [b] : Object.values(b ?? {}); if (v.length !== 1) throw new Error('$name: expected exactly one bin, found ' + v.length); v[0]")
log "$name: workspaces $(echo $closure), bin $bin"

# Every workspace directory (relative), from the root package.json's "workspaces" globs.
mapfile -t ws_all < <(node -e "const fs = require('node:fs'); for (const w of require('./package.json').workspaces) for (const d of fs.globSync(w)) if (fs.existsSync(d + '/package.json')) console.log(d)")

rm -rf "$out" && mkdir -p "$out"
cp package.json package-lock.json "$out/"
# npm ci checks the lockfile against every workspace's package.json, so all of them are present
# for the install; the ones <app> does not need are removed right after.
for d in "${ws_all[@]}"; do install -D -m 0644 "$d/package.json" "$out/$d/package.json"; done
(cd "$out" && npm ci --omit=dev --workspace "$name" --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

for d in "${ws_all[@]}"; do
  if grep -qxF "$d" <<<"$closure"; then
    for part in dist bin; do [ -d "$d/$part" ] && cp -R "$d/$part" "$out/$d/$part"; done
  else
    rm -rf "${out:?}/$d"
  fi
done
# Links npm made to workspaces outside the closure now dangle: drop them.
find "$out/node_modules" -xtype l -delete
find "$out" -name '*.tsbuildinfo' -delete
# Not needed to run: type declarations, source maps, TypeScript sources, @types.
rm -rf "$out/node_modules/@types"
find "$out/node_modules" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) -delete
find "$out" -path "$out/node_modules" -prune -o -type f \( -name '*.d.ts' -o -name '*.d.ts.map' \) -print0 | xargs -0 rm -f
ln -s "$ws_dir/${bin#./}" "$out/main.js"
[ -f "$out/main.js" ] || { echo "image-stage: $ws_dir/$bin missing (build first)" >&2; exit 1; }
# Smoke test of the pruned tree: --version loads the bin's whole module graph before it answers.
(cd / && NODE_ENV=production node "$out/main.js" --version >&2) || { echo "image-stage: $out/main.js does not load" >&2; exit 1; }
log "$out: $(du -sh "$out" | cut -f1) ($(du -sh "$out/node_modules" | cut -f1) node_modules)"
