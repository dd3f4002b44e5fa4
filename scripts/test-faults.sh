#!/usr/bin/env bash
# `npm run test:faults`: the fault suite (test/faults/README.md) on real parts: service processes
# killed, paused and doubled, bad messages, lost Redis keys, a long transaction elsewhere, Kafka
# down, frozen, and one broker of three killed. Starts PostgreSQL and Redis (the machine's own) and
# a shared Kafka broker unless DATABASE_URL, REDIS_URL and KAFKA_BROKERS are set; the broker faults
# run on brokers of the suite's own (FANGYI_FAULTS_KAFKA_PORT, default 18092; a three-node cluster on
# FANGYI_FAULTS_CLUSTER_PORTS, default "18192 18292 18392"), never on the shared one.
# Prints one line per case: acknowledged, lost, doubled, time to converge. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh

started_kafka=0
cleanup() {
  # The cases stop their own brokers; this is for an interrupted run. Each script only signals what it started.
  KAFKA_PORT="${FANGYI_FAULTS_KAFKA_PORT:-18092}" bash infra/kafka/stop.sh >/dev/null 2>&1 || true
  KAFKA_CLUSTER_PORTS="${FANGYI_FAULTS_CLUSTER_PORTS:-18192 18292 18392}" bash infra/kafka/cluster.sh stop >/dev/null 2>&1 || true
  if [ "$started_kafka" = 1 ]; then bash infra/kafka/stop.sh >&2 || true; fi
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # shellcheck disable=SC2046
  export $(bash infra/local-services.sh)
fi
if [ -z "${KAFKA_BROKERS:-}" ]; then
  export KAFKA_BROKERS
  KAFKA_BROKERS=$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')
  started_kafka=1
fi
echo "fangyi fault suite: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL KAFKA_BROKERS=$KAFKA_BROKERS" >&2
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"
export KAFKAJS_NO_PARTITIONER_WARNING=1

mkdir -p .cache
rm -f .cache/fault-results.txt
status=0
pnpm exec vitest run --config test/faults/vitest.config.ts "$@" || status=$?
echo "---- fault suite ----"
grep '^fault:' .cache/fault-results.txt 2>/dev/null || echo "no case reported"
exit "$status"
