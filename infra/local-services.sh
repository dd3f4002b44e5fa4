#!/usr/bin/env bash
# Make sure the machine's PostgreSQL and Redis are up for local dev/tests,
# create the fangyi_test and fangyi_dev databases if missing, and print:
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangyi_test
#   REDIS_URL=redis://127.0.0.1:6379
#
# Only those lines go to stdout (so `export $(infra/local-services.sh)` works);
# progress and errors go to stderr. Exits non-zero, saying what is missing and
# how to start it, when a service cannot be started.
# Kafka is separate: infra/kafka/start.sh.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
DATABASES=(fangyi_test fangyi_dev)
WAIT_SECONDS="${LOCAL_SERVICES_TIMEOUT:-30}"

log() { echo "local-services: $*" >&2; }
fail() { echo "local-services: ERROR: $*" >&2; exit 1; }

pg_start_hint() {
  echo "start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start   (then check: pg_isready -h $PG_HOST -p $PG_PORT)"
}
redis_start_hint() {
  echo "start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port $REDIS_PORT --save \"\" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log   (then check: redis-cli -h $REDIS_HOST ping)"
}

wait_for() { # wait_for <seconds> <command...>
  local secs="$1"; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# --- PostgreSQL --------------------------------------------------------------

command -v pg_isready >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 \
  || fail "PostgreSQL client tools (pg_isready, psql) are not on PATH; PostgreSQL 15 is expected on this machine (Debian: postgresql-15 / postgresql-client-15)."

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

if ! pg_ready; then
  log "PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT; starting it"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    fail "PostgreSQL is down on $PG_HOST:$PG_PORT and pg_ctlcluster (postgresql-common) is not installed, so it cannot be started here."
  fi
  started=0
  if [ -d /etc/postgresql ]; then
    for ver in $(ls /etc/postgresql); do
      [ -d "/etc/postgresql/$ver/main" ] || continue
      if pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2; then started=1; fi
    done
  fi
  [ "$started" -eq 1 ] || log "pg_ctlcluster could not start a cluster (see messages above)"
  wait_for "$WAIT_SECONDS" pg_ready \
    || fail "PostgreSQL is still not accepting connections on $PG_HOST:$PG_PORT after ${WAIT_SECONDS}s. $(pg_start_hint). Logs: /var/log/postgresql/."
  log "PostgreSQL started"
fi

psql_q() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }

psql_q -c 'SELECT 1' >/dev/null 2>&1 \
  || fail "PostgreSQL is up but 'psql -h $PG_HOST -U $PG_USER' cannot log in (trust auth for user $PG_USER on $PG_HOST is expected; check pg_hba.conf)."

for db in "${DATABASES[@]}"; do
  if [ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    log "creating database $db"
    if ! psql_q -c "CREATE DATABASE \"$db\"" >/dev/null 2>/tmp/local-services.$$.err; then
      # a concurrent run may have created it meanwhile
      if [ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
        cat /tmp/local-services.$$.err >&2; rm -f /tmp/local-services.$$.err
        fail "could not create database $db"
      fi
    fi
    rm -f /tmp/local-services.$$.err
  fi
done

# --- Redis -------------------------------------------------------------------

command -v redis-cli >/dev/null 2>&1 \
  || fail "redis-cli is not on PATH; Redis 7 is expected on this machine (Debian: redis-server / redis-tools)."

redis_ready() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

if ! redis_ready; then
  log "Redis is not answering on $REDIS_HOST:$REDIS_PORT; starting it"
  command -v redis-server >/dev/null 2>&1 \
    || fail "Redis is down on $REDIS_HOST:$REDIS_PORT and redis-server is not installed, so it cannot be started here."
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 || log "redis-server returned an error"
  wait_for "$WAIT_SECONDS" redis_ready \
    || fail "Redis is still not answering on $REDIS_HOST:$REDIS_PORT after ${WAIT_SECONDS}s. $(redis_start_hint). Log: /var/log/redis/ci.log."
  log "Redis started"
fi

log "PostgreSQL $PG_HOST:$PG_PORT (databases: ${DATABASES[*]}) and Redis $REDIS_HOST:$REDIS_PORT are up"
echo "DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/fangyi_test"
echo "REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT"
