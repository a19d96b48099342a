#!/bin/bash
# bench/apps/run.sh BUILD_DIR [ROUNDS] [OUTDIR] - the `apps` suite of `make
# bench`: the same static programs (bench/apps/appbench.c, glibc and musl)
# natively in the nested-KVM L1 and under `vmm --share ... PROGRAM` in the
# same L1 boot, ROUNDS (default 5) alternating rounds: getpid vs an indirect
# call, 64 B / 4 KiB / 1 MiB reads from a shared file, mutex + condvar
# ping-pong, a condvar barrier, thread spawn + join, and an integer loop as
# the control. Environment: PK_APPS_BUDGET (seconds a timing, 0.2),
# PK_APPS_LIBCS ("glibc musl"; the ones built). Writes
# OUTDIR/bench/results/apps.csv and OUTDIR/plots/apps.svg/.png (OUTDIR
# defaults to the repository; the bench-smoke test points it at the build).
set -euo pipefail
build=$(cd "${1:?usage: bench/apps/run.sh BUILD_DIR [ROUNDS] [OUTDIR]}" && pwd)
rounds=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
libcs="" files=()
for libc in ${PK_APPS_LIBCS:-glibc musl}; do
	p=$build/bench/apps/appbench.$libc
	if [ -x "$p" ]; then
		libcs="$libcs $libc" files+=(--file "$p")
	else
		echo "bench/apps: $p not built (musl-tools missing?): skipped" >&2
	fi
done
[ -n "$libcs" ] || {
	echo "bench/apps: no appbench program in $build/bench/apps (cmake --build $build)" >&2
	exit 1
}
printf 'N=%s\nB=%s\nLIBCS="%s"\n. ./inside.sh\n' "$rounds" "${PK_APPS_BUDGET:-0.2}" "$libcs" \
	>"$stage/bench.sh"
log=$build/bench/apps.log
bench_nested "$log" "$stage/bench.sh" --file "$build/bench/timeit" \
	--file "$repo/bench/apps/inside.sh" "${files[@]}"
python3 "$repo/bench/apps/report.py" "$log" "$out/bench/results/apps.csv" "$stage/apps.dat"
gnuplot -e "dat='$stage/apps.dat'; out='$out/plots/apps'" "$repo/plots/apps.gp"
echo "bench/apps: wrote $out/bench/results/apps.csv, $out/plots/apps.svg, $out/plots/apps.png"
