#!/usr/bin/env bash
# Kafka client benchmark: kafkajs against @platformatic/kafka on the same broker in one run.
# Uses KAFKA_BROKERS (starts the local broker if unset); extra arguments go to bench-kafka.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh
export KAFKA_BROKERS="${KAFKA_BROKERS:-$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')}"
# kafkajs 2.2.4 (measured here only) sets a negative timer on Node 24 and warns about its partitioner.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning" KAFKAJS_NO_PARTITIONER_WARNING=1
exec node scripts/bench-kafka.ts "$@"
