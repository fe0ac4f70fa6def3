#!/usr/bin/env bash
# One command for every benchmark scenario (bench/README.md). Needs root. Not part of CI.
#   sudo ./bench/run.sh [--quick]
# Writes bench/results/<UTC date-time>.json and .md. Peers run in the same invocation,
# alternating order each round; only namespaces this script creates carry traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
if [[ $QUICK == 1 ]]; then ROUNDS=${BENCH_ROUNDS:-3}; DUR=${BENCH_DUR:-4}; else ROUNDS=5; DUR=10; fi
IDLE=${BENCH_IDLE:-60}
[[ $(id -u) == 0 ]] || { echo "bench/run.sh: needs root (raw sockets, BPF, namespaces); run it with sudo" >&2; exit 1; }

JAR=$TOP/agent-java/target/syndrop.jar
[[ -f $JAR ]] || { echo "bench/run.sh: $JAR missing; build it first: mvn -B -o install -DskipTests" >&2; exit 1; }
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/syndrop-bench.XXXXXX)
RAW=$WORK/raw.jsonl
mkdir -p "$TOP/bench/results" "$WORK/bin"
gcc -O2 -Wall -o "$WORK/bin/synflood" bench/synflood.c
gcc -O2 -Wall -pthread -o "$WORK/bin/connrate" bench/connrate.c
NS_PREFIX=sdbench-$$
NSN=0
PEER_PID=""
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)

cleanup() {
    [[ -n $PEER_PID ]] && kill -TERM "$PEER_PID" 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX-" || true); do ip netns del "$ns" || true; done
    sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so the EXIT trap runs (namespaces, bpf_stats_enabled) on Ctrl-C too

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
# record SCENARIO METRIC PEER ROUND VALUE UNIT [EXTRA_JSON]
record() {
    printf '{"scenario":"%s","metric":"%s","peer":"%s","round":%s,"value":%s,"unit":"%s"%s}\n' \
        "$1" "$2" "$3" "$4" "$5" "$6" "${7:+,$7}" >> "$RAW"
}

# note TOPIC TEXT: how a scenario was measured, printed under the results table.
note() { printf '{"topic":"%s","text":"%s"}\n' "$1" "$2" >> "$RAW.notes"; }

new_ns() {
    NSN=$((NSN + 1))
    local ns=$NS_PREFIX-$NSN
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    echo "$ns"
}

mount_tracefs() {
    [[ -d /sys/kernel/tracing/events ]] || mount -t tracefs tracefs /sys/kernel/tracing
}

# The bpftrace script hard-codes this kernel's drop-reason numbers; refuse to compare otherwise.
check_reasons() {
    local fmt=/sys/kernel/tracing/events/skb/kfree_skb/format
    grep -q '{ 2, "NOT_SPECIFIED" }' $fmt && grep -q '{ 38, "TCP_RFC7323_TW_PAWS" }' $fmt \
        && grep -q '{ 40, "TCP_LISTEN_OVERFLOW" }' $fmt \
        || { echo "bench/run.sh: this kernel numbers drop reasons differently from bench/syndrop.bt; edit its numbers" >&2; exit 1; }
}

# start_peer NAME OUTFILE: attaches syndrop (tracepoint mode, `watch`) or the bpftrace script;
# sets PEER_PID and PEER_PROGS (the BPF program ids it loaded).
start_peer() {
    local peer=$1 out=$2 before after
    PEER_PROGS=""
    PEER_PID=""
    [[ $peer == none ]] && return 0
    before=" $(python3 bench/progstats.py ids) "
    if [[ $peer == syndrop ]]; then
        java -jar "$JAR" watch --backend tracepoint > "$out" 2> "$out.err" &
        PEER_PID=$!
        wait_for "attached:" "$out.err"
    else
        # bpftrace wants RLIMIT_MEMLOCK raised; it warns when it cannot and works anyway on 5.11+.
        (ulimit -l unlimited 2>/dev/null || true; exec bpftrace bench/syndrop.bt -o "$out") 2> "$out.err" &
        PEER_PID=$!
        wait_for "Attaching" "$out"
    fi
    sleep 1
    for id in $(python3 bench/progstats.py ids); do
        [[ $before == *" $id "* ]] || PEER_PROGS="$PEER_PROGS $id"
    done
    [[ -n $PEER_PROGS ]] || { echo "bench/run.sh: $peer attached but no new BPF program appeared" >&2; exit 1; }
}

wait_for() {
    local i
    for i in $(seq 1 240); do
        grep -q "$1" "$2" 2>/dev/null && return 0
        kill -0 "$PEER_PID" 2>/dev/null || { echo "bench/run.sh: peer died:" >&2; cat "$2" "$2.err" 2>/dev/null >&2; exit 1; }
        sleep 0.25
    done
    echo "bench/run.sh: peer did not attach within 60 s ($2)" >&2; exit 1
}

stop_peer() {
    [[ -z $PEER_PID ]] && return 0
    # TERM, not INT: a background job of a non-interactive shell ignores SIGINT.
    kill -TERM "$PEER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 40); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
    PEER_PID=""
}

# TcpExt:PAWSTimewait of namespace $1, read from /proc/net/netstat (nstat's history file would be shared
# between namespaces).
paws_timewait() {
    ip netns exec "$1" awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 } else { for (i = 1; i <= NF; i++) if (k[i] == "PAWSTimewait") print $i } }' /proc/net/netstat
}

