#!/usr/bin/env bash
# Issue 14: agent CPU with the identity stage on and off, side by side in one run (not a test).
#
#   sudo ./bench/identity.sh [ROUNDS] [SECONDS] [RATE]      # default 3 rounds, 8 s, 5000 SYN/s
#
# Each round starts `syndrop watch --backend tracepoint --netns NS --json` twice on a fresh
# namespace, once as is and once with --no-identity (order alternating), and sends SYNs at RATE to
# a closed port of that namespace for SECONDS (bench/synflood.c): one NO_SOCKET event per SYN, each
# looked up by the stage through its namespace (no listener, no container here, so the lookup
# answers "nobody" from its cache). CPU = utime+stime of the java process over the load window,
# from /proc/PID/stat. Listener-named drops (the /proc scan path) are not loaded here.
# Writes bench/results/<UTC>-identity.jsonl (one row per measurement) and .md (min/median/max).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DUR=${2:-8}
RATE=${3:-5000}
JAR=${SYNDROP_JAR:-agent-java/target/syndrop.jar}
[[ $EUID -eq 0 ]] || { echo "needs root" >&2; exit 1; }
[[ -f $JAR ]] || { echo "no jar at $JAR" >&2; exit 1; }
WORK=$(mktemp -d /tmp/sdbench-identity.XXXXXX)
NS=""
PID=""
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null || true
    [[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
gcc -O2 -Wall -o "$WORK/synflood" bench/synflood.c
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUT=bench/results/$STAMP-identity.jsonl
HZ=$(getconf CLK_TCK)
: > "$OUT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for rnd in $(seq 1 "$ROUNDS"); do
    if (( rnd % 2 )); then peers="on off"; else peers="off on"; fi
    for peer in $peers; do
        NS=sdbench-$$-$rnd-$peer
        ip netns add "$NS"
        ip netns exec "$NS" ip link set lo up
        flags=()
        [[ $peer == off ]] && flags=(--no-identity)
        java -XX:TieredStopAtLevel=1 -jar "$JAR" watch --backend tracepoint --netns "$NS" --json \
            --duration "$((DUR + 60))s" "${flags[@]}" > "$WORK/out-$peer" 2> "$WORK/err-$peer" &
        PID=$!
        for _ in $(seq 1 600); do grep -q '^attached:' "$WORK/err-$peer" && break; sleep 0.1; done
        grep -q '^attached:' "$WORK/err-$peer" || { cat "$WORK/err-$peer" >&2; exit 1; }
        sleep 2 # JVM start-up settles
        c0=$(cpu_ticks "$PID"); l0=$(wc -l < "$WORK/out-$peer")
        sent=$(ip netns exec "$NS" "$WORK/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 "$RATE" "$DUR")
        sleep 1 # the last events drain
        c1=$(cpu_ticks "$PID"); l1=$(wc -l < "$WORK/out-$peer")
        kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
        ip netns del "$NS"; NS=""
        n=${sent#sent=}; n=${n%% *}
        printf '{"scenario":"identity_closed","peer":"identity_%s","round":%d,"seconds":%d,"rate":%d,"sent":%s,"events":%d,"cpu_ms":%d,"load":"%s"}\n' \
            "$peer" "$rnd" "$DUR" "$RATE" "$n" "$((l1 - l0))" "$(( (c1 - c0) * 1000 / HZ ))" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"
        tail -1 "$OUT"
    done
done

python3 - "$OUT" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
md = sys.argv[1][:-len(".jsonl")] + ".md"
with open(md, "w") as f:
    f.write("# identity stage on/off: agent CPU (bench/identity.sh)\n\n")
    f.write("Closed-port SYNs at %d/s for %d s per measurement into a fresh namespace, `syndrop watch --backend tracepoint --json`; "
            "CPU = utime+stime of the JVM over the load window. Shared 2-CPU machine: read the spread.\n\n" % (rows[0]["rate"], rows[0]["seconds"]))
    f.write("| peer | rounds | cpu ms min | median | max | events (median) | sent (median) |\n|---|---|---|---|---|---|---|\n")
    for peer in ("identity_on", "identity_off"):
        r = [x for x in rows if x["peer"] == peer]
        c = [x["cpu_ms"] for x in r]
        f.write("| %s | %d | %d | %d | %d | %d | %d |\n" % (peer, len(r), min(c), statistics.median(c), max(c),
                statistics.median([x["events"] for x in r]), statistics.median([x["sent"] for x in r])))
print(open(md).read())
EOF
