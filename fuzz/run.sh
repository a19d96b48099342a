#!/bin/sh
# fuzz/run.sh - run the libFuzzer targets built in BUILD/fuzz (fuzz/CMakeLists.txt).
#   run.sh check NAME BIN SEEDS WORKDIR RUNS [SKIP_REASON]
#       the CTest (label fuzz): RUNS executions from the committed seeds,
#       fixed seed, new inputs kept under WORKDIR (never in SEEDS). A crash,
#       leak, UB report or hang fails and names the reproducer.
#   run.sh fuzz BUILD SECONDS [NAME]
#       `make fuzz`: every target (or NAME) for SECONDS, growing the corpus
#       in BUILD/fuzz/corpus/NAME, then a summary of execs and coverage.
# libFuzzer's status line: cov = coverage points (edges) hit, ft = features
# (edges x hit-count buckets), corp = inputs kept / their bytes.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# "#123 DONE cov: 45 ft: 67 corp: 8/1Kb ... exec/s: 89" -> "cov ft corp exec/s"
status_of() {
	grep -E '^#[0-9]+' "$1" | tail -n 1 |
		awk '{ for (i = 1; i < NF; i++) {
			if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1)
			if ($i == "corp:") k = $(i + 1); if ($i == "exec/s:") e = $(i + 1) }
			printf "%s %s %s %s\n", c ? c : "-", f ? f : "-", k ? k : "-", e ? e : "-" }'
}

stat_of() { # stat_of LOG KEY: libFuzzer -print_final_stats value
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

# The reproducer libFuzzer wrote (crash-*, leak-*, timeout-*, oom-*), if any.
reproducer_of() {
	sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$1" | tail -n 1
}

report_failure() { # report_failure NAME BIN LOG
	echo "---- $3 (the report; whole log there) ----"
	grep -m 1 -A 14 -E 'ERROR: |runtime error:|deadly signal|ALARM|out-of-memory' "$3" ||
		tail -n 20 "$3"
	grep -E '^SUMMARY: ' "$3"
	r=$(reproducer_of "$3")
	if [ -n "$r" ]; then
		echo "FAIL fuzz.$1: reproducer $r"
		echo "  rerun: $2 $r"
	else
		echo "FAIL fuzz.$1: libFuzzer failed without a reproducer (log $3)"
	fi
}

check() {
	name=$1 bin=$2 seeds=$3 work=$4/$1 runs=$5 skip=${6:-}
	if [ -n "$skip" ]; then
		echo "SKIP fuzz.$name: $skip"
		exit 77
	fi
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz.$name: $bin is not built (cmake --build the main build)"
		exit 1
	fi
	if [ ! -d "$seeds" ] || [ -z "$(ls "$seeds")" ]; then
		echo "FAIL fuzz.$name: no seed inputs in $seeds"
		exit 1
	fi
	rm -rf "$work"
	mkdir -p "$work/new" "$work/artifacts"
	log=$work/log
	t0=$(date +%s.%N)
	"$bin" -runs="$runs" -seed=1 -timeout=10 -max_total_time=100 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/new" "$seeds" >"$log" 2>&1
	rc=$?
	t=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	if [ "$rc" -ne 0 ]; then
		report_failure "$name" "$bin" "$log"
		exit 1
	fi
	set -- $(status_of "$log")
	execs=$(stat_of "$log" number_of_executed_units)
	# the 100 s cap may end a run early on a loaded machine: that is no
	# failure of the target unless it got under a tenth of the inputs
	# (then something made every input slow)
	note=""
	if [ -z "$execs" ] || [ "$execs" -lt $((runs / 10)) ]; then
		echo "FAIL fuzz.$name: ran ${execs:-no} inputs in the 100 s cap, wanted $runs (log $log)"
		exit 1
	elif [ "$execs" -lt "$runs" ]; then
		note=" (the 100 s cap stopped it before $runs: a loaded machine)"
	fi
	echo "PASS fuzz.$name: $execs execs from $(ls "$seeds" | wc -l) seeds in ${t}s," \
		"cov $1 ft $2 corp $3$note"
}

fuzz() {
	build=$1 secs=$2 only=${3:-}
	fz=$build/fuzz
	if [ ! -f "$fz/targets.txt" ]; then
		echo "fuzz: $fz/targets.txt missing: no fuzz build (clang? see the cmake output)" >&2
		exit 1
	fi
	names=$(cat "$fz/targets.txt")
	if [ -n "$only" ] && ! printf '%s\n' $names | grep -qx "$only"; then
		echo "fuzz: no target '$only' (targets: $(echo $names))" >&2
		exit 2
	fi
	mkdir -p "$fz/logs"
	summary=""
	failed=0
	for name in $names; do
		[ -z "$only" ] || [ "$only" = "$name" ] || continue
		bin=$fz/bin/fuzz_$name
		corpus=$fz/corpus/$name
		mkdir -p "$corpus" "$fz/artifacts/$name"
		log=$fz/logs/$name.log
		echo "fuzz: $name for ${secs}s (corpus $corpus, log $log)"
		"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$fz/artifacts/$name/" "$corpus" "$here/corpus/$name" \
			>"$log" 2>&1
		rc=$?
		result=ok
		if [ "$rc" -ne 0 ]; then
			report_failure "$name" "$bin" "$log"
			result="FAILED($(reproducer_of "$log"))"
			failed=1
		fi
		st=$(status_of "$log")
		execs=$(stat_of "$log" number_of_executed_units)
		summary="$summary$(printf '%-12s %12s %8s %8s %14s %9s  %s' "$name" "${execs:--}" $st \
			"$result")
"
	done
	echo
	printf '%-12s %12s %8s %8s %14s %9s  %s\n' target execs cov ft corp/bytes exec/s result
	printf '%s' "$summary"
	exit $failed
}

mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
check) check "$@" ;;
fuzz) fuzz "$@" ;;
*)
	echo "usage: $0 check NAME BIN SEEDS WORKDIR RUNS [SKIP_REASON] | fuzz BUILD SECONDS [NAME]" >&2
	exit 2
	;;
esac
