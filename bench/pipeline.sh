#!/usr/bin/env bash
# Pipeline ceiling (bench/README.md, scenario 3, pipeline_ceiling), side by side in one run: this tree's byte path
# (Bench pipeline EVENTS json-encoded) and object path (json), next to the same two modes built
# from another revision (a git worktree with its own jar and its own bench/Bench.java).
#   ./bench/pipeline.sh [ROUNDS] [EVENTS] [BASELINE_REV]
# Rounds alternate the order of the peers. Each run prints one JSON line (events/s, CPU by thread,
# user and kernel time apart); they go to bench/results/<UTC date-time>-pipeline.jsonl, and a table
# of min/median/max to the .md beside it. Needs no root; nothing else heavy may run meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
ROUNDS=${1:-3}
EVENTS=${2:-5000000}
BASE=${3:-}
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUT=$TOP/bench/results/$STAMP-pipeline
JAR=$TOP/agent-java/target/syndrop.jar
[[ -f $JAR ]] || { echo "bench/pipeline.sh: $JAR missing; build it first (mvn -B -q -pl agent-java -am package -DskipTests)" >&2; exit 1; }
PEERS=("this:json-encoded" "this:json")
if [[ -n $BASE ]]; then
    BASE_DIR=$(mktemp -d /tmp/syndrop-pipeline-base.XXXXXX)
    trap 'git -C "$TOP" worktree remove --force "$BASE_DIR" 2>/dev/null || rm -rf "$BASE_DIR"' EXIT
    git worktree add -q --detach "$BASE_DIR" "$BASE"
    (cd "$BASE_DIR" && mvn -B -q -o -pl agent-java -am package -DskipTests >/dev/null)
    PEERS+=("base:json-encoded" "base:json")
fi
mkdir -p "$TOP/bench/results"
: > "$OUT.jsonl"
for r in $(seq 1 "$ROUNDS"); do
    order=("${PEERS[@]}")
    (( r % 2 == 0 )) && order=($(printf '%s\n' "${PEERS[@]}" | tac))
    for p in "${order[@]}"; do
        tree=${p%%:*} mode=${p#*:}
        if [[ $tree == this ]]; then dir=$TOP rev=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +); else dir=$BASE_DIR rev=$(git -C "$BASE_DIR" rev-parse --short HEAD); fi
        echo "round $r: $rev $mode" >&2
        line=$(cd "$dir" && java -cp agent-java/target/syndrop.jar bench/Bench.java pipeline "$EVENTS" "$mode" 2>/dev/null | tail -1)
        echo "{\"round\":$r,\"tree\":\"$tree\",\"rev\":\"$rev\",${line#\{}" >> "$OUT.jsonl"
    done
done
python3 - "$OUT.jsonl" "$OUT.md" "$STAMP" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
peers = {}
for r in rows:
    peers.setdefault((r["tree"], r["rev"], r["sink"]), []).append(r)
out = [f"# Pipeline ceiling, {sys.argv[3]}", "",
       f"`bench/pipeline.sh`: {len(rows)} runs, rounds alternating; every run `Bench pipeline {rows[0]['events']} MODE`",
       "(recorded kernel records -> agent -> spool -> gRPC -> collector -> JSON file, after a warm-up on the same load).", "",
       "| tree | mode | events/s (min / median / max) | CPU us per event (median) | collector committer thread s, user + kernel (median) | delivered = events, refused |",
       "|---|---|---|---|---|---|"]
for (tree, rev, sink), rs in peers.items():
    eps = sorted(r["events_per_s"] for r in rs)
    cpu = statistics.median(r["cpu_us_per_event"] for r in rs)
    tot = [r["cpu_s_by_thread"].get("syndrop-committ", 0) for r in rs]
    ks = [r["kernel_s_by_thread"].get("syndrop-committ", 0) for r in rs if "kernel_s_by_thread" in r]
    split = (f"{statistics.median(t - k for t, k in zip(tot, ks)):.2f} + {statistics.median(ks):.2f}" if len(ks) == len(rs)
             else f"{statistics.median(tot):.2f} (not split)")
    ok = all(r["delivered"] == r["events"] and r["refused"] == 0 for r in rs)
    out.append(f"| {tree} ({rev}) | {sink} | {eps[0]:,.0f} / {statistics.median(eps):,.0f} / {eps[-1]:,.0f} | {cpu:.2f} | {split} | {'yes' if ok else 'NO'} |")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
