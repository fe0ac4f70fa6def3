#!/usr/bin/env bash
# Storm summaries under a SYN flood at this machine's maximum rate (bench/README.md, "Storms").
#   sudo ./bench/storm.sh [ROUNDS] [SECONDS]
# Per round, alternating order, on the same load (bench/synflood.c as fast as it goes from a raw
# socket to a closed port in a fresh namespace, tracepoint mode):
#   on      syndrop watch --json with its defaults (summaries every 2s, 100 detailed/s/key, burst 200)
#   off     syndrop watch --json --summary-interval 0 (every drop an event, no map update)
#   bpftrace  bench/syndrop.bt (one printf line per drop), for the kernel cost next to it
# and records: SYNs sent and per second, the namespace's Tcp:OutRsts (the kernel's count), lines
# written (events; summaries = lines with "detailed"), what the peer reported lost in its ring/perf
# buffer, the peer process's CPU over the flood (ticks of utime+stime, % of one core), and the
# kernel's ns per kfree_skb call from bpf_stats (run_time_ns / run_cnt of the peer's programs).
# Writes bench/results/storm-<UTC date-time>.md and prints it. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
ROUNDS=${1:-3}
DUR=${2:-5}
[[ $(id -u) == 0 ]] || { echo "bench/storm.sh: needs root" >&2; exit 1; }
JAR=$TOP/agent-java/target/syndrop.jar
[[ -f $JAR ]] || { echo "bench/storm.sh: $JAR missing; build it first (mvn -B -q -pl agent-java -am package -DskipTests)" >&2; exit 1; }
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/syndrop-storm.XXXXXX)
mkdir -p "$TOP/bench/results" "$WORK/bin"
gcc -O2 -Wall -o "$WORK/bin/synflood" bench/synflood.c
NS=sdstorm-$$
PEER_PID=""
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
    [[ -n $PEER_PID ]] && kill -TERM "$PEER_PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sysctl -qw kernel.bpf_stats_enabled=1
[[ -d /sys/kernel/tracing/events ]] || mount -t tracefs tracefs /sys/kernel/tracing
HZ=$(getconf CLK_TCK)
ROWS=$WORK/rows

counter() { ip netns exec "$NS" awk -v want="$1" '
    /^(Tcp|TcpExt):/ { g = $1; if (!(g in seen)) { seen[g] = 1; for (i = 2; i <= NF; i++) k[g, i] = $i } else { for (i = 2; i <= NF; i++) if (g k[g, i] == want) print $i } }' \
    /proc/net/snmp /proc/net/netstat; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
prog_totals() { python3 bench/progstats.py stats $PEER_PROGS | awk '{c+=$3; t+=$4} END {printf "%.0f %.0f\n", c, t}'; }

start_peer() {
    local peer=$1 out=$2 before i
    before=" $(python3 bench/progstats.py ids) "
    case $peer in
        on)  java -jar "$JAR" watch --json --backend tracepoint --no-identity --netns "$NS" > "$out" 2> "$out.err" & ;;
        off) java -jar "$JAR" watch --json --backend tracepoint --no-identity --netns "$NS" --summary-interval 0 > "$out" 2> "$out.err" & ;;
        bpftrace) (ulimit -l unlimited 2>/dev/null || true; exec bpftrace bench/syndrop.bt -o "$out") 2> "$out.err" & ;;
    esac
    PEER_PID=$!
    for i in $(seq 1 240); do
        if [[ $peer == bpftrace ]]; then grep -q Attaching "$out" 2>/dev/null && break; else grep -q "attached:" "$out.err" 2>/dev/null && break; fi
        kill -0 "$PEER_PID" 2>/dev/null || { echo "bench/storm.sh: $peer died:" >&2; cat "$out.err" >&2; exit 1; }
        sleep 0.25
    done
    sleep 2
    PEER_PROGS=""
    for id in $(python3 bench/progstats.py ids); do [[ $before == *" $id "* ]] || PEER_PROGS="$PEER_PROGS $id"; done
}

stop_peer() {
    kill -TERM "$PEER_PID" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
    PEER_PID=""
}

echo "| round | peer | SYN/s sent | Tcp:OutRsts | events | summaries | lost (ring/perf) | peer CPU % of a core | kernel ns/call | loadavg |" > "$ROWS"
echo "|---|---|---|---|---|---|---|---|---|---|" >> "$ROWS"
for rnd in $(seq 1 "$ROUNDS"); do
    if (( rnd % 2 )); then peers="on off bpftrace"; else peers="bpftrace off on"; fi
    for peer in $peers; do
        ip netns add "$NS"; ip -n "$NS" link set lo up
        out=$WORK/$peer-$rnd.out
        start_peer "$peer" "$out"
        r0=$(counter Tcp:OutRsts); k0=$(ticks "$PEER_PID"); read -r c0 t0 < <(prog_totals)
        sent=$(ip netns exec "$NS" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 0 "$DUR")
        r1=$(counter Tcp:OutRsts); k1=$(ticks "$PEER_PID"); read -r c1 t1 < <(prog_totals)
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        sleep 3 # the last summary window and the drain's backlog
        stop_peer
        ip netns del "$NS"
        rate=$(echo "$sent" | sed -n 's/.*rate=\([0-9.]*\).*/\1/p')
        if [[ $peer == bpftrace ]]; then
            events=$(grep -c -- '->' "$out" || true); summaries=-
            lost=$({ grep -o 'Lost [0-9]*' "$out" "$out.err" 2>/dev/null || true; } | awk '{s+=$2} END {print s+0}')
        else
            summaries=$(grep -c '"detailed"' "$out" || true)
            events=$(( $(grep -c '"srcAddr"' "$out" || true) ))
            lost=$(sed -n 's/.* \([0-9]*\) lost in the kernel ring buffer.*/\1/p' "$out.err" | tail -1)
        fi
        cpu=$(awk -v k=$((k1 - k0)) -v hz="$HZ" -v d="$DUR" 'BEGIN {printf "%.1f", 100 * k / hz / d}')
        nspc=$(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN {if (c > 0) printf "%.1f", t / c; else print "-"}')
        echo "| $rnd | $peer | ${rate:-?} | $((r1 - r0)) | $events | $summaries | ${lost:-?} | $cpu | $nspc | $load |" >> "$ROWS"
        echo "[$(date -u +%H:%M:%S)] round $rnd $peer: $sent rsts=$((r1 - r0)) events=$events summaries=$summaries lost=${lost:-?} cpu=$cpu% ns/call=$nspc" >&2
    done
done
RES=$TOP/bench/results/storm-$STAMP.md
{
    echo "# Storm summaries under a SYN flood ($STAMP)"
    echo
    echo "$(nproc) CPUs, kernel $(uname -r), $ROUNDS rounds of ${DUR}s; bench/storm.sh explains every column."
    echo "events: lines with an event; summaries: lines with a summary (\"detailed\" field); lost: what the"
    echo "peer reported lost in its ring (syndrop) or perf buffer (bpftrace); CPU over the flood seconds."
    echo
    cat "$ROWS"
} > "$RES"
cat "$RES"
