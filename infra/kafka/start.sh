#!/usr/bin/env bash
# Start a throwaway single-node Apache Kafka (KRaft, combined broker+controller)
# on 127.0.0.1 for local development and tests. No Docker, no ZooKeeper.
#
#   infra/kafka/start.sh            # prints KAFKA_BROKERS=127.0.0.1:19092 on stdout
#   export "$(infra/kafka/start.sh)"
#
# Env:
#   KAFKA_VERSION            default 4.1.1 (classpath fetched by fetch.sh)
#   KAFKA_PORT               client (PLAINTEXT) port, default 19092
#   KAFKA_CONTROLLER_PORT    KRaft controller port, default KAFKA_PORT + 1 (19093)
#   KAFKA_START_TIMEOUT      seconds to wait for the broker, default 60
#   KAFKA_HEAP_OPTS          default "-Xms128m -Xmx512m"
#   KAFKA_JVM_OPTS           default "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 ..."
#   JAVA                     java binary, default $JAVA_HOME/bin/java or java
#
# Data and logs live in $FANGYI_ROOT/.cache/kafka-run/<port>/ and are wiped on
# every (non-reused) start. If a broker started by this script is already
# running and healthy on the port, it is reused and nothing is wiped.
# Only KAFKA_BROKERS=... goes to stdout; everything else goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FANGYI_ROOT="${FANGYI_ROOT:-$(cd "$HERE/../.." && pwd)}"
export FANGYI_ROOT
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
export KAFKA_VERSION
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi

RUN_BASE="$FANGYI_ROOT/.cache/kafka-run"
RUN_DIR="$RUN_BASE/$KAFKA_PORT"
PID_FILE="$RUN_BASE/kafka-$KAFKA_PORT.pid"
LOCK_FILE="$RUN_BASE/kafka-$KAFKA_PORT.lock"
LOG_DIR="$RUN_DIR/logs"
SERVER_LOG="$LOG_DIR/server.log"
STDOUT_LOG="$LOG_DIR/kafka.out"

log() { echo "kafka/start.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$RUN_BASE"
# Serialise concurrent start.sh calls for the same port.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOCK_FILE"
  flock -w "$((KAFKA_START_TIMEOUT + 30))" 9 || die "another start.sh for port $KAFKA_PORT holds $LOCK_FILE"
fi

# --- helpers ---------------------------------------------------------------

# True if something accepts TCP connections on $1:$2.
port_open() { (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1; }

# True if the broker on $1:$2 answers a Kafka Metadata request (v4, no topics)
# listing at least one live broker. Pure bash: raw protocol over /dev/tcp.
#   request: size=28 | api_key=3 | api_version=4 | correlation_id=0x46590001
#            | client_id="fangyi-health"(13) | topics=[] | allow_auto_create=false
#   response: size | correlation_id | throttle_time_ms | brokers count | ...
metadata_ok() {
  local host="$1" port="$2" hex
  hex="$(
    exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || exit 1
    printf '\x00\x00\x00\x1c\x00\x03\x00\x04\x46\x59\x00\x01\x00\x0dfangyi-health\x00\x00\x00\x00\x00' >&3
    timeout 3 head -c 16 <&3 | od -An -v -tx1 | tr -d ' \n'
  )" 2>/dev/null || return 1
  # bytes 4..7 correlation id, bytes 12..15 broker count (>= 1)
  [ "${#hex}" -eq 32 ] || return 1
  [ "${hex:8:8}" = "46590001" ] || return 1
  [ "$((16#${hex:24:8}))" -ge 1 ] && [ "$((16#${hex:24:8}))" -lt 1000 ]
}

# True if $1 is a live process that this script started (kafka.Kafka + our run dir).
is_our_broker() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN_DIR/server.properties"
}

