#!/bin/bash
# bench/heap/run.sh BUILD_DIR [REPEATS] [OUTDIR] [BUDGET_S] - the `heap` suite
# of `make bench`: build/bench/bench_heap's benchmarks (its own and the
# mimalloc-bench shapes of bench/heap/shapes.c) under glibc,
# libkheap.so, mimalloc, jemalloc and tcmalloc (LD_PRELOAD), interleaved in
# one run (every repeat runs every allocator once per bench), medians of
# REPEATS (default 5). Writes OUTDIR/bench/results/heap.csv and
# OUTDIR/plots/heap.svg/.png (OUTDIR defaults to the repository; the
# bench-smoke test points it at the build) and prints the table.
set -euo pipefail
build=$(cd "${1:?usage: bench/heap/run.sh BUILD_DIR [REPEATS] [OUTDIR] [BUDGET_S]}" && pwd)
repeats=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
budget=${4:-0.3}
bin=$build/bench/bench_heap
[ -x "$bin" ] || { echo "bench/heap: $bin missing (make build)" >&2; exit 1; }
mkdir -p "$out/bench/results" "$out/plots"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

libdir=/usr/lib/x86_64-linux-gnu
allocs="glibc= kheap=$build/lib/libkheap.so mimalloc=$libdir/libmimalloc.so.2 \
jemalloc=$libdir/libjemalloc.so.2 tcmalloc=$libdir/libtcmalloc_minimal.so.4"
# BENCH_HEAP_ONLY="mstress xmalloc" runs a subset (profiling rounds)
benches=${BENCH_HEAP_ONLY:-"st prodcons larson cscratch realloc rss mstress xmalloc cthrash gthread sh6 sh8 alloctest larsonr large"}
raw=$stage/raw.txt
: >"$raw"
for r in $(seq 1 "$repeats"); do
	for b in $benches; do
		for a in $allocs; do
			name=${a%%=*}
			lib=${a#*=}
			if [ -n "$lib" ] && [ ! -f "$lib" ]; then
				echo "$name $b $r missing" >>"$raw"
				continue
			fi
			res=$(LD_PRELOAD=$lib timeout 120 "$bin" "$b" "$budget") ||
				res="failed"
			echo "$name $b $r $res" >>"$raw"
		done
	done
done
python3 "$repo/bench/heap/report.py" "$raw" "$out/bench/results/heap.csv" "$stage/heap.dat" "$budget"
gnuplot -e "dat='$stage/heap.dat'; out='$out/plots/heap'" "$repo/plots/heap.gp"
echo "bench/heap: wrote $out/bench/results/heap.csv, $out/plots/heap.svg, $out/plots/heap.png"
