#!/usr/bin/env bash
# The read model at the size of a city (scripts/bench-read-model.ts): PostgreSQL event store,
# Kafka, Redis. Uses DATABASE_URL, REDIS_URL and KAFKA_BROKERS where set; starts what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # shellcheck disable=SC2046
  export $(bash infra/local-services.sh)
fi
export KAFKA_BROKERS="${KAFKA_BROKERS:-$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')}"
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning" KAFKAJS_NO_PARTITIONER_WARNING=1
node scripts/bench-read-model.ts "$@"
