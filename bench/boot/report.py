#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/boot/report.py LOG CSV DAT - turn the BENCH lines of a harness log
into bench/results/boot.csv (one row per run, with the environment), a
gnuplot data file of medians, and a summary table with the ratios on stdout.
"""
import statistics
import sys


def main():
    log, csv_path, dat_path = sys.argv[1:4]
    env = {"cpu": "?"}
    runs, exits, stats = [], None, []
    for raw in open(log, errors="replace"):
        line = raw.strip()
        if not line.startswith("BENCH "):
            continue
        f = line.split()
        if f[1] == "env":  # a new attempt (the harness retried): start over
            env["cpu"] = line.split("cpu=", 1)[1]
            runs, exits, stats = [], None, []
        elif f[1] == "boot" and len(f) >= 6:
            runs.append((f[2], int(f[3]), int(f[4]), int(f[5])))
        elif f[1] == "exits":
            exits = dict(kv.split("=") for kv in f[2:])
        elif f[1] == "stats":
            stats.append(line[len("BENCH stats "):])
    if not runs:
        sys.exit("report.py: no BENCH boot lines in %s" % log)
    with open(csv_path, "w") as out:
        out.write("suite,variant,round,ns,exit_status,vcpus,mem,where,cpu_model\n")
        for v, r, ns, st in runs:
            out.write('boot,%s,%d,%d,%d,2,64M,nested-kvm-tcg,"%s"\n' % (v, r, ns, st, env["cpu"]))
    # a variant's run only counts when the guest exited as it should
    ok_status = {"vmm": 0, "vmm2M": 0, "vmm4k": 0, "floor": 0, "microvm": 1}
    med = {}
    for v in ("floor", "vmm", "vmm2M", "vmm4k", "microvm"):
        good = [ns for (name, _, ns, st) in runs if name == v and st == ok_status[v]]
        bad = [st for (name, _, _, st) in runs if name == v and st != ok_status[v]]
        if bad:
            print("report.py: %s: %d runs ended with unexpected status %s"
                  % (v, len(bad), sorted(set(bad))))
        if good:
            med[v] = (statistics.median(good), len(good))
    with open(dat_path, "w") as dat:
        for v in ("floor", "vmm", "vmm2M", "vmm4k", "microvm"):
            if v in med:
                dat.write('"%s" %.3f\n' % (v, med[v][0] / 1e6))
    print("boot-to-exit, 2 vCPUs, 64 MiB, nested KVM on QEMU TCG (%s)" % env["cpu"])
    print("%-8s %10s %5s" % ("variant", "median ms", "runs"))
    for v in ("floor", "vmm", "vmm2M", "vmm4k", "microvm"):
        if v in med:
            print("%-8s %10.1f %5d" % (v, med[v][0] / 1e6, med[v][1]))
    ok = {(name, r): ns for (name, r, ns, st) in runs if st == ok_status[name]}
    for v in ("vmm", "vmm2M", "vmm4k"):
        if v in med and "floor" in med:
            pairs = [ok[(v, r)] / ok[("floor", r)] for (w, r) in ok
                     if w == v and ("floor", r) in ok]
            print("%-5s / floor   = %.2fx (median of the rounds' own ratios %.2fx)"
                  % (v, med[v][0] / med["floor"][0], statistics.median(pairs)))
        if v in med and "microvm" in med:
            print("microvm / %-5s = %.2fx" % (v, med["microvm"][0] / med[v][0]))
    if exits:
        print("hypercall round trip %s cycles vs raw I/O exit %s cycles: %sx"
              % (exits["hypercall_cycles"], exits["raw_io_cycles"], exits["ratio"]))
    for s in stats:
        print("  " + s)
    if "vmm" not in med:
        sys.exit("report.py: no successful vmm run")


if __name__ == "__main__":
    main()
