#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/net/report.py CSV DAT WHERE=LOG... - the BENCH lines of
bench/net/inside.sh (the nested leg's harness log) and bench/net/tcg.sh
(the TCG leg's log) into bench/results/net.csv (one row per measurement:
requests/s, p50 and p99 latency in ms, the run's exits per request), a
gnuplot data file of the vmm / Linux ratios of the medians, and a summary
on stdout. A run in which the server answered nothing (0 requests/s) is
kept in the CSV and named on stdout, but left out of the medians. Exit 1
when no leg has both servers measured."""
import re
import statistics
import sys

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def ms(s):
    """wrk's latency cell (812.00us, 1.20ms, 2.01s) in ms; redis-benchmark's are ms."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)?", s)
    if not m:
        return None
    return float(m.group(1)) * UNIT[m.group(2) or "ms"]


def parse(where, log):
    env, rows, exits, stats, served = {}, [], {}, [], {}
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
            rows, exits, stats, served = [], {}, [], {}
        elif f[1] == "redis" and len(f) == 9:
            # BENCH redis SERVER ROUND PIPE TEST RPS P50 P99
            rows.append(dict(where=where, tool="redis-benchmark", server=f[2], round=int(f[3]),
                             pipe=int(f[4]), test=f[5], rps=float(f[6]), p50=ms(f[7]),
                             p99=ms(f[8])))
        elif f[1] == "wrk" and len(f) == 7:
            # BENCH wrk SERVER ROUND RPS P50 P99
            rows.append(dict(where=where, tool="wrk", server=f[2], round=int(f[3]), pipe=1,
                             test="GET", rps=float(f[4]), p50=ms(f[5]), p99=ms(f[6])))
        elif f[1] == "exits" and len(f) == 8:
            # BENCH exits TOOL SERVER ROUND PIPE EXITS REQUESTS
            tool = "redis-benchmark" if f[2] == "redis" else f[2]
            exits[(tool, f[3], int(f[4]), int(f[5]))] = (int(f[6]), int(f[7]))
            if f[3] == "vmm":
                app = "kv" if tool == "redis-benchmark" else "http"
                served[app] = served.get(app, 0) + int(f[7])
        elif f[1] == "warm" and len(f) == 5 and f[3] == "vmm":
            served["http"] = served.get("http", 0) + int(f[4])
        elif f[1] == "vmmstats":
            stats.append(line[at + len("BENCH vmmstats "):])
    for r in rows:
        e, n = exits.get((r["tool"], r["server"], r["round"], r["pipe"]), (None, 0))
        r["exits_per_req"] = e / n if e is not None and n else None
    return env, rows, stats, served


def vmm_exits(where, stats, served):
    """KVM's exits per request over a whole vmm run, from the vmm's own
    --stats ("vCPU N, as KVM counted": boot and idle included), and the
    exits that reached the vmm (user space). Requests: run=kv's KV line,
    else what the clients counted (served[app])."""
    kvm, user, reqs = {}, {}, dict(served)
    for s in stats:
        app, _, rest = s.partition(" ")
        rest = rest.strip()
        m = re.search(r"(?:^|[ ,])exits=(\d+)", rest)
        if rest.startswith("vCPU ") and "as KVM counted" in rest and m:
            kvm[app] = kvm.get(app, 0) + int(m.group(1))
        elif rest.startswith("vCPU ") and "exits by reason:" in rest:
            user[app] = user.get(app, 0) + sum(
                int(x.split(":")[1]) for x in rest.split("exits by reason:")[1].split())
        m = re.search(r" requests=(\d+)", rest)
        if m and rest.startswith("KV "):
            reqs[app] = int(m.group(1))
    for app in sorted(set(kvm) | set(user)):
        n = reqs.get(app)
        if not n:
            continue
        print("  %s vmm --stats, run=%s, %d requests: %s exits as KVM counted (%s/request), %d "
              "reached the vmm (%.4f/request); boot and idle included"
              % (where, app, n, kvm.get(app, "?"),
                 "%.2f" % (kvm[app] / n) if app in kvm else "?", user.get(app, 0),
                 user.get(app, 0) / n))


def main():
    csv_path, dat_path = sys.argv[1:3]
    allrows, envs = [], {}
    for spec in sys.argv[3:]:
        where, _, log = spec.partition("=")
        try:
            env, rows, stats, served = parse(where, log)
        except OSError as e:
            print("report.py: %s: %s (leg %s skipped)" % (log, e.strerror, where))
            continue
        envs[where] = env
        allrows += rows
        for s in stats:
            print("  %s vmm: %s" % (where, s))
        vmm_exits(where, stats, served)
    if not allrows:
        sys.exit("report.py: no BENCH redis/wrk lines in %s" % " ".join(sys.argv[3:]))
    fmt = lambda v, f="%.3f": "" if v is None else f % v
    with open(csv_path, "w") as out:
        out.write("suite,where,tool,server,test,pipeline,round,rps,p50_ms,p99_ms,exits_per_req,"
                  "vcpus,cpu_model\n")
        for r in allrows:
            env = envs.get(r["where"], {})
            out.write('net,%s,%s,%s,%s,%d,%d,%.1f,%s,%s,%s,%s,"%s"\n'
                      % (r["where"], r["tool"], r["server"], r["test"], r["pipe"], r["round"],
                         r["rps"], fmt(r["p50"]), fmt(r["p99"]), fmt(r["exits_per_req"], "%.2f"),
                         env.get("vcpus", "?"), env.get("cpu", "?").replace('"', "'")))

    def med(where, key, side, col):
        """side "linux"; "vmm": perfkern's server (the vmm, or QEMU TCG in
        the TCG leg, named perfkern); "pkqemu": perfkern under QEMU -accel
        kvm (the nested leg)"""
        names = {"vmm": ("vmm", "perfkern")}.get(side, (side,))
        vals = [r[col] for r in allrows
                if (r["where"], r["tool"], r["test"], r["pipe"]) == (where,) + key and
                r["server"] in names and r[col] is not None and r["rps"] > 0]
        return statistics.median(vals) if vals else None

    both = 0
    with open(dat_path, "w") as dat:
        dat.write("# case rps(vmm/linux) p99(vmm/linux), per leg\n")
        for where in dict.fromkeys(r["where"] for r in allrows):
            keys = dict.fromkeys((r["tool"], r["test"], r["pipe"]) for r in allrows
                                 if r["where"] == where)
            print("net (%s): perfkern (vmm) vs Linux guest, medians of %d rounds"
                  % (where, len({r["round"] for r in allrows if r["where"] == where})))
            dead = [r for r in allrows if r["where"] == where and r["rps"] == 0]
            for r in dead:
                print("  FAILED RUN: %s %s round %d: no request answered (kept in the CSV with "
                      "0 req/s, left out of the medians)" % (r["server"], r["tool"], r["round"]))
            for key in keys:
                v, l = med(where, key, "vmm", "rps"), med(where, key, "linux", "rps")
                v99, l99 = med(where, key, "vmm", "p99"), med(where, key, "linux", "p99")
                ve, le = (med(where, key, "vmm", "exits_per_req"),
                          med(where, key, "linux", "exits_per_req"))
                name = "%s %s%s" % ("redis" if key[0] == "redis-benchmark" else "wrk", key[1],
                                    " -P%d" % key[2] if key[2] > 1 else "")
                print("  %-16s req/s vmm %9s linux %9s (%5sx)  p99 ms vmm %7s linux %7s (%5sx)"
                      "  exits/req vmm %5s linux %5s"
                      % (name, fmt(v, "%.0f"), fmt(l, "%.0f"),
                         fmt(v / l if v and l else None, "%.2f"), fmt(v99, "%.2f"),
                         fmt(l99, "%.2f"), fmt(v99 / l99 if v99 and l99 else None, "%.2f"),
                         fmt(ve, "%.2f"), fmt(le, "%.2f")))
                q, q99 = med(where, key, "pkqemu", "rps"), med(where, key, "pkqemu", "p99")
                qe = med(where, key, "pkqemu", "exits_per_req")
                if q:
                    print("  %-16s same guest: req/s vmm %9s QEMU %9s (%5sx)  p99 ms vmm %7s "
                          "QEMU %7s (%5sx)  exits/req vmm %5s QEMU %5s"
                          % ("", fmt(v, "%.0f"), fmt(q, "%.0f"),
                             fmt(v / q if v and q else None, "%.2f"), fmt(v99, "%.2f"),
                             fmt(q99, "%.2f"), fmt(v99 / q99 if v99 and q99 else None, "%.2f"),
                             fmt(ve, "%.2f"), fmt(qe, "%.2f")))
                if v and l:
                    both += 1
                    dat.write('"%s (%s)" %.3f %s\n' % (name, where, v / l,
                                                      "%.3f" % (v99 / l99) if v99 and l99 else "?"))
    if not both:
        sys.exit("report.py: no case has both a vmm and a Linux measurement")


if __name__ == "__main__":
    main()
