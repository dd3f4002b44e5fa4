#!/bin/sh
# Runs a command (a Fangyi process: `node services/…/main.ts`) with scripts/node-options.sh's
# heap and allocator settings: the image's entry point and bench:http start processes through it.
set -eu
. "$(dirname "$0")/node-options.sh"
exec "$@"
