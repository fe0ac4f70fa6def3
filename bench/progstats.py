#!/usr/bin/env python3
"""bpftool prog show -j, reduced: `ids` prints all program ids; `stats ID...` prints
name run_cnt run_time_ns per program id (ids that vanished are skipped)."""
import json, subprocess, sys

progs = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], check=True,
                                  capture_output=True, text=True).stdout)
if sys.argv[1] == "ids":
    print(" ".join(str(p["id"]) for p in progs))
else:
    want = set(int(x) for x in sys.argv[2:])
    for p in progs:
        if p["id"] in want:
            print(p["id"], p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))