prog_totals() { python3 bench/progstats.py stats $PEER_PROGS | awk '{c+=$3; t+=$4} END {print c+0, t+0}'; }

# Sets up the TIME-WAIT PAWS load in namespace $1: raw timestamps (tcp_timestamps=2, so a TSval of 5
# is older than any cached one), RFC 1337 so the client stack's RSTs do not kill the TIME-WAIT
# sockets, and 16 server-side TIME-WAIT sockets 127.0.0.1:8080 <- 127.0.0.1:40000..40015.
make_timewait() {
    ip netns exec "$1" sysctl -qw net.ipv4.tcp_timestamps=2 net.ipv4.tcp_rfc1337=1
    ip netns exec "$1" python3 - <<'PY'
import socket, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 8080)); srv.listen(64)
for p in range(40000, 40016):
    c = socket.socket(); c.bind(("127.0.0.1", p)); c.connect(("127.0.0.1", 8080))
    s, _ = srv.accept(); s.close()          # the server closes first: its side goes to TIME-WAIT
    c.recv(1); c.close()
srv.close(); time.sleep(0.2)
PY
}

# ---- scenario 1: kernel ns per hooked call ------------------------------------------------------
kernel_cost() {
    local load rnd peer peers ns out c0 t0 c1 t1 sent extra
    for load in closed timewait; do
        for rnd in $(seq 1 "$ROUNDS"); do
            if (( rnd % 2 )); then peers="syndrop bpftrace"; else peers="bpftrace syndrop"; fi
            for peer in $peers; do
                ns=$(new_ns)
                if [[ $load == timewait ]]; then make_timewait "$ns"; fi
                out=$WORK/s1-$load-$peer-$rnd.out
                start_peer "$peer" "$out"
                read -r c0 t0 < <(prog_totals)
                local n0; n0=$(paws_timewait "$ns")
                if [[ $load == closed ]]; then
                    sent=$(ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 0 "$DUR")
                else
                    sent=$(ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 8080 40000 16 5 0 "$DUR")
                fi
                read -r c1 t1 < <(prog_totals)
                local n1; n1=$(paws_timewait "$ns")
                stop_peer
                ip netns del "$ns"
                local calls=$((c1 - c0)) ns_per=0
                (( calls > 0 )) && ns_per=$(awk -v t=$((t1 - t0)) -v c=$calls 'BEGIN {printf "%.1f", t / c}')
                local lines; lines=$(grep -c -- '->' "$out" || true)
                extra="\"load\":\"$load\",\"calls\":$calls,\"syns\":${sent#sent=},\"paws_timewait\":$(( ${n1:-0} - ${n0:-0} )),\"output_lines\":$lines"
                extra=${extra/ seconds=*,\"paws/,\"paws}
                record "kernel_cost_$load" ns_per_call "$peer" "$rnd" "$ns_per" ns "$extra"
                log "kernel cost $load $peer round $rnd: $ns_per ns/call over $calls calls ($sent)"
            done
        done
    done
}

# CPU ticks (utime + stime) of process $1, 0 when it is gone.
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# ---- scenario 2: accepted connections per second -------------------------------------------------
# Besides the rate (noisy on a shared machine), the peer's own cost over the same seconds, which does
# not depend on the neighbours: its BPF programs' run time (bpf_stats) and its process's CPU time, as
# a share of the machine's CPU time.
fast_path() {
    local rnd peer peers ns res c0 t0 c1 t1 p0 p1 ncpu hz
    ncpu=$(nproc)
    hz=$(getconf CLK_TCK)
    for rnd in $(seq 1 "$ROUNDS"); do
        case $((rnd % 3)) in
            1) peers="none syndrop bpftrace" ;; 2) peers="syndrop bpftrace none" ;; *) peers="bpftrace none syndrop" ;;
        esac
        for peer in $peers; do
            ns=$(new_ns)
            start_peer "$peer" "$WORK/s2-$peer-$rnd.out"
            c0=0 t0=0 c1=0 t1=0 p0=0 p1=0
            if [[ $peer != none ]]; then read -r c0 t0 < <(prog_totals); p0=$(proc_ticks "$PEER_PID"); fi
            res=$(ip netns exec "$ns" "$WORK/bin/connrate" 127.0.0.1 8080 1 "$DUR")
            if [[ $peer != none ]]; then read -r c1 t1 < <(prog_totals); p1=$(proc_ticks "$PEER_PID"); fi
            stop_peer
            ip netns del "$ns"
            local rate=${res##*rate=}
            record fast_path conn_per_s "$peer" "$rnd" "$rate" conn/s
            if [[ $peer != none ]]; then
                local bpf_pct proc_pct
                bpf_pct=$(awk -v t=$((t1 - t0)) -v d="$DUR" -v n="$ncpu" 'BEGIN {printf "%.4f", t / (d * 1e9 * n) * 100}')
                proc_pct=$(awk -v p=$((p1 - p0)) -v hz="$hz" -v d="$DUR" -v n="$ncpu" 'BEGIN {printf "%.4f", p / hz / (d * n) * 100}')
                record fast_path bpf_cpu_pct "$peer" "$rnd" "$bpf_pct" "% of machine" "\"bpf_calls\":$((c1 - c0)),\"bpf_ns\":$((t1 - t0))"
                record fast_path process_cpu_pct "$peer" "$rnd" "$proc_pct" "% of machine"
                log "fast path $peer round $rnd: $res; bpf ${bpf_pct}% ($((c1 - c0)) calls), process ${proc_pct}% of the machine"
            else
                log "fast path $peer round $rnd: $res"
            fi
        done
    done
    note fast_path "bench/connrate.c: one thread connecting to a listener on a fresh namespace's loopback for the round's seconds (accept + close). bpf_cpu_pct: the peer's BPF programs' run_time_ns (kernel.bpf_stats_enabled) over the same seconds as a share of all CPUs' time; process_cpu_pct: the peer process's utime+stime likewise (syndrop: the java process of 'syndrop watch'; bpftrace: bpftrace). Together they are the peer's whole cost while the fast path runs."
}

