#!/usr/bin/env bash
# Scenario 1 on Debian's 6.1 kernel: ns per tcp_conn_request call of syndrop's fentry/fexit programs
# against bench/syndrop_conn_request.bt (kfunc/kretfunc on the same functions). Runs INSIDE the VM
# (test bed B, docs/vm-harness.md); bench/run.sh's scenario vm_kernel_cost starts it there:
#   scripts/vm/run.sh -- bench/vm-kernel-cost.sh ROUNDS SECONDS
# Prints one raw JSON line per measurement on stdout (bench/run.sh's `record` format), progress on
# stderr. Under QEMU/TCG the CPU is emulated: absolute ns mean little, the ratio between peers does.
#
# Each round starts each peer once (alternating which goes first) and runs two loads under it, each
# in a fresh namespace, synflood SYNs at max rate to 127.0.0.1:8080 for SECONDS:
#   overflow: listen(fd, 1) with two connections never accepted: the accept queue is full, so
#             tcp_conn_request drops every SYN (ListenOverflows, ListenDrops): one event per call.
#   synack:   listen(fd, 4096), nothing full: every SYN is answered (the SYN-ACK meets a RST from the
#             same stack), so the exit program only compares sk_drops and returns: no event, save
#             the rare call during which the other CPU counted such a RST in the listener's sk_drops
#             (tcp_v4_rcv's discard_and_relse), which both peers then report as CONN_REQUEST_OTHER.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DUR=${2:-4}
JAR=$PWD/agent-java/target/syndrop.jar
die() { echo "vm-kernel-cost.sh: $*" >&2; exit 1; }
[[ ${SYNDROP_IN_VM:-} == 1 ]] || die "runs inside the VM: scripts/vm/run.sh -- bench/vm-kernel-cost.sh (or bench/run.sh scenario vm_kernel_cost)"
[[ -f $JAR ]] || die "$JAR missing; build it on the host first: mvn -B -o install -DskipTests"
log() { echo "[vm $(awk '{printf "%.0f", $1}' /proc/uptime)s] $*" >&2; }

W=$(mktemp -d)    # the guest's own tmpfs
gcc -O1 -o "$W/synflood" bench/synflood.c
NS_PREFIX=sdvmbench-$$
NSN=0
PEER_PID="" LISTENER_PID=""
cleanup() {
    { for p in $LISTENER_PID $PEER_PID; do kill -KILL "$p"; wait "$p"; done; } 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX-" || true); do ip netns del "$ns" || true; done
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# prog_table: "id name run_cnt run_time_ns attach_type" for every loaded program (attach_type from its
# link: trace_fentry / trace_fexit / ..., "-" when it has none). bpftool truncates bpftrace's program
# names to 15 characters (both of its tcp_conn_request programs read "tcp_conn_reques"), so entry and
# exit are told apart by the link's attach type.
prog_table() {
    python3 - <<'PY'
import json, subprocess
def j(*a): return json.loads(subprocess.run(["bpftool", *a, "-j"], check=True, capture_output=True, text=True).stdout)
att = {l["prog_id"]: l.get("attach_type", "-") for l in j("link", "show") if "prog_id" in l}
for p in j("prog", "show"):
    print(p["id"], p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0), att.get(p["id"], "-"))
PY
}

