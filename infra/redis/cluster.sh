#!/usr/bin/env bash
# A local three-master Redis Cluster from the machine's redis-server, for the projection store's
# contract suite (keys of one commit share a hash tag, so they must land in one slot).
#
#   bash infra/redis/cluster.sh start   # prints REDIS_CLUSTER_NODES=127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3
#   bash infra/redis/cluster.sh stop
#
# Ports FANGYI_REDIS_CLUSTER_PORT .. +2 (default 7301..7303); data (none persisted) and logs in
# .cache/redis-cluster. Starting a cluster that already answers with state ok only prints its nodes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BASE="${FANGYI_REDIS_CLUSTER_PORT:-7301}"
PORTS=("$BASE" "$((BASE + 1))" "$((BASE + 2))")
DIR="$PWD/.cache/redis-cluster"
log() { echo "redis-cluster: $*" >&2; }
nodes() { local IFS=,; local out=(); for p in "${PORTS[@]}"; do out+=("127.0.0.1:$p"); done; echo "REDIS_CLUSTER_NODES=${out[*]}"; }
state_ok() { redis-cli -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

case "${1:-}" in
  start)
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { log "redis-server and redis-cli are needed (Debian: redis-server)"; exit 1; }
    if state_ok; then nodes; exit 0; fi
    mkdir -p "$DIR"
    for p in "${PORTS[@]}"; do
      redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
      rm -f "$DIR/nodes-$p.conf"
      redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$DIR/nodes-$p.conf" \
        --cluster-node-timeout 2000 --save '' --appendonly no --dir "$DIR" --logfile "$DIR/redis-$p.log" --daemonize yes
    done
    for p in "${PORTS[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create "${PORTS[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 \
      || { log "cluster create failed:"; cat "$DIR/create.log" >&2; exit 1; }
    for _ in $(seq 1 100); do state_ok && break; sleep 0.1; done
    state_ok || { log "cluster did not reach state ok"; exit 1; }
    log "three masters on ${PORTS[*]}"
    nodes
    ;;
  stop)
    for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -f "$DIR"/nodes-*.conf
    log "stopped"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
