# Shared by start.sh (one node) and cluster.sh (three nodes): sourced, never run.
# Sets FANGYI_ROOT, KAFKA_VERSION (exported, for fetch.sh), KAFKA_JVM_OPTS and JAVA where unset.

FANGYI_ROOT="${FANGYI_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export FANGYI_ROOT
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
export KAFKA_VERSION
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"

if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi

# True if something accepts TCP connections on $1:$2.
port_open() { (exec 2>/dev/null; exec 3<>"/dev/tcp/$1/$2"); }

# The live brokers the node on $1:$2 lists in a Kafka Metadata answer (v4, no topics), or failure if
# it does not answer. Pure bash: raw protocol over /dev/tcp.
#   request: size=28 | api_key=3 | api_version=4 | correlation_id=0x46590001
#            | client_id="fangyi-health"(13) | topics=[] | allow_auto_create=false
#   response: size | correlation_id | throttle_time_ms | brokers count | ...
live_brokers() {
  local hex
  hex="$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf '\x00\x00\x00\x1c\x00\x03\x00\x04\x46\x59\x00\x01\x00\x0dfangyi-health\x00\x00\x00\x00\x00' >&3
    timeout 3 head -c 16 <&3 | od -An -v -tx1 | tr -d ' \n'
  )" 2>/dev/null || return 1
  # bytes 4..7 correlation id, bytes 12..15 broker count
  [ "${#hex}" -eq 32 ] && [ "${hex:8:8}" = "46590001" ] || return 1
  echo "$((16#${hex:24:8}))"
}

# True if the broker on $1:$2 answers a Metadata request listing at least one live broker.
metadata_ok() {
  local n
  n="$(live_brokers "$1" "$2")" || return 1
  [ "$n" -ge 1 ] && [ "$n" -lt 1000 ]
}

# A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid format);
# Kafka itself never hands out ids starting with '-', so neither do we.
new_cluster_id() {
  local id=""
  while [ -z "$id" ] || [ "${id:0:1}" = "-" ] || [ "${#id}" -ne 22 ]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  echo "$id"
}

# The broker's log4j2 configuration: INFO to $kafka.logs.dir/server.log, the chatty loggers at WARN.
write_log4j2() {
  cat >"$1" <<'L4J'
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
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
L4J
}
