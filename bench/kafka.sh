#!/usr/bin/env bash
# Issue 16: events/s and CPU of agent -> gRPC -> collector vs agent -> Kafka -> collector, side by
# side in one run (alternating order each round), with the Kafka broker's own CPU. Not a test.
#
#   ./bench/kafka.sh [EVENTS] [ROUNDS]      default 300000 events, 3 rounds
#
# Needs the built jar (mvn -B -q -DskipTests package), a JDK, /usr/bin/time, and the Kafka broker's
# jars in ~/.m2 (the test-scope kafka_2.13 dependency: any `mvn verify` resolved them).
# Writes bench/results/<UTC date-time>-kafka.{jsonl,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300000}
ROUNDS=${2:-3}
JAR=agent-java/target/syndrop.jar
[[ -f $JAR ]] || { echo "bench/kafka.sh: $JAR is missing; build it: mvn -B -q -DskipTests package" >&2; exit 1; }
WORK=$(mktemp -d /var/tmp/syndrop-kafka-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mvn -B -q -o dependency:build-classpath -pl agent-java -am -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
mkdir -p "$WORK/classes"
javac -nowarn -cp "$JAR" -d "$WORK/classes" bench/KafkaBench.java
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUT=bench/results/$STAMP-kafka
java -cp "$JAR:$WORK/classes" KafkaBench "$PWD/$JAR" "$WORK" "$WORK/cp.txt" "$N" "$ROUNDS" | tee "${OUT}.jsonl"
python3 - "${OUT}.jsonl" "$N" "$ROUNDS" > "${OUT}.md" <<'PY'
import json, statistics, sys, os, platform
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
print(f"# agent -> gRPC vs agent -> Kafka, {sys.argv[2]} events x {sys.argv[3]} rounds\n")
print(f"Machine: {os.cpu_count()} CPUs, {platform.release()}, load average {os.getloadavg()[0]:.2f} at the end (shared machine).\n")
print("Collector with a JSON sink (fsync per group), agent replaying recorded events as fast as it can, both `java -jar` processes;")
print("timed from the agent's start to the last event in the sink. Kafka: one KRaft broker (-Xmx512m), one partition, acks=all, idempotent, zstd.\n")
print("| transport | events/s (min / median / max) | agent CPU s | agent CPU us/event | collector CPU s | broker CPU s |")
print("|---|---|---|---|---|---|")
for t in ("grpc", "kafka"):
    r = [x for x in rows if x["transport"] == t]
    if not r:
        continue
    eps = sorted(x["events_per_s"] for x in r)
    med = lambda k: statistics.median(x[k] for x in r)
    print(f"| {t} | {eps[0]:,.0f} / {statistics.median(eps):,.0f} / {eps[-1]:,.0f} | {med('agent_cpu_s'):.2f} | "
          f"{med('agent_cpu_us_per_event'):.2f} | {med('collector_cpu_s'):.2f} | {med('broker_cpu_s'):.2f} |")
print("\nMedians over the rounds. For gRPC the broker idles (its CPU is its idle cost). Every run delivered:",
      all(x["delivered"] >= x["events"] for x in rows))
PY
cat "${OUT}.md"
