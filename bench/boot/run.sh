#!/bin/bash
# bench/boot/run.sh BUILD_DIR [ROUNDS] [OUTDIR] - the `boot` suite of `make bench`:
# one nested-KVM L1 boot running ROUNDS (default 10) alternating
# boot-to-exit measurements of the vmm, the floor loader and QEMU microvm on
# the same guest, plus the hypercall-vs-raw-exit cost. Writes
# OUTDIR/bench/results/boot.csv and OUTDIR/plots/boot.svg/.png (OUTDIR
# defaults to the repository; the bench-smoke test points it at the build).
set -euo pipefail
build=$(cd "${1:?usage: bench/boot/run.sh BUILD_DIR [ROUNDS]}" && pwd)
rounds=${2:-10}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/roms"
for rom in bios-microvm.bin pvh.bin linuxboot_dma.bin kvmvapic.bin; do
	cp -L "/usr/share/qemu/$rom" "$stage/roms/"
done
printf 'N=%s\n. ./inside.sh\n' "$rounds" >"$stage/bench.sh"
log=$build/bench/boot.log
bench_nested "$log" "$stage/bench.sh" \
	--file "$build/bench/boot_floor" --file "$build/bench/timeit" \
	--file "$repo/bench/boot/inside.sh" --file "$(command -v qemu-system-x86_64)" \
	--file "$stage/roms:roms/"
python3 "$repo/bench/boot/report.py" "$log" "$out/bench/results/boot.csv" "$stage/boot.dat"
gnuplot -e "dat='$stage/boot.dat'; out='$out/plots/boot'" "$repo/plots/boot.gp"
echo "bench/boot: wrote $out/bench/results/boot.csv, $out/plots/boot.svg, $out/plots/boot.png"
