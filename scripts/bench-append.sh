#!/usr/bin/env bash
# Append benchmark: the PostgreSQL event store vs pgbench. Uses DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/fangyi_test); extra arguments go to bench-append.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
exec node scripts/bench-append.ts "$@"
