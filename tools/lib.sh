# tools/lib.sh - the one shell library of the test, bench and run glue
# (sourced, POSIX sh, busybox-safe: the nested-KVM L1 runs the suites with
# busybox sh, which get this file copied in as ./lib.sh).
#   t_*: kvm-unit-tests style checks: one "PASS name" / "FAIL name: why" /
#        "SKIP name: why" line per check and one summary line "N passed,
#        N failed, N skipped" at the end; t_done exits 0 only when nothing
#        failed.
#   pk_kvm_runs, pk_nested_cache: which KVM a boot uses, and where the
#        nested harness keeps its Debian kernel.
#   pk_perfcheck_verdict: the 3:1 attribution check of run=perfcheck.
pass=${pass:-0}
fail=${fail:-0}
skipped=${skipped:-0}
retried=${retried:-0}

t_pass() { # NAME [DETAIL]
	_l0_try=0
	echo "PASS $1${2:+ ($2)}"
	pass=$((pass + 1))
}

t_fail() { # NAME [WHY]: the caller may print context lines after it
	_l0_try=0
	echo "FAIL $1${2:+: $2}"
	fail=$((fail + 1))
}

t_skip() { # NAME [WHY]
	echo "SKIP $1${2:+: $2}"
	skipped=$((skipped + 1))
}

# t_bounded SECS OUT CMD...: run CMD (stdout+stderr to OUT) for at most
# SECS seconds; status in $rc. A command still alive then is a hang: every
# thread's state, wait channel and kernel stack go into OUT, it is killed
# (rc 137), and the suite goes on instead of the whole L1 timing out.
t_bounded() {
	_secs=$1 _out=$2
	shift 2
	"$@" >"$_out" 2>&1 &
	_pid=$!
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt $((_secs * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_pid" 2>/dev/null; then
		{
			echo "t_bounded: still running after ${_secs} s: $*"
			for _t in /proc/"$_pid"/task/*; do
				echo "  thread $(cat "$_t/comm" 2>/dev/null) state $(cut -d' ' -f3 "$_t/stat" 2>/dev/null) wchan $(cat "$_t/wchan" 2>/dev/null)"
				sed 's/^/    /' "$_t/stack" 2>/dev/null | head -12
			done
		} >>"$_out"
		kill -9 "$_pid" 2>/dev/null
	fi
	wait "$_pid"
	rc=$?
}

# The nested harness's own failure: QEMU TCG's nested SVM (the L0 under
# tools/nested) now and then resumes an L2 vCPU on L1's state (L1's
# kvm_exit trace then shows the guest at an L1 kernel RIP, walking L1's
# page tables for L1's IDT), and the guest triple-faults or loops in
# nested page faults (docs/testing.md, "The nested harness's L0 fault").
# AMD SVM resets the registers on shutdown, so such a triple fault cannot
# be told from a guest's own by its dump; a loop shows at --timeout as a
# vCPU whose CR3 is not in guest RAM (vcpu_dump says so). A check that
# sees either runs
# again, at most three times, each time said on a RETRY line; a guest that
# triple-faults every time still fails, and run=triplefault (which must)
# is never retried.
_l0_try=0
t_l0_retry() { # OUT RC WHAT: 0 when the vmm run may be repeated
	[ "$_l0_try" -lt 3 ] || return 1
	# its two forms: a triple fault whose registers SVM has reset, or a
	# vCPU left looping in the host's own state until --timeout (124)
	if [ "$2" -eq 121 ] && grep -q 'triple fault (KVM_EXIT_SHUTDOWN)' "$1" &&
		grep -q 'AMD SVM reinitialises' "$1"; then
		_l0_what="$(grep -o -m1 'vCPU [0-9]*: triple fault' "$1") with the registers lost"
	elif [ "$2" -eq 124 ] && grep -q 'CR3 outside guest RAM' "$1"; then
		_l0_what="a vCPU hung in the host's state (CR3 outside guest RAM) at --timeout"
	else
		return 1
	fi
	case " $3 " in *" run=triplefault "*) return 1 ;; esac
	_l0_try=$((_l0_try + 1))
	retried=$((retried + 1))
	echo "RETRY $_l0_try: $_l0_what (nested SVM, docs/testing.md): $3"
}

# t_vmm SECS OUT ./vmm ARGS...: t_bounded for one vmm run, with t_l0_retry
t_vmm() {
	_vs=$1 _vo=$2
	shift 2
	while :; do
		t_bounded "$_vs" "$_vo" "$@"
		t_l0_retry "$_vo" "$rc" "$*" || return 0
	done
}

# t_vmm_io OUT ERR ./vmm ARGS...: one vmm run with stdout in OUT and
# stderr in ERR (checks that read them apart), its status in rc; repeated
# on the L0's triple fault as t_vmm is
t_vmm_io() {
	_vo=$1 _ve=$2
	shift 2
	while :; do
		"$@" >"$_vo" 2>"$_ve"
		rc=$?
		t_l0_retry "$_ve" "$rc" "$*" || return 0
	done
}

t_done() { # the summary line and the exit status
	[ "$retried" -eq 0 ] || echo "note: $retried vmm runs retried after the nested SVM fault (docs/testing.md)"
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}

# pk_kvm_runs VMM ELF: does this host's /dev/kvm run the kernel? (a quick
# run=probe boot decides: a software KVM may open but not run it)
pk_kvm_runs() {
	[ -e /dev/kvm ] && "$1" -c 1 -m 64M --timeout 20 "$2" -- run=probe >/dev/null 2>&1
}

# pk_nested_cache BUILD: the nested harness's cache (PK_NESTED_CACHE wins)
pk_nested_cache() {
	echo "${PK_NESTED_CACHE:-${HOME:-$1}/.cache/perfkern/nested}"
}

# pk_perfcheck_verdict REPORT: kperf report's text for run=perfcheck, whose
# perfcheck_hot_a / perfcheck_hot_b do 3:1 work. Prints "ok A:B = R" when
# they rank first and second with R within 3 +-15%, else the reason.
# Samples of an idle CPU (the executor loop halted in cpu_idle_hlt) do not
# compete.
pk_perfcheck_verdict() {
	awk '
		/^ *[0-9.]+% / && $3 != "sched_executor_loop" && $3 !~ /^cpu_idle_/ {
			n++; sym[n] = $3; cnt[$3] = $2
		}
		END {
			a = cnt["perfcheck_hot_a"]; b = cnt["perfcheck_hot_b"]
			if (sym[1] != "perfcheck_hot_a" || sym[2] != "perfcheck_hot_b") {
				print "ranking " sym[1] ", " sym[2]; exit
			}
			r = a / b
			if (r < 2.55 || r > 3.45) { printf "ratio %.2f outside 3 +-15%%\n", r; exit }
			printf "ok %d:%d = %.2f\n", a, b, r
		}' "$1"
}
