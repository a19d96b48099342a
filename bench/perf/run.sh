#!/bin/bash
# bench/perf/run.sh BUILD_DIR [ROUNDS] [OUTDIR] - the `perf` suite of `make
# bench`: what sampling costs. The same run=perfcheck work (guest-timed)
# without sampling and with sampling at 1 kHz and 10 kHz:
#   qemu:   QEMU TCG, guest LAPIC-timer sampling (serial blobs)
#   nested: the vmm in nested KVM, vmm-side sampling and guest timer
#           sampling (perf_flush), one L1 boot
# ROUNDS alternating rounds each. Writes OUTDIR/bench/results/perf.csv and
# OUTDIR/plots/perf.svg/.png (OUTDIR defaults to the repository).
set -euo pipefail
build=$(cd "${1:?usage: bench/perf/run.sh BUILD_DIR [ROUNDS] [OUTDIR]}" && pwd)
rounds=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
work_rounds=${PK_PERF_WORK:-30}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
log=$build/bench/perf.log
: >"$log"
qemu_us() {
	python3 "$repo/tools/qemu_run.py" --image "$build/bin/guest.elf" --smp 1 --expect none \
		--cmdline "run=perfcheck perfcheck_rounds=$work_rounds $1" |
		sed -n 's/^perfcheck: .* in \([0-9]*\) us$/\1/p'
}
for i in $(seq 1 "$rounds"); do
	echo "BENCH perf qemu none $i $(qemu_us '')" >>"$log"
	for hz in 1000 10000; do
		echo "BENCH perf qemu timer-$hz $i $(qemu_us "perf=timer:$hz")" >>"$log"
	done
done
printf 'N=%s\nR=%s\n. ./inside.sh\n' "$rounds" "$work_rounds" >"$stage/bench.sh"
bench_nested "$stage/nested.log" "$stage/bench.sh" --file "$repo/bench/perf/inside.sh"
cat "$stage/nested.log" >>"$log"
python3 "$repo/bench/perf/report.py" "$log" "$out/bench/results/perf.csv" "$stage/perf.dat"
gnuplot -e "dat='$stage/perf.dat'; out='$out/plots/perf'" "$repo/plots/perf.gp"
echo "bench/perf: wrote $out/bench/results/perf.csv, $out/plots/perf.svg, $out/plots/perf.png"
