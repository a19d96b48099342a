#!/bin/sh
# tests/perf/perf_qemu.sh IMAGE KPERF WORKDIR - profiling end to end on the
# PC platform: QEMU TCG (no PMU) boots run=perfcheck with guest LAPIC-timer
# sampling, the rings come back as framed blobs on the serial line, and
# kperf must rank perfcheck_hot_a / perfcheck_hot_b first and second with a
# sample ratio within +-15% of their 3:1 work. Then report --folded,
# annotate and plot on the same log, and a corrupted log is refused.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tools/lib.sh"
image=$1
kperf=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
log=$work/serial.log
python3 "$here/tools/qemu_run.py" --image "$image" --smp 2 \
	--cmdline "run=perfcheck perfcheck_rounds=60 perf=timer:1000" --expect none \
	--expect-line '^perf: LAPIC timer sampling' --expect-line '^PKBLOB-END perf.cpu0$' \
	--log "$log" >/dev/null
"$kperf" report -i "$log" -k "$image" | tee "$work/report.txt"
verdict=$(pk_perfcheck_verdict "$work/report.txt")
case "$verdict" in
ok*) echo "attribution: perfcheck_hot_a:perfcheck_hot_b ${verdict#ok }" ;;
*)
	echo "FAIL attribution: $verdict"
	exit 1
	;;
esac
# --sort cpu splits by CPU; folded stacks carry the whole chain
"$kperf" report -i "$log" -k "$image" --sort cpu | grep -qE '^ +[0-9.]+% +[0-9]+  0	perfcheck_hot_a$'
"$kperf" report -i "$log" -k "$image" --folded >"$work/folded.txt"
grep -qE '^kernel_start64;kernel_main;app_main;perfcheck_run;perfcheck_rounds;perfcheck_hot_a [0-9]+$' \
	"$work/folded.txt"
# annotate: the hot loop's instructions carry the samples
"$kperf" annotate -i "$log" -k "$image" perfcheck_hot_a >"$work/annotate.txt"
grep -qE '^ +[0-9.]+% +[0-9]+ +ffffffff8[0-9a-f]+:' "$work/annotate.txt"
# plot: SVG and PNG charts
"$kperf" plot -i "$log" -k "$image" -o "$work/perfcheck"
for f in timeline top; do
	[ -s "$work/perfcheck-$f.svg" ] && [ -s "$work/perfcheck-$f.png" ] ||
		{ echo "FAIL plot: no perfcheck-$f.svg/png"; exit 1; }
done
# a corrupted log: a clear error and exit 1, never a crash
sed '/^PKBLOB perf.cpu0 /{n;s/^./#/}' "$log" >"$work/bad.log"
if "$kperf" report -i "$work/bad.log" -k "$image" >"$work/bad.out" 2>&1; then
	echo "FAIL kperf accepted a corrupted log"
	exit 1
fi
grep -q 'perf.cpu0' "$work/bad.out"
echo "perf qemu: PASS"
