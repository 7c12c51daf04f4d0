# Sourced first by scripts/{test,demo,e2e,bench,images}.sh: puts the project's Node.js (the
# version in .node-version, fetched once by ensure-node.sh) first on PATH, so that npm ci, nx,
# vitest and every process the tests start run on it rather than on the system Node, and says
# which Node runs. CERTSCRAPE_SYSTEM_NODE=1 keeps whatever `node` is on PATH (escape hatch).
# shellcheck shell=bash
if [ "${CERTSCRAPE_SYSTEM_NODE:-}" != 1 ]; then
  certscrape_node_bin=$(bash "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh")
  export PATH="$certscrape_node_bin:$PATH"
  unset certscrape_node_bin
fi
# npm's own shebang is `#!/usr/bin/env node`, so npm/npx now run on this Node too.
echo "[node] $(command -v node) $(node --version) (npm $(npm --version))" >&2
