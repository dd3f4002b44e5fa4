#!/usr/bin/env bash
# The roster as of any instant over a long history (scripts/bench-as-of.ts): PostgreSQL only.
# Uses DATABASE_URL where set; starts the machine's PostgreSQL otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh
if [ -z "${DATABASE_URL:-}" ]; then
  # shellcheck disable=SC2046
  export $(bash infra/local-services.sh)
fi
node scripts/bench-as-of.ts "$@"
