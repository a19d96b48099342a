#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/perf/report.py LOG CSV DAT - the perf suite's BENCH lines to
bench/results/perf.csv (one row per run), a gnuplot data file of median
slowdowns, and a table on stdout: workload time with sampling vs without,
measured in the same environment and run.
"""
import statistics
import sys


def main():
    log, csv_path, dat_path = sys.argv[1:4]
    runs = []
    for raw in open(log, errors="replace"):
        f = raw.split()
        # a retried nested boot repeats its lines: keep the last attempt's
        if len(f) == 6 and f[0] == "BENCH" and f[1] == "perf" and f[5].isdigit():
            runs.append((f[2], f[3], int(f[4]), int(f[5])))
    if not runs:
        sys.exit("report.py: no complete BENCH perf lines in %s" % log)
    with open(csv_path, "w") as out:
        out.write("suite,where,variant,round,us\n")
        for where, v, r, us in runs:
            out.write("perf,%s,%s,%d,%d\n" % (where, v, r, us))
    rows = []
    print("| where | variant | median us | vs none |")
    print("|---|---|---|---|")
    for where in ("qemu", "nested"):
        base_runs = [us for (w, v, _, us) in runs if w == where and v == "none"]
        if not base_runs:
            continue
        base = statistics.median(base_runs)
        for v in ("none", "timer-1000", "timer-10000", "vmm-1000", "vmm-10000"):
            got = [us for (w, vv, _, us) in runs if w == where and vv == v]
            if not got:
                continue
            m = statistics.median(got)
            print("| %s | %s | %d | %+.1f%% |" % (where, v, m, 100.0 * (m / base - 1)))
            if v != "none":
                rows.append(("%s %s" % (where, v), 100.0 * (m / base - 1)))
    with open(dat_path, "w") as dat:
        for name, pct in rows:
            dat.write('"%s" %.2f\n' % (name, pct))


if __name__ == "__main__":
    main()
