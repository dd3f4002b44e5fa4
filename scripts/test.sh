#!/usr/bin/env bash
# `npm test`: every test of the workspace on real parts. Starts what the tests need on this
# machine (PostgreSQL and Redis, the machine's own; a Kafka broker from Maven Central's
# artifacts) unless DATABASE_URL, REDIS_URL and KAFKA_BROKERS are already set, type-checks,
# runs vitest and prints one closing line: "N passed, N failed, N skipped".
# Extra arguments go to vitest (e.g. `npm test -- services/quarantine`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
source scripts/install-deps.sh

started_kafka=0
started_cluster=0
cleanup() {
  if [ "$started_kafka" = 1 ]; then bash infra/kafka/stop.sh >&2 || true; fi
  if [ "$started_cluster" = 1 ]; then bash infra/redis/cluster.sh stop >&2 || true; fi
}
trap cleanup EXIT

if [ "${FANGYI_TEST_INFRA:-local}" = containers ]; then
  echo "fangyi tests: FANGYI_TEST_INFRA=containers: testcontainers provides what is not set" >&2
elif [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # shellcheck disable=SC2046
  export $(bash infra/local-services.sh)
fi
if [ -z "${KAFKA_BROKERS:-}" ] && [ "${FANGYI_TEST_INFRA:-local}" != containers ]; then
  export KAFKA_BROKERS
  KAFKA_BROKERS=$(bash infra/kafka/start.sh | sed -n 's/^KAFKA_BROKERS=//p')
  started_kafka=1
fi
if [ -z "${REDIS_CLUSTER_NODES:-}" ] && [ "${FANGYI_TEST_INFRA:-local}" != containers ]; then
  # A cluster that already answers belongs to whoever started it (another run on this machine):
  # use it, and leave it running.
  if ! redis-cli -p "${FANGYI_REDIS_CLUSTER_PORT:-7301}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then started_cluster=1; fi
  export REDIS_CLUSTER_NODES
  REDIS_CLUSTER_NODES=$(bash infra/redis/cluster.sh start | sed -n 's/^REDIS_CLUSTER_NODES=//p')
fi
echo "fangyi tests: REDIS_CLUSTER_NODES=${REDIS_CLUSTER_NODES:-}" >&2
echo "fangyi tests: DATABASE_URL=${DATABASE_URL:-} REDIS_URL=${REDIS_URL:-} KAFKA_BROKERS=${KAFKA_BROKERS:-}" >&2

# The bus runs on @platformatic/kafka; kafkajs 2.2.4 is left only where a test reads Kafka on its own
# (test/e2e, the partition-mapping check): it sets a negative timer on Node 24 (clamped to 1 ms,
# harmless) and warns about its partitioner.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"
export KAFKAJS_NO_PARTITIONER_WARNING=1

# The console's browser tests need Debian's chromium and CJK fonts (installed with apt where missing),
# and the console built to static files.
bash scripts/browser-setup.sh
bash scripts/build-console.sh

echo "fangyi tests: format and lint (Biome)" >&2
pnpm exec biome ci --colors=off .
echo "fangyi tests: type-checking (TypeScript 7)" >&2
pnpm exec tsc -p tsconfig.json --noEmit

mkdir -p .cache
results=.cache/test-results.json
rm -f "$results"
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node scripts/test-summary.mjs "$results" || status=1
exit "$status"
