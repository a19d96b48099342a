#!/bin/sh
# bench/perf/inside.sh - runs inside the nested-KVM L1 (bench/perf/run.sh):
# N alternating rounds of the same run=perfcheck work on 1 vCPU without
# sampling, with vmm-side sampling and with guest LAPIC-timer sampling
# (rings handed over by perf_flush) at 1 kHz and 10 kHz.
# Prints "BENCH perf nested VARIANT ROUND US" lines (the guest's own timing
# of the work, TSC-based, so vmm start-up is not part of it).
set -u
N=${N:-5}
R=${R:-30}
t() {
	./vmm -c 1 -m 64M "$@" 2>/dev/null | sed -n 's/^perfcheck: .* in \([0-9]*\) us$/\1/p'
}
i=1
while [ "$i" -le "$N" ]; do
	echo "BENCH perf nested none $i $(t guest.elf -- run=perfcheck perfcheck_rounds=$R)"
	for hz in 1000 10000; do
		echo "BENCH perf nested vmm-$hz $i $(t --perf /tmp/b.pkperf --perf-freq $hz guest.elf \
			-- run=perfcheck perfcheck_rounds=$R)"
		echo "BENCH perf nested timer-$hz $i $(t --perf /tmp/b.pkperf --perf-freq 0 guest.elf \
			-- run=perfcheck perfcheck_rounds=$R perf=timer:$hz)"
	done
	i=$((i + 1))
done
