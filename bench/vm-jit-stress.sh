#!/usr/bin/env bash
# Does `syndrop watch --backend fentry` survive the vm_kernel_cost loads in the QEMU guest? Runs INSIDE
# the VM; repeats, per variant and iteration: start watch, 2 s of answered SYNs, 2 s of SYNs dropped
# by a full accept queue (one event each), wait until the output stops growing, and prints one
# RESULT line (alive, or DIED with the JVM's problematic frame; the crash report goes to stderr).
#   scripts/vm/run.sh --timeout 2400 --env ITERS=6 \
#       --env 'VARIANTS=tiered||;c1||-XX:TieredStopAtLevel=1' -- bench/vm-jit-stress.sh
# VARIANTS: "label|ENV=VALUE ...|java options" separated by ';'. docs/vm-harness.md has the results.
set -uo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-$PWD/agent-java/target/syndrop.jar}
[[ ${SYNDROP_IN_VM:-} == 1 ]] || { echo "vm-jit-stress.sh: runs inside the VM (scripts/vm/run.sh -- bench/vm-jit-stress.sh)" >&2; exit 2; }
ITERS=${ITERS:-6}
DUR=${DUR:-2}
W=$(mktemp -d)
gcc -O1 -o "$W/synflood" bench/synflood.c
log() { echo "[vm $(awk '{printf "%.0f", $1}' /proc/uptime)s] $*" >&2; }
NSN=0
die() { echo "vm-jit-stress.sh: $*" >&2; exit 1; }
. bench/vm-listener.sh
load() {
    NSN=$((NSN+1)); local ns=sdjitstress-$$-$NSN
    ip netns add $ns; ip -n $ns link set lo up
    if [[ $1 == overflow ]]; then listener $ns 1 2; else listener $ns 4096 0; fi
    ip netns exec $ns "$W/synflood" 127.0.0.1 127.0.0.1 8080 10000 20000 0 0 "$DUR" >/dev/null
    kill -KILL $LISTENER_PID; wait $LISTENER_PID 2>/dev/null; ip netns del $ns
}
lines() { grep -cE ':[0-9]+ -> ' "$1" || true; }
run_one() {
    local label=$1 env=$2 opts=$3 it=$4 out=$W/$label-$it.out
    rm -f "$W"/hs_err_*.log
    env $env java $opts -XX:ErrorFile="$W/hs_err_%p.log" -jar "$JAR" watch --backend fentry > "$out" 2> "$out.err" &
    local pid=$!
    for i in $(seq 1 360); do grep -q "attached:" "$out.err" && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
    sleep 1
    load synack; load overflow
    local n m
    n=$(lines "$out")
    for i in $(seq 1 40); do sleep 2; m=$(lines "$out"); [[ $m == "$n" ]] && break; n=$m; kill -0 $pid 2>/dev/null || break; done
    if kill -0 $pid 2>/dev/null; then
        kill -TERM $pid; wait $pid; echo "RESULT $label it=$it alive lines=$(lines "$out")"
    else
        wait $pid; local rc=$?
        echo "RESULT $label it=$it DIED rc=$rc lines=$(lines "$out") $(grep -h -m1 '^# [JCVj] ' "$W"/hs_err_*.log 2>/dev/null | head -1) $(grep -h -m1 'siginfo' "$W"/hs_err_*.log 2>/dev/null)"
        for f in "$W"/hs_err_*.log; do [[ -f $f ]] && { echo "=== $label it=$it $f" >&2; cat "$f" >&2; }; done
    fi
}
IFS=';' read -ra VARIANTS <<< "${VARIANTS:?label|env|opts;...}"
for it in $(seq 1 $ITERS); do
    for v in "${VARIANTS[@]}"; do
        IFS='|' read -r label env opts <<< "$v"
        log "iteration $it variant $label"
        run_one "$label" "$env" "$opts" "$it"
    done
done