# start_peer NAME OUT: sets PEER_PID and PEER_PROGS ("id:role" for the programs counted: role entry =
# the fentry on tcp_conn_request, whose run_cnt is the number of calls; other = the fexit on it and the
# fexit on tcp_peer_is_proven). syndrop's other programs (tp_kfree_skb, the TIME-WAIT and final-ACK
# hooks, kprobe twins) are not part of this comparison.
start_peer() {
    local peer=$1 out=$2 before i
    before=" $(prog_table | awk '{print $1}' | tr '\n' ' ') "
    if [[ $peer == syndrop ]]; then
        java ${VM_JAVA_OPTS:-} -XX:ErrorFile="$W/hs_err_%p.log" -jar "$JAR" watch --backend fentry > "$out" 2> "$out.err" &
        PEER_PID=$!
        for i in $(seq 1 360); do grep -q "attached:" "$out.err" && break; kill -0 $PEER_PID 2>/dev/null || break; sleep 0.5; done
        grep -q "attached: fentry" "$out.err" || { cat "$out.err" >&2; die "syndrop did not attach in fentry mode"; }
    else
        bpftrace bench/syndrop_conn_request.bt -o "$out" > "$out.stdout" 2> "$out.err" &
        PEER_PID=$!
        for i in $(seq 1 360); do grep -q "Attaching" "$out" 2>/dev/null && break; kill -0 $PEER_PID 2>/dev/null || break; sleep 0.5; done
        grep -q "Attaching" "$out" 2>/dev/null || { cat "$out" "$out.err" >&2; die "bpftrace did not attach"; }
    fi
    sleep 1
    PEER_PROGS=$(prog_table | awk -v before="$before" -v peer="$peer" '
        index(before, " " $1 " ") == 0 {
            conn = (peer == "syndrop") ? ($2 ~ /^fe_conn_request/) : ($2 ~ /^tcp_conn_reques/)
            proven = (peer == "syndrop") ? ($2 == "fe_peer_is_proven") : ($2 ~ /^tcp_peer_is_pro/)
            if (conn && $5 == "trace_fentry") printf "%s:entry ", $1
            else if (conn || proven) printf "%s:other ", $1
        }')
    [[ $(grep -o ':entry' <<< "$PEER_PROGS" | wc -l) == 1 && $(grep -o ':other' <<< "$PEER_PROGS" | wc -l) == 2 ]] \
        || { prog_table >&2; die "$peer: expected an fentry and two fexit programs on tcp_conn_request/tcp_peer_is_proven, found '$PEER_PROGS'"; }
}

stop_peer() {
    kill -TERM "$PEER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 40); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
    PEER_PID=""
}

# totals: "calls run_time_ns" of PEER_PROGS now.
totals() {
    prog_table | awk -v progs=" $PEER_PROGS " '{
        if (index(progs, " " $1 ":entry ")) { c += $3; t += $4 }
        else if (index(progs, " " $1 ":other ")) t += $4
    } END { print c + 0, t + 0 }'
}

# TcpExt counter $2 of namespace $1.
tcpext() {
    ip netns exec "$1" awk -v want="$2" '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 } else { for (i = 1; i <= NF; i++) if (k[i] == want) print $i } }' /proc/net/netstat
}

. bench/vm-listener.sh

