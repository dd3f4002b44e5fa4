#!/usr/bin/env bash
# Assemble a self-contained Apache Kafka broker classpath from Maven Central
# into $FANGYI_ROOT/.cache/kafka/<version>/libs (git-ignored), using Maven and
# the small pom next to this script. Idempotent: does nothing if already there.
#
#   infra/kafka/fetch.sh                  # default version (4.1.1)
#   KAFKA_VERSION=3.9.1 infra/kafka/fetch.sh
#
# Prints the libs directory on stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FANGYI_ROOT="${FANGYI_ROOT:-$(cd "$HERE/../.." && pwd)}"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
DEST="$FANGYI_ROOT/.cache/kafka/$KAFKA_VERSION"
LIBS="$DEST/libs"
MARKER="$DEST/.fetched"

if [ -f "$MARKER" ] && [ -d "$LIBS" ] && ls "$LIBS"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1; then
  echo "$LIBS"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { echo "fetch.sh: mvn (Maven) not found on PATH" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "fetch.sh: java not found on PATH" >&2; exit 1; }

mkdir -p "$DEST"
TMP="$(mktemp -d "$DEST/.libs.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch.sh: resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION (+ log4j2 binding) from Maven Central" >&2
if ! mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" \
      -Dkafka.version="$KAFKA_VERSION" \
      -Dkafka.libs.dir="$TMP" \
      dependency:copy-dependencies >&2; then
  echo "fetch.sh: maven could not resolve kafka_2.13:$KAFKA_VERSION (is Maven Central reachable?)" >&2
  exit 1
fi

if ! ls "$TMP"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1; then
  echo "fetch.sh: kafka_2.13-$KAFKA_VERSION.jar missing after copy-dependencies" >&2
  exit 1
fi

rm -rf "$LIBS"
mv "$TMP" "$LIBS"
trap - EXIT
date -u +%Y-%m-%dT%H:%M:%SZ > "$MARKER"
echo "fetch.sh: $(ls "$LIBS" | wc -l) jars in $LIBS" >&2
echo "$LIBS"
