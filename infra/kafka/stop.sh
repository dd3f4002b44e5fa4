#!/usr/bin/env bash
# Stop the broker started by infra/kafka/start.sh (pid file per port):
# SIGTERM (controlled shutdown), wait up to KAFKA_STOP_TIMEOUT seconds
# (default 30), then SIGKILL. Data stays in .cache/kafka-run/<port>/ until the
# next start.sh wipes it. Safe to run when nothing is running.
#
#   infra/kafka/stop.sh                 # port 19092
#   KAFKA_PORT=29092 infra/kafka/stop.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FANGYI_ROOT="${FANGYI_ROOT:-$(cd "$HERE/../.." && pwd)}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
RUN_BASE="$FANGYI_ROOT/.cache/kafka-run"
RUN_DIR="$RUN_BASE/$KAFKA_PORT"
PID_FILE="$RUN_BASE/kafka-$KAFKA_PORT.pid"

log() { echo "kafka/stop.sh: $*" >&2; }

PID="$(cat "$PID_FILE" 2>/dev/null || true)"
if [ -z "$PID" ]; then
  log "no pid file for port $KAFKA_PORT ($PID_FILE); nothing to stop"
  exit 0
fi
if ! kill -0 "$PID" 2>/dev/null; then
  log "broker pid $PID is not running; removing stale pid file"
  rm -f "$PID_FILE"
  exit 0
fi
# Guard against pid reuse: only signal the java process this script family started.
if ! tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN_DIR/server.properties"; then
  log "pid $PID is not the Kafka broker for $RUN_DIR (pid reused?); removing stale pid file, not killing"
  rm -f "$PID_FILE"
  exit 0
fi

start=$SECONDS
kill -TERM "$PID" 2>/dev/null || true
while kill -0 "$PID" 2>/dev/null; do
  if [ $((SECONDS - start)) -ge "$KAFKA_STOP_TIMEOUT" ]; then
    log "broker pid $PID still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    break
  fi
  sleep 0.2
done
if kill -0 "$PID" 2>/dev/null; then
  log "ERROR: could not stop broker pid $PID"
  exit 1
fi
rm -f "$PID_FILE"
log "stopped broker pid $PID (port $KAFKA_PORT) in $((SECONDS - start))s"