# ---- scenario 1 on the VM's Debian 6.1 kernel: fentry/fexit on tcp_conn_request, under QEMU/TCG ----
# bench/vm-kernel-cost.sh runs inside the guest (docs/vm-harness.md) and prints raw rows; they are
# appended with a note that the CPU was emulated. A failed VM run is logged and noted, and the other
# scenarios go on.
vm_kernel_cost() {
    local rounds=${BENCH_VM_ROUNDS:-$ROUNDS} dur=${BENCH_VM_DUR:-2} dir=$WORK/vm-kernel-cost rc=0 n
    [[ $QUICK == 1 || -n ${BENCH_VM_DUR:-} ]] || dur=5
    local qemu="measured in a QEMU/TCG guest (Debian 6.1 kernel, emulated CPU): absolute ns are not comparable with the host figures, only the syndrop/bpftrace ratio is"
    # syndrop's JVM in the guest runs C1 only: under QEMU 7.2's multi-threaded TCG a tiered JVM dies
    # now and then at the entry of a C1-compiled method (SIGSEGV/SIGILL), with or without syndrop's
    # per-CPU read; never seen with C1 only (docs/vm-harness.md, "JVMs under multi-threaded TCG").
    local jopts=${VM_JAVA_OPTS--XX:TieredStopAtLevel=1}
    mkdir -p "$dir"
    # In the background so that cleanup (PEER_PID) stops the VM on Ctrl-C or TERM.
    scripts/vm/run.sh --timeout $((240 + rounds * (240 + 4 * dur))) --out-dir "$dir/vm" --env "VM_JAVA_OPTS=$jopts" -- \
        bench/vm-kernel-cost.sh "$rounds" "$dur" > "$dir/rows" 2> "$dir/log" &
    PEER_PID=$!
    wait "$PEER_PID" || rc=$?
    PEER_PID=""
    sed 's/^/  /' "$dir/log" >&2
    grep '^{"scenario"' "$dir/rows" | sed "s|}\$|,\"note\":\"$qemu\"}|" >> "$RAW" || true
    n=$(grep -c '^{"scenario"' "$dir/rows" || true)
    if [[ $rc != 0 ]]; then
        log "vm_kernel_cost: the VM run failed (exit $rc) after $n rows; its log is above"
        note vm_kernel_cost "FAILED: scripts/vm/run.sh -- bench/vm-kernel-cost.sh exited $rc after $n rows (see the run log)."
    fi
    note vm_kernel_cost "kernel_cost_conn_request_*_qemu: $qemu. ns_per_call = delta run_time_ns (kernel.bpf_stats_enabled in the guest) of the fentry on tcp_conn_request + the fexit on tcp_conn_request + the fexit on tcp_peer_is_proven, over delta run_cnt of the fentry (= tcp_conn_request calls). syndrop: syndrop watch --backend fentry with JVM options '${jopts}' (fe_conn_request, fe_conn_request_exit, fe_peer_is_proven; its other programs are not counted); bpftrace: bench/syndrop_conn_request.bt (kfunc/kretfunc, same state, test, classification and fields). Load: synflood at max rate to 127.0.0.1:8080 in a fresh namespace of the guest, $dur s; synack = nothing full, every SYN answered, no event (the cost of carrying state from entry to exit); overflow = listen(fd, 1) with a full accept queue, every SYN dropped (ListenOverflows) and reported. Each peer attached once per round for both loads, order alternating; ns_per_call_ratio = syndrop over bpftrace within one round (target: at most 0.5). output_lines/output_lost: lines the peer wrote for the overflow load and the events it reported lost (syndrop ring buffer / bpftrace perf buffer)."
}

mount_tracefs
check_reasons
sysctl -qw kernel.bpf_stats_enabled=1
SCENARIOS=${BENCH_SCENARIOS:-"kernel_cost vm_kernel_cost fast_path pipeline kernel_to_sink footprint"}
for s in $SCENARIOS; do
    log "scenario $s (rounds=$ROUNDS, ${DUR}s each)"
    case $s in
        kernel_cost) kernel_cost ;;
        vm_kernel_cost) vm_kernel_cost ;;
        fast_path) fast_path ;;
        pipeline|kernel_to_sink|footprint) . bench/java.sh; "scenario_$s" ;;
    esac
done
python3 bench/report.py "$RAW" "$TOP/bench/results/$STAMP" "$QUICK" "$ROUNDS" "$DUR"
log "results: bench/results/$STAMP.json and .md"