dump_logs() {
  local f
  for f in "$SERVER_LOG" "$STDOUT_LOG"; do
    [ -s "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n "${1:-40}" "$f" >&2
  done
}

kill_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# --- reuse a running broker ------------------------------------------------

OLD_PID="$(cat "$PID_FILE" 2>/dev/null || true)"
if is_our_broker "$OLD_PID"; then
  # Running: healthy now, or still starting (give it the usual timeout).
  deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$OLD_PID" 2>/dev/null; do
    if metadata_ok "$KAFKA_HOST" "$KAFKA_PORT"; then
      log "reusing running broker (pid $OLD_PID, Kafka $(cat "$RUN_DIR/version" 2>/dev/null || echo '?')) on $KAFKA_HOST:$KAFKA_PORT"
      echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
      exit 0
    fi
    sleep 0.5
  done
  log "broker pid $OLD_PID is running but unhealthy; restarting it"
  dump_logs 20
  kill_pid "$OLD_PID"
fi
rm -f "$PID_FILE"

# --- preflight -------------------------------------------------------------

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  if port_open "$KAFKA_HOST" "$p"; then
    die "port $KAFKA_HOST:$p is already in use by a process this script did not start (see: ss -ltnp 'sport = :$p'). Stop it, or set KAFKA_PORT / KAFKA_CONTROLLER_PORT."
  fi
done

command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA or JAVA_HOME); Kafka $KAFKA_VERSION needs Java 17+"
java_major="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)"
case "$KAFKA_VERSION" in
  4.*) [ "${java_major:-0}" -ge 17 ] || die "Kafka $KAFKA_VERSION brokers need Java 17+, found java $java_major at $(command -v "$JAVA")";;
esac

LIBS="$("$HERE/fetch.sh")" || die "could not fetch the Kafka $KAFKA_VERSION classpath (infra/kafka/fetch.sh)"

# --- fresh run directory -----------------------------------------------------

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR/data" "$LOG_DIR"
echo "$KAFKA_VERSION" >"$RUN_DIR/version"

cat >"$RUN_DIR/server.properties" <<PROPS
# Generated by infra/kafka/start.sh: throwaway single-node KRaft cluster.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN_DIR/data

# single node: every replication factor / ISR is 1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0

# small machine (2 cores), fast start/stop
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
broker.heartbeat.interval.ms=500
controlled.shutdown.enable=true
PROPS

cat >"$RUN_DIR/log4j2.properties" <<'L4J'
status = warn
name = fangyi-kafka
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
L4J

COMMON_JAVA_OPTS=(
  -Dkafka.logs.dir="$LOG_DIR"
  -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties"
)

# --- format storage with a random cluster id --------------------------------

# 16 random bytes, URL-safe base64 without padding (Kafka Uuid format); Kafka
# itself never hands out ids starting with '-', so neither do we.
CLUSTER_ID=""
while [ -z "$CLUSTER_ID" ] || [ "${CLUSTER_ID:0:1}" = "-" ] || [ "${#CLUSTER_ID}" -ne 22 ]; do
  CLUSTER_ID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
done
echo "$CLUSTER_ID" >"$RUN_DIR/cluster-id"

START_TS=$(date +%s.%N)
log "starting Kafka $KAFKA_VERSION (KRaft, cluster $CLUSTER_ID) on $KAFKA_HOST:$KAFKA_PORT, controller :$KAFKA_CONTROLLER_PORT, run dir $RUN_DIR"
# shellcheck disable=SC2086
if ! "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${COMMON_JAVA_OPTS[@]}" \
      -cp "$LIBS/*" kafka.tools.StorageTool format \
      -t "$CLUSTER_ID" -c "$RUN_DIR/server.properties" >"$LOG_DIR/format.out" 2>&1; then
  cat "$LOG_DIR/format.out" >&2
  die "kafka.tools.StorageTool format failed"
fi

# --- launch in the background (own session, survives the caller's shell) ---

# shellcheck disable=SC2086
setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
  "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS "${COMMON_JAVA_OPTS[@]}" \
  -cp "$LIBS/*" kafka.Kafka "$RUN_DIR/server.properties" \
  </dev/null >"$STDOUT_LOG" 2>&1 9>&- &

# wait for the pid file written by the child
for _ in $(seq 1 50); do [ -s "$PID_FILE" ] && break; sleep 0.1; done
PID="$(cat "$PID_FILE" 2>/dev/null || true)"
[ -n "$PID" ] || die "broker process did not start"

# --- wait for: port open AND metadata answered -----------------------------

deadline=$((SECONDS + KAFKA_START_TIMEOUT))
healthy=0
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$PID" 2>/dev/null; then
    log "broker process $PID exited during startup"
    break
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT" && metadata_ok "$KAFKA_HOST" "$KAFKA_PORT"; then
    healthy=1
    break
  fi
  sleep 0.25
done

if [ "$healthy" -ne 1 ]; then
  log "broker did not become healthy within ${KAFKA_START_TIMEOUT}s"
  dump_logs 40
  kill_pid "$PID"
  rm -f "$PID_FILE"
  exit 1
fi

ELAPSED=$(awk -v a="$START_TS" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
log "broker up (pid $PID) in ${ELAPSED}s; logs: $SERVER_LOG"
echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
