#!/usr/bin/env python3
"""bench/heap/report.py RAW CSV DAT BUDGET - medians of bench/heap/run.sh's
raw lines ("alloc bench repeat ops_per_s peak_rss_kib [ops_per_cpu_s]"), written as CSV
(one row per allocator, bench and metric, with the ratio to mimalloc of the
same run), a gnuplot table relative to mimalloc, and a markdown table on
stdout."""
import os
import platform
import statistics
import sys

ALLOCS = ["glibc", "kheap", "mimalloc", "jemalloc", "tcmalloc"]
BENCHES = ["st", "prodcons", "larson", "cscratch", "realloc", "rss", "mstress", "xmalloc",
           "cthrash", "gthread", "sh6", "sh8", "alloctest", "larsonr", "large"]
# benches whose peak RSS is a result (the rest: small fixed working sets)
RSS_BENCHES = ["rss", "mstress", "xmalloc", "gthread", "alloctest", "larsonr", "large"]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: report.py RAW CSV DAT BUDGET")
    raw, csv_path, dat_path, budget = sys.argv[1:]
    ops, rss, status = {}, {}, {}
    with open(raw) as f:
        for line in f:
            w = line.split()
            if len(w) < 4:
                continue
            a, b = w[0], w[1]
            if len(w) >= 5:  # ops/s, peak RSS KiB[, ops per CPU second]
                ops.setdefault((a, b), []).append(float(w[3]))
                rss.setdefault((a, b), []).append(float(w[4]))
            else:
                status[(a, b)] = w[3]
    broken = sorted(f"{a}/{b}" for (a, b), st in status.items() if st == "failed")
    med = {k: statistics.median(v) for k, v in ops.items()}
    mrss = {k: statistics.median(v) for k, v in rss.items()}
    cpu = cpu_model().replace('"', "'")
    ncpu = os.cpu_count()
    rows = ["suite,bench,allocator,metric,unit,value,vs_mimalloc,repeats,budget_s,cpus,cpu_model"]
    for b in BENCHES:
        for a in ALLOCS:
            if (a, b) not in med:
                rows.append(f'heap,{b},{a},ops_per_s,ops/s,{status.get((a, b), "missing")},,0,{budget},{ncpu},"{cpu}"')
                continue
            ref = med.get(("mimalloc", b))
            ratio = f"{med[(a, b)] / ref:.3f}" if ref else ""
            n = len(ops[(a, b)])
            rows.append(f'heap,{b},{a},ops_per_s,ops/s,{med[(a, b)]:.0f},{ratio},{n},{budget},{ncpu},"{cpu}"')
            if b in RSS_BENCHES:
                rref = mrss.get(("mimalloc", b))
                rr = f"{mrss[(a, b)] / rref:.3f}" if rref else ""
                rows.append(f'heap,{b},{a},peak_rss,KiB,{mrss[(a, b)]:.0f},{rr},{n},{budget},{ncpu},"{cpu}"')
    with open(csv_path, "w") as f:
        f.write("\n".join(rows) + "\n")
    # gnuplot: one row per bench, columns = allocators, value relative to
    # mimalloc (higher is better; peak RSS inverted so it reads the same)
    with open(dat_path, "w") as f:
        f.write("bench " + " ".join(ALLOCS) + "\n")
        for b in BENCHES:
            vals = []
            for a in ALLOCS:
                x, ref = med.get((a, b)), med.get(("mimalloc", b))
                vals.append(f"{x / ref:.3f}" if x and ref else "NaN")
            f.write(b + " " + " ".join(vals) + "\n")
        for b in RSS_BENCHES:
            vals = []
            for a in ALLOCS:
                x, ref = mrss.get((a, b)), mrss.get(("mimalloc", b))
                vals.append(f"{ref / x:.3f}" if x and ref else "NaN")
            f.write(("peak-rss" if b == "rss" else b + "-rss") + " " + " ".join(vals) + "\n")
    # markdown table, then the worst kheap / mimalloc ratios
    print("| bench | " + " | ".join(ALLOCS) + " | kheap / mimalloc |")
    print("|---" * (len(ALLOCS) + 2) + "|")
    worst_t, worst_r = [], []
    for b in BENCHES:
        cells = []
        for a in ALLOCS:
            v = med.get((a, b))
            cells.append(f"{v / 1e6:.2f} M" if v else status.get((a, b), "-"))
        k, m = med.get(("kheap", b)), med.get(("mimalloc", b))
        if k and m:
            worst_t.append((k / m, b))
        print(f"| {b} ops/s | " + " | ".join(cells) + (f" | {k / m:.2f} |" if k and m else " | - |"))
    for b in RSS_BENCHES:
        cells = [f"{mrss[(a, b)] / 1024:.1f} MiB" if (a, b) in mrss else "-" for a in ALLOCS]
        k, m = mrss.get(("kheap", b)), mrss.get(("mimalloc", b))
        if k and m:
            worst_r.append((k / m, b))
        label = "peak RSS" if b == "rss" else b + " peak RSS"
        print(f"| {label} | " + " | ".join(cells) + (f" | {k / m:.2f} |" if k and m else " | - |"))
    if worst_t and worst_r:
        t, r = min(worst_t), max(worst_r)
        print(f"bench/heap: kheap / mimalloc worst: {t[1]} {t[0]:.2f}x the ops/s (time "
              f"{1 / t[0]:.2f}x), {r[1]} {r[0]:.2f}x the peak RSS")
    missing = sorted({a for (a, b), st in status.items() if st == "missing"})
    if missing:
        print("bench/heap: not installed (tools/deps.sh): " + " ".join(missing))
    if broken:
        sys.exit("bench/heap: runs failed: " + " ".join(broken))


if __name__ == "__main__":
    main()
