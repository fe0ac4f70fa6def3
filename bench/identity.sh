#!/usr/bin/env bash
# Issue 14: what the identity stage costs, identity on and off side by side in one run (not a test).
#
#   sudo ./bench/identity.sh [ROUNDS] [SECONDS] [RATE] [LISTENERS]
#                            # default 3 rounds, 8 s, 5000 SYN/s, "16 1024" listeners
#
# 1. identity_closed: each round starts `syndrop watch --backend tracepoint --netns NS --json`
#    twice on a fresh namespace, once as is and once with --no-identity (order alternating), and
#    sends SYNs at RATE to a closed port of that namespace for SECONDS (bench/synflood.c): one
#    NO_SOCKET event per SYN, each looked up by the stage through its namespace (no listener, no
#    container here, so the lookup answers "nobody" from its cache). cpu_ms = utime+stime of the
#    java process over the load window, from /proc/PID/stat; kernel_ns_per_call = the watch's BPF
#    programs' run_time_ns over run_cnt in that window (kernel.bpf_stats_enabled, as run.sh).
# 2. identity_listener: the same pair of watches, but the drops have a listener: for each N in
#    LISTENERS, one process holds N listening sockets (backlog 0, never accepting) in the
#    namespace, and 8 of them get final-ACK accept-queue overflows (ACCEPT_QUEUE_FULL, with
#    listener_ino; the clients' pure ACKs held back by iptables until all SYNs are in), one port every 300 ms, so each new inode costs the stage one /proc/*/fd scan
#    (at most one per 200 ms). scan_cpu_ms_per_listener = CPU of the stage's resolver thread
#    (syndrop-identity) over the window / 8; named = events that came out with a process
#    (processPid > 0). The BPF programs read the listener inode whether or not --no-identity is
#    given (the flag leaves out the user-space stage only), so kernel_ns_per_call on and off
#    compares one program with itself: it shows the stage adds nothing in the kernel, not what the
#    inode read itself costs.
# Writes bench/results/<UTC>-identity.jsonl (one row per measurement) and .md (min/median/max).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DUR=${2:-8}
RATE=${3:-5000}
LISTENERS=${4:-16 1024}
JAR=${SYNDROP_JAR:-agent-java/target/syndrop.jar}
[[ $EUID -eq 0 ]] || { echo "needs root" >&2; exit 1; }
[[ -f $JAR ]] || { echo "no jar at $JAR" >&2; exit 1; }
command -v bpftool > /dev/null || { echo "no bpftool (apt-get install bpftool)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/sdbench-identity.XXXXXX)
NS=""
PID=""
HOLDER=""
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null || true
    [[ -n $HOLDER ]] && kill "$HOLDER" 2>/dev/null || true
    [[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "bench/identity.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
gcc -O2 -Wall -o "$WORK/synflood" bench/synflood.c
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUT=bench/results/$STAMP-identity.jsonl
HZ=$(getconf CLK_TCK)
: > "$OUT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the threads of process $1 whose comm is $2 (at most 15 characters)
thread_ticks() {
    local t sum=0
    for t in /proc/$1/task/*; do
        [[ $(cat "$t/comm" 2>/dev/null) == "$2" ]] && sum=$((sum + $(awk '{print $14 + $15}' "$t/stat")))
    done
    echo "$sum"
}
prog_totals() { python3 bench/progstats.py stats $PROGS | awk '{c+=$3; t+=$4} END {print c+0, t+0}'; }
ns_per_call() { # calls0 ns0 calls1 ns1
    if (( $3 > $1 )); then echo $(( ($4 - $2) / ($3 - $1) )); else echo 0; fi
}

# start_watch PEER: a `syndrop watch` on $NS, identity on or off; sets PID and PROGS (its BPF programs)
start_watch() {
    local peer=$1 before id flags=()
    [[ $peer == off ]] && flags=(--no-identity)
    before=" $(python3 bench/progstats.py ids) "
    # emptied here, not by the background job's redirection: that one may run after the first
    # grep below, which would then see the previous watch's "attached:" line
    : > "$WORK/out-$peer"
    : > "$WORK/err-$peer"
    java -XX:TieredStopAtLevel=1 -jar "$JAR" watch --backend tracepoint --netns "$NS" --json \
        --duration "$((DUR + 120))s" "${flags[@]}" > "$WORK/out-$peer" 2> "$WORK/err-$peer" &
    PID=$!
    for _ in $(seq 1 600); do grep -q '^attached:' "$WORK/err-$peer" && break; sleep 0.1; done
    grep -q '^attached:' "$WORK/err-$peer" || { cat "$WORK/err-$peer" >&2; exit 1; }
    sleep 2 # JVM start-up settles
    PROGS=""
    for id in $(python3 bench/progstats.py ids); do
        [[ $before == *" $id "* ]] || PROGS="$PROGS $id"
    done
    [[ -n $PROGS ]] || { echo "bench/identity.sh: watch attached but no new BPF program appeared" >&2; exit 1; }
}

stop_watch() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

new_netns() { NS=sdbench-$$-$1; ip netns add "$NS"; ip netns exec "$NS" ip link set lo up; }

sysctl -qw kernel.bpf_stats_enabled=1

for rnd in $(seq 1 "$ROUNDS"); do
    if (( rnd % 2 )); then peers="on off"; else peers="off on"; fi
    for peer in $peers; do
        new_netns "$rnd-$peer"
        start_watch "$peer"
        c0=$(cpu_ticks "$PID"); l0=$(wc -l < "$WORK/out-$peer"); read -r k0 t0 < <(prog_totals)
        sent=$(ip netns exec "$NS" "$WORK/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 "$RATE" "$DUR")
        sleep 1 # the last events drain
        c1=$(cpu_ticks "$PID"); l1=$(wc -l < "$WORK/out-$peer"); read -r k1 t1 < <(prog_totals)
        stop_watch
        ip netns del "$NS"; NS=""
        n=${sent#sent=}; n=${n%% *}
        printf '{"scenario":"identity_closed","peer":"identity_%s","round":%d,"seconds":%d,"rate":%d,"sent":%s,"events":%d,"cpu_ms":%d,"kernel_calls":%d,"kernel_ns_per_call":%d,"load":"%s"}\n' \
            "$peer" "$rnd" "$DUR" "$RATE" "$n" "$((l1 - l0))" "$(( (c1 - c0) * 1000 / HZ ))" "$((k1 - k0))" \
            "$(ns_per_call "$k0" "$t0" "$k1" "$t1")" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"
        tail -1 "$OUT"
    done

    for nl in $LISTENERS; do
        for peer in $peers; do
            new_netns "$rnd-$peer-l$nl"
            # N listeners, backlog 4, never accepting
            ip netns exec "$NS" python3 -c '
import socket, sys, time
keep = []
for i in range(int(sys.argv[1])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 30000 + i))
    s.listen(4)
    keep.append(s)
print("ready", flush=True)
time.sleep(3600)' "$nl" > "$WORK/holder" &
            HOLDER=$!
            for _ in $(seq 1 100); do grep -q ready "$WORK/holder" && break; sleep 0.1; done
            grep -q ready "$WORK/holder" || { echo "bench/identity.sh: the listeners did not start" >&2; exit 1; }
            start_watch "$peer"
            c0=$(thread_ticks "$PID" syndrop-identit); l0=$(wc -l < "$WORK/out-$peer"); read -r k0 t0 < <(prog_totals)
            # 8 listeners: 4 connections fill each accept queue to its backlog; then, with the
            # clients' pure ACKs held back, 4 more SYNs each (one listener every 300 ms) pass
            # tcp_conn_request (a full queue would drop them there, unseen in tracepoint mode);
            # released, the SYN-ACK retransmission (1 s) brings their final ACKs: one fits, the
            # others overflow the queue (ACCEPT_QUEUE_FULL, seen), again on later retransmissions
            ip netns exec "$NS" python3 -c '
import socket, subprocess, time
rule = ["OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP"]
def conn(port, n):
    for _ in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        cs.append(c)
cs = []
for i in range(8):
    conn(30000 + i, 4)
time.sleep(0.5)
subprocess.run(["iptables", "-w", "-A"] + rule, check=True)
try:
    for i in range(8):
        conn(30000 + i, 4)
        time.sleep(0.3)
finally:
    subprocess.run(["iptables", "-w", "-D"] + rule, check=True)
time.sleep(3.5)'
            c1=$(thread_ticks "$PID" syndrop-identit); l1=$(wc -l < "$WORK/out-$peer"); read -r k1 t1 < <(prog_totals)
            named=$(sed -n "$((l0 + 1)),${l1}p" "$WORK/out-$peer" | grep -c '"processPid":[ ]*[1-9]' || true)
            stop_watch
            kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true; HOLDER=""
            ip netns del "$NS"; NS=""
            printf '{"scenario":"identity_listener","peer":"identity_%s","round":%d,"listeners":%d,"probed":8,"events":%d,"named":%d,"scan_cpu_ms_per_listener":%s,"kernel_calls":%d,"kernel_ns_per_call":%d,"load":"%s"}\n' \
                "$peer" "$rnd" "$nl" "$((l1 - l0))" "$named" \
                "$(python3 -c "print(round(($c1 - $c0) * 1000 / $HZ / 8, 2))")" \
                "$((k1 - k0))" "$(ns_per_call "$k0" "$t0" "$k1" "$t1")" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"
            tail -1 "$OUT"
        done
    done
done

python3 - "$OUT" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
md = sys.argv[1][:-len(".jsonl")] + ".md"
def spread(r, k):
    c = [x[k] for x in r]
    return "%s | %s | %s" % (min(c), statistics.median(c), max(c))
with open(md, "w") as f:
    f.write("# identity stage on/off (bench/identity.sh)\n\n")
    f.write("Load averages seen during the run: %s. A shared 2-CPU machine: read the spread; with other "
            "work running the numbers are indicative only.\n\n" % "; ".join(sorted(set(x["load"] for x in rows))))
    closed = [x for x in rows if x["scenario"] == "identity_closed"]
    f.write("## identity_closed: closed-port SYNs at %d/s for %d s, `syndrop watch --backend tracepoint --json`\n\n"
            % (closed[0]["rate"], closed[0]["seconds"]))
    f.write("cpu ms: the JVM's utime+stime over the load window; kernel ns/call: its BPF programs' run_time_ns "
            "over run_cnt (no listener, so no inode read).\n\n")
    f.write("| peer | rounds | cpu ms min | median | max | kernel ns/call min | median | max | events (median) | sent (median) |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n")
    for peer in ("identity_on", "identity_off"):
        r = [x for x in closed if x["peer"] == peer]
        f.write("| %s | %d | %s | %s | %d | %d |\n" % (peer, len(r), spread(r, "cpu_ms"), spread(r, "kernel_ns_per_call"),
                statistics.median([x["events"] for x in r]), statistics.median([x["sent"] for x in r])))
    lis = [x for x in rows if x["scenario"] == "identity_listener"]
    f.write("\n## identity_listener: final-ACK overflows on 8 of N listeners, one every 300 ms (one /proc scan each)\n\n")
    f.write("scan ms/listener: CPU of the resolver thread syndrop-identity over the window / 8; kernel ns/call: "
            "the BPF programs, which read the listener inode with identity on and off alike.\n\n")
    f.write("| N listeners | peer | rounds | scan ms/listener min | median | max | kernel ns/call min | median | max "
            "| events (median) | named (median) |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    for n in sorted(set(x["listeners"] for x in lis)):
        for peer in ("identity_on", "identity_off"):
            r = [x for x in lis if x["listeners"] == n and x["peer"] == peer]
            f.write("| %d | %s | %d | %s | %s | %d | %d |\n" % (n, peer, len(r), spread(r, "scan_cpu_ms_per_listener"),
                    spread(r, "kernel_ns_per_call"), statistics.median([x["events"] for x in r]),
                    statistics.median([x["named"] for x in r])))
print(open(md).read())
EOF
