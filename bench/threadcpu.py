#!/usr/bin/env python3
"""CPU time per thread of one process over an interval, from /proc/PID/task/*/stat.

    bench/threadcpu.py PID SECONDS

Prints one line per thread that used CPU (ms over the interval, % of one core, thread name) and
the process total; threads are grouped by name with pool numbers folded ("C2 CompilerThread0" and
"C2 CompilerThread1" are one line). A thread that ended during the interval is missing from
the lines but not from the process total (read from /proc/PID/stat, which keeps the time of
ended threads). Used to find what an idle agent spends its CPU on (bench/README.md).
"""
import os
import re
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def snapshot(pid):
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as f:
                s = f.read()
        except OSError:
            continue  # the thread ended
        # comm is in parentheses and may hold spaces or parentheses itself
        name = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        out[tid] = (name, int(fields[11]) + int(fields[12]))  # utime + stime
    return out


def process_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def family(name):
    return re.sub(r"[-#]?\d+$", "", name).strip() or name


def main():
    pid, secs = sys.argv[1], float(sys.argv[2])
    t0, p0, a = time.monotonic(), process_ticks(pid), snapshot(pid)
    time.sleep(secs)
    t1, p1, b = time.monotonic(), process_ticks(pid), snapshot(pid)
    wall = t1 - t0
    per = {}
    for tid, (name, ticks) in b.items():
        used = ticks - a.get(tid, (name, 0))[1]
        per[family(name)] = per.get(family(name), 0) + used
    total = p1 - p0
    for name, ticks in sorted(per.items(), key=lambda kv: -kv[1]):
        if ticks:
            ms = ticks * 1000 / HZ
            print(f"{ms:9.0f} ms {100 * ms / 1000 / wall:6.3f}%  {name}")
    ms = total * 1000 / HZ
    print(f"{ms:9.0f} ms {100 * ms / 1000 / wall:6.3f}%  TOTAL (process) over {wall:.1f} s, {len(b)} threads at the end")


if __name__ == "__main__":
    main()
