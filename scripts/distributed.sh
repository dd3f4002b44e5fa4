#!/usr/bin/env bash
# `npm run start:distributed`: each service its own process, on PostgreSQL, Kafka and Redis.
# Starts the machine's PostgreSQL and Redis if they are down and a local Kafka broker (see infra/),
# then the quarantine service (:3001, with the relay), the roster worker and the roster API (:3002).
# Ctrl+C stops the services; the broker keeps running (infra/kafka/stop.sh stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh

# shellcheck disable=SC2046
export $(bash infra/local-services.sh)
export DATABASE_URL="${FANGYI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fangyi_dev}"
if [ -z "${KAFKA_BROKERS:-}" ]; then
  KAFKA_BROKERS=$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')
fi
export KAFKA_BROKERS
# The services verify bearer tokens with this secret; `npm run token` signs with the same one.
mkdir -p .data
[ -f .data/jwt-secret ] || node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))" > .data/jwt-secret
export FANGYI_JWT_SECRET="${FANGYI_JWT_SECRET:-$(cat .data/jwt-secret)}"
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"
export KAFKAJS_NO_PARTITIONER_WARNING=1

pids=()
run() {
  local name=$1; shift
  env "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
stop_all() { kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop_all INT TERM EXIT

run quarantine PORT="${QUARANTINE_PORT:-3001}" node services/quarantine/src/main.ts
run roster-worker node services/roster/src/worker.ts
run roster PORT="${ROSTER_PORT:-3002}" node services/roster/src/main.ts

cat >&2 <<MSG
Fangyi distributed mode: event store $DATABASE_URL, Kafka $KAFKA_BROKERS, Redis $REDIS_URL
  quarantine commands: http://127.0.0.1:${QUARANTINE_PORT:-3001}/openapi.json
  roster:              http://127.0.0.1:${ROSTER_PORT:-3002}/roster  (page: http://127.0.0.1:${ROSTER_PORT:-3002}/)
MSG
wait
