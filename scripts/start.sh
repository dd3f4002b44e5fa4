#!/usr/bin/env bash
# `npm start`: Fangyi in one process on the embedded default (SQLite, in-process bus, in-memory
# roster). Needs no servers. Installs Node 24 and pnpm into .tools/ where missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh
bash scripts/build-console.sh
source scripts/node-options.sh
exec node services/embedded/src/main.ts "$@"
