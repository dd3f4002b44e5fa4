#!/usr/bin/env bash
# `npm run start:distributed`: each service its own process, on PostgreSQL, Kafka and Redis.
# Starts the machine's PostgreSQL and Redis if they are down and a local Kafka broker (see infra/),
# then the quarantine service (:3001, with the relay), the roster worker and the roster API (:3002),
# residents (:3003), checkpoints (:3004), complaints (:3005), staff (:3007), analyst (:3008) and the gateway (:8080).
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
# The personal-data keys (see libs/service-kit's README): made once, kept beside the token secret.
for k in master-key reservation-key; do
  [ -f ".data/$k" ] || node -e "console.log(require('crypto').randomBytes(32).toString('base64'))" > ".data/$k"
done
export FANGYI_MASTER_KEY="${FANGYI_MASTER_KEY:-$(cat .data/master-key)}"
export FANGYI_RESERVATION_KEY="${FANGYI_RESERVATION_KEY:-$(cat .data/reservation-key)}"
# The demo staff's password: the staff service makes their accounts with it at its first start
# (when the event store has none). Made once and kept in .data, as the embedded mode does.
[ -f .data/demo-password ] || node -e "console.log(require('crypto').randomBytes(12).toString('base64url').slice(0, 16))" > .data/demo-password
export FANGYI_DEMO_PASSWORD="${FANGYI_DEMO_PASSWORD:-$(cat .data/demo-password)}"
# The local stack is for trying and measuring at scale (npm run seed, benchmarks): no rate limits
# unless asked for; docker-compose.yml keeps the services' defaults.
export FANGYI_RATE_LIMIT="${FANGYI_RATE_LIMIT:-off}"
# Every service with the same heap and allocator settings as the image (scripts/node-options.sh).
source scripts/node-options.sh

pids=()
run() {
  local name=$1; shift
  env "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
stop_all() { kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop_all INT TERM EXIT

export FANGYI_CALLERS="${FANGYI_CALLERS:-moujia=caller-moujia-1;zhangcun=caller-zhangcun-1;wenzhang=caller-wenzhang-1;zhengzhang=caller-zhengzhang-1}"
export FANGYI_COMPLAINT_HANDLERS="${FANGYI_COMPLAINT_HANDLERS:-*=complaint-handler-kutao;taoyuanju=estate-officer-taoyuanju}"
run quarantine PORT=3001 node services/quarantine/src/main.ts
run residents PORT=3003 node services/residents/src/main.ts
run checkpoints PORT=3004 node services/checkpoints/src/main.ts
run complaints PORT=3005 node services/complaints/src/main.ts
run read-worker PORT=3006 node services/roster/src/worker.ts
run staff PORT=3007 node services/staff/src/main.ts
run analyst PORT=3008 node services/analyst/src/main.ts
run roster PORT=3002 EVENT_STORE_URL="$DATABASE_URL" node services/roster/src/main.ts
run gateway PORT="${GATEWAY_PORT:-8080}" node services/gateway/src/main.ts

cat >&2 <<MSG
Fangyi distributed mode: event store $DATABASE_URL, Kafka $KAFKA_BROKERS, Redis $REDIS_URL
  one address (gateway): http://127.0.0.1:${GATEWAY_PORT:-8080}
  console: http://127.0.0.1:${GATEWAY_PORT:-8080}/console/  sign in as a demo user, each with the password  $FANGYI_DEMO_PASSWORD
    e.g. caller-moujia-1 (caller, moujia), registrar-kutao, checkpoint-staff-zhangcun, complaint-handler-kutao,
    report-officer-kutao, analyst-kutao, admin-kutao (staff accounts); the list: services/staff/src/demoUsers.ts
  scripts: curl -H "authorization: Bearer \$(npm run -s token -- caller-moujia-1)" http://127.0.0.1:${GATEWAY_PORT:-8080}/roster
  services: quarantine :3001, roster :3002, residents :3003, checkpoints :3004, complaints :3005, staff :3007, analyst :3008 (each serves /openapi.json)
  demo district: npm run seed -- --url http://127.0.0.1:${GATEWAY_PORT:-8080}
MSG
wait
