#!/bin/bash
# bench/sched/run.sh BUILD_DIR [BUDGET_S] [OUTDIR] - the `sched` suite of
# `make bench`, all in one run:
#  - host: the scheduler's hosted build against ucontext, Boost.Context
#    fcontext and pthreads (build/bench/sched_host, BUDGET_S per timing),
#    and callgrind's instructions per switch and spawn+join (sched-ir.csv);
#  - guest: run=bench-sched under QEMU TCG (-smp 2) and, unless
#    PK_SCHED_NESTED=0, under the vmm in one nested-KVM boot: switch,
#    spawn+join, channel, and the wake of a task on a halted CPU against
#    the raw IPI round trip it is built on.
# Writes OUTDIR/bench/results/sched.csv and OUTDIR/plots/sched.svg/.png
# (OUTDIR defaults to the repository; bench-smoke points it at the build).
set -euo pipefail
build=$(cd "${1:?usage: bench/sched/run.sh BUILD_DIR [BUDGET_S] [OUTDIR]}" && pwd)
budget=${2:-0.2}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
host=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
csv=$out/bench/results/sched.csv
echo "suite,where,bench,impl,ns_per_op,ops,host_cpu" >"$csv.tmp"

"$build/bench/sched_host" "$budget" | tail -n +2 |
	sed "s/^/sched,host,/; s/\$/,\"$host\"/" >>"$csv.tmp"

# Instructions per operation, counted by callgrind (deterministic where the
# times are not): the difference between N and 2N operations over N, so
# setup and exit cancel out. sched-ir.csv; skipped without valgrind.
ircsv=$out/bench/results/sched-ir.csv
ir_of() { # BENCH IMPL N -> instructions of `sched_host once BENCH IMPL N`
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$build/bench/sched_host" once "$1" "$2" "$3" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
if command -v valgrind >/dev/null; then
	n=20000
	echo "suite,bench,impl,instructions_per_op,ops,tool" >"$ircsv.tmp"
	for b in switch spawn_join; do
		for impl in perfkern fcontext; do
			a=$(ir_of $b $impl $n) && c=$(ir_of $b $impl $((2 * n))) && [ -n "$a" ] && [ -n "$c" ] ||
				continue
			echo "sched-ir,$b,$impl,$(((c - a) / n)),$n,callgrind" >>"$ircsv.tmp"
		done
	done
	mv "$ircsv.tmp" "$ircsv"
else
	echo "bench/sched: valgrind missing: no instruction counts (tools/deps.sh)" >&2
fi

# BENCH sched name=N ns=X cycles=C ops=O  ->  sched,WHERE,N,perfkern|ipi,X,O
guest_rows() {
	tr -d '\r' | sed -n 's/^.*BENCH sched name=\([a-z_]*\) ns=\([0-9.]*\) cycles=[0-9]* ops=\([0-9]*\).*/\1,\2,\3/p' |
		while IFS=, read -r name ns ops; do
			impl=perfkern
			[ "$name" = ipi_raw ] && impl=raw-ipi && name=wake_remote
			echo "sched,$1,$name,$impl,$ns,$ops,\"$host\""
		done
}
log=$build/bench/sched-tcg.log
if bench_qemu "$log" --smp 2 --cmdline run=bench-sched; then
	guest_rows qemu-tcg <"$log" >>"$csv.tmp"
else
	echo "bench/sched: the guest failed under QEMU (log: $log)" >&2
	exit 1
fi
if [ "${PK_SCHED_NESTED:-1}" != 0 ]; then
	printf '#!/bin/sh\n./vmm -c 2 -m 128M guest.elf -- run=bench-sched\n' >"$stage/inside.sh"
	chmod +x "$stage/inside.sh"
	nlog=$build/bench/sched-nested.log
	if bench_nested "$nlog" "$stage/inside.sh" 2>/dev/null; then
		guest_rows nested-kvm-vmm <"$nlog" >>"$csv.tmp"
	else
		echo "bench/sched: the nested-KVM run failed (log: $nlog); host and TCG rows only" >&2
	fi
fi
n=$(($(wc -l <"$csv.tmp") - 1))
[ "$n" -ge 8 ] || {
	echo "bench/sched: only $n measurements" >&2
	exit 1
}
mv "$csv.tmp" "$csv"

# gnuplot tables: host benches x implementations; guest wake vs raw IPI
python3 - "$csv" "$stage" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def ns(where, bench, impl):
    for r in rows:
        if (r["where"], r["bench"], r["impl"]) == (where, bench, impl):
            return r["ns_per_op"]
    return "?"
impls = ("perfkern", "fcontext", "ucontext", "pthread")
with open(sys.argv[2] + "/host.dat", "w") as f:
    f.write("# bench " + " ".join(impls) + " (ns per op)\n")
    for b in ("switch", "spawn_join", "chan", "wake"):
        f.write('"%s" %s\n' % (b, " ".join(ns("host", b, i) for i in impls)))
with open(sys.argv[2] + "/wake.dat", "w") as f:
    f.write("# where perfkern-wake raw-ipi (ns)\n")
    for w, label in (("qemu-tcg", "QEMU TCG"), ("nested-kvm-vmm", "vmm, nested KVM")):
        f.write('"%s" %s %s\n' % (label, ns(w, "wake_remote", "perfkern"),
                                  ns(w, "wake_remote", "raw-ipi")))
# headline ratios for the log
for b, other in (("switch", "fcontext"), ("switch", "ucontext"), ("switch", "pthread"),
                 ("spawn_join", "fcontext"), ("spawn_join", "pthread"), ("chan", "pthread"),
                 ("wake", "pthread")):
    a, o = ns("host", b, "perfkern"), ns("host", b, other)
    if "?" not in (a, o):
        print("bench/sched: host %-10s perfkern %8s ns, %-8s %9s ns (%.2fx)"
              % (b, a, other, o, float(a) / float(o)))
for w in ("qemu-tcg", "nested-kvm-vmm"):
    a, o = ns(w, "wake_remote", "perfkern"), ns(w, "wake_remote", "raw-ipi")
    if "?" not in (a, o):
        print("bench/sched: %s wake of a task on a halted CPU %s ns = %.2fx the raw IPI round trip"
              % (w, a, float(a) / float(o)))
import os
ir = os.path.join(os.path.dirname(sys.argv[1]), "sched-ir.csv")
if os.path.exists(ir):
    cnt = {(r["bench"], r["impl"]): r["instructions_per_op"] for r in csv.DictReader(open(ir))}
    for b in ("switch", "spawn_join"):
        if (b, "perfkern") in cnt and (b, "fcontext") in cnt:
            print("bench/sched: callgrind %-10s perfkern %s instructions, fcontext %s"
                  % (b, cnt[(b, "perfkern")], cnt[(b, "fcontext")]))
PY
gnuplot -e "dir='$stage'; out='$out/plots/sched'" "$repo/plots/sched.gp"
echo "bench/sched: $n measurements; wrote $csv, $out/plots/sched.svg, $out/plots/sched.png"
