#!/usr/bin/env bash
# HTTP load benchmark (see scripts/bench-http.ts): a bare fastify handler, the embedded mode, and
# the distributed mode through the gateway. Uses DATABASE_URL, REDIS_URL and KAFKA_BROKERS for the
# distributed phase (defaults: the local fangyi_test database, Redis db 0, 127.0.0.1:29092).
# Extra arguments go to bench-http.ts (--seconds 15 --connections 16 --only ... --cpu-prof).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh >/dev/null
exec node scripts/bench-http.ts "$@"