# measure LOAD PEER ROUND: one load under the attached peer; leaves the row (without the peer's output
# figures, known only once it has stopped) in $W/row-LOAD.
measure() {
    local load=$1 peer=$2 rnd=$3 ns c0 t0 c1 t1 d0 d1 o0 o1 sent calls ns_per
    NSN=$((NSN + 1)); ns=$NS_PREFIX-$NSN
    ip netns add "$ns"; ip -n "$ns" link set lo up
    if [[ $load == overflow ]]; then listener "$ns" 1 2; else listener "$ns" 4096 0; fi
    read -r c0 t0 <<< "$(totals)"
    d0=$(tcpext "$ns" ListenDrops); o0=$(tcpext "$ns" ListenOverflows)
    sent=$(ip netns exec "$ns" "$W/synflood" 127.0.0.1 127.0.0.1 8080 10000 20000 0 0 "$DUR")
    read -r c1 t1 <<< "$(totals)"
    d1=$(tcpext "$ns" ListenDrops); o1=$(tcpext "$ns" ListenOverflows)
    { kill -KILL "$LISTENER_PID"; wait "$LISTENER_PID"; } 2>/dev/null || true; LISTENER_PID=""
    ip netns del "$ns"
    calls=$((c1 - c0)); ns_per=0
    (( calls > 0 )) && ns_per=$(awk -v t=$((t1 - t0)) -v c=$calls 'BEGIN {printf "%.1f", t / c}')
    sent=${sent#sent=}; sent=${sent%% *}
    printf '{"scenario":"kernel_cost_conn_request_%s_qemu","metric":"ns_per_call","peer":"%s","round":%s,"value":%s,"unit":"ns","load":"%s","calls":%s,"bpf_ns":%s,"syns":%s,"listen_drops":%s,"listen_overflows":%s,"kernel":"%s"' \
        "$load" "$peer" "$rnd" "$ns_per" "$load" "$calls" $((t1 - t0)) "$sent" $((d1 - d0)) $((o1 - o0)) "$(uname -r)" > "$W/row-$load"
    log "$load $peer round $rnd: $ns_per ns/call over $calls calls ($sent SYNs, ListenDrops +$((d1 - d0)))"
}

# syndrop_ring_lost: events syndrop's programs could not reserve in its ring buffer (its `lost` map,
# all CPUs and slots), read before it stops: `watch` prints its own count only when it ends by itself.
syndrop_ring_lost() {
    python3 - ${PEER_PROGS//:entry/} <<'PY'
import json, subprocess, sys
def j(*a): return json.loads(subprocess.run(["bpftool", *a, "-j"], check=True, capture_output=True, text=True).stdout)
maps = {m for p in sys.argv[1:] for m in j("prog", "show", "id", p.split(":")[0]).get("map_ids", [])}
for mid in sorted(maps):
    if j("map", "show", "id", str(mid)).get("name") == "lost":
        print(sum(v["value"] for e in j("map", "dump", "id", str(mid)) for v in e.get("formatted", e)["values"]))
        break
PY
}

# alive_or_die PEER OUT: a peer that died says why (its stderr, and the JVM's crash report if any).
alive_or_die() {
    kill -0 "$PEER_PID" 2>/dev/null && return 0
    local code=0
    wait "$PEER_PID" || code=$?
    echo "--- $1 died (exit $code); its stderr:" >&2; tail -40 "$2.err" >&2
    for f in "$W"/hs_err_*.log; do [[ -f $f ]] && { echo "--- $f:" >&2; head -80 "$f" >&2; }; done
    die "$1 died during the loads"
}

# Lines of drops the peer has written so far.
drop_lines() { grep -cE ':[0-9]+ -> ' "$1" || true; }

# Waits until the peer's output stops growing (it prints the overflow load's drops behind the load: an
# emulated JVM formats a few thousand lines a second), at most 60 s.
wait_drained() {
    local n m i
    n=$(drop_lines "$1")
    for i in $(seq 1 30); do
        sleep 2
        m=$(drop_lines "$1")
        [[ $m == "$n" ]] && return 0
        n=$m
    done
}

# ratio_rows ROUND: syndrop's ns per call over bpftrace's, per load, within the round (the two ran
# minutes apart on the same emulated CPU; the ratio is the figure the target is about: <= 0.5).
ratio_rows() {
    local load s b
    for load in synack overflow; do
        s=$(sed -n 's/.*"value":\([0-9.]*\).*/\1/p' "$W/final-$load-syndrop")
        b=$(sed -n 's/.*"value":\([0-9.]*\).*/\1/p' "$W/final-$load-bpftrace")
        awk -v s="$s" -v b="$b" 'BEGIN {exit !(s > 0 && b > 0)}' || continue
        printf '{"scenario":"kernel_cost_conn_request_%s_qemu","metric":"ns_per_call_ratio","peer":"syndrop/bpftrace","round":%s,"value":%s,"unit":"x"}\n' \
            "$load" "$1" "$(awk -v s="$s" -v b="$b" 'BEGIN {printf "%.3f", s / b}')"
    done
}

log "kernel $(uname -r), $(nproc) CPUs, $ROUNDS rounds of ${DUR}s per load and peer"
for rnd in $(seq 1 "$ROUNDS"); do
    if (( rnd % 2 )); then peers="syndrop bpftrace"; else peers="bpftrace syndrop"; fi
    for peer in $peers; do
        out=$W/$peer-$rnd.out
        start_peer "$peer" "$out"
        # synack first: it makes no events, so the peer's user space is idle while it runs and the
        # overflow load's backlog of lines cannot spill into it.
        measure synack "$peer" "$rnd"
        synack_lines=$(drop_lines "$out")
        measure overflow "$peer" "$rnd"
        wait_drained "$out"
        alive_or_die "$peer" "$out"
        lost=""
        [[ $peer == syndrop ]] && lost=$(syndrop_ring_lost)
        stop_peer
        # What the peer delivered to its output from the overflow load, and what it says it lost.
        lines=$(( $(drop_lines "$out") - synack_lines ))
        [[ $peer == bpftrace ]] && lost=$(awk '/^Lost [0-9]+ events/ {n += $2} END {print n + 0}' "$out")
        printf '%s,"output_lines":%s}\n' "$(cat "$W/row-synack")" "$synack_lines" | tee "$W/final-synack-$peer"
        printf '%s,"output_lines":%s,"output_lost":%s}\n' "$(cat "$W/row-overflow")" "$lines" "${lost:-null}" | tee "$W/final-overflow-$peer"
        log "$peer round $rnd: $lines lines written, ${lost:-?} reported lost; first: $(grep -m1 -E ':[0-9]+ -> ' "$out" || true)"
    done
    ratio_rows "$rnd"
done
