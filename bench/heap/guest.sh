#!/bin/bash
# bench/heap/guest.sh BUILD_DIR [OUTDIR] - the in-guest half of the heap
# suite: run=bench-heap (kernel heap alloc+free throughput on 1, 2, 4 ..
# CPUs, 1 in 8 blocks freed by another CPU) under QEMU TCG (-smp 2) and,
# unless PK_HEAP_NESTED=0, under the vmm (-c 2) in one nested-KVM boot.
# Writes OUTDIR/bench/results/heap-guest.csv and OUTDIR/plots/heap-guest.svg/.png.
set -euo pipefail
build=$(cd "${1:?usage: bench/heap/guest.sh BUILD_DIR [OUTDIR]}" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${2:-$repo}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
host=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
csv=$out/bench/results/heap-guest.csv
echo "suite,where,cpus,mops,ns_per_op,scaling,host_cpu" >"$csv.tmp"
rows() { # BENCH heap cpus=N mops=X ns_per_op=Y scaling=Zx -> csv
	tr -d '\r' | sed -n "s/^.*BENCH heap cpus=\([0-9]*\) mops=\([0-9.]*\) ns_per_op=\([0-9.]*\) scaling=\([0-9.]*\)x.*/heap-guest,$1,\1,\2,\3,\4,\"$host\"/p"
}
log=$build/bench/heap-guest-tcg.log
bench_qemu "$log" --smp 2 --cmdline run=bench-heap || {
	echo "bench/heap/guest: the guest failed under QEMU (log: $log)" >&2
	exit 1
}
rows qemu-tcg <"$log" >>"$csv.tmp"
if [ "${PK_HEAP_NESTED:-1}" != 0 ]; then
	printf '#!/bin/sh\n./vmm -c 2 -m 256M guest.elf -- run=bench-heap\n' >"$stage/inside.sh"
	chmod +x "$stage/inside.sh"
	nlog=$build/bench/heap-guest-nested.log
	if bench_nested "$nlog" "$stage/inside.sh" 2>/dev/null; then
		rows nested-kvm-vmm <"$nlog" >>"$csv.tmp"
	else
		echo "bench/heap/guest: the nested-KVM run failed (log: $nlog); TCG rows only" >&2
	fi
fi
n=$(($(wc -l <"$csv.tmp") - 1))
[ "$n" -ge 1 ] || {
	echo "bench/heap/guest: no measurements" >&2
	exit 1
}
mv "$csv.tmp" "$csv"
awk -F, 'NR > 1 { printf "\"%s, %s CPU%s\" %s\n", ($2 == "qemu-tcg" ? "TCG" : "vmm"), $3, ($3 > 1 ? "s" : ""), $4 }' \
	"$csv" >"$stage/heap-guest.dat"
gnuplot -e "dat='$stage/heap-guest.dat'; out='$out/plots/heap-guest'" "$repo/plots/heap-guest.gp"
echo "bench/heap/guest: $n measurements; wrote $csv, $out/plots/heap-guest.svg, $out/plots/heap-guest.png"
cat "$csv"
