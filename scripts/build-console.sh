#!/usr/bin/env bash
# Builds the console (services/console) to static files when its sources are newer than the
# build: called by `npm start` and `npm test`. Needs the toolchain on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dist=services/console/dist/index.html
if [ -f "$dist" ] && [ -z "$(find services/console/app services/console/index.html services/console/vite.config.ts services/console/public -newer "$dist" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "fangyi: building the console (services/console)" >&2
pnpm --filter @fangyi/console run build >&2
