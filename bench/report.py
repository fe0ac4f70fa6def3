#!/usr/bin/env python3
"""Aggregates bench/run.sh's raw measurements (one JSON object per line) into
<out>.json (machine, every raw value, min/median/max per scenario/metric/peer) and <out>.md."""
import json, os, platform, statistics, subprocess, sys
from collections import OrderedDict

raw_file, out, quick, rounds, dur = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5]
rows = [json.loads(l) for l in open(raw_file) if l.strip()] if os.path.exists(raw_file) else []
notes = [json.loads(l) for l in open(raw_file + ".notes")] if os.path.exists(raw_file + ".notes") else []


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or subprocess.run(cmd, capture_output=True, text=True).stderr.strip()
    except OSError as e:
        return str(e)


mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
machine = OrderedDict(
    nproc=int(sh("nproc")), cpu=cpu, mem_gib=round(mem_kb / 1048576, 1), kernel=platform.release(),
    jvm=sh("java", "-version").splitlines()[1] if len(sh("java", "-version").splitlines()) > 1 else sh("java", "-version"),
    bpftrace=sh("bpftrace", "--version"), loadavg_at_end=open("/proc/loadavg").read().split()[:3],
    git=sh("git", "rev-parse", "--short", "HEAD"))

groups = OrderedDict()
for r in rows:
    groups.setdefault((r["scenario"], r["metric"], r["peer"], r["unit"]), []).append(r["value"])
summary = []
for (sc, metric, peer, unit), vals in groups.items():
    summary.append(OrderedDict(scenario=sc, metric=metric, peer=peer, unit=unit, n=len(vals), min=min(vals),
                               median=statistics.median(vals), max=max(vals)))

doc = OrderedDict(machine=machine, mode="quick" if quick else "full", rounds=rounds, seconds_per_run=dur,
                  summary=summary, notes=notes, raw=rows)
with open(out + ".json", "w") as f:
    json.dump(doc, f, indent=1)


def fmt(v):
    if isinstance(v, float) and not v.is_integer():
        if v != 0 and abs(v) < 1:
            return f"{v:.3g}"   # shares of a percent (CPU cost on the fast path) need their digits
        return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
    return f"{int(v):,}"


md = [f"# syndrop benchmarks, {os.path.basename(out)} ({'quick' if quick else 'full'} run)", "",
      f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['mem_gib']} GiB, kernel {machine['kernel']}, "
      f"{machine['jvm']}, {machine['bpftrace']}; load average at the end {' '.join(machine['loadavg_at_end'])} "
      f"(shared machine: other jobs ran alongside). Commit {machine['git']}. {rounds} rounds of {dur} s per peer, "
      "peers alternating.", "",
      "| scenario | metric | peer | unit | n | min | median | max |", "|---|---|---|---|---|---|---|---|"]
for s in summary:
    md.append(f"| {s['scenario']} | {s['metric']} | {s['peer']} | {s['unit']} | {s['n']} | {fmt(s['min'])} | "
              f"{fmt(s['median'])} | {fmt(s['max'])} |")
if notes:
    md += ["", "## Notes", ""] + [f"- **{n['topic']}**: {n['text']}" for n in notes]
with open(out + ".md", "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
