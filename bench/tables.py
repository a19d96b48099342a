#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/tables.py [--check] [--doc FILE] [--results DIR] - render the result
tables of docs/benchmarks.md from bench/results/*.csv.

Each table lives between two marker comments in the doc:

    <!-- tables:NAME begin -->
    ...generated, do not edit...
    <!-- tables:NAME end -->

Without --check the blocks are rewritten in place (`make bench` does this
after the suites). With --check nothing is written and the exit status is 1
when any block differs from what the CSVs give (the lint CTest), so the doc
can never drift from the measurements. Python 3 standard library only.
"""
import argparse
import csv
import os
import re
import statistics
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# where-column values of the suites, as a reader says them
WHERE = {
    "host": "host",
    "qemu": "QEMU TCG",
    "qemu-tcg": "QEMU TCG",
    "nested": "nested KVM",
    "nested-kvm-vmm": "vmm (nested KVM)",
    "nested-kvm-tcg": "nested KVM",
}


class TableError(Exception):
    pass


def num(s):
    """A CSV cell as a float, or None when the suite wrote a status there
    (heap: "missing", "failed")."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def sig(v):
    """Three significant digits, thousands separated: 7.08, 13.8, 236, 21,432."""
    if v is None:
        return "-"
    a = abs(v)
    if a < 10:
        return "%.2f" % v
    if a < 100:
        return "%.1f" % v
    return "{:,.0f}".format(v)


def pct(v):
    return "%+.0f%%" % v


def read(results, name):
    path = os.path.join(results, name + ".csv")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise TableError("%s: %s" % (path, e.strerror))
    if not rows:
        raise TableError("%s: no rows" % path)
    return rows


def only(rows, col):
    """The one value of an environment column, or all of them joined."""
    vals = sorted({r[col] for r in rows if r.get(col)})
    return ", ".join(vals) if vals else "?"


def md(header, body):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in body]
    return out


def ordered(values, preferred):
    """preferred first (those present), then the rest in CSV order."""
    seen = list(dict.fromkeys(values))
    return [v for v in preferred if v in seen] + [v for v in seen if v not in preferred]


# ---- the tables ------------------------------------------------------------


def table_heap(results):
    rows = read(results, "heap")
    allocs = ordered([r["allocator"] for r in rows], ["glibc", "kheap", "mimalloc"])
    benches = ordered([r["bench"] for r in rows], [])
    cell = {(r["bench"], r["allocator"], r["metric"]): r["value"] for r in rows}
    body = []

    def line(label, b, metric, fmt):
        cells = []
        for a in allocs:
            raw = cell.get((b, a, metric))
            v = num(raw)
            cells.append(fmt(v) if v is not None else (raw or "-"))
        k, m = num(cell.get((b, "kheap", metric))), num(cell.get((b, "mimalloc", metric)))
        ratio = "%.2f" % (k / m) if k and m else "-"
        body.append([label] + cells + [ratio])

    for b in benches:
        line(b + " ops/s", b, "ops_per_s", lambda v: "%.2f M" % (v / 1e6))
    for b in benches:  # lower is better here
        if any(k[0] == b and k[2] == "peak_rss" for k in cell):
            line("peak RSS" if b == "rss" else b + " peak RSS", b, "peak_rss",
                 lambda v: "%.1f MiB" % (v / 1024))
    out = md(["bench"] + allocs + ["kheap / mimalloc"], body)
    out.append("")
    out.append("Medians of %s repeats, %s s budget per timing, %s CPUs, %s."
               % (only(rows, "repeats"), only(rows, "budget_s"), only(rows, "cpus"),
                  only(rows, "cpu_model")))
    return out


def table_heap_guest(results):
    rows = read(results, "heap-guest")
    body = [[WHERE.get(r["where"], r["where"]), r["cpus"], sig(num(r["mops"])),
             sig(num(r["ns_per_op"])), "%.2fx" % num(r["scaling"])] for r in rows]
    out = md(["where", "CPUs", "Mops/s", "ns/op", "vs 1 CPU"], body)
    out += ["", "Host CPU: %s." % only(rows, "host_cpu")]
    return out


def sched_cells(rows, where):
    return {(r["bench"], r["impl"]): num(r["ns_per_op"]) for r in rows if r["where"] == where}


SCHED_BENCH = {
    "switch": "switch",
    "spawn_join": "spawn + join",
    "chan": "channel item, 64 slots",
    "wake": "cross-thread wake round trip / 2",
    "spawn_join_remote": "spawn + join on another CPU",
    "wake_remote": "wake a task on a halted CPU",
}


def table_sched_host(results):
    rows = [r for r in read(results, "sched") if r["where"] == "host"]
    if not rows:
        raise TableError("sched.csv: no host rows")
    c = sched_cells(rows, "host")
    impls = ordered([r["impl"] for r in rows], ["perfkern", "fcontext", "ucontext", "pthread"])
    benches = ordered([r["bench"] for r in rows], [])
    body = [[SCHED_BENCH.get(b, b)] + [sig(c.get((b, i))) for i in impls] for b in benches]
    # callgrind's instructions per op (bench/sched/run.sh), when measured
    if os.path.exists(os.path.join(results, "sched-ir.csv")):
        ir = {(r["bench"], r["impl"]): r["instructions_per_op"] for r in read(results, "sched-ir")}
        for b in ordered([k[0] for k in ir], []):
            body.append([SCHED_BENCH.get(b, b) + ", instructions (callgrind)"]
                        + [ir.get((b, i), "-") for i in impls])
    out = md(["host, ns per op"] + impls, body)
    sw, fc = c.get(("switch", "perfkern")), c.get(("switch", "fcontext"))
    out.append("")
    if sw and fc:
        out.append("A perfkern switch costs %.2fx a bare fcontext jump. Host CPU: %s."
                   % (sw / fc, only(rows, "host_cpu")))
    return out


def table_sched_guest(results):
    rows = [r for r in read(results, "sched") if r["where"] != "host"]
    if not rows:
        raise TableError("sched.csv: no guest rows")
    wheres = ordered([r["where"] for r in rows], [])
    cells = {w: sched_cells(rows, w) for w in wheres}
    keys = ordered([(r["bench"], r["impl"]) for r in rows], [])
    body = []
    for b, i in keys:
        label = SCHED_BENCH.get(b, b) + ("" if i == "perfkern" else " (%s)" % i)
        body.append([label] + [sig(cells[w].get((b, i))) for w in wheres])
    out = md(["guest, ns per op"] + [WHERE.get(w, w) for w in wheres], body)
    ratios = []
    for w in wheres:
        t, ipi = cells[w].get(("wake_remote", "perfkern")), cells[w].get(("wake_remote", "raw-ipi"))
        if t and ipi:
            ratios.append("%.2fx under %s" % (t / ipi, WHERE.get(w, w)))
    if ratios:
        out += ["", "Remote wake vs the raw IPI round trip it rides on: %s." % ", ".join(ratios)]
    return out


BOOT_OK = {"vmm": 0, "vmm2M": 0, "vmm4k": 0, "floor": 0, "microvm": 1}
BOOT_LABEL = {
    "floor": "floor",
    "vmm4k": "vmm, `--hugepages off`",
    "vmm2M": "vmm, `--hugepages 2M` (hugetlb from the start)",
    "vmm": "vmm, default `--hugepages auto`",
    "microvm": "QEMU microvm",
}


def table_boot(results):
    rows = read(results, "boot")
    med, runs, bad = {}, {}, {}
    for v in ordered([r["variant"] for r in rows], ["floor", "vmm4k", "vmm", "vmm2M", "microvm"]):
        mine = [r for r in rows if r["variant"] == v]
        good = [int(r["ns"]) for r in mine if int(r["exit_status"]) == BOOT_OK.get(v, 0)]
        bad[v] = len(mine) - len(good)
        if good:
            med[v], runs[v] = statistics.median(good), len(good)
    if "floor" not in med:
        raise TableError("boot.csv: no successful floor run")
    # each round's variant / that round's floor: the floor's own swings
    # (other jobs on the machine) cancel in the pair
    ok = {(r["variant"], r["round"]): int(r["ns"]) for r in rows
          if int(r["exit_status"]) == BOOT_OK.get(r["variant"], 0)}

    def paired(v):
        q = [ok[(v, n)] / ok[("floor", n)] for (w, n) in ok if w == v and ("floor", n) in ok]
        return "%.2fx" % statistics.median(q) if q else "-"

    body = [[BOOT_LABEL.get(v, v), "%.1f ms" % (m / 1e6), "%.2fx" % (m / med["floor"]), paired(v),
             str(runs[v]) + (" (%d failed)" % bad[v] if bad[v] else "")] for v, m in med.items()]
    out = md(["variant", "median", "vs floor", "vs floor, per round", "runs"], body)
    if "microvm" in med:
        parts = ["%.1fx (%s)" % (med["microvm"] / med[v], BOOT_LABEL[v].split(", ", 1)[1])
                 for v in ("vmm4k", "vmm", "vmm2M") if v in med]
        out += ["", "microvm / vmm: %s. %s vCPUs, %s, %s (%s)."
                % (", ".join(parts), only(rows, "vcpus"), only(rows, "mem"),
                   WHERE.get(only(rows, "where"), only(rows, "where")), only(rows, "cpu_model"))]
    return out


def table_pages(results):
    rows = read(results, "pages")
    pages = ordered([r["page"] for r in rows], ["4K", "2M", "1G"])
    label = {"4K": "4 KiB pages", "2M": "2 MiB pages", "1G": "1 GiB pages"}
    cell = {(r["where"], r["buffer_mib"], r["page"]): num(r["ns_per_load"]) for r in rows}
    body = []
    for w, b in ordered([(r["where"], r["buffer_mib"]) for r in rows], []):
        size = "%d GiB" % (int(b) // 1024) if int(b) % 1024 == 0 else "%s MiB" % b
        body.append(["%s, %s" % (WHERE.get(w, w), size)]
                    + [("%.0f" % cell[(w, b, p)]) if cell.get((w, b, p)) else "-" for p in pages])
    out = md(["ns per load: where, buffer"] + [label.get(p, p) for p in pages], body)
    out += ["", "%s dependent loads per timing, 1 vCPU, host CPU %s."
            % ("{:,}".format(int(only(rows, "loads"))) if only(rows, "loads").isdigit()
               else only(rows, "loads"), only(rows, "host_cpu"))]
    return out


PERF_LABEL = {"none": "none"}


def perf_label(v):
    if v in PERF_LABEL:
        return PERF_LABEL[v]
    src, _, hz = v.partition("-")
    src = {"timer": "guest timer", "vmm": "vmm-side", "pmu": "guest PMU"}.get(src, src)
    if hz.isdigit():
        hz = "%d kHz" % (int(hz) // 1000) if int(hz) % 1000 == 0 else hz + " Hz"
    return "%s %s" % (src, hz)


def table_perf(results):
    rows = read(results, "perf")
    body = []
    for w in ordered([r["where"] for r in rows], ["qemu", "nested"]):
        mine = [r for r in rows if r["where"] == w]
        base_runs = [int(r["us"]) for r in mine if r["variant"] == "none"]
        base = statistics.median(base_runs) if base_runs else None
        for v in ordered([r["variant"] for r in mine], ["none", "timer-1000", "timer-10000",
                                                          "vmm-1000", "vmm-10000"]):
            m = statistics.median([int(r["us"]) for r in mine if r["variant"] == v])
            vs = "" if v == "none" or not base else pct(100.0 * (m / base - 1))
            body.append([WHERE.get(w, w), perf_label(v), "%.0f ms" % (m / 1000), vs])
    rounds = len({r["round"] for r in rows})
    out = md(["where", "sampling", "median time", "vs none"], body)
    out += ["", "Medians of %d alternating rounds per variant." % rounds]
    return out


APPS_LABEL = {
    "getpid": "getpid (raw syscall)",
    "indirect_call": "indirect call (no syscall)",
    "read_64": "read 64 B from the share",
    "read_4096": "read 4 KiB from the share",
    "read_1048576": "read 1 MiB from the share",
    "pingpong": "mutex + condvar hand-off",
    "barrier": "condvar barrier, 2 threads",
    "spawn_join": "pthread spawn + join",
    "compute": "integer loop (control)",
}


def table_apps(results):
    rows = [r for r in read(results, "apps") if r["exit_status"] == "0"]
    if not rows:
        raise TableError("apps.csv: no run exited 0")
    libcs = ordered([r["libc"] for r in rows], ["glibc", "musl"])

    def med(v, libc, case, col="value"):
        vals = [float(r[col]) for r in rows
                if (r["variant"], r["libc"], r["case"]) == (v, libc, case)]
        return statistics.median(vals) if vals else None

    header, body = ["ns per op"], []
    for libc in libcs:
        header += ["%s native" % libc, "%s vmm" % libc, "vmm / native"]
    for case in ordered([r["case"] for r in rows], list(APPS_LABEL)):
        line = [APPS_LABEL.get(case, case)]
        for libc in libcs:
            n, v = med("native", libc, case), med("vmm", libc, case)
            line += [sig(n), sig(v), "%.2fx" % (v / n) if n and v else "-"]
        body.append(line)
    out = md(header, body)
    notes = []
    for libc in libcs:
        g, c = med("vmm", libc, "getpid"), med("vmm", libc, "indirect_call")
        wn, wv = med("native", libc, "compute", "wall_ns"), med("vmm", libc, "compute", "wall_ns")
        if g and c:
            notes.append("%s: under the vmm a getpid costs %.0fx an indirect call" % (libc, g / c))
        rn, rv = med("native", libc, "read_1048576"), med("vmm", libc, "read_1048576")
        if rn and rv:
            notes.append("%s: 1 MiB reads move %.0f MB/s natively, %.0f MB/s from the share "
                         "(%.2fx the bytes/s)" % (libc, 2**20 / rn * 1e3, 2**20 / rv * 1e3, rn / rv))
        if wn and wv:
            notes.append("%s: the whole compute process (fork to exit) takes %.0f ms natively, "
                         "%.0f ms under the vmm (its boot included)" % (libc, wn / 1e6, wv / 1e6))
    out += ["", "Medians of %d alternating rounds, %s vCPUs, %s (%s). %s."
            % (len({r["round"] for r in rows}), only(rows, "vcpus"),
               WHERE.get(only(rows, "where"), only(rows, "where")), only(rows, "cpu_model"),
               "; ".join(notes))]
    return out


NET_WHERE = {"nested": "nested KVM (vmm vs QEMU -accel kvm)", "tcg": "QEMU TCG (both emulated)"}


def table_net(results):
    rows = read(results, "net")

    def med(where, tool, test, pipe, linux, col, servers=None):
        """linux: the Linux guest, else perfkern's own server (vmm, or the
        TCG leg's perfkern); servers: these server names instead"""
        names = servers or (("linux",) if linux else ("vmm", "perfkern"))
        vals = [num(r[col]) for r in rows
                if (r["where"], r["tool"], r["test"], r["pipeline"]) == (where, tool, test, pipe)
                and r["server"] in names and num(r[col]) is not None and num(r["rps"])]
        return statistics.median(vals) if vals else None

    def ratio(a, b):
        return "%.2fx" % (a / b) if a and b else "-"

    body, same = [], []
    for where in ordered([r["where"] for r in rows], ["nested", "tcg"]):
        mine = [r for r in rows if r["where"] == where]
        for tool, test, pipe in dict.fromkeys((r["tool"], r["test"], r["pipeline"]) for r in mine):
            m = lambda linux, col: med(where, tool, test, pipe, linux, col)
            pv, pl = m(False, "rps"), m(True, "rps")
            qv, ql = m(False, "p99_ms"), m(True, "p99_ms")
            ev, el = m(False, "exits_per_req"), m(True, "exits_per_req")
            case = "%s %s%s" % ("redis-benchmark" if tool == "redis-benchmark" else "wrk", test,
                                " -P %s" % pipe if pipe != "1" else "")
            body.append([NET_WHERE.get(where, where), case, sig(pv), sig(pl), ratio(pv, pl),
                         "%.2f" % qv if qv else "-", "%.2f" % ql if ql else "-", ratio(qv, ql),
                         "%.2f" % ev if ev is not None else "-",
                         "%.2f" % el if el is not None else "-"])
            q = lambda col: med(where, tool, test, pipe, False, col, ("pkqemu",))
            if q("rps"):
                qe = q("exits_per_req")
                same.append([case, sig(pv), sig(q("rps")), ratio(pv, q("rps")),
                             "%.2f" % qv if qv else "-", "%.2f" % q("p99_ms"),
                             ratio(qv, q("p99_ms")), "%.2f" % ev if ev is not None else "-",
                             "%.2f" % qe if qe is not None else "-"])
    if not body:
        raise TableError("net.csv: no measurements")
    out = md(["where", "client", "perfkern req/s", "Linux req/s", "ratio", "perfkern p99 ms",
              "Linux p99 ms", "p99 ratio", "perfkern exits/req", "Linux exits/req"], body)
    dead = ["%s %s %s round %s" % (r["where"], r["server"], r["tool"], r["round"])
            for r in rows if not num(r["rps"])]
    out += ["", "Medians of %d alternating rounds, %s vCPU per server, %s.%s"
            % (len({r["round"] for r in rows}), only(rows, "vcpus"), only(rows, "cpu_model"),
               " Runs in which the server answered nothing (left out of the medians): %s."
               % ", ".join(dead) if dead else "")]
    if same:
        out += ["", "The same perfkern guest (run=kv, run=http) under the vmm and under QEMU "
                "`-M q35 -accel kvm` with its virtio-net-pci (no vhost), slirp behind both, "
                "nested, in the same rounds:", ""]
        out += md(["client", "vmm req/s", "QEMU req/s", "vmm / QEMU", "vmm p99 ms",
                   "QEMU p99 ms", "p99 ratio", "vmm exits/req", "QEMU exits/req"], same)
    return out


TABLES = {
    "heap": table_heap,
    "heap-guest": table_heap_guest,
    "sched-host": table_sched_host,
    "sched-guest": table_sched_guest,
    "boot": table_boot,
    "pages": table_pages,
    "perf": table_perf,
    "apps": table_apps,
    "net": table_net,
}

MARK = re.compile(r"^<!-- tables:([a-z0-9-]+) (begin|end) -->$")


def render(text, results):
    """The doc with every marked block regenerated; raises TableError on an
    unknown name, an unclosed or a missing block."""
    out, lines, i, done = [], text.split("\n"), 0, set()
    while i < len(lines):
        out.append(lines[i])
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        name, kind = m.groups()
        if kind != "begin" or name not in TABLES:
            raise TableError("line %d: unexpected marker '%s'" % (i, lines[i - 1]))
        end = "<!-- tables:%s end -->" % name
        try:
            j = lines.index(end, i)
        except ValueError:
            raise TableError("line %d: '%s' has no '%s'" % (i, lines[i - 1], end))
        out += TABLES[name](results)
        out.append(end)
        done.add(name)
        i = j + 1
    missing = sorted(set(TABLES) - done)
    if missing:
        raise TableError("no marker block for: %s" % " ".join(missing))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the doc is stale, write nothing")
    ap.add_argument("--doc", default=os.path.join(REPO, "docs", "benchmarks.md"))
    ap.add_argument("--results", default=os.path.join(REPO, "bench", "results"))
    a = ap.parse_args()
    try:
        with open(a.doc) as f:
            old = f.read()
        new = render(old, a.results)
    except OSError as e:
        sys.exit("tables.py: %s: %s" % (a.doc, e.strerror))
    except TableError as e:
        sys.exit("tables.py: %s: %s" % (a.doc, e))
    if new == old:
        print("tables.py: %s is up to date with %s" % (os.path.relpath(a.doc), os.path.relpath(a.results)))
        return
    if a.check:
        sys.exit("tables.py: %s is stale against %s; run bench/tables.py (make bench does)"
                 % (os.path.relpath(a.doc), os.path.relpath(a.results)))
    with open(a.doc, "w") as f:
        f.write(new)
    print("tables.py: updated %s" % os.path.relpath(a.doc))


if __name__ == "__main__":
    main()
