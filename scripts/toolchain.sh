# Sourced by the project's scripts: puts Node 24 and pnpm on PATH.
# Where the machine's node is older than 24, Node 24 is installed from the npm
# registry's `node@24` package into .tools/ (project-local, git-ignored), and
# pnpm from the registry's `pnpm` package beside it. Nothing global is changed.
FANGYI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FANGYI_TOOLS="$FANGYI_ROOT/.tools"
FANGYI_NODE_MAJOR=24
FANGYI_PNPM_VERSION=10.34.8

_fy_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$FANGYI_TOOLS/node/node_modules/node/bin/node" ]; then
  export PATH="$FANGYI_TOOLS/node/node_modules/node/bin:$PATH"
fi
if [ "$(_fy_node_major)" -lt "$FANGYI_NODE_MAJOR" ]; then
  echo "fangyi: node $(node --version 2>/dev/null || echo none) is older than $FANGYI_NODE_MAJOR; installing node@$FANGYI_NODE_MAJOR into .tools/node" >&2
  mkdir -p "$FANGYI_TOOLS/node"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$FANGYI_TOOLS/node" "node@$FANGYI_NODE_MAJOR" >&2 || {
    echo "fangyi: could not install node@$FANGYI_NODE_MAJOR from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  export PATH="$FANGYI_TOOLS/node/node_modules/node/bin:$PATH"
fi
if [ ! -x "$FANGYI_TOOLS/pnpm/node_modules/.bin/pnpm" ]; then
  echo "fangyi: installing pnpm@$FANGYI_PNPM_VERSION into .tools/pnpm" >&2
  mkdir -p "$FANGYI_TOOLS/pnpm"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$FANGYI_TOOLS/pnpm" "pnpm@$FANGYI_PNPM_VERSION" >&2 || {
    echo "fangyi: could not install pnpm" >&2; return 1 2>/dev/null || exit 1; }
fi
export PATH="$FANGYI_TOOLS/pnpm/node_modules/.bin:$FANGYI_ROOT/node_modules/.bin:$PATH"
# pnpm's own shebang uses `node` from PATH, which is now Node 24.
export COREPACK_ENABLE_STRICT=0
