#!/usr/bin/env bash
# Read-side throughput benchmark: Kafka → roster projection → Redis. Starts Kafka if needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh
# shellcheck disable=SC2046
export $(bash infra/local-services.sh)
export KAFKA_BROKERS="${KAFKA_BROKERS:-$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')}"
node scripts/bench-read-side.ts "$@"
