#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/apps/report.py LOG CSV DAT - the BENCH lines of bench/apps/inside.sh
(a harness log) into bench/results/apps.csv (one row per measurement, with
the process's wall time and the environment), a gnuplot data file of the
vmm/native ratios of the medians, and a summary on stdout. Exit 1 when a
case has no successful native and vmm measurement."""
import statistics
import sys

# the measurements every complete run has, in the order the tables show them
NAMES = ["getpid", "indirect_call", "read_64", "read_4096", "read_1048576",
         "pingpong", "barrier", "spawn_join", "compute"]


def parse(log):
    env, runs, walls = {}, [], {}
    for raw in open(log, errors="replace"):
        line = raw.strip()
        at = line.find("BENCH ")
        if at < 0:
            continue
        f = line[at:].split()
        if f[1] == "env":  # a new attempt (the harness retried): start over
            rest = line[at + len("BENCH env cpu="):]
            cpu, _, vcpus = rest.rpartition(" vcpus=")
            env = {"cpu": cpu or rest, "vcpus": vcpus or "?"}
            runs, walls = [], {}
        elif f[1] == "apps" and len(f) >= 9:
            # BENCH apps VARIANT LIBC ROUND NAME VALUE UNIT OPS
            runs.append(dict(variant=f[2], libc=f[3], round=int(f[4]), name=f[5],
                             value=float(f[6]), unit=f[7], ops=int(f[8])))
        elif f[1] == "appswall" and len(f) >= 8:
            # BENCH appswall VARIANT LIBC ROUND CASE NS STATUS
            walls[(f[2], f[3], int(f[4]), f[5])] = (int(f[6]), int(f[7]))
    return env, runs, walls


# which inside.sh case (wall-time row) produced a measurement
CASE_OF = {"getpid": "syscall", "indirect_call": "syscall", "read_64": "read64",
           "read_4096": "read4k", "read_1048576": "read1m", "spawn_join": "spawn"}


def main():
    log, csv_path, dat_path = sys.argv[1:4]
    env, runs, walls = parse(log)
    if not runs:
        sys.exit("report.py: no BENCH apps lines in %s" % log)
    cpu = env.get("cpu", "?").replace('"', "'")
    with open(csv_path, "w") as out:
        out.write("suite,variant,libc,case,round,value,unit,ops,wall_ns,exit_status,"
                  "vcpus,where,cpu_model\n")
        for r in runs:
            case = CASE_OF.get(r["name"], r["name"])
            wall, st = walls.get((r["variant"], r["libc"], r["round"], case), (-1, -1))
            out.write('apps,%s,%s,%s,%d,%.3f,%s,%d,%d,%d,%s,nested-kvm-tcg,"%s"\n'
                      % (r["variant"], r["libc"], r["name"], r["round"], r["value"], r["unit"],
                         r["ops"], wall, st, env.get("vcpus", "?"), cpu))
    ok = [r for r in runs
          if walls.get((r["variant"], r["libc"], r["round"], CASE_OF.get(r["name"], r["name"])),
                       (0, 1))[1] == 0]

    def med(v, libc, name):
        vals = [r["value"] for r in ok if (r["variant"], r["libc"], r["name"]) == (v, libc, name)]
        return statistics.median(vals) if vals else None

    libcs = list(dict.fromkeys(r["libc"] for r in runs))
    missing = []
    print("apps: vmm vs native in one nested-KVM L1 boot (%s), medians of %d rounds"
          % (cpu, len({r["round"] for r in runs})))
    with open(dat_path, "w") as dat:
        dat.write("# measurement " + " ".join(libcs) + " (vmm / native, ns per op)\n")
        for name in NAMES:
            cells = []
            for libc in libcs:
                n, v = med("native", libc, name), med("vmm", libc, name)
                if n is None or v is None:
                    missing.append("%s/%s" % (name, libc))
                    cells.append("?")
                    continue
                cells.append("%.3f" % (v / n))
                print("  %-14s %-6s native %12.1f ns  vmm %12.1f ns  vmm/native %.2fx"
                      % (name, libc, n, v, v / n))
            dat.write('"%s" %s\n' % (name, " ".join(cells)))
    for libc in libcs:
        g, c = med("vmm", libc, "getpid"), med("vmm", libc, "indirect_call")
        if g and c:
            print("  %s: under the vmm a getpid is %.1fx an indirect call" % (libc, g / c))
    if missing:
        sys.exit("report.py: no successful native and vmm run of: %s" % " ".join(missing))


if __name__ == "__main__":
    main()
